"""``rebuild_pages``: write the generated pages (index, tags, backlinks, duplicates) for a run.

Called at the end of a reindex run, inside its transaction, with what the run changed. It:

1. works out the pages the vault should have now and, unless a full build is asked for (or the page
   settings or this module's output changed since the last build), which of them the changes can
   have touched;
2. reads from the index only what those pages show, with set-based queries;
3. renders them (``vaulttool.render``) and writes each one whose bytes differ from the file on disk,
   atomically, never touching a file that does not carry the ``generated_by: vaulttool`` marker;
4. removes the pages of tags, notes and months that are gone (again only files carrying the marker),
   records each page's digest in the index's ``pages`` table, and keeps a small state in ``meta``
   (each tag's shown spelling, the notes of kind ``page``, the conflict copies last shown), so that the
   next incremental build needs no query over the whole vault to know what changed.

What an incremental build rebuilds, and why that gives the same bytes as a full build:

- ``Index.md``, ``Tags.md`` and ``Backlinks.md``: always (they summarise the vault); ``Duplicates.md``
  when a changed note is or was in a group sharing a URL, or the conflict copies changed;
- the month pages of the old and new ``created`` of every changed note;
- the tag pages of the old and new tags of every changed note (the note's title, date and site appear
  there, and only those notes change a tag's co-tag counts), with the pages of the tags above them
  (they list the tags nested below); when a tag appears, disappears or changes its shown spelling,
  also the pages of the tags below it and, for a spelling, of the tags it comes with;
- the backlink pages of the notes a changed note links to (before and after: its title and the lines
  around its links appear there), of changed notes themselves, and of ``changes.link_targets``;
- a link written in a page depends on the other files sharing the linked file's name (that is how
  Obsidian resolves ``[[name]]``): when a note, attachment or page with some name appears or
  disappears, every page showing a note of that name is rebuilt as if the note had changed. Links from
  pages to pages use the page's path from the vault root (wikilinks, looked up there first) or a
  ``./``/``../`` relative path (Markdown), which no other file can change;
- every page that should exist but is missing on disk, or was not there before, is (re)written.

Notes of kind ``page`` (front matter with ``generated_by``, outside the pages folder: for example the
pages of a former pages folder) are not listed and their links do not count as backlinks.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from vaulttool.core.links import Resolver, link_to, name_key
from vaulttool.core.tags import tag_key
from vaulttool.errors import NoteError
from vaulttool.render import (
    Entry,
    Layout,
    TagInfo,
    has_marker,
    month_of,
    render_backlinks,
    render_duplicates,
    render_index,
    render_index_months,
    render_month,
    render_note_backlinks,
    render_tag,
    render_tags,
)
from vaulttool.usecases.indexing import Changes
from vaulttool.usecases.report import Reporter, Summary
from vaulttool.vaultio import digest

__all__ = ["rebuild_pages", "RENDER_VERSION"]

# Bump when the rendered output changes: the next build is then a full one.
RENDER_VERSION = 2
RECENT = 20  # notes on Index.md when it links to month pages
MOST_LINKED = 50
CO_TAGS = 10
_CHUNK = 500
_SETTINGS_KEY = "pages"  # meta: what the pages were built with
_STATE_KEY = "pages_state"  # meta: what the next incremental build needs to know

# Notes not listed, whose links do not count: pages of a former pages folder (front matter with
# generated_by) and the copies a sync tool made of a note edited in two places (listed as conflicts).
_HIDDEN = ("page", "conflict")
_HIDDEN_SQL = "('page', 'conflict')"

_nk = lru_cache(maxsize=262144)(name_key)


def _chunks(items: Iterable, n: int = _CHUNK):
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class _Plain:
    """The index's connection, answering with plain tuples (lighter than ``sqlite3.Row`` by far when
    reading every tag or link of a large vault) and with repeated strings shared."""

    def __init__(self, conn: sqlite3.Connection):
        self.raw = conn

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        cur = self.raw.cursor()
        cur.row_factory = None
        return cur.execute(sql, params)

    def executemany(self, sql: str, rows) -> None:
        self.raw.executemany(sql, rows)


def _ancestors(key: str) -> list[str]:
    parts = key.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def rebuild_pages(session, changes: Changes, reporter: Reporter, summary: Summary, *,
                  walk_pages: dict[str, os.stat_result], full: bool = False,
                  conflicts: list[tuple[str, str]] | None = None) -> None:
    """Bring the generated pages up to date after ``changes`` (all of them when ``full`` or
    ``changes.full``). ``walk_pages``: the ``*.md`` files found under the pages folder with their stat.
    ``conflicts``: (sync-conflict copy, original) pairs to list on ``Duplicates.md``; ``None`` (a caller
    that did not look for them) keeps the ones the last build listed."""
    _Build(session, reporter, summary, walk_pages, conflicts).run(changes, full)


class _Build:
    def __init__(self, session, reporter: Reporter, summary: Summary, walk_pages, conflicts):
        self.vault = session.vault
        self.store = session.store
        self.conn = _Plain(session.store.conn)
        cfg = self.vault.config
        self.layout = Layout(cfg.pages_folder)
        self.prefix = cfg.pages_folder + "/"
        self.style = cfg.link_style
        self.limit = cfg.index_page_limit
        self.walk_pages = walk_pages
        self.conflicts = None if conflicts is None else sorted({(str(a), str(b)) for a, b in conflicts})
        self.reporter = reporter
        self.summary = summary
        self.entries: dict[int, Entry] = {}
        self.id_of: dict[str, int] = {}
        self.hidden_ids: set[int] = set()
        self.hidden_notes: set[str] = set()
        self.tag_rows: list[tuple[int, str, str]] | None = None  # every tag row (full builds)
        self.broken_ids: set[int] | None = None  # notes with links to nothing, when Backlinks.md is built

    # ------------------------------------------------------------------------------------ run

    def settings(self) -> str:
        return json.dumps({"version": RENDER_VERSION, "folder": self.layout.folder, "style": self.style,
                           "limit": self.limit}, sort_keys=True)

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
            for p in self.linked:
                expected[self.layout.note_backlinks(p)] = ("note", p)
            todo = set(expected)
        else:
            expected, todo = self.plan_incremental(changes, state, old_pages)
            todo |= set(expected) - set(old_pages)
            todo |= {p for p in expected if p not in self.walk_pages}
            todo &= set(expected)
            self.name_unknown(expected, todo)
        self.links = _Links(self, expected, full)
        new_hashes: dict[str, str] = {}
        for path, text in self.render(sorted(todo), expected, full):
            new_hashes[path] = self.put(path, text.encode("utf-8"), old_pages.get(path))
        stale = set(old_pages) - set(expected)
        if full:
            stale |= set(self.walk_pages) - set(expected)
        for path in sorted(stale):
            self.remove(path)
        updates = [(p, h) for p, h in new_hashes.items() if old_pages.get(p) != h]
        self.conn.executemany("INSERT OR REPLACE INTO pages(path, hash) VALUES (?, ?)", updates)
        self.conn.executemany("DELETE FROM pages WHERE path = ?", [(p,) for p in stale if p in old_pages])
        if self.broken_ids is None:  # Backlinks.md not rebuilt: the notes with broken links are the same
            broken_sources = (state or {}).get("broken_sources", [])
        else:
            broken_sources = sorted(self.entries[i].path for i in self.broken_ids)
        new_state = {"spellings": {k: t.spelling for k, t in sorted(self.tags.items())},
                     "hidden_notes": sorted(self.hidden_notes), "conflicts": [list(c) for c in self.conflicts],
                     "broken_sources": broken_sources}
        if new_state != state:
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                              (_STATE_KEY, json.dumps(new_state, ensure_ascii=False, separators=(",", ":"))))
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (_SETTINGS_KEY, self.settings()))

    # ---------------------------------------------------------------------------- vault facts

    def facts_full(self) -> None:
        """Everything about the vault the pages summarise, read afresh."""
        c = self.conn
        rows = c.execute(f"SELECT id, path FROM notes WHERE kind IN {_HIDDEN_SQL}").fetchall()
        self.hidden_ids = {i for i, _ in rows}
        self.hidden_notes = {p for _, p in rows}
        self.set_months(dict(c.execute(
            f"SELECT substr(created, 1, 7), count(*) FROM notes WHERE kind NOT IN {_HIDDEN_SQL} GROUP BY 1")))
        shared: dict[str, str] = {}
        tag_rows = [(nid, shared.setdefault(key, key), shared.setdefault(tag, tag)) for nid, key, tag in c.execute(
            "SELECT note_id, key, tag FROM note_tags ORDER BY note_id, pos") if nid not in self.hidden_ids]
        self.tag_rows = tag_rows
        self.set_tags(_tag_infos(Counter((k, t) for _, k, t in tag_rows)))
        self.all_paths = set(self.store.paths())
        self.linked: set[str] = {r[0] for r in c.execute(
            "SELECT DISTINCT l.resolved FROM links l JOIN notes s ON s.id = l.note_id"
            f" WHERE l.status = 'ok' AND s.kind NOT IN {_HIDDEN_SQL} AND s.path != l.resolved")}
        self.linked &= self.all_paths - self.hidden_notes

    def set_months(self, months: dict[str | None, int]) -> None:
        self.months = {m: n for m, n in months.items() if n > 0}
        self.note_count = sum(self.months.values())
        self.month_mode = self.note_count > self.limit

    def set_tags(self, tags: dict[str, TagInfo]) -> None:
        self.tags = tags
        self.sorted_keys = sorted(tags)

    def expected_pages(self) -> dict[str, tuple[str, object]]:
        """Index, month, tag and overview pages the vault should have: path -> (kind, about)."""
        lay = self.layout
        out: dict[str, tuple[str, object]] = {lay.index: ("index", None), lay.tags: ("tags", None),
                                              lay.backlinks: ("backlinks", None),
                                              lay.duplicates: ("duplicates", None)}
        if self.month_mode:
            for m in self.months:
                out[lay.month(m)] = ("month", m)
        for k in self.tags:
            out[lay.tag(k)] = ("tag", k)
        return out

    def descendants(self, key: str) -> list[str]:
        lo = bisect_left(self.sorted_keys, key + "/")
        hi = bisect_left(self.sorted_keys, key + "0")  # "0" follows "/"
        return self.sorted_keys[lo:hi]

    # ---------------------------------------------------------------------- incremental plan

    def note_facts(self, paths: Iterable[str]) -> dict[str, dict]:
        """Facts of notes as the index has them now (any kind): created, tags, link targets..."""
        out: dict[str, dict] = {}
        ids: dict[int, str] = {}
        for chunk in _chunks(paths):
            for nid, path, created, url_key, kind in self.conn.execute(
                    f"SELECT id, path, created, url_key, kind FROM notes WHERE path IN ({_marks(len(chunk))})",
                    chunk):
                ids[nid] = path
                out[path] = {"created": created, "tags": [], "targets": set(), "url_key": url_key, "kind": kind}
        for chunk in _chunks(ids):
            q = _marks(len(chunk))
            for nid, tag in self.conn.execute(
                    f"SELECT note_id, tag FROM note_tags WHERE note_id IN ({q}) ORDER BY note_id, pos", chunk):
                out[ids[nid]]["tags"].append(tag)
            for nid, target in self.conn.execute(
                    f"SELECT note_id, resolved FROM links WHERE status = 'ok' AND note_id IN ({q})", chunk):
                out[ids[nid]]["targets"].add(target)
        return out

    def month_counts(self) -> dict[str | None, int]:
        sql = "SELECT substr(created, 1, 7), count(*) FROM notes {} GROUP BY 1"
        try:  # the index on created holds every note: a smaller scan than the table
            months = Counter(dict(self.conn.execute(sql.format("INDEXED BY notes_created"))))
        except sqlite3.OperationalError:
            months = Counter(dict(self.conn.execute(sql.format(""))))
        for chunk in _chunks(self.hidden_ids):
            for (created,) in self.conn.execute(f"SELECT created FROM notes WHERE id IN ({_marks(len(chunk))})", chunk):
                months[month_of(created)] -= 1
        return dict(months)

    def tag_spellings(self, keys: Iterable[str]) -> dict[str, TagInfo]:
        counts: Counter = Counter()
        for chunk in _chunks(keys):
            for nid, key, tag in self.conn.execute(
                    f"SELECT note_id, key, tag FROM note_tags WHERE key IN ({_marks(len(chunk))})", chunk):
                if nid not in self.hidden_ids:
                    counts[(key, tag)] += 1
        return _tag_infos(counts)

    def linked_among(self, paths: Iterable[str]) -> set[str]:
        """Which of ``paths`` are listed notes linked from another listed note."""
        out: set[str] = set()
        for chunk in _chunks(paths):
            q = _marks(len(chunk))
            found = {r[0] for r in self.conn.execute(
                f"SELECT path FROM notes WHERE kind NOT IN {_HIDDEN_SQL} AND path IN ({q})", chunk)}
            if not found:
                continue
            for target, nid, source in self.conn.execute(
                    "SELECT l.resolved, l.note_id, s.path FROM links l JOIN notes s ON s.id = l.note_id"
                    f" WHERE l.status = 'ok' AND l.resolved IN ({q})", chunk):
                if target in found and source != target and nid not in self.hidden_ids:
                    out.add(target)
        return out

    def plan_incremental(self, changes: Changes, state: dict, old_pages: dict[str, str]):
        """(pages the vault should have, pages to render) after ``changes``."""
        lay, c = self.layout, self.conn
        changed = changes.added | changes.updated | set(changes.removed)
        old = {p: changes.before.get(p) or changes.removed.get(p) for p in changed}
        now = self.note_facts(changed)
        # hidden notes (pages of a former pages folder, conflict copies): kept from last time, updated
        self.hidden_notes = set(state.get("hidden_notes", [])) - changed
        self.hidden_notes |= {p for p, f in now.items() if f["kind"] in _HIDDEN}
        for chunk in _chunks(self.hidden_notes):
            self.hidden_ids.update(r[0] for r in c.execute(
                f"SELECT id FROM notes WHERE path IN ({_marks(len(chunk))})", chunk))
        self.set_months(self.month_counts())
        # tags: counts of every key from the index on keys; spellings kept from last time except for
        # the keys the changed notes carry (or carried)
        facts = [f for f in (*old.values(), *now.values()) if f]
        touched = {tag_key(t) for f in facts for t in f["tags"]}
        counts = Counter(dict(c.execute("SELECT key, count(*) FROM note_tags GROUP BY key")))
        for chunk in _chunks(self.hidden_ids):
            counts.subtract(dict(c.execute(
                f"SELECT key, count(*) FROM note_tags WHERE note_id IN ({_marks(len(chunk))}) GROUP BY key", chunk)))
        counts = {k: n for k, n in counts.items() if n > 0}
        spelt: dict[str, str] = state.get("spellings", {})
        fresh = self.tag_spellings((touched | (counts.keys() - spelt.keys())) & counts.keys())
        tags = {k: fresh.get(k) or TagInfo(k, spelt[k], n) for k, n in counts.items()}
        self.set_tags(tags)
        respelt = {k for k in touched if k in spelt and k in tags and spelt[k] != tags[k].spelling}
        came_or_went = {k for k in touched if (k in spelt) != (k in tags)}
        # backlink pages: those of notes that may have gained or lost their last backlink are checked
        candidates = set(changes.link_targets) | changed
        for f in facts:
            candidates.update(f["targets"])
        expected = self.expected_pages()
        bl_prefix = f"{lay.folder}/backlinks/"
        dropped = {lay.note_backlinks(p) for p in candidates}
        for p in old_pages:
            if p.startswith(bl_prefix) and p not in dropped:
                expected[p] = ("note", None)  # still there; which note it is about is looked up if needed
        for p in self.linked_among(candidates):
            expected[lay.note_backlinks(p)] = ("note", p)
        # a file with some name appeared or went away: links to the notes of that name may change
        page_delta = set(expected) ^ set(old_pages)
        files = changes.files_added | changes.files_removed
        appeared = {p for p in changed if (old[p] is None) != (p not in now)}
        names = ({_nk(p) for p in appeared} | {_nk(f) for f in files}
                 | {_nk(x) for x in page_delta if not x.startswith(bl_prefix)})
        same_name: set[str] = set()
        for chunk in _chunks(names):
            same_name.update(r[0] for r in c.execute(
                f"SELECT path FROM notes WHERE name_key IN ({_marks(len(chunk))})", chunk))
        same_facts = self.note_facts(same_name - changed)
        # what the changed notes (and those others) are shown on
        months = {month_of(f["created"]) for f in (*facts, *same_facts.values())}
        keys = touched | {tag_key(t) for f in same_facts.values() for t in f["tags"]}
        notes = candidates | set(same_facts)
        for f in same_facts.values():
            notes.update(f["targets"])
        for p in notes:
            page = lay.note_backlinks(p)
            if page in expected:
                expected[page] = ("note", p)
        more = {a for k in keys for a in _ancestors(k)}
        for k in came_or_went | respelt:
            more.update(self.descendants(k))
        for chunk in _chunks(respelt):
            more.update(r[0] for r in c.execute(
                f"SELECT DISTINCT b.key FROM note_tags a JOIN note_tags b ON b.note_id = a.note_id"
                f" WHERE a.key IN ({_marks(len(chunk))})", chunk))
        keys |= more
        todo = {lay.index}
        if touched:  # only a note carrying a tag changes what Tags.md shows
            todo.add(lay.tags)
        if self.backlinks_affected(changes, state, changed, old, now, same_facts, expected, old_pages, names):
            todo.add(lay.backlinks)
        if self.duplicates_affected(changed, old, now, same_facts):
            todo.add(lay.duplicates)
        if self.month_mode:
            todo.update(lay.month(m) for m in months)
        todo.update(lay.tag(k) for k in keys)
        todo.update(lay.note_backlinks(p) for p in notes)
        return expected, todo

    def backlinks_affected(self, changes: Changes, state: dict, changed: set[str], old: dict, now: dict,
                           same: dict[str, dict], expected: dict, old_pages: dict, names: set[str]) -> bool:
        """Whether ``Backlinks.md`` can read differently: a note gained or lost its last backlink, the
        number of notes linking to a linked note may have changed, a linked note or a note with links
        to nothing changed (or may be linked differently), or a broken link may have changed status."""
        lay, c = self.layout, self.conn
        if changes.link_targets or any(p.startswith(f"{lay.folder}/backlinks/") for p in set(expected) ^ set(old_pages)):
            return True
        was_hidden = set(state.get("hidden_notes", []))
        moved: set[str] = set()  # notes whose number of notes linking to them may have changed
        for p in changed:
            before = set(old[p]["targets"]) if old[p] else set()
            after = now[p]["targets"] if p in now else set()
            is_hidden = p in now and now[p]["kind"] in _HIDDEN
            moved |= (before | after) if (p in was_hidden) != is_hidden else (before ^ after)
        shown = changed | set(same)
        for p in moved | shown:
            page = lay.note_backlinks(p)
            if page in expected or page in old_pages:
                return True
        if shown & set(state.get("broken_sources", [])):
            return True
        for chunk in _chunks(shown):
            if c.execute("SELECT 1 FROM links l JOIN notes n ON n.id = l.note_id WHERE l.status IN"
                         f" ('unresolved', 'ambiguous') AND n.path IN ({_marks(len(chunk))}) LIMIT 1", chunk).fetchone():
                return True
        for chunk in _chunks(names):  # unresolved <-> ambiguous as notes of that name come and go
            if c.execute("SELECT 1 FROM links WHERE status IN ('unresolved', 'ambiguous')"
                         f" AND target_key IN ({_marks(len(chunk))}) LIMIT 1", chunk).fetchone():
                return True
        return False

    def duplicates_affected(self, changed: set[str], old: dict, now: dict, same_name: dict[str, dict]) -> bool:
        """Whether a changed note (or one whose links may read differently) is or was in a group of
        notes sharing a URL, or the conflict copies differ from last time."""
        if self.conflicts_changed:
            return True
        before: dict[str, int] = defaultdict(int)  # notes per URL before, less the count now
        urls = set()
        for p in changed:
            if old[p] and old[p].get("url_key"):
                before[old[p]["url_key"]] += 1
                urls.add(old[p]["url_key"])
            f = now.get(p)
            if f and f["url_key"]:
                urls.add(f["url_key"])
                if f["kind"] not in _HIDDEN:
                    before[f["url_key"]] -= 1
        urls.update(f["url_key"] for f in same_name.values() if f["url_key"])
        for chunk in _chunks(urls):
            for u, n in self.conn.execute(
                    f"SELECT url_key, count(*) FROM notes WHERE url_key IN ({_marks(len(chunk))})"
                    f" AND kind NOT IN {_HIDDEN_SQL} GROUP BY url_key", chunk):
                if n >= 2 or n + before[u] >= 2:
                    return True
            if any(before[u] >= 2 for u in chunk):  # a URL no note has now had that many before
                return True
        return False

    def name_unknown(self, expected: dict, todo: set[str]) -> None:
        """Find the note of each backlink page to render whose note is not known yet (a page that
        went missing on disk): the one query over every link, only when needed."""
        unknown = [p for p in todo if expected[p] == ("note", None)]
        if not unknown:
            return
        paths = self.all_paths_cached()
        linked = {r[0] for r in self.conn.execute(
            "SELECT DISTINCT l.resolved FROM links l JOIN notes s ON s.id = l.note_id"
            f" WHERE l.status = 'ok' AND s.kind NOT IN {_HIDDEN_SQL} AND s.path != l.resolved")} & (paths - self.hidden_notes)
        by_page = {self.layout.note_backlinks(p): p for p in linked}
        for p in unknown:
            if p in by_page:
                expected[p] = ("note", by_page[p])
            else:  # not a page the vault should have after all
                del expected[p]
                todo.discard(p)

    def all_paths_cached(self) -> set[str]:
        if not hasattr(self, "all_paths"):
            self.all_paths = set(self.store.paths())
        return self.all_paths

    # ------------------------------------------------------------------------------- reading

    def load_entries(self, ids: Iterable[int] | None) -> None:
        """Entries of the given notes (all notes when ``None``) that are not yet loaded, without their
        descriptions (see :meth:`described`)."""
        c = self.conn
        base = "SELECT id, path, title, created, site FROM notes"
        tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
        if ids is None:
            rows = c.execute(base).fetchall()
            tag_rows = self.tag_rows if self.tag_rows is not None else c.execute(
                "SELECT note_id, key, tag FROM note_tags ORDER BY note_id, pos").fetchall()
        else:
            todo = sorted(set(ids) - set(self.entries) - self.hidden_ids)
            rows, tag_rows = [], []
            for ch in _chunks(todo):
                q = _marks(len(ch))
                rows += c.execute(base + f" WHERE id IN ({q})", ch).fetchall()
                tag_rows += c.execute(
                    f"SELECT note_id, key, tag FROM note_tags WHERE note_id IN ({q}) ORDER BY note_id, pos", ch).fetchall()
        for nid, key, tag in tag_rows:
            tags[nid].append((key, tag))
        for nid, path, title, created, site in rows:
            if nid in self.hidden_ids:
                continue
            self.entries[nid] = Entry(path, title, created, site or None, "", tuple(tags.get(nid, ())))
            self.id_of[path] = nid

    def ids_for_paths(self, paths: Iterable[str]) -> set[int]:
        out = set()
        for chunk in _chunks(paths):
            out.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM notes WHERE path IN ({_marks(len(chunk))})", chunk))
        return out - self.hidden_ids

    def month_ids(self, months: set[str | None], full: bool) -> dict[str | None, list[int]]:
        out: dict[str | None, list[int]] = defaultdict(list)
        if full:
            rows = self.conn.execute("SELECT id, substr(created, 1, 7) FROM notes")
        else:
            rows = []
            for m in sorted(x for x in months if x):
                rows += self.conn.execute("SELECT id, substr(created, 1, 7) FROM notes"
                                          " WHERE created >= ? AND created < ?", (m, m + ".")).fetchall()
            if None in months:
                rows += self.conn.execute("SELECT id, NULL FROM notes WHERE created IS NULL").fetchall()
        for nid, m in rows:
            if m in months and nid not in self.hidden_ids:
                out[m].append(nid)
        return out

    def recent_ids(self) -> list[int]:
        """The newest notes (dated ones by ``created`` then path, then undated ones by path)."""
        c, want = self.conn, RECENT + len(self.hidden_ids)
        row = c.execute("SELECT created FROM notes WHERE created IS NOT NULL ORDER BY created DESC"
                        " LIMIT 1 OFFSET ?", (want - 1,)).fetchone()
        rows = (c.execute("SELECT id, path, created FROM notes WHERE created >= ?", row) if row else
                c.execute("SELECT id, path, created FROM notes WHERE created IS NOT NULL")).fetchall()
        rows = sorted((r for r in rows if r[0] not in self.hidden_ids), key=lambda r: r[1])
        rows.sort(key=lambda r: r[2], reverse=True)
        out = [r[0] for r in rows[:RECENT]]
        if len(out) < RECENT:
            out += [r[0] for r in c.execute("SELECT id FROM notes WHERE created IS NULL ORDER BY path LIMIT ?",
                                            (want,)) if r[0] not in self.hidden_ids][: RECENT - len(out)]
        return out

    # ----------------------------------------------------------------------------- rendering

    def render(self, todo: list[str], expected: dict, full: bool):
        """(path, text) of every page in ``todo``, read from the index a part at a time."""
        c, lay = self.conn, self.layout
        kinds: dict[str, list] = defaultdict(list)
        for path in todo:
            kind, about = expected[path]
            kinds[kind].append(about)
        for kind in kinds:
            kinds[kind].sort(key=lambda a: (a is None, a or ""))
        need: set[int] = set()
        # index and month pages
        want_months = set(self.months) if kinds["index"] and not self.month_mode else set(kinds["month"])
        month_ids = self.month_ids(want_months, full) if want_months else {}
        for ids in month_ids.values():
            need.update(ids)
        recent: list[int] = []
        if self.month_mode and kinds["index"]:
            recent = self.recent_ids()
            need.update(recent)
        # tag pages
        tag_ids: dict[str, list[int]] = defaultdict(list)
        co: dict[str, Counter] = defaultdict(Counter)
        note_keys: dict[int, list[str]] = defaultdict(list)
        if kinds["tag"]:
            if full:
                for nid, key, _ in self.tag_rows:
                    tag_ids[key].append(nid)
                    note_keys[nid].append(key)
            else:
                for chunk in _chunks(kinds["tag"]):
                    q = _marks(len(chunk))
                    for key, nid in c.execute(f"SELECT key, note_id FROM note_tags WHERE key IN ({q})", chunk):
                        if nid not in self.hidden_ids:
                            tag_ids[key].append(nid)
                    page_filter = f" AND a.note_id NOT IN ({_marks(len(self.hidden_ids))})" if self.hidden_ids else ""
                    for a, b, n in c.execute(
                            "SELECT a.key, b.key, count(*) FROM note_tags a JOIN note_tags b"
                            f" ON b.note_id = a.note_id AND b.key != a.key WHERE a.key IN ({q}){page_filter}"
                            " GROUP BY a.key, b.key", [*chunk, *self.hidden_ids]):
                        co[a][b] = n
                for key in kinds["tag"]:
                    need.update(tag_ids[key])
        # overview pages
        most: list[tuple[str, int]] = []
        broken: list[tuple[str, str, int, int]] = []
        groups: list[tuple[str, int, str | None]] = []
        if kinds["backlinks"]:
            most = self.most_linked()
            need |= self.ids_for_paths(p for p, _ in most)
            broken = [r for r in c.execute("SELECT status, target, note_id, line FROM links"
                                           " WHERE status IN ('unresolved', 'ambiguous')")
                      if r[2] not in self.hidden_ids]
            need.update(r[2] for r in broken)
            self.broken_ids = {r[2] for r in broken}
        if kinds["duplicates"]:
            groups = [r for r in c.execute(
                "SELECT url_key, id, source FROM notes WHERE url_key IN (SELECT url_key FROM notes"
                " WHERE url_key IS NOT NULL GROUP BY url_key HAVING count(*) > 1)") if r[1] not in self.hidden_ids]
            need.update(r[1] for r in groups)
        self.load_entries(None if full else need)
        self.links.preload({e.path for e in self.entries.values()} | {p for pair in self.conflicts for p in pair})
        E, link = self.entries, self.links

        for kind in ("index", "month", "tag", "note", "tags", "backlinks", "duplicates"):
            if kind == "note":
                yield from self.render_backlink_pages(kinds["note"])
                continue
            for about in kinds[kind]:
                if kind == "index":
                    if self.month_mode:
                        months = sorted(self.months.items(), key=lambda m: (m[0] is None, m[0] or ""))
                        yield lay.index, render_index_months(lay, link, months, self.described(recent))
                    else:
                        yield lay.index, render_index(lay, link, self.described(
                            [i for m in month_ids.values() for i in m]))
                elif kind == "month":
                    yield lay.month(about), render_month(lay, link, about, self.described(month_ids[about]))
                elif kind == "tag":
                    if full:  # the tags that come with this one, counted from the notes' tags in hand
                        with_it = Counter(b for nid in tag_ids[about] for b in note_keys[nid] if b != about)
                    else:
                        with_it = co[about]
                    top = sorted(with_it.items(), key=lambda kv: (-kv[1], kv[0]))[:CO_TAGS]
                    yield lay.tag(about), render_tag(
                        lay, link, self.tags[about], [E[i] for i in tag_ids[about] if i in E],
                        [(self.tags[b], n) for b, n in top],
                        [self.tags[a] for a in _ancestors(about) if a in self.tags],
                        [self.tags[d] for d in self.descendants(about)])
                elif kind == "tags":
                    yield lay.tags, render_tags(lay, link, [self.tags[k] for k in self.sorted_keys],
                                                self.nested_totals())
                elif kind == "backlinks":
                    yield lay.backlinks, render_backlinks(
                        lay, link, [(E[self.id_of[p]], n) for p, n in most],
                        *self.broken_groups(broken), self.count_linked(expected))
                elif kind == "duplicates":
                    yield lay.duplicates, render_duplicates(lay, link, self.duplicate_groups(groups),
                                                            self.conflicts)

    def render_backlink_pages(self, targets: list[str]):
        """The backlink pages of ``targets``, reading their links a few hundred notes at a time."""
        lay, E = self.layout, self.entries
        for chunk in _chunks(targets):
            sources: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
            for target, nid, line, context in self.conn.execute(
                    "SELECT resolved, note_id, line, context FROM links"
                    f" WHERE status = 'ok' AND resolved IN ({_marks(len(chunk))})", chunk):
                if nid not in self.hidden_ids:
                    sources[target][nid].setdefault(line, context)
            ids = {nid for by in sources.values() for nid in by} | self.ids_for_paths(chunk)
            self.load_entries(ids)
            self.links.preload(E[i].path for i in ids if i in E)
            for target in chunk:
                srcs = [(E[nid], sorted(lines.items())) for nid, lines in sources[target].items()
                        if E[nid].path != target]
                yield lay.note_backlinks(target), render_note_backlinks(lay, self.links, E[self.id_of[target]], srcs)

    def described(self, ids: list[int]) -> list[Entry]:
        """The entries of ``ids`` with their descriptions (read only for the pages that show them)."""
        text: dict[int, str] = {}
        for chunk in _chunks(ids):
            text.update(self.conn.execute(f"SELECT id, description FROM notes WHERE id IN ({_marks(len(chunk))})",
                                          chunk).fetchall())
        return [replace(self.entries[i], description=text.get(i) or "") for i in ids]

    def count_linked(self, expected: dict) -> int:
        return sum(1 for kind, _ in expected.values() if kind == "note")

    def most_linked(self) -> list[tuple[str, int]]:
        """The most-linked notes: (path, number of notes linking to it), most first, then by path.

        Ranked first by the number of links to each file (read from the index on ``resolved`` alone),
        which is never less than the number of notes linking to it; the exact count is then taken going
        down that ranking until nothing further down can enter the list."""
        sql = "SELECT resolved, count(*) FROM links {} WHERE resolved IS NOT NULL GROUP BY resolved"
        try:
            bounds = self.conn.execute(sql.format("INDEXED BY links_resolved")).fetchall()
        except sqlite3.OperationalError:
            bounds = self.conn.execute(sql.format("")).fetchall()
        bounds.sort(key=lambda kv: (-kv[1], kv[0]))
        counts: dict[str, int] = {}
        for chunk in _chunks(bounds, MOST_LINKED * 2):
            paths = [p for p, _ in chunk]
            q = _marks(len(paths))
            sources: dict[str, set[int]] = defaultdict(set)
            for target, nid in self.conn.execute(
                    f"SELECT resolved, note_id FROM links WHERE status = 'ok' AND resolved IN ({q})", paths):
                if nid not in self.hidden_ids:
                    sources[target].add(nid)
            for nid, path in self.conn.execute(f"SELECT id, path FROM notes WHERE path IN ({q})", paths):
                if nid not in self.hidden_ids:
                    n = len(sources[path] - {nid})
                    if n:
                        counts[path] = n
            if len(counts) >= MOST_LINKED and chunk[-1][1] < sorted(counts.values())[-MOST_LINKED]:
                break
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST_LINKED]

    def nested_totals(self) -> dict[str, int]:
        """For each key with tags nested below it: the notes with it or any tag below it."""
        below: dict[str, set[int]] = defaultdict(set)
        rows = (((nid, key) for nid, key, _ in self.tag_rows if "/" in key) if self.tag_rows is not None else
                self.conn.execute("SELECT note_id, key FROM note_tags WHERE key LIKE '%/%'"))
        for nid, key in rows:
            if nid not in self.hidden_ids:
                for a in _ancestors(key):
                    below[a].add(nid)
        parents = [k for k in below if k in self.tags]
        for chunk in _chunks(parents):
            for nid, key in self.conn.execute(
                    f"SELECT note_id, key FROM note_tags WHERE key IN ({_marks(len(chunk))})", chunk):
                if nid not in self.hidden_ids:
                    below[key].add(nid)
        return {k: len(v) for k, v in below.items()}

    def broken_groups(self, rows):
        groups: dict[str, dict[str, set[tuple[int, int]]]] = {"unresolved": defaultdict(set),
                                                              "ambiguous": defaultdict(set)}
        for status, target, nid, line in rows:
            groups[status][target].add((nid, line))
        out = []
        for status in ("unresolved", "ambiguous"):
            g = groups[status]
            out.append([(t, [(self.entries[nid], line) for nid, line in sorted(
                g[t], key=lambda w: (self.entries[w[0]].title.casefold(), self.entries[w[0]].path, w[1]))])
                for t in sorted(g, key=lambda t: (t.casefold(), t))])
        return out

    def duplicate_groups(self, rows) -> list[tuple[str, list[Entry]]]:
        by_url: dict[str, list[tuple[int, str | None]]] = defaultdict(list)
        for url_key, nid, source in rows:
            by_url[url_key].append((nid, source))
        groups = []
        for url_key, members in by_url.items():
            if len(members) < 2:
                continue
            members.sort(key=lambda m: (self.entries[m[0]].created is None, self.entries[m[0]].created or "",
                                        self.entries[m[0]].path))
            first = self.entries[members[0][0]]
            groups.append(((first.created is None, first.created or "", url_key), members[0][1] or url_key,
                           [self.entries[nid] for nid, _ in members]))
        groups.sort(key=lambda g: g[0])
        return [(shown, entries) for _, shown, entries in groups]

    # ------------------------------------------------------------------------------- writing

    def put(self, path: str, data: bytes, recorded: str | None) -> str:
        """Write one page if its bytes changed; returns the digest to record ("" when not ours)."""
        h = digest(data)
        st = self.walk_pages.get(path)
        if st is not None and recorded == h and st.st_size == len(data):
            return h  # as written last time
        if st is None:
            try:
                self.vault.write_new(path, data, durable=False)  # a page is rebuilt from the index
                self.written(path)
                return h
            except NoteError:
                pass  # appeared since the walk: check what it is
            except OSError as exc:
                self.reporter.event("warning", path, f"page not written: {exc.strerror or exc}")
                return ""
        try:
            current, _ = self.vault.read(path)
        except NoteError as err:
            self.reporter.event("warning", path, f"page not written: {err.reason}")
            return ""
        except OSError as exc:
            self.reporter.event("warning", path, f"page not written: {exc.strerror or exc}")
            return ""
        if digest(current) == h:
            return h
        if not has_marker(current):
            self.reporter.event("warning", path, "not generated by vaulttool (no generated_by: vaulttool):"
                                                 " left as it is, the page was not written")
            return ""
        try:
            self.vault.replace(path, data, digest(current), durable=False)
        except NoteError as err:
            self.reporter.event("warning", path, f"page not written: {err.reason}")
            return ""
        except OSError as exc:
            self.reporter.event("warning", path, f"page not written: {exc.strerror or exc}")
            return ""
        self.written(path)
        return h

    def written(self, path: str) -> None:
        self.summary.pages_written += 1
        self.reporter.event("page", path, "written")

    def remove(self, path: str) -> None:
        """Delete a page that should no longer exist, if it carries the marker."""
        try:
            current, _ = self.vault.read(path)
        except (NoteError, OSError):
            return  # already gone (or unreadable: left alone)
        if not has_marker(current):
            self.reporter.event("warning", path, "in the pages folder but not generated by vaulttool"
                                                 " (no generated_by: vaulttool): left alone, and not indexed")
            return
        try:
            self.vault.delete_page(path)
        except OSError as exc:
            self.reporter.event("warning", path, f"stale page not removed: {exc.strerror or exc}")
            return
        self.summary.pages_removed += 1
        self.reporter.event("page", path, "removed")
        folder = path.rpartition("/")[0]
        while folder and folder != self.layout.folder and folder.startswith(self.prefix):
            try:
                os.rmdir(self.vault.abs(folder))
            except OSError:
                break
            folder = folder.rpartition("/")[0]


def _tag_infos(counts: Counter) -> dict[str, TagInfo]:
    """key -> TagInfo from notes per (key, spelling): the spelling most notes use (ties: the smallest)."""
    best: dict[str, tuple[int, str]] = {}
    total: Counter = Counter()
    for (key, tag), n in counts.items():
        total[key] += n
        b = best.get(key)
        if b is None or (-n, tag) < (-b[0], b[1]):
            best[key] = (n, tag)
    return {k: TagInfo(k, best[k][1], total[k]) for k in best}


# ----------------------------------------------------------------------------------- links

# What a wikilink target or alias cannot hold (as vaulttool.core.resolve.link_to has it).
_WIKI_TARGET_BAD = re.compile(r"[#|^:\[\]\n\r\\]|%%|^\s|\s$")
_NOTHING = Resolver()
_WIKI_ALIAS_BAD = re.compile(r"[\[\]|\n\r\\<>]|%%")


class _Links:
    """The links pages write (the ``link`` callable of ``vaulttool.render``).

    To a note: :func:`link_to`, computed once per (note, text): a wikilink is looked up from the vault
    root, never beside the page writing it (``vaulttool.core.resolve``), so it reads the same on every
    page; a note no wikilink can name gets a Markdown link relative to each page. The resolver holds
    just the files sharing a name with a linked note (every file on a full build).

    To a page: ``[[<pages folder>/path|text]]``, or with ``link_style = "markdown"`` a link relative to
    the writing page, always starting ``./`` or ``../``: neither depends on any other file."""

    def __init__(self, build: _Build, expected: dict, full: bool):
        self.build = build
        self.wiki = build.style == "wikilink"
        self.prefix = build.prefix
        self.expected = expected
        self.resolver = Resolver()
        self.loaded: set[str] = set()
        self.cache: dict[tuple, str] = {}
        self._files: dict[str, list[str]] | None = None
        self._pages: dict[str, list[str]] | None = None
        files = build.store.files()
        self.everything = False
        if full and self.wiki:
            for p in (*build.all_paths_cached(), *files, *self.named_pages()):
                self.resolver.add(p)
            self.everything = True

    def named_pages(self) -> list[str]:
        """The pages that can compete with notes for a link by name. Not the backlink pages: each has
        the name of the note it is about and a longer path, so it is never the shortest file of its
        name (a page with a hashed name has a name no note has)."""
        bl = f"{self.build.layout.folder}/backlinks/"
        return [p for p in self.expected if not p.startswith(bl)]

    # -- the resolver's files, by name ------------------------------------------------------
    def preload(self, paths: Iterable[str]) -> None:
        if self.wiki and not self.everything:
            self.load({_nk(p) for p in paths} - self.loaded)

    def load(self, keys: set[str]) -> None:
        if not keys:
            return
        if self._files is None:
            self._files = defaultdict(list)
            for f in self.build.store.files():
                self._files[_nk(f)].append(f)
            self._pages = defaultdict(list)
            for p in self.named_pages():
                self._pages[_nk(p)].append(p)
        for chunk in _chunks(keys):
            for (path,) in self.build.conn.execute(
                    f"SELECT path FROM notes WHERE name_key IN ({_marks(len(chunk))})", chunk):
                self.resolver.add(path)
        for k in keys:
            for p in (*self._files.get(k, ()), *self._pages.get(k, ())):
                self.resolver.add(p)
        self.loaded |= keys

    def ensure(self, target: str) -> None:
        if not self.everything:
            k = _nk(target)
            if k not in self.loaded:
                self.load({k})

    # -- links ------------------------------------------------------------------------------
    def __call__(self, target: str, from_path: str, text: str | None) -> str:
        if self.wiki:  # the same on every page, unless no wikilink can reach the target
            key = (target, text)
            hit = self.cache.get(key)
            if hit is None:
                hit = self.cache[key] = (self.page_wikilink(target, text) if target.startswith(self.prefix)
                                         else self.note_wikilink(target, text))
            return hit or self.markdown(target, from_path, text)
        if target.startswith(self.prefix):  # Markdown links to pages: repeated on many pages of a folder
            key = (target, from_path.rpartition("/")[0], text)
            hit = self.cache.get(key)
            if hit is None:
                hit = self.cache[key] = self.markdown(target, from_path, text)
            return hit
        return self.markdown(target, from_path, text)

    def note_wikilink(self, target: str, text: str | None) -> str:
        """A note's wikilink (looked up from the vault root, so written alike on every page), or ""
        when no wikilink can carry it."""
        self.ensure(target)
        link = link_to(target, self.resolver, style="wikilink", from_path="", text=text)
        return link if link.startswith("[[") else ""

    def page_wikilink(self, target: str, text: str | None) -> str:
        """``[[<pages folder>/path|text]]``: a path from the vault root, where wikilinks are looked up
        first, so it leads to the page whatever else the vault holds ("" if it cannot be written)."""
        full = target[:-3]
        if _WIKI_TARGET_BAD.search(full) or (text is not None and _WIKI_ALIAS_BAD.search(text)):
            return ""
        alias = text.strip() if text is not None else ""
        return f"[[{full}|{alias}]]" if alias and alias != full else f"[[{full}]]"

    def markdown(self, target: str, from_path: str, text: str | None) -> str:
        # Relative to the page, always with "./" or "../" (link_to adds "./" when the resolver, kept
        # empty here, finds nothing at the bare path): it reads the same whatever else is in the vault.
        return link_to(target, _NOTHING, style="markdown", from_path=from_path, text=text)
