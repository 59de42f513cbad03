"""One writer per vault, across processes and across devices that sync the vault.

The lock is ``.vaulttool/lock``, a small JSON file naming the host, the process and the command, with
the time it was last refreshed. A lock is held while its process lives (same host) or while it keeps
being refreshed (another host: the file arrived through sync). A lock that was not refreshed for
``stale_after`` seconds, or whose process is gone, is stale and is taken over.

On one host "its process lives" is not a pid test alone: after a crash or a reboot the pid can belong
to another program. The holder keeps an exclusive ``flock`` on ``.vaulttool/lock.held`` for as long as
it holds the lock; the kernel drops it when the process ends, however it ends, so a lock whose
``lock.held`` can be locked is stale whatever its pid now is. Taking the lock is serialised with a
second ``flock`` on ``.vaulttool/lock.flock`` so two processes cannot both take a stale lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from vaulttool.config import host_id
from vaulttool.errors import LockError, StateError, VaultToolError
from vaulttool.vault.oserrors import describe, disk_full, is_full
from vaulttool.vault.statefiles import StateFiles

__all__ = ["VaultLock", "Holder", "TURN_WAIT"]

# How long a command that asked ``watch`` for a turn waits for it (and how long a request counts).
TURN_WAIT = 30.0


@dataclass
class Holder:
    host: str
    pid: int
    command: str
    started: float
    refreshed: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"`vaulttool {self.command}` (pid {self.pid} on {self.host}, since {when})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class VaultLock:
    def __init__(self, state_dir: Path, command: str, stale_after: float = 120.0):
        self.files = StateFiles(state_dir.parent, state_dir.name)  # nothing followed out of the vault
        self.path = state_dir / "lock"
        self.guard = state_dir / "lock.flock"
        self.liveness = state_dir / "lock.held"
        self._live_fh = None
        self.command = command
        self.stale_after = stale_after
        self.wanted_path = state_dir / "lock.wanted"
        self.held = False
        self.started = time.time()
        self._fresh = None  # (stop event, thread) of the refresher while the lock is held

    def holder(self) -> Holder | None:
        try:
            raw = json.loads(self.files.read("lock").decode("utf-8"))
            return Holder(str(raw["host"]), int(raw["pid"]), str(raw.get("command", "?")),
                          float(raw.get("started", 0)), float(raw.get("refreshed", 0)))
        except (FileNotFoundError, ValueError, KeyError, TypeError, OSError, StateError):
            return None

    def is_stale(self, h: Holder, now: float | None = None) -> bool:
        """Whether another host's lock (or, where flock is unavailable, this host's) is stale."""
        now = time.time() if now is None else now
        if h.host == host_id():
            return not _alive(h.pid)
        return now - h.refreshed > self.stale_after

    def _take_liveness(self) -> bool | None:
        """Lock ``lock.held`` for this process: True when taken (or already held), False when a live
        process holds it, None when the file system does not support flock."""
        if self._live_fh is not None:
            return True
        fh = os.fdopen(self.files.open("lock.held", os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        except OSError:
            fh.close()
            return None
        self._live_fh = fh
        return True

    def _drop_liveness(self) -> None:
        if self._live_fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._live_fh.fileno(), fcntl.LOCK_UN)
            self._live_fh.close()
            self._live_fh = None

    @contextlib.contextmanager
    def _guarded(self):
        with os.fdopen(self.files.open("lock.flock", os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _write(self) -> None:
        now = time.time()
        body = {"host": host_id(), "pid": os.getpid(), "command": self.command,
                "started": self.started, "refreshed": now}
        self.files.write("lock", json.dumps(body).encode("utf-8"), durable=False,
                         tmp_name=f".lock.{os.getpid()}.tmp")

    def acquire(self, wait: float = 0.0) -> str | None:
        """Take the lock; returns a message when a stale lock was taken over. Raises LockError when
        another live process holds it after ``wait`` seconds, DiskFullError on a full disk."""
        try:
            return self._acquire(wait)
        except OSError as exc:
            raise self._cannot_write(exc) from None

    def _cannot_write(self, exc: OSError):
        if is_full(exc):
            return disk_full(self.files.root, what="the vault lock could not be written")
        return LockError(f"cannot write the vault lock in {self.files.base}: {describe(exc)}")

    def _acquire(self, wait: float) -> str | None:
        deadline = time.monotonic() + wait
        while True:
            with self._guarded():
                h = self.holder()
                mine = h is not None and h.host == host_id() and h.pid == os.getpid()
                free = mine or self._take_liveness()
                if free is None:  # no flock here: fall back to asking whether the pid lives
                    free = h is None or self.is_stale(h)
                elif free and h is not None and not mine and h.host != host_id():
                    free = self.is_stale(h)
                if free:
                    self._write()
                    self.held = True
                    self._keep_fresh()
                    if h is not None and not mine:
                        return f"took over a stale lock left by {h.describe()}"
                    return None
                self._drop_liveness()
            if time.monotonic() >= deadline:
                who = h.describe() if h is not None else "another vaulttool process on this host"
                raise LockError(f"the vault is in use by {who}; "
                                "wait for it to finish or stop it (a lock not refreshed for "
                                f"{self.stale_after:g} s is taken over)")
            time.sleep(0.2)

    def refresh(self) -> None:
        """Write the lock again with the time now (raises LockError when another process took it)."""
        if self.held:
            with self._guarded():
                h = self.holder()
                if h is not None and (h.host != host_id() or h.pid != os.getpid()):
                    self.held = False
                    self._drop_liveness()
                    raise LockError(f"lost the vault lock to {h.describe()}")
                self._write()

    def _keep_fresh(self) -> None:
        """Refresh the lock from a thread of its own while it is held, so that a long run (a cold
        reindex of a large vault) never looks stale to another device."""
        if self._fresh is not None:
            return
        every = max(0.5, min(30.0, self.stale_after / 4))
        done = threading.Event()

        def loop() -> None:
            while not done.wait(every):
                try:
                    self.refresh()
                except LockError:
                    return
                except (OSError, VaultToolError):
                    continue  # a full disk or the like: try again next time

        thread = threading.Thread(target=loop, name="vaulttool-lock-refresh", daemon=True)
        thread.start()
        self._fresh = (done, thread)

    def _stop_fresh(self) -> None:
        if self._fresh is not None:
            done, thread = self._fresh
            self._fresh = None
            done.set()
            if thread is not threading.current_thread():
                thread.join(5)

    def release(self) -> None:
        self._stop_fresh()
        if not self.held:
            return
        with self._guarded():
            h = self.holder()
            if h is not None and h.host == host_id() and h.pid == os.getpid():
                self.files.unlink("lock")
            self._drop_liveness()
        self.held = False

    # -- taking turns with a watcher ---------------------------------------------------------------
    # A short command (``restore``) finding ``watch`` in the vault on this host asks for a turn: it
    # writes ``lock.wanted`` naming itself and waits for the lock. The watcher looks for a request
    # between two runs, releases the lock, waits until the request is gone (or its process ended) and
    # takes the lock back. Both sides go through the lock; neither writes while the other holds it.
    def ask_turn(self) -> None:
        body = {"host": host_id(), "pid": os.getpid(), "command": self.command, "asked": time.time()}
        self.files.write("lock.wanted", json.dumps(body).encode("utf-8"), durable=False,
                         tmp_name=f".wanted.{os.getpid()}.tmp")

    def withdraw(self) -> None:
        """Take back this process's request for a turn (if it is still there)."""
        h = self._request()
        if h is not None and h.host == host_id() and h.pid == os.getpid():
            self.files.unlink("lock.wanted")

    def _request(self) -> Holder | None:
        try:
            raw = json.loads(self.files.read("lock.wanted").decode("utf-8"))
            asked = float(raw.get("asked", 0))
            return Holder(str(raw["host"]), int(raw["pid"]), str(raw.get("command", "?")), asked, asked)
        except (FileNotFoundError, ValueError, KeyError, TypeError, OSError, StateError):
            return None

    def turn_wanted(self) -> Holder | None:
        """Another live process of this host that asked for a turn within ``TURN_WAIT`` seconds."""
        h = self._request()
        if h is None or h.host != host_id() or h.pid == os.getpid() or not _alive(h.pid):
            return None
        return h if time.time() - h.started <= TURN_WAIT else None

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
