"""The watch loop: settled paths in, reindex runs out (see :mod:`vaulttool.watch.watcher` for the whole).

The loop never reads or writes a note. It decides *when* to call :func:`vaulttool.usecases.reindex.reindex`
and with which paths deferred, recognises the events of our own writes by comparing settled paths with
the index, and turns the run's events into one log line per action.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import threading
import time

from vaulttool.watch.settle import MISSING, Batch, Settler

__all__ = ["Watcher", "WatchLog", "handler_class", "POLL_INTERVAL"]

POLL_INTERVAL = 1.0  # seconds between two snapshots of the polling observer
_ERRORS = {"failed", "warning", "error"}
_ACTIONS = {"normalised", "renamed", "indexed", "removed", "skipped", "restored"}


class WatchLog:
    """One line per action to a callable or a logger, filtered by verbosity (-q < 0 < -v < -vv)."""

    def __init__(self, log, verbosity: int, fmt: str = "text"):
        self.log = log
        self.verbosity = verbosity
        self.fmt = fmt  # "text", or "jsonl": one JSON object a line (time, action, path, detail)

    def __call__(self, action: str, path: str = "", detail: str = "", *, level: int = 0) -> None:
        if action in _ERRORS:
            level = -1
        elif action in _ACTIONS:
            level = min(level, 0)
        if level > self.verbosity or (self.verbosity < 0 and level >= 0):
            return
        if self.fmt == "jsonl":
            text = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "action": action, "path": path,
                               "detail": detail}, ensure_ascii=False)
        else:
            text = action if not path else f"{action} {path}"
            if detail:
                text += f": {detail}"
        if isinstance(self.log, logging.Logger):
            self.log.log(logging.WARNING if level < 0 else logging.INFO if level == 0 else logging.DEBUG, text)
        elif self.log is not None:
            self.log(text)
        else:
            print(text if self.fmt == "jsonl" else f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr,
                  flush=True)


def handler_class():
    """The observer's event handler (built on first use: importing this module does not load watchdog)."""
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
                    w.log("event", " -> ".join(rels), f"folder {event.event_type}", level=2)
                return
            for path in paths:
                rel = w.rel(path)
                if rel is not None and not w.ignored(rel):
                    w.log("event", rel, event.event_type, level=2)
                    w.settler.touch(rel)

    return Handler


class Watcher:
    def __init__(self, session, *, polling: bool, settle: float, log: WatchLog, stop_event: threading.Event):
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
        self.pages = importlib.util.find_spec("vaulttool.usecases.pagebuild.build") is not None
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
            if self.session.lock is not None and self.session.lock.turn_wanted() is not None:
                self.give_turn()
                continue
            self.settler.check()
            if self.rescan_every and time.monotonic() - self.last_run >= self.rescan_every:
                self.settler.force("periodic rescan", delay=0)
                self.last_run = time.monotonic()
            batch = self.settler.take()
            if batch is not None:
                self.process(batch)

    def give_turn(self) -> None:
        """Another command on this host asked for the vault (see VaultLock.ask_turn): release the lock,
        wait until it is done, take the lock back and rescan what it changed."""
        lock = self.session.lock
        asker = lock.turn_wanted()
        if asker is None:
            return
        self.log("info", "", f"giving the vault to {asker.describe()} for its turn")
        lock.release()
        while not self.stop_event.is_set() and lock.turn_wanted() is not None:
            self.stop_event.wait(0.1)
        from vaulttool.errors import LockError

        try:
            lock.acquire(wait=max(60.0, lock.stale_after))
        except LockError as exc:
            self.fatal = f"could not take the vault back: {exc}"
            self.stop_event.set()
            return
        self.log("info", "", "took the vault back")
        self.settler.force("another command had a turn", delay=0)

    def process(self, batch: Batch) -> None:
        if not batch.forced and not self._needs_run(batch.ready):
            self.log("info", "", f"{len(batch.ready)} changed path(s) match the index (our own writes, or "
                     "nothing that matters): no run", level=1)
            return
        if batch.forced:
            self.log("info", "", "rescan: " + "; ".join(batch.reasons), level=1)
        self.log("info", "", f"run for {len(batch.ready)} settled path(s) ({len(batch.unsettled)} still "
                 "changing: not read)", level=1)
        before = self._index_states(batch.ready)
        self.run(defer=batch.unsettled, ready=batch.ready, before=before)

    def run(self, *, defer: frozenset[str] = frozenset(), ready=None, before=None, label: str = "") -> None:
        from vaulttool.usecases.reindex import reindex
        from vaulttool.usecases.report import Reporter

        mentioned: set[str] = set()
        requeue: list[str] = []

        def sink(action: str, path: str, detail: str) -> None:
            if action == "diff":
                return
            mentioned.add(path)
            if action == "skipped" and "still changing" in detail:
                requeue.append(path)
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
        if ready:
            after = self._index_states(ready)
            for rel in sorted(ready):
                if rel not in mentioned and after.get(rel) is not None and after.get(rel) != before.get(rel):
                    self.log("indexed", rel)
        self.log("info", "", f"{label or 'run'}: {summary.line()}", level=0 if label else 1)

    # -- own writes and no-ops ---------------------------------------------------------------------
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
