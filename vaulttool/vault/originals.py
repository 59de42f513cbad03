"""The original bytes of every clip vaulttool rewrote, and the journal of renames in flight.

Originals live in ``.vaulttool/originals/<xx>/<digest>`` (named by their digest, which restore checks)
with a manifest of JSON lines (``path`` before, ``new_path`` after, digests of both). ``vaulttool restore`` reads it. A rename is
written to ``journal.jsonl`` before the note is replaced, so a run killed between replacing and
renaming is completed by the next run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from vaulttool.errors import NoteError, StateError
from vaulttool.vault.files import Vault, digest

__all__ = ["Originals", "Entry", "REWRITE", "BEFORE_RESTORE"]


# The kind of a record: a rewrite by vaulttool (normalise, retag), or the user's text kept by
# ``restore --force`` before the original replaced it (never followed back as a rewrite).
REWRITE, BEFORE_RESTORE = "rewrite", "before-restore"


@dataclass
class Entry:
    path: str
    new_path: str
    hash: str
    new_hash: str
    time: float
    kind: str = REWRITE

    def to_json(self) -> str:
        d = dict(self.__dict__)
        if d["kind"] == REWRITE:
            del d["kind"]  # (the records of earlier versions, which had no kind)
        return json.dumps(d, ensure_ascii=False, sort_keys=True)


class Originals:
    """Reads and writes go through :class:`~vaulttool.vault.statefiles.StateFiles`: nothing in
    ``.vaulttool/`` is followed out of the vault."""

    def __init__(self, vault: Vault):
        self.vault = vault
        self.files = vault.statefiles
        self.dir = vault.state / "originals"
        self.manifest = self.dir / "manifest.jsonl"
        self.journal = vault.state / "journal.jsonl"
        self.restored = vault.state / "restored.txt"
        self._pending: list[Entry] = []

    MANIFEST, JOURNAL, RESTORED = "originals/manifest.jsonl", "journal.jsonl", "restored.txt"

    def _append(self, rel: str, lines: list[str], durable: bool = True) -> None:
        if not lines:
            return
        self.files.append(rel, "".join(line + "\n" for line in lines).encode("utf-8"), durable=durable)

    @staticmethod
    def blob_rel(h: str) -> str:
        return f"originals/{h[:2]}/{h}"

    def keep_blob(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data`` once per content (a blob cut short by a crash, or a planted link, is written
        again); returns its digest."""
        h = digest(data)
        if self.files.size(self.blob_rel(h)) != len(data):
            self.files.write(self.blob_rel(h), data, durable=durable)
        return h

    def keep(self, rel: str, data: bytes, new_rel: str, new_data: bytes, *, durable: bool = True,
             kind: str = REWRITE) -> Entry:
        """Store the original bytes (once per content) and record the rewrite, before it happens.
        With ``durable=False`` nothing is fsynced and the records wait in memory until :meth:`flush`:
        the caller flushes a batch and makes it durable with one sync before it replaces any note."""
        h = self.keep_blob(data, durable=durable)
        entry = Entry(rel, new_rel, h, digest(new_data), time.time(), kind)
        self._pending.append(entry)
        if durable:
            self.flush(durable=True)
        return entry

    def flush(self, *, durable: bool = False) -> None:
        """Write the records of the rewrites kept since the last flush (manifest, and the journal
        for those that rename)."""
        entries, self._pending = self._pending, []
        self._append(self.MANIFEST, [e.to_json() for e in entries], durable)
        self._append(self.JOURNAL, [e.to_json() for e in entries if e.new_path != e.path and e.kind == REWRITE],
                     durable)

    def entries(self) -> list[Entry]:
        try:
            return _read_entries(self.files.read(self.MANIFEST))
        except FileNotFoundError:
            return []

    def blob(self, h: str, rel: str = "") -> bytes:
        """The original bytes with digest ``h`` (of the note ``rel``); raises NoteError when they are
        missing or damaged."""
        if not h or any(c not in "0123456789abcdef" for c in h):
            raise NoteError(rel or h, "its record in .vaulttool/originals names no original")
        try:
            data = self.files.read(self.blob_rel(h))
        except (OSError, StateError):
            raise NoteError(rel or h, "its original is missing from .vaulttool/originals") from None
        if digest(data) != h:
            raise NoteError(rel or h, "its original in .vaulttool/originals is damaged") from None
        return data

    def recover(self) -> list[str]:
        """Finish renames a killed run left half done; returns what was fixed."""
        try:
            raw = self.files.read(self.JOURNAL)
        except FileNotFoundError:
            return []
        fixed = []
        for e in _read_entries(raw):
            try:
                src = self.vault.abs(e.path)
                dst = self.vault.abs(e.new_path)
            except Exception:
                continue
            if src.exists() and not os.path.lexists(dst):
                try:
                    if digest(self.vault.read(e.path)[0]) == e.new_hash:
                        self.vault.rename(e.path, e.new_path)
                        fixed.append(f"{e.path} -> {e.new_path}")
                except (OSError, NoteError):
                    continue
        self.files.unlink(self.JOURNAL)
        return fixed

    def clear_journal(self) -> None:
        self.files.unlink(self.JOURNAL)

    # -- restored clips are left alone by automatic runs ----------------------------------------
    def mark_restored(self, h: str) -> None:
        self._append(self.RESTORED, [h])

    def restored_hashes(self) -> set[str]:
        try:
            return set(self.files.read(self.RESTORED).decode("utf-8", "replace").split())
        except FileNotFoundError:
            return set()


def _read_entries(raw: bytes) -> list[Entry]:
    """The records of a JSON-lines file; a line cut short by a crash (even inside a UTF-8 character,
    as a kill while appending a Chinese path leaves it) is left out, not fatal."""
    out = []
    for line in raw.splitlines():
        try:
            e = Entry(**json.loads(line.decode("utf-8")))
        except (ValueError, TypeError):  # UnicodeDecodeError is a ValueError
            continue
        if all(isinstance(v, str) for v in (e.path, e.new_path, e.hash, e.new_hash, e.kind)) and \
                isinstance(e.time, (int, float)):  # (a record forged or damaged by hand is left out)
            out.append(e)
    return out
