"""``vaulttool watch``: keep the vault tidy while it is in use.

On start: take the vault lock (kept fresh by a thread), start the observer, run a catch-up reindex, then
watch. Each change is acted on once the file has settled (see :mod:`vaulttool.watch.settle`); paths still
changing are passed to the reindex as ``defer`` so a half-written file is never read. The watcher does not
read or write notes itself: every run is :func:`vaulttool.usecases.reindex.reindex`, which walks the vault
and diffs it against the index by (size, mtime) and content hash. That is also how our own writes are
recognised: the index holds the stat and hash of what was written, so the events they cause lead to a
check that finds nothing to do (no time window that could swallow a user's edit).

Lost events are made up for by a full rescan (a plain run): when watchdog logs an inotify queue overflow,
after a folder is moved or deleted, every ``rescan_minutes``, and more often when the vault has more folders
than inotify watches may cover. Ctrl-C or SIGTERM ends the run after the note in hand, and releases the lock.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Callable

from vaulttool.errors import LockError
from vaulttool.watch.runner import POLL_INTERVAL, Watcher, WatchLog, handler_class

__all__ = ["run_watch", "main", "event_filter", "Watcher"]

WATCH_LIMIT_FILE = "/proc/sys/fs/inotify/max_user_watches"
OVERFLOW_LOGGERS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")


def event_filter():
    from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileAttribEvent,
                                 FileClosedEvent, FileCreatedEvent, FileDeletedEvent, FileModifiedEvent,
                                 FileMovedEvent)

    # never opened / closed-without-writing: reading a note would wake the watcher again
    return [FileCreatedEvent, DirCreatedEvent, FileModifiedEvent, FileAttribEvent, FileClosedEvent,
            FileMovedEvent, DirMovedEvent, FileDeletedEvent, DirDeletedEvent]



def inotify_watch_limit() -> int | None:
    """The per-user inotify watch limit (``fs.inotify.max_user_watches``), or None when unknown."""
    try:
        with open(WATCH_LIMIT_FILE) as fh:
            return int(fh.read().strip())
    except (OSError, ValueError):
        return None


def count_folders(root: str, stop_after: int) -> int:
    """Folders an inotify recursive watch would cover (all of them, hidden ones too)."""
    n = 0
    for _dirpath, dirnames, _files in os.walk(root):
        n += len(dirnames)
        if n > stop_after:
            break
    return n + 1


class _OverflowHandler(logging.Handler):
    """Turns watchdog's "Inotify queue overflowed" records into a rescan."""

    def __init__(self, on_overflow: Callable[[], None]):
        super().__init__(logging.WARNING)
        self.on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if "overflow" in record.getMessage().lower():
                self.on_overflow()
        except Exception:  # a logging handler must never raise into watchdog's thread
            pass


def _refresh_lock(watcher: Watcher, done: threading.Event, every: float) -> None:
    """Keep the lock fresh (a lock not refreshed goes stale for other devices); stop if it was lost."""
    while not done.wait(every):
        try:
            watcher.session.lock.refresh()
        except LockError as exc:
            watcher.fatal = str(exc)
            watcher.stop_event.set()
            return
        except OSError:
            continue  # a full disk or the like: try again next time


