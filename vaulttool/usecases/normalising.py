"""Normalise clips in the vault: the glue between the pure normaliser, the index and the files."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Mapping

from vaulttool.core.clip import normalise as core
from vaulttool.core.textio import Decoded, UndecodableError, decode, encode
from vaulttool.errors import NoteError
from vaulttool.vault.originals import Originals
from vaulttool.index.store import Store
from vaulttool.vault.files import Vault, digest

__all__ = ["VaultContext", "Loaded", "load", "draft_for", "stage_result", "commit_staged", "file_time"]


def _fold(rel: str) -> str:
    return unicodedata.normalize("NFC", rel).casefold()


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


def draft_for(loaded: Loaded, explicit: bool = False, clip_folders=None) -> core.Draft:
    return core.Draft(loaded.rel, loaded.decoded.text, loaded.decoded, file_time(loaded.st), explicit=explicit,
                      clip_folders=tuple(clip_folders) if clip_folders is not None else None)


class VaultContext:
    """The vault as the normaliser sees it, backed by the index."""

    def __init__(self, store: Store, vault: Vault, tagger, taken: set[str]):
        from vaulttool.core.tags.rules import TagConfig

        self.store = store
        self.vault = vault
        self.tagger = tagger
        cfg = getattr(tagger, "config", None)
        self.max_topic_len = cfg.topic_max_len if isinstance(cfg, TagConfig) else 12
        self.taken = {_fold(p) for p in taken}
        self._spellings = store.tag_spellings()
        self._df: dict[str, int] | None = None
        self._n_docs = 0
        self._run_urls: dict[str, tuple[str, list[str]]] = {}  # url_key -> first clip finished this run
        self._run_topics: Counter[str] = Counter()
        # clips of this run not yet in the index count in document frequencies (each URL once)
        self._pending_df: Counter[str] = Counter()
        self._pending_docs = 0
        self._pending_by_url: dict[str, str] = {}  # URL -> the union of its pending clips' terms
        self._pending_counted: dict[str, str] = {}  # URL -> its terms counted in _pending_df (joined)
        self._pending_url_in_index: set[str] = set()  # URLs the index counts as documents already
        self._pending_links: dict[str, set[str]] = {}  # name key -> clips of this run linking to it

    def add_pending(self, url_key: str | None, terms, rel: str = "") -> None:
        """Count a clip of this run in the document frequencies as the index will count it once the
        clip is written: each term once per URL, whichever clips of the URL hold it (the index's
        clips of that URL included)."""
        key = url_key or f"\x00{rel or len(self._pending_by_url)}"  # a clip without URL: by its path
        known = key in self._pending_by_url
        if not known and url_key and self.store.conn.execute(
                "SELECT 1 FROM notes WHERE url_key = ? LIMIT 1", (url_key,)).fetchone():
            self._pending_url_in_index.add(key)
        before = set(self._pending_by_url[key].split("\x1f")) if known and self._pending_by_url[key] else set()
        union = before | set(terms)
        self._pending_by_url[key] = "\x1f".join(union)  # one string per URL, not hundreds
        self._recount(key, before if known else set(), union, new_doc=not known)

    def _index_terms(self, key: str) -> set[str]:
        if key.startswith("\x00"):
            return set()
        return {t for (t,) in self.store.conn.execute(
            "SELECT DISTINCT t.term FROM note_terms t JOIN notes n ON n.id = t.note_id"
            " WHERE n.url_key = ? AND n.kind NOT IN ('page', 'conflict')", (key,))}

    def _recount(self, key: str, old: set[str], new: set[str], *, new_doc: bool) -> None:
        """Move this URL's share of the pending counts from the terms ``old`` to ``new`` (less what the
        index already counts for the URL)."""
        in_index = self._index_terms(key) if key in self._pending_url_in_index or self._df is None else set()
        packed = self._pending_counted.get(key)
        counted = set(packed.split("\x1f")) if packed else set()
        now = new - in_index
        self._pending_df.subtract(counted - now)
        self._pending_df.update(now - counted)
        self._pending_counted[key] = "\x1f".join(now)
        if new_doc and key not in self._pending_url_in_index:
            self._pending_docs += 1

    def written(self, url_key: str | None, rel: str = "") -> None:
        """A pending clip (``rel``: its path before it was written) is in the index now: live counts
        (no preloaded snapshot) must not count it twice."""
        key = url_key or f"\x00{rel}"
        if self._df is not None or key not in self._pending_by_url:
            return
        union = set(self._pending_by_url[key].split("\x1f")) if self._pending_by_url[key] else set()
        if not url_key:  # a clip without URL is a document of its own: the index counts all of it now
            packed = self._pending_counted.pop(key, "")
            self._pending_df.subtract(set(packed.split("\x1f")) if packed else set())
            self._pending_by_url.pop(key, None)
            if key not in self._pending_url_in_index:
                self._pending_docs -= 1
            return
        if key not in self._pending_url_in_index:
            self._pending_url_in_index.add(key)
            self._pending_docs -= 1  # the index counts this URL now
        self._recount(key, union, union, new_doc=False)

    def count_topics(self, topics) -> None:
        """Count the topics of the clips about to be normalised, so that whether a topic recurs
        does not depend on the order the clips are processed in."""
        self._run_topics.update(set(topics))

    def finished(self, draft: core.Draft) -> None:
        if draft.url_key and draft.url_key not in self._run_urls and not draft.duplicate:
            self._run_urls[draft.url_key] = (draft.new_path or draft.path, list(draft.auto_tags))

    def markers(self) -> dict[str, int]:
        """The tagger's counted markers (declared aliases, lower-case words) over the vault: the index
        and the clips of this run, each URL once (see :mod:`vaulttool.core.tags.vocab`)."""
        from vaulttool.index.vocab import marker_counts

        if self._df is None:
            out = marker_counts(self.store.conn)
        else:
            out = {t: n for t, n in self._df.items() if t[:1] in ("\x01", "\x02")}
        for t, n in self._pending_df.items():
            if n > 0 and t[:1] in ("\x01", "\x02"):
                out[t] = out.get(t, 0) + n
        return out

    def preload_doc_freq(self) -> None:
        self._df, self._n_docs = self.store.doc_freq()

    def doc_freq(self, terms) -> tuple[Mapping[str, int], int]:
        if self._df is None:
            base, n_docs = self.store.doc_freq(terms)
        else:
            base, n_docs = {t: self._df[t] for t in terms if t in self._df}, self._n_docs
        pending = self._pending_df
        out = {t: base.get(t, 0) + pending[t] for t in terms if base.get(t, 0) + pending[t] > 0}
        return out, n_docs + self._pending_docs

    def duplicate_of(self, url_key: str, path: str):
        earlier = self.store.earliest_with_url(url_key, path)
        if earlier is None:
            mine = self._run_urls.get(url_key)
            if mine and mine[0] != path:
                return mine
        return earlier

    def tag_spelling(self, tag: str) -> str:
        from vaulttool.core.tags.rules import tag_key

        return self._spellings.setdefault(tag_key(tag), tag)

    def topic_count(self, topic: str) -> int:
        """Notes carrying ``topic``: those in the index plus the clips of this run."""
        return self.store.topic_count(topic) + self._run_topics[topic]

    def path_taken(self, rel: str) -> bool:
        """Taken in any case or Unicode form: Obsidian, macOS and Windows see those as one name."""
        return _fold(rel) in self.taken

    def claim(self, rel: str) -> None:
        self.taken.add(_fold(rel))

    def release(self, rel: str) -> None:
        self.taken.discard(_fold(rel))

    def add_pending_links(self, rel: str, links) -> None:
        """The links of a clip of this run, not in the index yet: the notes they name keep their names."""
        from vaulttool.core.links.resolve import name_key

        for link in links:
            if link.target and link.kind in ("wikilink", "embed", "markdown") and "://" not in link.target:
                self._pending_links.setdefault(name_key(link.target), set()).add(rel)

    def linked_from(self, rel: str) -> list[str]:
        """The other notes that link to ``rel`` by its name or path (a rename would break them)."""
        from vaulttool.core.links.resolve import name_key

        sources = {r["source"] for r in self.store.links_by_target_keys([name_key(rel)])}
        sources.update(self._pending_links.get(name_key(rel), ()))
        sources.update(r["source"] for r in self.store.links_resolved_to([rel]))
        sources.discard(rel)
        return sorted(sources)

    def link_to(self, rel: str) -> str:
        from vaulttool.core.links.resolve import name_key

        stem = rel[:-3] if rel.lower().endswith(".md") else rel
        name = stem.rpartition("/")[2]
        if len(self.store.paths_by_name_key(name_key(rel))) <= 1:
            return f"[[{name}]]"
        return f"[[{stem}]]"


@dataclass
class Staged:
    """A finished clip whose new bytes are written beside it, waiting for the batch's sync."""

    loaded: Loaded
    draft: core.Draft
    target: str
    data: bytes
    tmp: object
    st: os.stat_result  # the new file's stat, taken before it replaces the note (a later user edit
    #                     then shows as a stat change, never hidden behind our hash)


