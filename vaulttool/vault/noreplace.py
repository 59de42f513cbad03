"""Renames that never lose what another program put at the target, atomically.

``os.rename`` replaces an existing target, so "check the name is free, then rename" loses a file that
another program creates in between. Linux has ``renameat2(RENAME_NOREPLACE)``, which fails with EEXIST
instead; where the C library or the file system lacks it, a hard link (which never replaces) followed by
unlinking the old name does the same with a moment where both names exist; where the file system has
no hard links either, the check-then-rename is all there is.

:func:`exchange` swaps two names in one step (``renameat2(RENAME_EXCHANGE)``): a note replaced that way
leaves what it displaced under the temp file's name, where it can be checked, and swapped back when it
is not what was expected.
"""

from __future__ import annotations

import errno
import os

__all__ = ["rename_noreplace", "exchange"]

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}

_RENAMEAT2: list = []  # [function or None], looked up on first use (ctypes is not imported before)


def _renameat2():
    if not _RENAMEAT2:
        try:
            import ctypes

            fn = ctypes.CDLL(None, use_errno=True).renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            fn.restype = ctypes.c_int
            _RENAMEAT2.append((fn, ctypes.get_errno))
        except (OSError, AttributeError, ImportError):
            _RENAMEAT2.append(None)
    return _RENAMEAT2[0]


def _via_renameat2(src: str, dst: str, flags: int = _RENAME_NOREPLACE) -> bool:
    """True when done; False when renameat2 (with these flags) cannot be used here. Raises
    FileExistsError (RENAME_NOREPLACE), FileNotFoundError (RENAME_EXCHANGE, a name missing)."""
    found = _renameat2()
    if found is None:
        return False
    fn, get_errno = found
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = get_errno()
    if err in _UNSUPPORTED:
        return False
    if err == errno.EEXIST:
        raise FileExistsError(err, "exists", dst)
    if err == errno.ENOENT:
        raise FileNotFoundError(err, "no such file", dst)
    raise OSError(err, os.strerror(err), dst)


def exchange(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Swap the files at ``a`` and ``b`` atomically. False (nothing done) where the kernel or the file
    system cannot; raises FileNotFoundError when either name is missing."""
    return _via_renameat2(os.fspath(a), os.fspath(b), _RENAME_EXCHANGE)


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
