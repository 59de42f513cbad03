"""What an ``OSError`` met while writing the vault means, in one line the user can act on.

One error path for every write of a run: a clip the system refuses to replace (immutable or
append-only, ``chattr +i``/``+a``; a folder without write permission; a read-only file system) is
named with the reason and left as it was, and the run goes on. A full disk (ENOSPC, or EDQUOT: over
quota) stops the run with one line (:func:`disk_full`), since every later write would fail the same way.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from vaulttool.errors import DiskFullError

__all__ = ["is_full", "describe", "disk_full", "mount_of"]

FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FULL


def describe(exc: OSError) -> str:
    """Why the system refused a write, and what to do about it."""
    if exc.errno == errno.EPERM:
        return ("the system does not permit it (an immutable or append-only file or folder? "
                "`lsattr` shows it, `chattr -i`/`-a` lifts it)")
    if exc.errno == errno.EACCES:
        return "no permission to write there (check the file's and its folder's permissions)"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno == errno.ENAMETOOLONG:
        return "a name too long for this file system"
    return exc.strerror or str(exc)


def mount_of(path: str | os.PathLike) -> str:
    """The mount point holding ``path`` (the top folder on its device)."""
    p = Path(os.path.realpath(path))
    try:
        dev = p.stat().st_dev
    except OSError:
        return str(p)
    while p.parent != p:
        try:
            if p.parent.stat().st_dev != dev:
                break
        except OSError:
            break
        p = p.parent
    return str(p)


def disk_full(vault_root: str | os.PathLike, left: int | None = None, what: str = "") -> DiskFullError:
    """The one line a run ends with on a full disk."""
    where = mount_of(vault_root)
    at = f" (vault {vault_root})" if str(vault_root) != where else ""
    parts = [f"no space left on {where}{at}"]
    if left is not None:
        parts.append(f"{left} clip{'s' if left != 1 else ''} left as they were")
    if what:
        parts.append(what)
    return DiskFullError(": ".join(parts[:2]) + "".join(f"; {p}" for p in parts[2:]) +
                         "; nothing was deleted: free some space and run again")