def stage_result(vault: Vault, originals: Originals, loaded: Loaded, draft: core.Draft) -> Staged | None:
    """Keep the original and write the new bytes to a temp file (no fsync: the batch syncs once).
    None when the result equals the note as it is."""
    new = encode(draft.result, loaded.decoded, to_utf8=True)
    target = draft.new_path or loaded.rel
    if new == loaded.data and target == loaded.rel:
        return None
    if not loaded.decoded.is_utf8:
        draft.messages.append(f"converted from {loaded.decoded.encoding} to UTF-8")
    originals.keep(loaded.rel, loaded.data, target, new, durable=False)
    tmp = vault.stage(loaded.rel, new, mode=loaded.st.st_mode)
    return Staged(loaded, draft, target, new, tmp, os.stat(tmp))


def commit_staged(vault: Vault, originals: Originals, staged: Staged) -> str:
    """After the sync: replace the note (if it did not change meanwhile) and rename it. Returns the
    path the note ends up at; raises NoteError when it was left alone."""
    loaded, draft = staged.loaded, staged.draft
    vault.commit(loaded.rel, staged.tmp, loaded.hash, loaded.st)
    target = staged.target
    if target != loaded.rel:
        try:
            vault.rename(loaded.rel, target, durable=False)
        except (NoteError, OSError) as exc:
            draft.messages.append(f"normalised in place; not renamed: {exc}")
            target = loaded.rel
            originals.keep(loaded.rel, loaded.data, loaded.rel, staged.data)  # restore finds it here
    return target
