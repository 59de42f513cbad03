"""The original bytes of every clip vaulttool rewrote, and the journal of renames in flight.

Originals live in ``.vaulttool/originals/<xx>/<digest>`` with a manifest of JSON lines
(``path`` before, ``new_path`` after, digests of both). ``vaulttool restore`` reads it. A rename is
written to ``journal.jsonl`` before the note is replaced, so a run killed between replacing and
renaming is completed by the next run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from vaulttool.errors import NoteError
from vaulttool.vaultio import Vault, digest

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

    def _append(self, path, lines: list[str], durable: bool = True) -> None:
        if not lines:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
            fh.flush()
            if durable:
                os.fsync(fh.fileno())

    def keep(self, rel: str, data: bytes, new_rel: str, new_data: bytes, *, durable: bool = True) -> Entry:
        """Store the original bytes (once per content) and record the rewrite, before it happens.
        With ``durable=False`` nothing is fsynced: the caller makes a batch durable with one sync
        before it replaces any note."""
        h = digest(data)
        blob = self.dir / h[:2] / h
        if not blob.exists():
            blob.parent.mkdir(parents=True, exist_ok=True)
            tmp = blob.with_name(f".{h}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                if durable:
                    os.fsync(fh.fileno())
            os.replace(tmp, blob)
        entry = Entry(rel, new_rel, h, digest(new_data), time.time())
        self._append(self.manifest, [entry.to_json()], durable)
        if new_rel != rel:
            self._append(self.journal, [entry.to_json()], durable)
        return entry

    def entries(self) -> list[Entry]:
        if not self.manifest.exists():
            return []
        out = []
        with open(self.manifest, encoding="utf-8") as fh:
            for line in fh:
                try:
                    out.append(Entry(**json.loads(line)))
                except (ValueError, TypeError):
                    continue  # a line cut short by a crash
        return out

    def blob(self, h: str) -> bytes:
        return (self.dir / h[:2] / h).read_bytes()

    def recover(self) -> list[str]:
        """Finish renames a killed run left half done; returns what was fixed."""
        if not self.journal.exists():
            return []
        fixed = []
        with open(self.journal, encoding="utf-8") as fh:
            lines = fh.readlines()
        for line in lines:
            try:
                e = Entry(**json.loads(line))
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
