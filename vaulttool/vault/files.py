"""Vault file I/O: finding the vault, walking it, reading notes, and writing them safely.

Every write goes to a dot-named temp file in the same folder (ignored by Obsidian and by vaulttool's
own walker), is fsynced, and replaces the note atomically, but only after checking that the note still
holds the bytes that were read. Nothing is ever written outside the vault root.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import stat as statmod
import unicodedata
from pathlib import Path

from vaulttool.config import STATE_DIR, Config
from vaulttool.errors import NoteError, UsageError
from vaulttool.vault.keep import keep_beside as _keep_beside
from vaulttool.vault.noreplace import exchange, rename_noreplace
from vaulttool.vault.oserrors import describe, is_full
from vaulttool.vault.statefiles import StateFiles, write_all
from vaulttool.vault.walk import ALWAYS_IGNORED, TMP_SUFFIX, UNSTATED, FileStat, Walk, walk
from vaulttool.vault.writers import open_for_writing

__all__ = ["Vault", "find_vault", "is_marked", "Walk", "FileStat", "UNSTATED", "ChangedUnderUs", "digest", "TMP_SUFFIX"]


class ChangedUnderUs(NoteError):
    """The note changed between reading and replacing it: it was left as it is."""


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def is_marked(folder: Path) -> bool:
    """Whether ``folder`` says it is a vault: it holds ``.obsidian/`` (Obsidian's) or ``.vaulttool/``."""
    return (folder / ".obsidian").is_dir() or (folder / STATE_DIR).is_dir()


def find_vault(explicit: str | None, start: Path | None = None) -> Path:
    """The vault root: ``explicit`` (``--vault`` / ``VAULTTOOL_VAULT``), else the nearest parent of
    ``start`` holding ``.obsidian/`` or ``.vaulttool/``, else ``start`` itself."""
    if explicit:
        root = Path(explicit).expanduser()
        if not root.is_dir():
            raise UsageError(f"not a vault: {explicit} is not a folder")
        return root.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_marked(folder):
            return folder
    return here


class Vault:
    def __init__(self, root: Path, config: Config):
        self.root = Path(os.path.realpath(root))
        self.config = config
        self.state = self.root / STATE_DIR
        self.statefiles = StateFiles(self.root)  # the only way into .vaulttool/ (no links followed)
        self.linked: set[str] = set()  # notes the last walk found under a second name (hard links)
        self._inside: dict[str, bool] = {}  # folder -> resolves inside the vault (see recheck_folders)

    # -- paths -------------------------------------------------------------------------------
    def recheck_folders(self) -> None:
        """Forget which folders were found to lie inside the vault: each run asks again, so that a
        long-lived ``watch`` sees a folder swapped for a symlink to outside since its last run."""
        self._inside.clear()

    def abs(self, rel: str) -> Path:
        """The absolute path of a vault-relative path; refuses anything that would leave the vault."""
        if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel:
            raise UsageError(f"not a path inside the vault: {rel!r}")
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise UsageError(f"not a path inside the vault: {rel!r}")
        path = self.root.joinpath(*parts)
        folder = "/".join(parts[:-1])
        inside = self._inside.get(folder)
        if inside is None:
            parent = os.path.realpath(path.parent)
            inside = parent == str(self.root) or parent.startswith(str(self.root) + os.sep)
            if inside and os.path.isdir(parent):
                self._inside[folder] = True  # known folders only: one that does not exist yet is asked again
        if not inside:
            raise UsageError(f"{rel}: its folder leads outside the vault (symlink?)")
        return path

    def _inside_rel(self, p: Path) -> str | None:
        """The vault-relative form of an absolute path, or None when it lies outside the vault."""
        real = Path(os.path.realpath(p.parent)) / p.name
        try:
            rel = real.relative_to(self.root).as_posix()
        except ValueError:
            return None
        return "" if rel == "." else rel

    def rel(self, path: Path | str) -> str:
        """The vault-relative, ``/``-separated form of a path given on the command line. One rule for
        every command: relative to the current folder when that file exists there (inside the vault),
        else relative to the vault; when neither holds, the message names both."""
        p = Path(path).expanduser()
        if p.is_absolute():
            rel = self._inside_rel(p)
            if rel is None:
                raise UsageError(f"{path}: not inside the vault {self.root}")
            return rel
        here = Path.cwd() / p
        here_rel = self._inside_rel(here) if os.path.lexists(here) else None
        if here_rel is not None:
            return here_rel
        there = self.root / p
        if os.path.lexists(there):
            rel = self._inside_rel(there)
            if rel is None:
                raise UsageError(f"{path}: its folder leads outside the vault {self.root} (symlink?)")
            return rel
        if os.path.lexists(here):
            raise UsageError(f"{path}: not inside the vault {self.root}")
        raise UsageError(f"{path}: no such file or folder, neither in the current folder ({Path.cwd()}) "
                         f"nor in the vault ({self.root})")

    def guess_rel(self, path: Path | str) -> str | None:
        """The vault-relative form a path given on the command line would have, whether or not it
        exists (relative to the current folder when that lies in the vault, else to the vault)."""
        p = Path(path).expanduser()
        if not p.is_absolute():
            here = self._inside_rel(Path.cwd() / p)
            if here:
                return here
            parts = [q for q in p.as_posix().split("/") if q not in ("", ".")]
            return "/".join(parts) if parts and ".." not in parts else None
        return self._inside_rel(p) or None

    def note_arg(self, arg: str) -> str:
        """A NOTE given on the command line, as the index names it: a file of the current folder
        becomes its vault path; anything else (a vault path, a name as in a wikilink) is kept."""
        p = Path(arg).expanduser()
        here = p if p.is_absolute() else Path.cwd() / p
        if here.is_file():
            rel = self._inside_rel(here)
            if rel:
                return rel
        return arg

    def ignored(self, rel: str) -> bool:
        parts = rel.split("/")
        if any(p.startswith(".") or p in ALWAYS_IGNORED for p in parts):
            return True
        return any(fnmatch.fnmatchcase(rel, g) for g in self.config.ignore)

    def is_page(self, rel: str) -> bool:
        return rel.startswith(self.config.pages_folder + "/")

    # -- walking -----------------------------------------------------------------------------
    def walk(self) -> Walk:
        """Every note, page, attachment and problem file of the vault (see :mod:`vaulttool.vault.walk`)."""
        found = walk(self.root, self.config.pages_folder, self.config.ignore)
        self.linked = found.linked  # notes with a second name here: not rewritten (see Run)
        return found

    # -- reading -----------------------------------------------------------------------------
    def _open(self, rel: str, path: Path) -> int:
        """Open a note for reading without blocking (a FIFO swapped in) and without following a
        symlink out of the vault (one swapped in after the walk). Raises NoteError."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            try:
                fd = os.open(path, flags)
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                real = os.path.realpath(path)
                if not real.startswith(str(self.root) + os.sep):
                    raise NoteError(rel, "is a symlink to outside the vault: not followed") from None
                fd = os.open(real, flags)
        except FileNotFoundError:
            raise NoteError(rel, "disappeared before it could be read") from None
        except PermissionError:
            raise NoteError(rel, "no permission to read it") from None
        except OSError as exc:
            raise NoteError(rel, f"cannot open: {exc.strerror}") from None
        st = os.fstat(fd)
        if not statmod.S_ISREG(st.st_mode):
            os.close(fd)
            kind = "a folder" if statmod.S_ISDIR(st.st_mode) else "not a regular file"
            raise NoteError(rel, f"is {kind}, not a note: skipped")
        return fd

    def _read_fd(self, fd: int, limit: int) -> bytes:
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)

    def read(self, rel: str) -> tuple[bytes, os.stat_result]:
        """The bytes of a note and the stat they belong to. Raises :class:`NoteError`."""
        fd = self._open(rel, self.abs(rel))
        try:
            st = os.fstat(fd)
            limit = self.config.max_file_bytes
            if st.st_size > limit:
                raise NoteError(rel, f"too large ({st.st_size / 1048576:.1f} MB > max_file_mb "
                                     f"{self.config.max_file_mb:g}): skipped")
            data = self._read_fd(fd, limit)
            if len(data) > limit:
                raise NoteError(rel, f"grew past max_file_mb {self.config.max_file_mb:g} while being read")
        finally:
            os.close(fd)
        return data, st

    # -- writing -----------------------------------------------------------------------------
    def _tmp_for(self, path: Path) -> Path:
        return path.parent / f".{os.getpid()}-{os.urandom(4).hex()}{TMP_SUFFIX}"

    def write_new(self, rel: str, data: bytes, *, durable: bool = True) -> None:
        """Create ``rel`` atomically; fails (NoteError) if it already exists. ``durable=False``
        skips fsync (for generated pages, which are rebuilt from the index anyway)."""
        path = self.abs(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp_for(path)
        self._write_tmp(tmp, data, 0o644, durable)
        try:
            os.link(tmp, path)  # atomic and refuses to clobber
        except FileExistsError:
            raise NoteError(rel, "already exists: not overwritten") from None
        finally:
            _unlink(tmp)
        if durable:
            _fsync_dir(path.parent)

    def replace(self, rel: str, data: bytes, expected: str, *, mode: int | None = None,
                durable: bool = True) -> None:
        """Replace ``rel`` with ``data`` if it still holds the bytes whose digest is ``expected``."""
        tmp = self.stage(rel, data, mode=mode, durable=durable)
        self.commit(rel, tmp, expected)
        if durable:
            _fsync_dir(self.abs(rel).parent)

    def stage(self, rel: str, data: bytes, *, mode: int | None = None, durable: bool = False) -> Path:
        """Write ``data`` to a temp file beside ``rel`` (a dot-name nothing else reads). A batch of
        staged files is made durable with one :func:`sync` instead of one fsync each."""
        path = self.abs(rel)
        tmp = self._tmp_for(path)
        self._write_tmp(tmp, data, mode if mode is not None else 0o644, durable)
        return tmp

    def commit(self, rel: str, tmp: Path, expected: str, known: os.stat_result | None = None) -> None:
        """Move a staged temp file over ``rel``, but only if ``rel`` still holds the bytes whose
        digest is ``expected``; otherwise the note is left as it is (ChangedUnderUs). ``known``: the
        stat of the file those bytes were read from; when the file's inode, size, mtime and ctime are
        all still the same it was not written since, and is not read again.

        The replace itself is an exchange where the system has one: the displaced file is then read
        once more, and a save that landed between the last check and the replace (a write, or a file
        renamed over the note) is swapped back in, so that no moment is left in which it could be lost."""
        path = self.abs(rel)
        disposable = True  # tmp holds nothing but the staged bytes (or the old note, kept as an original)
        try:
            if open_for_writing(path):
                raise ChangedUnderUs(rel, "is open for writing by another program: left for a later run")
            if not self._unchanged(path, known):
                try:
                    fd = self._open(rel, path)
                except NoteError:
                    raise ChangedUnderUs(rel, "disappeared or changed kind while being processed: "
                                              "left for a later run") from None
                try:
                    current = self._read_fd(fd, self.config.max_file_bytes)
                finally:
                    os.close(fd)
                if digest(current) != expected:
                    raise ChangedUnderUs(rel, "changed while being processed: left as it is for a later run")
            staged_ino = os.lstat(tmp).st_ino
            try:
                swapped = exchange(tmp, path)
                if not swapped:
                    os.replace(tmp, path)
                    return
            except FileNotFoundError:
                raise ChangedUnderUs(rel, "disappeared while being processed: left for a later run") from None
            except OSError as exc:
                if is_full(exc):
                    raise
                raise NoteError(rel, f"cannot be replaced: {describe(exc)}: left as it was") from None
            if self._holds(tmp, expected):
                return  # tmp, now the old note (its original is kept), is removed below
            # tmp now holds a save of the user's: from here on it is never deleted, only moved
            disposable = False
            kept = self._swap_back(path, tmp, staged_ino, (self.statefiles, "saved"))
            disposable = True
            also = f"; a second save made meanwhile is kept as {kept}" if kept else ""
            raise ChangedUnderUs(rel, "was saved again at the moment it was replaced: the new version is "
                                      f"kept, and left for a later run{also}")
        finally:
            if disposable:
                try:
                    _unlink(tmp)
                except OSError:  # (a folder made read-only meanwhile: removed by the next run)
                    pass

    @staticmethod
    def _unchanged(path: Path, known: os.stat_result | None) -> bool:
        if known is None:
            return False
        try:
            now = os.lstat(path)
        except OSError:
            return False
        return statmod.S_ISREG(now.st_mode) and (now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns) == (
            known.st_ino, known.st_size, known.st_mtime_ns, known.st_ctime_ns)

    def _holds(self, path: Path, expected: str) -> bool:
        """Whether ``path`` is a regular file holding exactly the bytes whose digest is ``expected``."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            if not statmod.S_ISREG(os.fstat(fd).st_mode):
                return False
            return digest(self._read_fd(fd, self.config.max_file_bytes)) == expected
        except (OSError, NoteError):
            return False
        finally:
            os.close(fd)

    @staticmethod
    def _swap_back(path: Path, tmp: Path, staged_ino: int, spare=None) -> str:
        """Put the file an exchange displaced back at ``path``; what comes back to ``tmp`` is then the
        staged file, dropped by the caller. Should ``path`` have been replaced yet again in between,
        what comes back is not ours: it is kept under a visible name beside the note, whose name is
        returned ("" when nothing had to be kept). Raises NoteError, leaving ``tmp`` in place, only
        when no name at all could be given to it."""
        try:
            exchange(tmp, path)
        except OSError:
            return _keep_beside(path, tmp, spare)  # the save is still at tmp, our bytes at path
        try:
            back = os.lstat(tmp)
        except FileNotFoundError:
            return ""
        if back.st_ino == staged_ino:
            return ""
        return _keep_beside(path, tmp, spare)

    @staticmethod
    def discard(tmp: Path) -> None:
        _unlink(tmp)

    def rename(self, rel: str, new_rel: str, *, durable: bool = True) -> None:
        """Rename a note inside the vault without ever replacing an existing file. ``durable=False``
        leaves the directory fsync to the file system's own journal (batches: the rename journal in
        ``.vaulttool/`` completes a rename a crash interrupted)."""
        src, dst = self.abs(rel), self.abs(new_rel)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(dst):
            if not _same_file(src, dst):
                raise NoteError(new_rel, "already exists: rename skipped")
            os.rename(src, dst)  # the same file under another case or normalisation of its name
        else:
            try:
                rename_noreplace(src, dst)
            except FileExistsError:  # created between the check and the rename
                raise NoteError(new_rel, "already exists: rename skipped") from None
        if durable:
            _fsync_dir(dst.parent)

    def delete_page(self, rel: str) -> None:
        _unlink(self.abs(rel))

    @staticmethod
    def _write_tmp(tmp: Path, data: bytes, mode: int, durable: bool = True) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o777)
        try:
            write_all(fd, data, durable=durable)
        except BaseException:
            os.close(fd)
            _unlink(tmp)
            raise
        os.close(fd)

    def remove_stale_temps(self, walk: Walk | None = None) -> list[str]:
        """Delete temp files a killed run left behind (call with the vault lock held): the notes'
        dot-named ``*.vaulttool-tmp`` files, and dot-named ``*.tmp`` files in ``.vaulttool/``.
        Given the ``walk`` of this run, the notes' are those it met (the tool writes nowhere else) and
        only ``.vaulttool/`` is walked again."""
        removed = []
        state = str(self.state)
        mine = (f".{os.getpid()}-", f".lock.{os.getpid()}.")  # this process's own, possibly in use
        if walk is not None:
            for path in walk.temps:
                if not os.path.basename(path).startswith(mine):
                    _unlink(Path(path))
                    removed.append(Path(path).relative_to(self.root).as_posix())
        for dirpath, dirnames, filenames in os.walk(self.root if walk is None else state):
            dirnames[:] = [d for d in dirnames if d not in (".git", ".obsidian", ".trash")]
            in_state = dirpath == state or dirpath.startswith(state + os.sep)
            for name in filenames:
                if name.startswith(mine):
                    continue
                if name.startswith(".") and (name.endswith(TMP_SUFFIX) or (in_state and name.endswith(".tmp"))):
                    p = Path(dirpath) / name
                    _unlink(p)
                    removed.append(p.relative_to(self.root).as_posix())
        return removed


def sync() -> None:
    """Flush every written file to disk: the durability barrier of a batch of staged writes."""
    os.sync()


def nfc(rel: str) -> str:
    return unicodedata.normalize("NFC", rel)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
