"""Is another program still writing this file?

A note is replaced by renaming a new file over it. A program that still has the old file open (a
clipper streaming a page, ``cmd >> note.md``) would go on writing into the replaced file, and those
writes would be lost. Linux answers the question without scanning ``/proc``: a read lease
(``F_SETLEASE`` with ``F_RDLCK``) cannot be taken while any process has the file open for writing. The
lease is dropped at once; should a writer open the file in that instant, the kernel's lease-break signal
is set to SIGURG, which is ignored by default, instead of SIGIO, which would end this process.

Leases need the caller to own the file (or CAP_LEASE) and a local file system; where they cannot be
taken the answer is "not known", and the caller goes on as it would have without asking.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal

__all__ = ["open_for_writing"]

_F_SETLEASE = getattr(fcntl, "F_SETLEASE", 1024)
_F_SETSIG = getattr(fcntl, "F_SETSIG", 10)
_F_RDLCK = getattr(fcntl, "F_RDLCK", 0)
_F_UNLCK = getattr(fcntl, "F_UNLCK", 2)


def open_for_writing(path: str | os.PathLike) -> bool | None:
    """True when some process has ``path`` open for writing, False when none has, None when this
    cannot be told here (not the owner, a file system without leases, not a regular file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.fcntl(fd, _F_SETSIG, signal.SIGURG)
            fcntl.fcntl(fd, _F_SETLEASE, _F_RDLCK)
        except OSError as e:
            return True if e.errno in (errno.EAGAIN, errno.EBUSY) else None
        fcntl.fcntl(fd, _F_SETLEASE, _F_UNLCK)
        return False
    finally:
        os.close(fd)
