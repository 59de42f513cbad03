"""Put notes into the index and keep link resolution right."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from vaulttool.core.model import NoteInfo
from vaulttool.index.store import Store

__all__ = ["Changes", "put", "remove", "relink"]


@dataclass
class Changes:
    """What a run changed, for link resolution and for rebuilding only the affected pages."""

    added: set[str] = field(default_factory=set)  # note paths new to the index
    updated: set[str] = field(default_factory=set)  # note paths whose content changed
    removed: dict[str, dict] = field(default_factory=dict)  # path -> what the index knew (for pages)
    before: dict[str, dict] = field(default_factory=dict)  # path -> facts before an update
    files_added: set[str] = field(default_factory=set)
    files_removed: set[str] = field(default_factory=set)
    link_targets: set[str] = field(default_factory=set)  # notes whose set of backlinks changed
    full: bool = False

    def any(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.files_added or self.files_removed)

    def merge(self, other: "Changes") -> None:
        self.added |= other.added
        self.updated |= other.updated
        self.removed.update(other.removed)
        for k, v in other.before.items():
            self.before.setdefault(k, v)
        self.files_added |= other.files_added
        self.files_removed |= other.files_removed
        self.link_targets |= other.link_targets
        self.full = self.full or other.full


def facts(store: Store, path: str) -> dict | None:
    """What the pages need to know of a note as the index has it now (before it changes)."""
    row = store.note(path)
    if row is None:
        return None
    return {"created": row["created"], "tags": store.tags_of(path), "title": row["title"],
            "url_key": row["url_key"],
            "targets": sorted({r["resolved"] for r in store.links_of([row["id"]]) if r["resolved"]})}


def search_columns(info: NoteInfo, store: Store | None = None) -> tuple[str, str, str] | None:
    """The full-text entry of a note: the index text of its title, its tags and its body (see
    :mod:`vaulttool.core.query.searchtext`); none for generated pages."""
    if info.kind == "page":
        return None
    from vaulttool.core.query.searchtext import fold_table, index_text

    if store is not None:
        store.save_fold(fold_table())
    return index_text(info.title), index_text(" ".join(info.tags)), index_text(info.body)


def put(store: Store, info: NoteInfo, text: str, st: os.stat_result, hash: str, terms, changes: Changes,
        analysis: dict | None = None) -> None:
    from vaulttool.core.links.resolve import name_key

    before = facts(store, info.path)
    if before is None:
        changes.added.add(info.path)
    else:
        changes.updated.add(info.path)
        changes.before.setdefault(info.path, before)
    lines = text.splitlines()
    contexts = [lines[ln.line - 1].strip()[:400] if 0 < ln.line <= len(lines) else "" for ln in info.links]
    link_keys = [name_key(ln.target.rpartition("/")[2]) if ln.target else "" for ln in info.links]
    store.put_note(info, size=st.st_size, mtime_ns=st.st_mtime_ns, hash=hash, name_key=name_key(info.path),
                   link_keys=link_keys, contexts=contexts, terms=terms,
                   search=search_columns(info, store))


def remove(store: Store, path: str, changes: Changes) -> None:
    before = facts(store, path)
    if before is not None:
        changes.removed[path] = before
        store.delete_note(path)


def relink(store: Store, changes: Changes) -> None:
    """Resolve the links that may resolve differently after ``changes`` (all of them when ``full``)."""
    from vaulttool.core.links.resolve import Resolver, name_key

    if not changes.any() and not changes.full:
        return
    resolver = Resolver([*store.paths(), *store.files()])

    def rows():  # streamed: on a large vault the links' rows do not all fit in memory at once
        if changes.full:
            yield from store.links_of()
            return
        ids = [r[0] for r in (store.conn.execute("SELECT id FROM notes WHERE path=?", (p,)).fetchone()
                              for p in changes.added | changes.updated) if r]
        keys = {name_key(p.rpartition("/")[2]) for p in
                (*changes.added, *changes.removed, *changes.files_added, *changes.files_removed)}
        seen: set[int] = set()
        for source in (store.links_of(ids), store.links_by_target_keys(keys),
                       store.links_resolved_to(changes.removed)):
            for row in source:
                if row["id"] not in seen:
                    seen.add(row["id"])
                    yield row

    updates = []
    for row in rows():
        status, resolved = resolver.resolve(store.row_link(row), row["source"])
        if (status, resolved) != (row["status"], row["resolved"]):
            updates.append((status, resolved, row["id"]))
            for target in (row["resolved"], resolved):
                if target:
                    changes.link_targets.add(target)
    store.set_resolutions(updates)
