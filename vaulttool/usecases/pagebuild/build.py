"""``rebuild_pages``: write the generated pages (index, tags, backlinks, duplicates) for a run.

Called at the end of a reindex run, inside its transaction, with what the run changed. It:

1. works out the pages the vault should have now and, unless a full build is asked for (or the page
   settings or :data:`RENDER_VERSION` changed since the last build), which of them the changes can
   have touched;
2. reads from the index only what those pages show, with set-based queries;
3. renders them (``vaulttool.pages.render``) and writes each one whose bytes differ from the file on disk,
   atomically, never touching a file that does not carry the ``generated_by: vaulttool`` marker;
4. removes the pages of tags, notes and months that are gone (again only files carrying the marker),
   records each page's digest in the index's ``pages`` table, and keeps a small state in ``meta``
   (each tag's shown spelling, the notes of kind ``page``, the conflict copies last shown), so that the
   next incremental build needs no query over the whole vault to know what changed.

What an incremental build rebuilds, and why that gives the same bytes as a full build, is told in
:mod:`vaulttool.usecases.pagebuild.plan`. The build's parts: :mod:`~vaulttool.usecases.pagebuild.plan` (the plan),
:mod:`~vaulttool.usecases.pagebuild.data` (reading), :mod:`~vaulttool.usecases.pagebuild.render` (rendering),
:mod:`~vaulttool.usecases.pagebuild.links` (the links pages write), :mod:`~vaulttool.usecases.pagebuild.write`
(writing) and :mod:`~vaulttool.usecases.pagebuild.query` (reading the index).

Notes of kind ``page`` (front matter with ``generated_by``, outside the pages folder: for example the
pages of a former pages folder) are not listed and their links do not count as backlinks.
"""

from __future__ import annotations

import json
import os
from bisect import bisect_left
from collections import Counter

from vaulttool.pages.duplicates import split_groups
from vaulttool.pages.render import Entry, Layout, TagInfo, month_parts
from vaulttool.usecases.indexing import Changes
from vaulttool.usecases.pagebuild.data import PageData
from vaulttool.usecases.pagebuild.links import PageLinks
from vaulttool.usecases.pagebuild.plan import IncrementalPlan
from vaulttool.usecases.pagebuild.query import HIDDEN_SQL, Plain, tag_infos
from vaulttool.usecases.pagebuild.render import PageRendering
from vaulttool.usecases.pagebuild.write import PageWriter
from vaulttool.usecases.report import Reporter, Summary

__all__ = ["rebuild_pages", "RENDER_VERSION"]

# Bump when the rendered output changes: the next build is then a full one.
RENDER_VERSION = 5
_SETTINGS_KEY = "pages"  # meta: what the pages were built with
_STATE_KEY = "pages_state"  # meta: what the next incremental build needs to know
_HASH_BATCH = 1000  # page digests recorded together


def rebuild_pages(session, changes: Changes, reporter: Reporter, summary: Summary, *,
                  walk_pages: dict[str, os.stat_result], full: bool = False,
                  conflicts: list[tuple[str, str]] | None = None) -> None:
    """Bring the generated pages up to date after ``changes`` (all of them when ``full`` or
    ``changes.full``). ``walk_pages``: the ``*.md`` files found under the pages folder with their stat.
    ``conflicts``: (sync-conflict copy, original) pairs to list on ``Duplicates.md``; ``None`` (a caller
    that did not look for them) keeps the ones the last build listed."""
    _Build(session, reporter, summary, walk_pages, conflicts).run(changes, full)


