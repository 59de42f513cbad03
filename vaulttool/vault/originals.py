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

from vaulttool.errors import NoteError
from vaulttool.vault.files import Vault, digest

__all__ = ["Originals", "Entry"]


@dataclass
class Entry:
    path: str
    new_path: str
    hash: str
    new_hash: str
    time: float

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True)


class Originals:
    def __init__(self, vault: Vault):
        self.vault = vault
        self.dir = vault.state / "originals"
        self.manifest = self.dir / "manifest.jsonl"
        self.journal = vault.state / "journal.jsonl"
        self.restored = vault.state / "restored.txt"
        self._pending: list[Entry] = []

    def _append(self, path, lines: list[str], durable: bool = True) -> None:
        if not lines:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as fh:
            fh.seek(0, os.SEEK_END)
            lead = b""
            if fh.tell():
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":  # a line cut short by a crash: do not glue the next one to it
                    lead = b"\n"
            fh.write(lead + "".join(line + "\n" for line in lines).encode("utf-8"))
            fh.flush()
            if durable:
                os.fsync(fh.fileno())

    def keep(self, rel: str, data: bytes, new_rel: str, new_data: bytes, *, durable: bool = True) -> Entry:
        """Store the original bytes (once per content) and record the rewrite, before it happens.
        With ``durable=False`` nothing is fsynced and the records wait in memory until :meth:`flush`:
        the caller flushes a batch and makes it durable with one sync before it replaces any note."""
        h = digest(data)
        blob = self.dir / h[:2] / h
        try:
            complete = blob.stat().st_size == len(data)  # a blob cut short by a crash is written again
        except FileNotFoundError:
            complete = False
        if not complete:
            blob.parent.mkdir(parents=True, exist_ok=True)
            with open(blob, "wb") as fh:
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
        entry = Entry(rel, new_rel, h, digest(new_data), time.time())
        self._pending.append(entry)
        if durable:
            self.flush(durable=True)
        return entry

    def flush(self, *, durable: bool = False) -> None:
        """Write the records of the rewrites kept since the last flush (manifest, and the journal
        for those that rename)."""
        entries, self._pending = self._pending, []
        self._append(self.manifest, [e.to_json() for e in entries], durable)
        self._append(self.journal, [e.to_json() for e in entries if e.new_path != e.path], durable)

    def entries(self) -> list[Entry]:
        if not self.manifest.exists():
            return []
        return _read_entries(self.manifest)

    def blob(self, h: str, rel: str = "") -> bytes:
        """The original bytes with digest ``h`` (of the note ``rel``); raises NoteError when they are
        missing or damaged."""
        try:
            data = (self.dir / h[:2] / h).read_bytes()
        except OSError:
            raise NoteError(rel or h, "its original is missing from .vaulttool/originals") from None
        if digest(data) != h:
            raise NoteError(rel or h, "its original in .vaulttool/originals is damaged") from None
        return data

    def recover(self) -> list[str]:
        """Finish renames a killed run left half done; returns what was fixed."""
        if not self.journal.exists():
            return []
        fixed = []
        for e in _read_entries(self.journal):
            try:
                src = self.vault.abs(e.path)
                dst = self.vault.abs(e.new_path)
            except Exception:
                continue
            if src.exists() and not os.path.lexists(dst):
                try:
                    if digest(src.read_bytes()) == e.new_hash:
                        self.vault.rename(e.path, e.new_path)
                        fixed.append(f"{e.path} -> {e.new_path}")
                except (OSError, NoteError):
                    continue
        self.journal.unlink()
        return fixed

    def clear_journal(self) -> None:
        try:
            self.journal.unlink()
        except FileNotFoundError:
            pass

    # -- restored clips are left alone by automatic runs ----------------------------------------
    def mark_restored(self, h: str) -> None:
        self._append(self.restored, [h])

    def restored_hashes(self) -> set[str]:
        try:
            return set(self.restored.read_text(encoding="utf-8").split())
        except FileNotFoundError:
            return set()


def _read_entries(path) -> list[Entry]:
    """The records of a JSON-lines file; a line cut short by a crash (even inside a UTF-8 character,
    as a kill while appending a Chinese path leaves it) is left out, not fatal."""
    out = []
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                out.append(Entry(**json.loads(raw.decode("utf-8"))))
            except (ValueError, TypeError):  # UnicodeDecodeError is a ValueError
                continue
    return out
