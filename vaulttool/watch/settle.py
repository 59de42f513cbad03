"""When a changed path is complete enough to be read: per-path settle timers for ``vaulttool watch``.

Every event for a path (re)starts its timer. When the timer runs out the path is stat'ed; it is
*settled* once two stats taken ``recheck`` seconds apart, both after the quiet period, agree on size,
mtime and inode. No close event is ever waited for: files renamed or moved in arrive as created only.
A vanished path settles the same way (deletions and moves out need a run too).

Settled paths are handed out in batches: while other paths are still changing, a batch waits (so that a
copy of 500 clips is one run and the pages are rebuilt once), but never longer than ``max_batch``
seconds (so a note the user keeps typing into does not hold up a clip dropped beside it).

Thread-safe: the observer thread calls :meth:`Settler.touch` and :meth:`Settler.force`; the watcher's
own thread calls :meth:`Settler.check` and :meth:`Settler.take`.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Settler", "Batch", "MISSING", "signature"]

MISSING = ("missing",)


def signature(path: str) -> tuple:
    """What must not change while a file settles: (size, mtime_ns, inode), or :data:`MISSING`."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return MISSING
    except OSError as exc:
        return ("error", exc.errno)
    return (st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass
class _Entry:
    deadline: float
    gen: int = 0
    sig: tuple | None = None  # the stat seen at the last check (None: no check since the last event)
    ready_at: float | None = None


@dataclass
class Batch:
    ready: dict[str, tuple]  # vault-relative path -> its settled signature
    unsettled: frozenset[str]  # still changing: not to be read by this run
    reasons: list[str] = field(default_factory=list)  # why a full rescan was asked for (empty: none)

    @property
    def forced(self) -> bool:
        return bool(self.reasons)


class Settler:
    def __init__(self, root: str, settle: float, *, recheck: float | None = None,
                 max_batch: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.root = root
        self.settle = max(0.0, settle)
        self.recheck = recheck if recheck is not None else max(0.02, min(0.1, self.settle / 2))
        self.max_batch = max_batch if max_batch is not None else max(1.0, 5 * self.settle)
        self.clock = clock
        self.cond = threading.Condition()
        self._entries: dict[str, _Entry] = {}
        self._forced: dict[str, float] = {}  # reason -> when it was first asked for
        self._force_at: float | None = None
        self._last_event = float("-inf")

    # -- observer side ---------------------------------------------------------------------------
    def touch(self, rel: str) -> None:
        """Something happened to ``rel``: (re)start its timer."""
        with self.cond:
            now = self.clock()
            e = self._entries.get(rel)
            if e is None:
                self._entries[rel] = _Entry(now + self.settle)
                if len(self._entries) == 1:
                    # the watcher may be asleep for long; otherwise it wakes by the earliest deadline,
                    # which is never later than this one (waking on every event of a burst would cost
                    # a scan of all pending paths per event)
                    self.cond.notify_all()
            else:
                e.deadline = now + self.settle
                e.gen += 1
                e.sig = None
                e.ready_at = None
            self._last_event = now

    def force(self, reason: str, delay: float | None = None) -> None:
        """Ask for a full rescan once things have been quiet for ``delay`` (default: the settle time)."""
        with self.cond:
            now = self.clock()
            self._forced.setdefault(reason, now)
            at = now + (self.settle if delay is None else delay)
            self._force_at = at if self._force_at is None else min(self._force_at, at)
            self.cond.notify_all()

    # -- watcher side ----------------------------------------------------------------------------
    def pending(self) -> int:
        with self.cond:
            return len(self._entries)

    def unsettled(self) -> frozenset[str]:
        with self.cond:
            return frozenset(rel for rel, e in self._entries.items() if e.ready_at is None)

    def wait(self, longest: float) -> None:
        """Sleep until an event arrives or the next timer may have run out (at most ``longest``)."""
        with self.cond:
            now = self.clock()
            wake = now + longest
            for e in self._entries.values():
                if e.ready_at is None:
                    wake = min(wake, e.deadline)
                else:
                    wake = min(wake, e.ready_at + self.max_batch)
            if self._force_at is not None:
                wake = min(wake, max(self._force_at, self._last_event + self.settle))
            if wake > now:
                self.cond.wait(max(0.005, wake - now))

    def check(self) -> None:
        """Stat the paths whose timer ran out; mark them settled when two checks agree."""
        now = self.clock()
        with self.cond:
            due = [(rel, e.gen) for rel, e in self._entries.items() if e.ready_at is None and e.deadline <= now]
        if not due:
            return
        sigs = [(rel, gen, signature(os.path.join(self.root, rel))) for rel, gen in due]
        now = self.clock()
        with self.cond:
            for rel, gen, sig in sigs:
                e = self._entries.get(rel)
                if e is None or e.gen != gen:
                    continue  # touched again meanwhile: its timer was restarted
                if e.sig is not None and e.sig == sig:
                    e.ready_at = now
                else:
                    e.sig = sig
                    e.deadline = now + self.recheck

    def take(self) -> Batch | None:
        """The settled paths, when it is time for a run; None when it is not."""
        now = self.clock()
        with self.cond:
            ready = sorted(rel for rel, e in self._entries.items() if e.ready_at is not None)
            unsettled = [rel for rel, e in self._entries.items() if e.ready_at is None]
            force_due = bool(self._forced) and self._force_at is not None and now >= self._force_at and (
                now - self._last_event >= self.settle or now - min(self._forced.values()) >= self.max_batch)
            if not ready and not force_due:
                return None
            if unsettled:
                waited = [self._entries[rel].ready_at for rel in ready]
                if force_due:
                    waited.append(min(self._forced.values()))
                if now - min(waited) < self.max_batch:
                    return None  # others are still changing: wait for them, within limits
            batch = Batch({rel: self._entries[rel].sig or MISSING for rel in ready}, frozenset(unsettled),
                          sorted(self._forced))
            for rel in ready:
                del self._entries[rel]
            # a run walks the whole vault: it answers every rescan asked for so far
            self._forced.clear()
            self._force_at = None
            return batch
