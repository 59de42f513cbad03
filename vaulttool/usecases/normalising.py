"""Normalise clips in the vault: the glue between the pure normaliser, the index and the files."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Mapping

from vaulttool.core import normalise as core
from vaulttool.core.textio import Decoded, UndecodableError, decode, encode
from vaulttool.errors import NoteError
from vaulttool.originals import Originals
from vaulttool.store import Store
from vaulttool.vaultio import Vault, digest

__all__ = ["VaultContext", "Loaded", "load", "draft_for", "write_result", "file_time"]


def file_time(st: os.stat_result) -> str:
    """The file's modification time as a local ISO date-time with offset (``created`` fallback)."""
    return dt.datetime.fromtimestamp(st.st_mtime).astimezone().replace(microsecond=0).isoformat()


@dataclass
class Loaded:
    rel: str
    data: bytes
    st: os.stat_result
    hash: str
    decoded: Decoded


def load(vault: Vault, rel: str) -> Loaded:
    """Read and decode a note; raises NoteError naming the file."""
    data, st = vault.read(rel)
    try:
        decoded = decode(data)
    except UndecodableError as exc:
        raise NoteError(rel, f"left untouched: {exc}") from None
    return Loaded(rel, data, st, digest(data), decoded)


def draft_for(loaded: Loaded, explicit: bool = False) -> core.Draft:
    return core.Draft(loaded.rel, loaded.decoded.text, loaded.decoded, file_time(loaded.st), explicit=explicit)


class VaultContext:
    """The vault as the normaliser sees it, backed by the index."""

    def __init__(self, store: Store, vault: Vault, tagger, taken: set[str]):
        from vaulttool.core.tags import TagConfig

        self.store = store
        self.vault = vault
        self.tagger = tagger
        cfg = getattr(tagger, "config", None)
        self.max_topic_len = cfg.topic_max_len if isinstance(cfg, TagConfig) else 12
        self.taken = {p.lower() for p in taken}
        self._spellings = store.tag_spellings()
        self._df: dict[str, int] | None = None
        self._n_docs = 0

    def preload_doc_freq(self) -> None:
        self._df, self._n_docs = self.store.doc_freq()

    def doc_freq(self, terms) -> tuple[Mapping[str, int], int]:
        if self._df is None:
            return self.store.doc_freq(terms)
        return {t: self._df[t] for t in terms if t in self._df}, self._n_docs

    def duplicate_of(self, url_key: str, path: str):
        return self.store.earliest_with_url(url_key, path)

    def tag_spelling(self, tag: str) -> str:
        from vaulttool.core.tags import tag_key

        return self._spellings.setdefault(tag_key(tag), tag)

    def topic_count(self, topic: str) -> int:
        return self.store.topic_count(topic)

    def path_taken(self, rel: str) -> bool:
        return rel.lower() in self.taken

    def claim(self, rel: str) -> None:
        self.taken.add(rel.lower())

    def release(self, rel: str) -> None:
        self.taken.discard(rel.lower())

    def link_to(self, rel: str) -> str:
        from vaulttool.core.links import name_key

        stem = rel[:-3] if rel.lower().endswith(".md") else rel
        name = stem.rpartition("/")[2]
        if len(self.store.paths_by_name_key(name_key(rel))) <= 1:
            return f"[[{name}]]"
        return f"[[{stem}]]"


def write_result(vault: Vault, originals: Originals, loaded: Loaded, draft: core.Draft) -> tuple[str, bytes] | None:
    """Write a finished draft over the note (keeping the original). Returns (path, bytes) written, or
    None when the result equals the note as it is."""
    new = encode(draft.result, loaded.decoded, to_utf8=True)
    target = draft.new_path or loaded.rel
    if new == loaded.data and target == loaded.rel:
        return None
    if not loaded.decoded.is_utf8:
        draft.messages.append(f"converted from {loaded.decoded.encoding} to UTF-8")
    originals.keep(loaded.rel, loaded.data, target, new)
    vault.replace(loaded.rel, new, loaded.hash, mode=loaded.st.st_mode)
    if target != loaded.rel:
        try:
            vault.rename(loaded.rel, target)
        except (NoteError, OSError) as exc:
            draft.messages.append(f"normalised in place; not renamed: {exc}")
            target = loaded.rel
    return target, new
