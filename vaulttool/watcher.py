"""``vaulttool watch``: keep the vault tidy while it is in use.

On start: take the vault lock (kept fresh by a thread), start the observer, run a catch-up reindex, then
watch. Each change is acted on once the file has settled (see :mod:`vaulttool.watch_settle`); paths still
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

import importlib.util
import logging
import os
import re
import signal
import sys
import threading
import time
from typing import Callable

from vaulttool.errors import LockError
from vaulttool.watch_settle import MISSING, Batch, Settler

__all__ = ["run_watch", "main", "event_filter", "Watcher"]

POLL_INTERVAL = 1.0  # seconds between two snapshots of the polling observer
WATCH_LIMIT_FILE = "/proc/sys/fs/inotify/max_user_watches"
OVERFLOW_LOGGERS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")
_ERRORS = {"failed", "warning", "error"}
_ACTIONS = {"normalised", "renamed", "indexed", "removed", "skipped", "restored"}
_TARGET = re.compile(r"(?:^|; )-> (.+?\.md)(?:; |$)", re.I)


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


class _Log:
    """One line per action to a callable or a logger, filtered by verbosity (-q < 0 < -v < -vv)."""

    def __init__(self, log, verbosity: int):
        self.log = log
        self.verbosity = verbosity

    def __call__(self, action: str, path: str = "", detail: str = "", *, level: int = 0) -> None:
        if action in _ERRORS:
            level = -1
        elif action in _ACTIONS:
            level = min(level, 0)
        if level > self.verbosity or (self.verbosity < 0 and level >= 0):
            return
        text = action if not path else f"{action} {path}"
        if detail:
            text += f": {detail}"
        if isinstance(self.log, logging.Logger):
            self.log.log(logging.WARNING if level < 0 else logging.INFO if level == 0 else logging.DEBUG, text)
        elif self.log is not None:
            self.log(text)
        else:
            print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


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


def _handler_class():
    from watchdog.events import DirDeletedEvent, DirMovedEvent, FileSystemEvent, FileSystemEventHandler

    class Handler(FileSystemEventHandler):
        def __init__(self, watcher: "Watcher"):
            self.w = watcher

        def on_any_event(self, event: FileSystemEvent) -> None:
            w = self.w
            paths = [event.src_path] + ([event.dest_path] if event.dest_path else [])
            if event.is_directory:
                rels = [r for r in map(w.rel, paths) if r is not None]
                if isinstance(event, DirDeletedEvent) and w.root in paths:
                    w.fatal = "the vault folder was deleted or moved away"
                    w.stop_event.set()
                elif isinstance(event, (DirDeletedEvent, DirMovedEvent)) and any(not w.ignored(r) for r in rels):
                    w.settler.force(f"folder {event.event_type}: {rels[0] or '.'}")
                if any(not w.ignored(r) for r in rels):
                    w.log("event", event.event_type, " -> ".join(rels), level=2)
                return
            for path in paths:
                rel = w.rel(path)
                if rel is not None and not w.ignored(rel):
                    w.log("event", rel, event.event_type, level=2)
                    w.settler.touch(rel)

    return Handler


class Watcher:
    def __init__(self, session, *, polling: bool, settle: float, log: _Log, stop_event: threading.Event):
        self.session = session
        self.vault = session.vault
        self.root = str(self.vault.root)
        self.polling = polling
        self.log = log
        self.stop_event = stop_event
        self.fatal = ""
        cfg = self.vault.config.watch
        if polling:
            settle = max(settle, POLL_INTERVAL)  # a poll must have seen the last write
        self.settle = settle
        # the second stat after the quiet period: events already say when a file changes, so a short
        # moment is enough; a poll only sees what changed between two scans
        self.settler = Settler(self.root, settle, recheck=POLL_INTERVAL / 2 if polling else None)
        self.reported: dict[str, str] = {}  # path -> the failure or warning last shown for it
        self.rescan_every = cfg.rescan_minutes * 60 if cfg.rescan_minutes > 0 else None
        self.pages = importlib.util.find_spec("vaulttool.usecases.pages") is not None
        self.last_run = time.monotonic()

    # -- paths -----------------------------------------------------------------------------------
    def rel(self, path) -> str | None:
        path = os.fsdecode(path)
        if path == self.root:
            return ""
        if not path.startswith(self.root + os.sep):
            return None
        return path[len(self.root) + 1 :].replace(os.sep, "/")

    def ignored(self, rel: str) -> bool:
        pages = self.vault.config.pages_folder
        return (not rel or rel == pages or self.vault.ignored(rel) or self.vault.is_page(rel))

    # -- the loop ----------------------------------------------------------------------------------
    def loop(self) -> None:
        while not self.stop_event.is_set():
            self.settler.wait(0.25)
            if self.stop_event.is_set():
                break
            self.settler.check()
            if self.rescan_every and time.monotonic() - self.last_run >= self.rescan_every:
                self.settler.force("periodic rescan", delay=0)
                self.last_run = time.monotonic()
            batch = self.settler.take()
            if batch is not None:
                self.process(batch)

    def process(self, batch: Batch) -> None:
        if not batch.forced and not self._needs_run(batch.ready):
            self.log("info", "", f"{len(batch.ready)} changed path(s) match the index (our own writes, or "
                     "nothing that matters): no run", level=1)
            return
        if batch.forced:
            self.log("info", "", "rescan: " + "; ".join(batch.reasons), level=1)
        before = self._index_states(batch.ready)
        self.run(defer=batch.unsettled, ready=batch.ready, before=before)

    def run(self, *, defer: frozenset[str] = frozenset(), ready=None, before=None, label: str = "") -> None:
        from vaulttool.usecases.reindex import reindex
        from vaulttool.usecases.report import Reporter

        mentioned: set[str] = set()
        requeue: list[str] = []
        written: list[str] = []

        def sink(action: str, path: str, detail: str) -> None:
            if action == "diff":
                return
            mentioned.add(path)
            if action == "skipped" and "still changing" in detail:
                requeue.append(path)
            if action == "normalised":
                m = _TARGET.search(detail)
                written.append(m.group(1) if m else path)
            if action == "info" and not path and detail.startswith("waiting"):
                self.log(action, "", detail, level=1)
                return
            if action == "page":
                self.log(action, path, detail, level=2)  # the summary line counts them
                return
            if action in ("failed", "warning"):
                if self.reported.get(path) == detail:  # a clip that still fails is retried by every run
                    self.log("info", path, f"still {action}: {detail}", level=2)
                    return
                self.reported[path] = detail
            else:
                self.reported.pop(path, None)
            self.log(action, path, detail, level=1 if action == "info" else 0)

        try:
            summary = reindex(self.session, Reporter(sink), defer=defer, stop=self.stop_event.is_set,
                              pages=self.pages)
        except Exception as exc:  # log and go on watching: the next change or rescan tries again
            self.log("error", "", f"run failed: {type(exc).__name__}: {exc}")
            if self.log.verbosity >= 1:
                import traceback

                self.log("info", "", traceback.format_exc().rstrip(), level=1)
            return
        finally:
            self.last_run = time.monotonic()
        for rel in requeue:
            self.settler.touch(rel)
        self._recheck_written(written)
        if ready:
            after = self._index_states(ready)
            for rel in sorted(ready):
                if rel not in mentioned and after.get(rel) is not None and after.get(rel) != before.get(rel):
                    self.log("indexed", rel)
        self.log("info", "", f"{label or 'run'}: {summary.line()}", level=0 if label else 1)

    # -- own writes and no-ops ---------------------------------------------------------------------
    def _recheck_written(self, written: list[str]) -> None:
        """Make the next run compare the notes just normalised by content.

        The index records the stat of a written note by stat'ing its path after the write (and the
        rename), so an edit landing in between gets our hash with the user's size and mtime, and no later
        stat comparison would ever see it. Until reindex records the stat of the bytes it wrote, the
        recorded stat of these notes is cleared: the next run re-reads them, compares hashes, and only
        re-indexes the ones that differ (nothing is rewritten: they are normalised clips now).
        """
        store = self.session.store
        for rel in written:
            try:
                if store.note(rel) is not None:
                    store.touch(rel, -1, -1)
                    self.settler.touch(rel)
            except Exception:
                continue
    def _index_states(self, ready) -> dict[str, str | None]:
        """The content hash the index holds for each settled note (None: not indexed)."""
        out = {}
        for rel in ready:
            if rel.lower().endswith(".md"):
                try:
                    row = self.session.store.note(rel)
                except Exception:
                    row = None
                out[rel] = None if row is None else row["hash"]
        return out

    def _needs_run(self, ready: dict[str, tuple]) -> bool:
        """Whether a settled change is not in the index yet. Our own writes are in it already (with the
        stat and hash of what was written), so their events end here."""
        store = self.session.store
        files = None
        for rel, sig in ready.items():
            gone = sig == MISSING or sig[0] == "error"
            try:
                if rel.lower().endswith(".md"):
                    row = store.note(rel)
                    if gone:
                        if row is not None:
                            return True
                    elif row is None or (row["size"], row["mtime_ns"]) != (sig[0], sig[1]):
                        return True
                else:
                    if files is None:
                        files = store.files()
                    if (rel in files) == gone:
                        return True
            except Exception:
                return True
        return False


def _refresh_lock(session, stop: threading.Event, done: threading.Event, watcher_box: list, every: float) -> None:
    while not done.wait(every):
        try:
            session.lock.refresh()
        except LockError as exc:
            if watcher_box:
                watcher_box[0].fatal = str(exc)
            stop.set()
            return
        except OSError:
            continue  # a full disk or the like: try again next time


def run_watch(vault_dir, *, polling: bool = False, settle: float | None = None, log=None, verbosity: int = 0,
              stop_event: threading.Event | None = None, ready=None) -> int:
    """Watch the vault until stopped; returns the exit code (0 after Ctrl-C/SIGTERM or ``stop_event``).

    ``log``: a callable taking one line, or a :class:`logging.Logger` (default: stderr with the time).
    ``settle``: seconds a file must be quiet before it is read (default ``[watch] settle``).
    ``ready``: an Event set (or a callable called) once the catch-up run is done and watching has begun.
    Raises LockError when another process holds the vault, UsageError for a bad vault folder.
    """
    from vaulttool.usecases.session import open_session

    out = _Log(log, verbosity)
    stop_event = stop_event or threading.Event()
    session = open_session(vault_dir, "watch")
    if session.note:
        out("warning", "", session.note)
    cfg = session.vault.config.watch
    watcher = Watcher(session, polling=polling, settle=cfg.settle if settle is None else settle, log=out,
                      stop_event=stop_event)
    done = threading.Event()
    box = [watcher]
    refresher = threading.Thread(target=_refresh_lock, name="vaulttool-lock",
                                 args=(session, stop_event, done, box, max(1.0, min(30.0, cfg.lock_stale_seconds / 4))),
                                 daemon=True)
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
    observer = None
    code = 0
    try:
        observer = _start_observer(watcher, polling)
        if observer is None:
            return 1
        if not watcher.pages:
            out("info", "", "pages are not built (vaulttool.usecases.pages is not available)", level=1)
        watcher.run(defer=watcher.settler.unsettled(), label="catch-up")
        if not stop_event.is_set():
            kind = "polling every %gs" % POLL_INTERVAL if polling else "inotify"
            out("info", "", f"watching {watcher.root} ({kind}, settle {watcher.settle:g} s); Ctrl-C to stop")
            if ready is not None:
                ready.set() if hasattr(ready, "set") else ready()
            watcher.loop()
        if watcher.fatal:
            out("error", "", watcher.fatal)
            code = 1
    except LockError as exc:
        out("error", "", str(exc))
        code = 1
    except KeyboardInterrupt:
        out("info", "", "aborted")
        code = 130
    finally:
        done.set()
        if observer is not None:
            observer.stop()
            observer.join(timeout=10)
        for lg, (level, propagate) in zip(loggers, saved):
            lg.removeHandler(overflow)
            lg.setLevel(level)
            lg.propagate = propagate
        restore_signals()
        try:
            for tmp in session.vault.remove_stale_temps():
                out("info", tmp, "removed a temp file", level=1)
        finally:
            session.close()
        refresher.join(timeout=5)
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
        observer.schedule(_handler_class()(watcher), watcher.root, recursive=True, event_filter=event_filter())
        observer.start()
    except OSError as exc:
        out("error", "", f"cannot watch {watcher.root}: {exc}; try --polling")
        return None
    return observer


def _install_signals(stop_event: threading.Event, out: _Log) -> Callable[[], None]:
    """Ctrl-C / SIGTERM: finish the note in hand, then stop; a second Ctrl-C aborts at once."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def on_signal(signum, _frame):
        if stop_event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop_event.set()
        out("info", "", "stopping after the note in hand (Ctrl-C again to abort)")

    for sig in saved:
        signal.signal(sig, on_signal)

    def restore():
        for sig, handler in saved.items():
            signal.signal(sig, handler)

    return restore


def main(argv: list[str] | None = None) -> int:
    """``python -m vaulttool.watcher``: the same as ``vaulttool watch`` without the click layer."""
    import argparse

    from vaulttool.errors import VaultToolError

    p = argparse.ArgumentParser(prog="python -m vaulttool.watcher", description=run_watch.__doc__.splitlines()[0])
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