class _Build(IncrementalPlan, PageData, PageRendering):
    """One build of the pages: the view of the vault its parts share, the facts a full build reads, and
    the run that plans, renders, writes and records the pages."""

    def __init__(self, session, reporter: Reporter, summary: Summary, walk_pages, conflicts):
        self.vault = session.vault
        self.store = session.store
        self.conn = Plain(session.store.conn)
        cfg = self.vault.config
        self.layout = Layout(cfg.pages_folder)
        self.prefix = cfg.pages_folder + "/"
        self.style = cfg.link_style
        self.limit = cfg.index_page_limit
        self.page_style = cfg.page_style
        self.obsidian = cfg.page_style == "obsidian"
        self.tag_page_min = cfg.tag_page_min
        self.walk_pages = walk_pages
        self.conflicts = None if conflicts is None else sorted({(str(a), str(b)) for a, b in conflicts})
        self.writer = PageWriter(self.vault, cfg.pages_folder, walk_pages, reporter, summary)
        self.entries: dict[int, Entry] = {}
        self.id_of: dict[str, int] = {}
        self.hidden_ids: set[int] = set()
        self.hidden_notes: set[str] = set()
        self.copy_ids: set[int] = set()  # see find_copies
        self.copies_of: dict[int, int] = {}
        self.unlisted: set[int] = set()
        self.broken_sources: list[str] | None = None  # notes with links to nothing, when Backlinks.md is built

    # ------------------------------------------------------------------------------------ run

    def settings(self) -> str:
        return json.dumps({"version": RENDER_VERSION, "folder": self.layout.folder, "style": self.style,
                           "limit": self.limit, "page_style": self.page_style, "tag_page_min": self.tag_page_min},
                          sort_keys=True)

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def run(self, changes: Changes, full: bool) -> None:
        state = None
        if self.meta(_SETTINGS_KEY) == self.settings():
            try:
                state = json.loads(self.meta(_STATE_KEY) or "null")
            except ValueError:
                state = None
            if not isinstance(state, dict):
                state = None  # none or unreadable: a full build makes it afresh
        shown = [tuple(c) for c in (state or {}).get("conflicts", [])]
        if self.conflicts is None:
            self.conflicts = shown
        self.conflicts_changed = state is None or shown != self.conflicts
        old_pages = self.store.page_hashes()
        if full or changes.full or state is None:
            full = True
            self.facts_full()
            expected = self.expected_pages()
            for p in self.linked_notes():
                expected[self.layout.note_backlinks(p)] = ("note", p)
            todo = set(expected)
        else:
            expected, todo = self.plan_incremental(changes, state, old_pages)
            todo |= set(expected) - set(old_pages)
            todo |= {p for p in expected if p not in self.walk_pages}
            todo &= set(expected)
            self.name_unknown(expected, todo)
        self.links = PageLinks(self, expected)
        todo = sorted(todo)
        updates: list[tuple[str, str]] = []  # page digests to record, a batch at a time
        for path, text in self.render(todo, expected, full):
            h = self.writer.put(path, text.encode("utf-8"), old_pages.get(path))
            if old_pages.get(path) != h:
                updates.append((path, h))
            if len(updates) >= _HASH_BATCH:
                self.record(updates)
        self.record(updates)
        del todo
        stale = set(old_pages) - set(expected)
        if full:
            stale |= set(self.walk_pages) - set(expected)
            if self.layout.base not in expected and self.vault.abs(self.layout.base).exists():
                stale.add(self.layout.base)  # left by the obsidian style, and the index made afresh since
        for path in sorted(stale):
            self.writer.remove(path)
        self.conn.executemany("DELETE FROM pages WHERE path = ?", [(p,) for p in stale if p in old_pages])
        broken_sources = self.broken_sources
        if broken_sources is None:  # Backlinks.md not rebuilt: the notes with broken links are the same
            broken_sources = (state or {}).get("broken_sources", [])
        new_state = {"spellings": {k: t.spelling for k, t in sorted(self.tags.items())},
                     "hidden_notes": sorted(self.hidden_notes), "conflicts": [list(c) for c in self.conflicts],
                     "broken_sources": broken_sources}
        if new_state != state:
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                              (_STATE_KEY, json.dumps(new_state, ensure_ascii=False, separators=(",", ":"))))
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_SETTINGS_KEY, self.settings()))

    def record(self, updates: list[tuple[str, str]]) -> None:
        """Record the digests of pages written (and empty ``updates``)."""
        self.conn.executemany("INSERT OR REPLACE INTO pages(path, hash) VALUES (?, ?)", updates)
        updates.clear()

    # ---------------------------------------------------------------------------- vault facts

    def facts_full(self) -> None:
        """Everything about the vault the pages summarise, read afresh."""
        c = self.conn
        rows = c.execute(f"SELECT id, path FROM notes WHERE kind IN {HIDDEN_SQL}").fetchall()
        self.hidden_ids = {i for i, _ in rows}
        self.hidden_notes = {p for _, p in rows}
        self.find_copies()
        self.set_months(dict(c.execute(
            "SELECT substr(created, 1, 7), count(*) FROM notes WHERE id NOT IN (SELECT id FROM temp.unlisted)"
            " GROUP BY 1")))
        counts = Counter({(k, t): n for k, t, n in c.execute("SELECT key, tag, count(*) FROM note_tags GROUP BY key, tag")})
        counts.subtract({(k, t): n for k, t, n in c.execute(
            "SELECT key, tag, count(*) FROM note_tags WHERE note_id IN (SELECT id FROM temp.unlisted)"
            " GROUP BY key, tag")})
        self.set_tags(tag_infos(Counter({kt: n for kt, n in counts.items() if n > 0})))

    def linked_notes(self) -> set[str]:
        """The listed notes another listed note links to (each has a backlink page)."""
        return {r[0] for r in self.conn.execute(
            "SELECT DISTINCT l.resolved FROM links l JOIN notes s ON s.id = l.note_id JOIN notes t ON t.path = l.resolved"
            f" WHERE l.status = 'ok' AND s.kind NOT IN {HIDDEN_SQL} AND t.kind NOT IN {HIDDEN_SQL}"
            " AND s.path != l.resolved")}

    def set_months(self, months: dict[str | None, int]) -> None:
        self.months = {m: n for m, n in months.items() if n > 0}
        self.note_count = sum(self.months.values())
        self.month_mode = not self.obsidian and self.note_count > self.limit

    def set_tags(self, tags: dict[str, TagInfo]) -> None:
        """The tags of the listed notes; those on at least ``tag_page_min`` of them have a page."""
        self.tags = tags
        self.sorted_keys = sorted(tags)
        self.layout.paged = frozenset(k for k, t in tags.items() if t.count >= self.tag_page_min)

    def expected_pages(self) -> dict[str, tuple[str, object]]:
        """Index, month, tag and overview pages the vault should have: path -> (kind, about)."""
        lay = self.layout
        out: dict[str, tuple[str, object]] = {lay.index: ("index", None), lay.tags: ("tags", None),
                                              lay.backlinks: ("backlinks", None)}
        out[lay.duplicates] = ("duplicates", None)
        if not self.obsidian:
            for m, sizes in self.dup_months.items():
                parts = len(split_groups(sizes))
                for k in range(1, parts + 1):
                    out[lay.duplicates_month(m, k)] = ("duplicates-month", (m, k, parts))
        if self.obsidian:
            out[lay.base] = ("base", None)
        if self.month_mode:
            for m, n in self.months.items():
                parts = month_parts(n)
                for k in range(1, parts + 1):
                    out[lay.month(m, k)] = ("month", (m, k, parts))
        for k in lay.paged:
            out[lay.tag(k)] = ("tag", k)
        return out

    def descendants(self, key: str) -> list[str]:
        lo = bisect_left(self.sorted_keys, key + "/")
        hi = bisect_left(self.sorted_keys, key + "0")  # "0" follows "/"
        return self.sorted_keys[lo:hi]
