"""Rename a file without ever replacing what is at the new name, atomically.

``os.rename`` replaces an existing target, so "check the name is free, then rename" loses a file that
another program creates in between. Linux has ``renameat2(RENAME_NOREPLACE)``, which fails with EEXIST
instead; where the C library or the file system lacks it, a hard link (which never replaces) followed by
unlinking the old name does the same with a moment where both names exist; where the file system has
no hard links either, the check-then-rename is all there is.
"""

from __future__ import annotations

import ctypes
import errno
import os

__all__ = ["rename_noreplace"]

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}

try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _renameat2 = _libc.renameat2
    _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    _renameat2.restype = ctypes.c_int
except (OSError, AttributeError):
    _renameat2 = None


def _via_renameat2(src: str, dst: str) -> bool:
    """True when done; False when renameat2 cannot be used here. Raises FileExistsError."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), dst) if err != errno.EEXIST else FileExistsError(err, "exists", dst)


def _via_link(src: str, dst: str) -> bool:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError as e:
        if e.errno in _UNSUPPORTED or e.errno == errno.EMLINK:
            return False
        raise
    os.unlink(src)
    return True


def rename_noreplace(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Rename ``src`` to ``dst``; raise FileExistsError if ``dst`` exists, at any moment."""
    src, dst = os.fspath(src), os.fspath(dst)
    if _via_renameat2(src, dst) or _via_link(src, dst):
        return
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, "exists", dst)
    os.rename(src, dst)
