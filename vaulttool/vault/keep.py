"""Names for what vaulttool must keep and cannot put where it was: a save of the user's that landed
while vaulttool replaced the note is kept beside it, under a visible name that fits the file system.

Linux and Android take 255 bytes of UTF-8 per name, macOS 255 UTF-16 units, Windows 255 characters,
eCryptfs 143 bytes: the name is cut (in the note's stem, at a character boundary) to fit all of them.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from vaulttool.errors import NoteError, VaultToolError
from vaulttool.vault.noreplace import rename_noreplace

__all__ = ["KEPT_MARK", "fit_name", "keep_beside"]

KEPT_MARK = "saved while vaulttool wrote it"


def fit_name(stem: str, tail: str, limit: int = 255) -> str:
    """``stem + tail``, ``stem`` cut at a character boundary so that the name takes at most ``limit``
    bytes in UTF-8 and ``limit`` characters: a name Linux, Android, macOS and Windows all take."""
    budget = limit - len(os.fsencode(tail))
    while stem and (len(os.fsencode(stem)) > budget or len(stem) + len(tail) > limit):
        stem = stem[:-1]
    return stem.rstrip(" .") + tail


def _name_max(folder: Path) -> int:
    try:
        return min(255, os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def keep_beside(path: Path, tmp: Path, spare=None) -> str:
    """Give the file at ``tmp`` (a user's save) a visible name beside ``path`` that no file has yet and
    that fits the file system; returns where it is now. Where the folder takes no new name (made
    immutable, a file system gone read-only), a copy is kept in ``spare`` (a ``(StateFiles, folder)`` pair: ``.vaulttool/saved/``) and
    that is returned. Raises NoteError (``tmp`` left as it is, named in the message) when neither
    could be done."""
    limit = _name_max(path.parent)
    suffix = path.suffix if len(os.fsencode(path.suffix)) <= 16 else ""
    stem = path.name[:-len(suffix)] if suffix else path.name
    problem = "every name taken"
    for n in range(1, 1000):
        mark = f" ({KEPT_MARK}{'' if n == 1 else f' {n}'}){suffix}"
        for cut in dict.fromkeys((limit, 143)):  # 143: eCryptfs and other encrypting file systems
            keep = path.with_name(fit_name(stem, mark, cut))
            try:
                rename_noreplace(tmp, keep)
                return keep.name
            except FileExistsError:
                continue
            except OSError as exc:
                problem = exc.strerror or str(exc)
                if exc.errno != errno.ENAMETOOLONG:
                    break
        else:
            continue
        break
    if spare is not None:
        try:
            return _copy_to(tmp, spare, fit_name(f"{time.strftime('%Y%m%d-%H%M%S')} {stem}", suffix or ".md"))
        except (OSError, NoteError, VaultToolError) as exc:
            problem += f"; no copy in .vaulttool/{spare[1]} either: {exc.strerror or exc}"
    raise NoteError(path.name, f"a save made while vaulttool wrote it could not be given a name of its own "
                               f"({problem}): it is kept as {tmp}; move it somewhere safe")


def _copy_to(src: Path, spare, name: str) -> str:
    """Copy ``src`` into ``spare`` (a ``(StateFiles, folder)`` pair) under ``name`` or a free variant."""
    files, folder = spare
    return str(files.write_new(f"{folder}/{name}", src.read_bytes()))