def run_watch(vault_dir, *, polling: bool = False, settle: float | None = None, log=None, verbosity: int = 0,
              stop_event: threading.Event | None = None, ready=None, log_format: str = "text") -> int:
    """Watch the vault until stopped; returns the exit code (0 after Ctrl-C/SIGTERM or ``stop_event``).

    ``log``: a callable taking one line, or a :class:`logging.Logger` (default: stderr with the time).
    ``settle``: seconds a file must be quiet before it is read (default ``[watch] settle``).
    ``verbosity``: -1 errors and warnings only, 0 one line per action, 1 also runs and rescans, 2 events.
    ``log_format``: ``"text"`` (a time and a line) or ``"jsonl"`` (one JSON object a line).
    ``ready``: an Event set (or a callable called) once the catch-up run is done and watching has begun.
    Raises LockError when another process holds the vault, UsageError for a bad vault folder.
    """
    from vaulttool.usecases.session import open_session

    out = WatchLog(log, verbosity, log_format)
    stop_event = stop_event or threading.Event()
    session = open_session(vault_dir, "watch")
    done = threading.Event()
    observer = refresher = None
    restore_signals = lambda: None  # noqa: E731
    overflow = loggers = saved = None
    code = 0
    try:
        if session.note:
            out("warning", "", session.note)
        cfg = session.vault.config.watch
        watcher = Watcher(session, polling=polling, settle=cfg.settle if settle is None else settle, log=out,
                          stop_event=stop_event)
        refresher = threading.Thread(target=_refresh_lock, name="vaulttool-lock", daemon=True,
                                     args=(watcher, done, max(1.0, min(30.0, cfg.lock_stale_seconds / 4))))
        refresher.start()
        restore_signals = _install_signals(stop_event, out)
        overflow = _OverflowHandler(lambda: watcher.settler.force("events lost (inotify queue overflowed)"))
        loggers = [logging.getLogger(name) for name in OVERFLOW_LOGGERS]
        saved = [(lg.level, lg.propagate) for lg in loggers]
        for lg in loggers:
            lg.addHandler(overflow)
            lg.propagate = False  # our own line says it
            if not lg.isEnabledFor(logging.WARNING):
                lg.setLevel(logging.WARNING)
        observer = _start_observer(watcher, polling)
        if observer is None:
            return 1
        if not watcher.pages:
            out("info", "", "pages are not built (vaulttool.usecases.pagebuild.build is not available)", level=1)
        watcher.run(defer=watcher.settler.unsettled(), label="catch-up")
        if not stop_event.is_set():
            kind = f"polling every {POLL_INTERVAL:g} s" if polling else "inotify"
            out("info", "", f"watching {watcher.root} ({kind}, settle {watcher.settle:g} s); Ctrl-C to stop")
            if hasattr(ready, "set"):
                ready.set()
            elif ready is not None:
                ready()
            watcher.loop()
        if watcher.fatal:
            out("error", "", watcher.fatal)
            code = 1
    except KeyboardInterrupt:
        out("info", "", "aborted")
        code = 130
    finally:
        done.set()
        if observer is not None:
            observer.stop()
            observer.join(timeout=10)
        for lg, (level, propagate) in zip(loggers or [], saved or []):
            lg.removeHandler(overflow)
            lg.setLevel(level)
            lg.propagate = propagate
        restore_signals()
        if refresher is not None:
            refresher.join(timeout=5)
        try:
            for tmp in session.vault.remove_stale_temps():
                out("info", tmp, "removed a temp file", level=1)
        finally:
            session.close()
    if code == 0:
        out("info", "", "stopped; the vault lock is released")
    return code


def _start_observer(watcher: Watcher, polling: bool):
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    out = watcher.log
    if not polling and sys.platform.startswith("linux"):
        limit = inotify_watch_limit()
        if limit is not None:
            folders = count_folders(watcher.root, limit)
            if folders > limit * 0.9:
                out("warning", "", f"the vault has {folders if folders <= limit else 'over %d' % limit} folders "
                    f"and inotify may watch {limit} (fs.inotify.max_user_watches): changes in some folders will "
                    "be missed; rescanning every minute. Raise the limit or use --polling")
                watcher.rescan_every = min(watcher.rescan_every or 60.0, 60.0)
    try:
        observer = PollingObserver(timeout=POLL_INTERVAL) if polling else Observer()
        observer.schedule(handler_class()(watcher), watcher.root, recursive=True, event_filter=event_filter())
        observer.start()
    except OSError as exc:
        out("error", "", f"cannot watch {watcher.root}: {exc}; try --polling")
        return None
    return observer


def _install_signals(stop_event: threading.Event, out: WatchLog) -> Callable[[], None]:
    """Ctrl-C / SIGTERM: finish the note in hand, then stop; a second Ctrl-C aborts at once."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(signum, _frame):
        if stop_event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop_event.set()
        if signum == signal.SIGINT:
            out("info", "", "stopping after the note in hand (Ctrl-C again to abort)")
        else:
            out("info", "", f"{signal.Signals(signum).name} received: stopping after the note in hand")

    for sig in saved:
        signal.signal(sig, on_signal)

    def restore():
        for sig, handler in saved.items():
            signal.signal(sig, handler)

    return restore


def main(argv: list[str] | None = None) -> int:
    """``python -m vaulttool.watch.watcher``: the same as ``vaulttool watch`` without the click layer."""
    import argparse

    from vaulttool.errors import VaultToolError

    p = argparse.ArgumentParser(prog="python -m vaulttool.watch.watcher", description=run_watch.__doc__.splitlines()[0])
    p.add_argument("--vault", default=os.environ.get("VAULTTOOL_VAULT"))
    p.add_argument("--polling", action="store_true")
    p.add_argument("--settle", type=float, metavar="SECONDS")
    p.add_argument("-v", "--verbose", action="count", default=0)
    p.add_argument("-q", "--quiet", action="count", default=0)
    args = p.parse_args(argv)
    try:
        return run_watch(args.vault, polling=args.polling, settle=args.settle, verbosity=args.verbose - args.quiet)
    except VaultToolError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
