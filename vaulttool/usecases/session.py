"""Open a vault for a use-case: settings, file access, the index, and (for writers) the lock."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from vaulttool import config as configmod
from vaulttool.config import host_id
from vaulttool.errors import LockError, UsageError
from vaulttool.index.store import Store, is_damage, is_full, mark_damaged
from vaulttool.vault.files import Vault, find_vault, is_marked
from vaulttool.vault.lock import TURN_WAIT, VaultLock

__all__ = ["Session", "open_session", "open_reader", "index_error_message"]


def index_error_message(exc: sqlite3.DatabaseError) -> str:
    """What to tell the user of an SQLite error that reached the command line."""
    if is_damage(exc):
        return f"the index is damaged ({exc}): run `vaulttool reindex` to rebuild it from the notes"
    if is_full(exc):
        return (f"no space left for the index ({exc}): nothing was deleted and the index is as the last "
                "finished run left it; free some space and run again")
    return f"the index could not be read ({exc}); try again, or run `vaulttool reindex --full`"


@dataclass
class Session:
    vault: Vault
    store: Store
    lock: VaultLock | None = None
    note: str = ""  # anything worth telling the user about how the session opened
    dry_run: bool = False  # the index is a copy in memory: nothing reaches the vault

    def body_of(self, rel: str) -> str | None:
        """The body of a note (front matter left out), or None when it cannot be read now."""
        from vaulttool.core.frontmatter import split
        from vaulttool.core.textio import UndecodableError, decode
        from vaulttool.errors import NoteError

        try:
            text = decode(self.vault.read(rel)[0]).text
        except (NoteError, UndecodableError, OSError):
            return None
        sp = split(text)
        return text[sp.body_start:] if sp.status == "ok" else text

    def close(self) -> None:
        try:
            self.store.close()
        finally:
            if self.lock is not None:
                self.lock.release()
                self.lock.withdraw()  # a watcher that gave this command a turn takes the vault back

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        if self.lock is None and not self.dry_run and isinstance(exc, sqlite3.DatabaseError) and is_damage(exc):
            mark_damaged(self.vault.state, str(exc))  # a reader cannot repair it: the next writer will


def _vault(vault_dir: str | Path | None, *, writer: bool = False) -> Vault:
    root = find_vault(str(vault_dir) if vault_dir else None)
    if writer and not vault_dir and not is_marked(root):
        raise UsageError(f"{root} is not a vault (no .obsidian/ or .vaulttool/ in it or above it): run "
                         "`vaulttool init` to make it one, or name the vault with --vault DIR")
    return Vault(root, configmod.load(root))


def _acquire(lock: VaultLock, wait: float, ask_watch: bool) -> str | None:
    """Take the lock; a short command (``ask_watch``) finding ``watch`` in the vault on this host asks
    it for a turn and waits up to ``TURN_WAIT`` seconds for it."""
    try:
        return lock.acquire(wait=wait)
    except LockError:
        h = lock.holder()
        if not (ask_watch and h is not None and h.command == "watch" and h.host == host_id()):
            raise
    lock.ask_turn()
    try:
        return lock.acquire(wait=TURN_WAIT)
    except LockError:
        lock.withdraw()
        raise LockError(f"the vault is in use by {h.describe()}, which did not give way within "
                        f"{TURN_WAIT:g} s; try again, or stop it") from None


def open_session(vault_dir: str | Path | None, command: str, *, wait: float = 0.0,
                 dry_run: bool = False, ask_watch: bool = False) -> Session:
    """A writer's session: takes the vault lock (raises LockError if another process holds it).
    ``ask_watch``: when ``watch`` holds the vault, ask it for a turn instead of giving up.

    A dry run takes no lock and works on a copy of the index in memory (a new one when there is
    none): it writes nothing in the vault, so it can run while ``watch`` holds the vault."""
    vault = _vault(vault_dir, writer=True)
    if dry_run:
        return Session(vault, Store.scratch(vault.state, vault.root), dry_run=True)
    lock = VaultLock(vault.state, command, vault.config.watch.lock_stale_seconds)
    notes = []
    took_over = _acquire(lock, wait, ask_watch)
    if took_over:
        notes.append(took_over)
    try:
        store = Store.open(vault.state, vault.root)
    except BaseException:
        lock.release()
        raise
    if store.rebuilt:
        notes.append(f"rebuilding the index: {store.rebuilt}")
    return Session(vault, store, lock, "; ".join(notes))


def open_reader(vault_dir: str | Path | None) -> Session:
    """A reader's session: no lock, the index opened read-only (it must exist)."""
    vault = _vault(vault_dir)
    try:
        store = Store.open(vault.state, vault.root, readonly=True)
    except FileNotFoundError:
        if not vault_dir and not is_marked(vault.root):
            raise UsageError(f"{vault.root} is not a vault (no .obsidian/ or .vaulttool/ in it or above it): "
                             "run `vaulttool init` to make it one, or name the vault with --vault DIR") from None
        raise UsageError(f"no index in {vault.root}: run `vaulttool reindex` first") from None
    return Session(vault, store)


def init_vault(folder: str | Path | None) -> tuple[Path, list[str]]:
    """Make ``folder`` (default: the current folder) a vault: ``.vaulttool/`` with a commented
    ``config.toml``. Returns the root and what was created (nothing when it already was one)."""
    root = Path(folder or ".").expanduser()
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    root = root.resolve()
    state = root / configmod.STATE_DIR
    created = []
    if not state.is_dir():
        state.mkdir()
        created.append(f"{state}/")
    cfg = configmod.config_path(root)
    if not cfg.exists():
        vault = Vault(root, configmod.Config())
        vault.write_new(vault.rel(cfg), configmod.commented_config().encode("utf-8"))
        created.append(str(cfg))
    return root, created
