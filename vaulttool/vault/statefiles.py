"""The one way vaulttool opens its own files in ``.vaulttool/``: never through a symlink, never out of
the vault.

A vault that was cloned, shared or synced may carry a ``.vaulttool/`` prepared by someone else: an
originals blob, a shard folder, ``manifest.jsonl`` or a lock temp file that is a symlink to a file
outside the vault would have vaulttool write there. Here every folder on the way is opened relative to
the one before it (``openat``) with ``O_NOFOLLOW | O_DIRECTORY``, starting from the vault root, and the
file itself with ``O_NOFOLLOW``: a symlink anywhere on the way is refused (:class:`StateError`), so the
path cannot leave the vault. A file vaulttool appends to must also be a regular file with a single
name (a hard link to a file elsewhere is refused); whole files are written to a temp file and renamed
over the old name, which replaces a planted link instead of writing through it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat as statmod
from pathlib import Path

from vaulttool.config import STATE_DIR
from vaulttool.errors import StateError


def write_all(fd: int, data: bytes, *, durable: bool) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may write less), then fsync if ``durable``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    if durable:
        os.fsync(fd)

__all__ = ["StateFiles", "StateError", "write_all"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
_LINKED = (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)


class StateFiles:
    """Files under ``<root>/<name>/`` (``.vaulttool/`` of the vault ``root``), by relative path."""

    def __init__(self, root: str | os.PathLike, name: str = STATE_DIR):
        self.root = Path(os.path.realpath(root))
        self.name = name
        self.base = self.root / name

    def path(self, rel: str) -> Path:
        return self.base / rel

    def _refuse(self, shown: str, exc: OSError) -> StateError:
        what = "has a second name (a hard link)" if exc.errno == errno.EMLINK else \
            "is a symlink (or not a plain folder or file)"
        return StateError(f"{(self.base / shown) if shown else self.base}: {what}: vaulttool does not "
                          f"write through links in {self.name}/; remove it (a vault copied from elsewhere?) "
                          "and run again")

    @contextlib.contextmanager
    def _folder(self, parts: list[str], create: bool):
        """A file descriptor of the folder ``.vaulttool/<parts...>``, each step opened without
        following a link. Raises FileNotFoundError (when not ``create``) or StateError."""
        fd = os.open(self.root, _DIR_FLAGS & ~os.O_NOFOLLOW)  # the root itself is the resolved vault
        try:
            done = []
            for part in [self.name, *parts]:
                if part in ("", ".", "..") or "/" in part:
                    raise StateError(f"{self.base}: not a name of vaulttool's: {part!r}")
                done.append(part)
                try:
                    nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                    try:
                        nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
                    except OSError as exc:
                        if exc.errno in _LINKED:
                            raise self._refuse("/".join(done[1:]), exc) from None
                        raise
                except OSError as exc:
                    if exc.errno in _LINKED:
                        raise self._refuse("/".join(done[1:]), exc) from None
                    raise
                os.close(fd)
                fd = nxt
            yield fd
        finally:
            os.close(fd)

    @staticmethod
    def _split(rel: str) -> tuple[list[str], str]:
        parts = rel.split("/")
        return parts[:-1], parts[-1]

    def _open_in(self, dfd: int, name: str, flags: int, mode: int, rel: str) -> int:
        try:
            fd = os.open(name, flags | _NOFOLLOW, mode, dir_fd=dfd)
        except OSError as exc:
            if exc.errno in _LINKED:
                raise self._refuse(rel, exc) from None
            raise
        st = os.fstat(fd)
        if not statmod.S_ISREG(st.st_mode) or (flags & (os.O_WRONLY | os.O_RDWR) and st.st_nlink > 1):
            os.close(fd)
            raise self._refuse(rel, OSError(errno.EMLINK if statmod.S_ISREG(st.st_mode) else errno.ELOOP, ""))
        return fd

    # -- reading -------------------------------------------------------------------------------
    def read(self, rel: str) -> bytes:
        """The bytes of ``.vaulttool/<rel>``; FileNotFoundError when it is missing, StateError when it
        is a link."""
        folders, name = self._split(rel)
        with self._folder(folders, create=False) as dfd:
            fd = self._open_in(dfd, name, os.O_RDONLY, 0, rel)
        with os.fdopen(fd, "rb") as fh:
            return fh.read()

    def size(self, rel: str) -> int | None:
        """The size of a regular file at ``rel`` (None: missing, or a link, which is not followed)."""
        folders, name = self._split(rel)
        try:
            with self._folder(folders, create=False) as dfd:
                st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except (OSError, StateError):
            return None
        return st.st_size if statmod.S_ISREG(st.st_mode) else None

    def exists(self, rel: str) -> bool:
        folders, name = self._split(rel)
        try:
            with self._folder(folders, create=False) as dfd:
                os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except (OSError, StateError):
            return False
        return True

    # -- writing -------------------------------------------------------------------------------
    def open(self, rel: str, flags: int = os.O_RDWR | os.O_CREAT, mode: int = 0o644) -> int:
        """A file descriptor of ``.vaulttool/<rel>`` (folders created), opened without following a
        link; a file opened for writing must be a regular file with one name."""
        folders, name = self._split(rel)
        with self._folder(folders, create=bool(flags & os.O_CREAT)) as dfd:
            return self._open_in(dfd, name, flags, mode, rel)

    def append(self, rel: str, data: bytes, *, durable: bool = True) -> None:
        """Append ``data`` (whole lines) to ``rel``; a line a crash cut short gets its newline first,
        so that the next line is not glued to it."""
        fd = self.open(rel, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            write_all(fd, data, durable=durable)
        finally:
            os.close(fd)

    def write(self, rel: str, data: bytes, *, durable: bool = True, tmp_name: str | None = None) -> None:
        """Write the whole of ``rel`` atomically: a temp file in the same folder, renamed over it (a
        planted link at ``rel`` is replaced, never written through). Temp files are dot-named
        ``*.tmp`` (removed by the next run when a crash leaves one)."""
        folders, name = self._split(rel)
        tmp = tmp_name or f".{name}.{os.getpid()}-{os.urandom(3).hex()}.tmp"
        with self._folder(folders, create=True) as dfd:
            for attempt in (1, 2):
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=dfd)
                    break
                except FileExistsError:  # a temp file of a killed run of this pid (or a planted link)
                    if attempt == 2:
                        raise
                    os.unlink(tmp, dir_fd=dfd)
            try:
                try:
                    write_all(fd, data, durable=durable)
                finally:
                    os.close(fd)
                os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=dfd)
                raise

    def write_new(self, rel: str, data: bytes) -> Path:
        """Create ``rel`` (or ``name 2``, ``name 3``... when it exists) with ``data``, fsynced; the path."""
        folders, name = self._split(rel)
        stem, dot, ext = name.rpartition(".")
        stem, ext = (stem, dot + ext) if dot and stem else (name, "")
        with self._folder(folders, create=True) as dfd:
            for n in range(1, 1000):
                candidate = name if n == 1 else f"{stem} {n}{ext}"
                try:
                    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=dfd)
                except FileExistsError:
                    continue
                try:
                    write_all(fd, data, durable=True)
                except BaseException:
                    os.close(fd)
                    with contextlib.suppress(OSError):
                        os.unlink(candidate, dir_fd=dfd)
                    raise
                os.close(fd)
                return self.base.joinpath(*folders, candidate)
        raise FileExistsError(errno.EEXIST, "every name taken", str(self.path(rel)))

    def unlink(self, rel: str) -> bool:
        """Remove ``rel`` (a link is removed, not followed); False when it was not there."""
        folders, name = self._split(rel)
        try:
            with self._folder(folders, create=False) as dfd:
                os.unlink(name, dir_fd=dfd)
        except FileNotFoundError:
            return False
        return True
