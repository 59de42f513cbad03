"""``rebuild_pages``: write the generated pages (index, tags, backlinks, duplicates) for a run.

Called at the end of a reindex run, inside its transaction, with what the run changed. It:

1. works out the pages the vault should have now (a function of the index only) and, unless a full
   rebuild is asked for (or the page settings or this module's output changed since the last build),
   which of them the changes can have touched;
2. reads from the index, with a handful of set-based queries, only what those pages show;
3. renders them (``vaulttool.render``) and writes each one whose bytes differ from the file on disk,
   atomically, never touching a file that does not carry the ``generated_by: vaulttool`` marker;
4. removes the pages of tags, notes and months that are gone (again only files carrying the marker)
   and records each page's digest in the index's ``pages`` table.

What an incremental build rebuilds, and why that gives the same bytes as a full build:

- ``Index.md``, ``Tags.md``, ``Backlinks.md`` and ``Duplicates.md``: always (they summarise the vault);
- the month pages of the old and new ``created`` of every changed note;
- the tag pages of the old and new tags of every changed note (the note's title, date and site appear
  there, and only those notes change a tag's co-tag counts), with the pages of the tags above them
  (they list the tags nested below); when a tag appears, disappears or may have changed its shown
  spelling, also the pages of the tags below it and, for a spelling, of the tags it comes with;
- the backlink pages of the notes a changed note links to (before and after: its title and the lines
  around its links appear there), of changed notes themselves, and of ``changes.link_targets``;
- a link written in a page depends on the other files sharing the linked file's name (that is how
  Obsidian resolves ``[[name]]``): when a note, attachment or page with some name appears or
  disappears, every page showing a note of that name is rebuilt as if the note had changed. Links from
  pages to pages use the page's full path, which only a page path nested inside the pages folder twice
  could shadow; such a change triggers a full build;
- every page that should exist but is missing on disk, or was not there before, is (re)written.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
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
RENDER_VERSION = 1
RECENT = 20  # notes on Index.md when it links to month pages
MOST_LINKED = 50
CO_TAGS = 10
_CHUNK = 500

_nk = lru_cache(maxsize=262144)(name_key)


def _fold(s: str) -> str:
    return unicodedata.normalize("NFC", s).casefold()


def _chunks(items: Iterable, n: int = _CHUNK):
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def rebuild_pages(session, changes: Changes, reporter: Reporter, summary: Summary, *,
                  walk_pages: dict[str, os.stat_result], full: bool = False,
                  conflicts: list[tuple[str, str]] | None = None) -> None:
    """Bring the generated pages up to date after ``changes`` (all of them when ``full`` or
    ``changes.full``). ``walk_pages``: the ``*.md`` files found under the pages folder with their stat.
    ``conflicts``: (sync-conflict copy, original) pairs to list on ``Duplicates.md``."""
    _Build(session, reporter, summary, walk_pages, conflicts or []).run(changes, full)


class _Build:
    def __init__(self, session, reporter: Reporter, summary: Summary, walk_pages, conflicts):
        self.vault = session.vault
        self.store = session.store
        self.conn = session.store.conn
        cfg = self.vault.config
        self.layout = Layout(cfg.pages_folder)
        self.prefix = cfg.pages_folder + "/"
        self.style = cfg.link_style
        self.limit = cfg.index_page_limit
        self.walk_pages = walk_pages
        self.conflicts = sorted(set(conflicts))
        self.reporter = reporter
        self.summary = summary
        self.entries: dict[int, Entry] = {}
        self.id_of: dict[str, int] = {}

    # ------------------------------------------------------------------------------------ run

    def settings(self) -> str:
        return json.dumps({"version": RENDER_VERSION, "folder": self.layout.folder, "style": self.style,
                           "limit": self.limit}, sort_keys=True)

    def run(self, changes: Changes, full: bool) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'pages'").fetchone()
        full = full or changes.full or row is None or row[0] != self.settings()
        old_pages = self.store.page_hashes()
        shown = json.dumps(self.conflicts, ensure_ascii=False)
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'pages_conflicts'").fetchone()
        self.conflicts_changed = (row[0] if row else "[]") != shown
        self.vault_facts()
        expected = self.expected()
        todo = None if full else self.affected(changes, expected, old_pages)
        if todo is None:
            full = True
            todo = set(expected)
        else:
            todo |= set(expected) - set(old_pages)
            todo |= {p for p in expected if p not in self.walk_pages}
            todo &= set(expected)
        self.links = _Links(self, expected, full)
        new_hashes: dict[str, str] = {}
        for path, text in self.render(sorted(todo), expected, full):
            new_hashes[path] = self.put(path, text.encode("utf-8"), old_pages.get(path))
        stale = set(old_pages) - set(expected)
        if full:
            stale |= set(self.walk_pages) - set(expected)
        for path in sorted(stale):
            self.remove(path, known=path in old_pages)
        updates = [(p, h) for p, h in new_hashes.items() if old_pages.get(p) != h]
        self.conn.executemany("INSERT OR REPLACE INTO pages(path, hash) VALUES (?, ?)", updates)
        self.conn.executemany("DELETE FROM pages WHERE path = ?", [(p,) for p in stale if p in old_pages])
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('pages', ?)", (self.settings(),))
        if self.conflicts_changed:
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('pages_conflicts', ?)", (shown,))

    # ---------------------------------------------------------------------------- vault facts

    def vault_facts(self) -> None:
        """Month counts, every tag (count and shown spelling), and the notes that have backlinks."""
        c = self.conn
        self.months: dict[str | None, int] = dict(c.execute(
            "SELECT substr(created, 1, 7), count(*) FROM notes WHERE kind != 'page' GROUP BY 1"))
        self.note_count = sum(self.months.values())
        self.month_mode = self.note_count > self.limit
        spellings: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for key, tag, n in c.execute(
                "SELECT t.key, t.tag, count(*) FROM note_tags t JOIN notes n ON n.id = t.note_id"
                " WHERE n.kind != 'page' GROUP BY t.key, t.tag"):
            spellings[key].append((n, tag))
        self.tags: dict[str, TagInfo] = {}
        self.multi_spelt: set[str] = set()
        for key, options in spellings.items():
            best = min(options, key=lambda o: (-o[0], o[1]))  # most notes; ties: the smallest string
            self.tags[key] = TagInfo(key, best[1], sum(n for n, _ in options))
            if len(options) > 1:
                self.multi_spelt.add(key)
        self.sorted_keys = sorted(self.tags)
        self.linked: set[str] = {r[0] for r in c.execute(
            "SELECT DISTINCT l.resolved FROM links l JOIN notes s ON s.id = l.note_id"
            " JOIN notes t ON t.path = l.resolved WHERE l.status = 'ok' AND s.kind != 'page'"
            " AND t.kind != 'page' AND s.path != l.resolved")}

    def expected(self) -> dict[str, tuple[str, object]]:
        """Every page the vault should have: path -> (kind, what it is about)."""
        lay = self.layout
        out: dict[str, tuple[str, object]] = {lay.index: ("index", None), lay.tags: ("tags", None),
                                              lay.backlinks: ("backlinks", None),
                                              lay.duplicates: ("duplicates", None)}
        if self.month_mode:
            for m in self.months:
                out[lay.month(m)] = ("month", m)
        for k in self.tags:
            out[lay.tag(k)] = ("tag", k)
        for p in self.linked:
            out[lay.note_backlinks(p)] = ("note", p)
        return out

    def descendants(self, key: str) -> list[str]:
        lo = bisect.bisect_left(self.sorted_keys, key + "/")
        hi = bisect.bisect_left(self.sorted_keys, key + "0")  # "0" follows "/"
        return self.sorted_keys[lo:hi]

    def ancestors(self, key: str) -> list[str]:
        parts = key.split("/")
        return ["/".join(parts[:i]) for i in range(1, len(parts))]

    # ---------------------------------------------------------------------------- what changed

    def note_facts(self, paths: Iterable[str]) -> dict[str, dict]:
        """Facts of notes as the index has them now (any kind): created, tags, link targets."""
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

    def affected(self, changes: Changes, expected: dict, old_pages: dict[str, str]) -> set[str] | None:
        """The pages ``changes`` can have touched; ``None`` when only a full build is safe."""
        lay = self.layout
        changed = changes.added | changes.updated | set(changes.removed)
        old = {p: changes.removed.get(p) or changes.before.get(p) for p in changed}
        now = self.note_facts(changed)
        # A file with some name appeared or went away: links to the notes of that name may change.
        appeared = {p for p in changed if (old[p] is None) != (p not in now)}
        page_delta = set(expected) ^ set(old_pages)
        files = changes.files_added | changes.files_removed
        nested = "/" + _fold(lay.folder) + "/"
        for x in page_delta | {f for f in files if f.startswith(self.prefix)}:
            if ("/" + _fold(x)[len(self.prefix):]).find(nested) >= 0:
                return None
        names = {_nk(p) for p in appeared} | {_nk(f) for f in files} | {_nk(x) for x in page_delta}
        same_name = set()
        for chunk in _chunks(names):
            same_name.update(r[0] for r in self.conn.execute(
                f"SELECT path FROM notes WHERE name_key IN ({_marks(len(chunk))})", chunk))
        same_name -= changed
        same_facts = self.note_facts(same_name)
        facts = [old[p] for p in changed] + list(now.values()) + list(same_facts.values())
        months: set[str | None] = set()
        keys: set[str] = set()
        spelt: dict[str, set[str]] = defaultdict(set)
        notes = set(changes.link_targets) | changed | same_name
        for f in facts:
            if not f:
                continue
            months.add(month_of(f["created"]))
            for t in f["tags"]:
                k = tag_key(t)
                keys.add(k)
                spelt[k].add(t)
            notes.update(f["targets"])
        more: set[str] = set()
        respelt: set[str] = set()
        for k in keys:
            more.update(a for a in self.ancestors(k))
            existed, exists = lay.tag(k) in old_pages, k in self.tags
            respelt_k = exists and (k in self.multi_spelt or any(t != self.tags[k].spelling for t in spelt[k]))
            if existed != exists or respelt_k:
                more.update(self.descendants(k))
            if respelt_k:
                respelt.add(k)
        for chunk in _chunks(respelt):
            more.update(r[0] for r in self.conn.execute(
                f"SELECT DISTINCT b.key FROM note_tags a JOIN note_tags b ON b.note_id = a.note_id"
                f" WHERE a.key IN ({_marks(len(chunk))})", chunk))
        keys |= more
        out = {lay.index, lay.tags, lay.backlinks}
        if self.duplicates_affected(changed, old, now, same_facts):
            out.add(lay.duplicates)
        if self.month_mode:
            out.update(lay.month(m) for m in months)
        out.update(lay.tag(k) for k in keys)
        out.update(lay.note_backlinks(p) for p in notes)
        return out

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
                if f["kind"] != "page":
                    before[f["url_key"]] -= 1
        urls.update(f["url_key"] for f in same_name.values() if f["url_key"])
        for chunk in _chunks(urls):
            for u, n in self.conn.execute(
                    f"SELECT url_key, count(*) FROM notes WHERE kind != 'page' AND url_key IN ({_marks(len(chunk))})"
                    " GROUP BY url_key", chunk):
                if n >= 2 or n + before[u] >= 2:
                    return True
            # a URL no note has now: it had before[u] notes
            if any(before[u] >= 2 for u in chunk):
                return True
        return False

    # ------------------------------------------------------------------------------- reading

    def load_entries(self, ids: Iterable[int] | None) -> None:
        """Entries of the given notes (all notes when ``None``) that are not yet loaded."""
        c = self.conn
        base = "SELECT id, path, title, created, site, description FROM notes WHERE kind != 'page'"
        tags_sql = "SELECT note_id, key, tag FROM note_tags"
        if ids is None:
            row_sets = [c.execute(base)]
            tag_sets = [c.execute(tags_sql + " ORDER BY note_id, pos")]
        else:
            todo = sorted(set(ids) - set(self.entries))
            row_sets = [c.execute(base + f" AND id IN ({_marks(len(ch))})", ch) for ch in _chunks(todo)]
            tag_sets = [c.execute(tags_sql + f" WHERE note_id IN ({_marks(len(ch))}) ORDER BY note_id, pos", ch)
                        for ch in _chunks(todo)]
        rows = [r for rs in row_sets for r in rs]
        tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for ts in tag_sets:
            for nid, key, tag in ts:
                tags[nid].append((key, tag))
        for nid, path, title, created, site, description in rows:
            self.entries[nid] = Entry(path, title, created, site or None, description or "",
                                      tuple(tags.get(nid, ())))
            self.id_of[path] = nid

    def ids_for_paths(self, paths: Iterable[str]) -> set[int]:
        out = set()
        for chunk in _chunks(paths):
            out.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM notes WHERE kind != 'page' AND path IN ({_marks(len(chunk))})", chunk))
        return out

    # ----------------------------------------------------------------------------- rendering

    def render(self, todo: list[str], expected: dict, full: bool):
        """(path, text) of every page in ``todo``."""
        c, lay = self.conn, self.layout
        kinds: dict[str, list] = defaultdict(list)
        for path in todo:
            kind, about = expected[path]
            kinds[kind].append(about)
        need: set[int] = set()
        # Index and month pages
        month_ids: dict[str | None, list[int]] = defaultdict(list)
        want_months = set(kinds["month"])
        if not self.month_mode and kinds["index"]:
            want_months = set(self.months)
        if want_months:
            dated = [m for m in want_months if m is not None]
            where = []
            if dated:
                where.append(f"substr(created, 1, 7) IN ({_marks(len(dated))})")
            if None in want_months:
                where.append("created IS NULL")
            sql = f"SELECT id, substr(created, 1, 7) FROM notes WHERE kind != 'page' AND ({' OR '.join(where)})"
            for nid, m in c.execute(sql, dated):
                month_ids[m].append(nid)
                need.add(nid)
        recent: list[int] = []
        if self.month_mode and kinds["index"]:
            recent = [r[0] for r in c.execute(
                "SELECT id FROM notes WHERE kind != 'page' ORDER BY created IS NULL, created DESC, path LIMIT ?",
                (RECENT,))]
            need.update(recent)
        # Tag pages
        tag_ids: dict[str, list[int]] = defaultdict(list)
        co: dict[str, list[tuple[int, str]]] = defaultdict(list)
        tag_keys = kinds["tag"]
        if tag_keys:
            if full:
                tag_rows = c.execute("SELECT key, note_id FROM note_tags")
                co_rows = c.execute(
                    "SELECT a.key, b.key, count(*) FROM note_tags a JOIN note_tags b ON b.note_id = a.note_id"
                    " AND b.key != a.key JOIN notes n ON n.id = a.note_id WHERE n.kind != 'page'"
                    " GROUP BY a.key, b.key")
                for key, nid in tag_rows:
                    tag_ids[key].append(nid)
                for a, b, n in co_rows:
                    co[a].append((-n, b))
            else:
                for chunk in _chunks(tag_keys):
                    q = _marks(len(chunk))
                    for key, nid in c.execute(f"SELECT key, note_id FROM note_tags WHERE key IN ({q})", chunk):
                        tag_ids[key].append(nid)
                    for a, b, n in c.execute(
                            "SELECT a.key, b.key, count(*) FROM note_tags a JOIN note_tags b"
                            " ON b.note_id = a.note_id AND b.key != a.key JOIN notes n ON n.id = a.note_id"
                            f" WHERE n.kind != 'page' AND a.key IN ({q}) GROUP BY a.key, b.key", chunk):
                        co[a].append((-n, b))
            for key in tag_keys:
                need.update(tag_ids[key])
        # Backlink pages
        sources: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        targets = kinds["note"]
        if targets:
            sql = ("SELECT l.resolved, l.note_id, l.line, l.context FROM links l JOIN notes s ON s.id = l.note_id"
                   " WHERE l.status = 'ok' AND s.kind != 'page' AND s.path != l.resolved")
            row_sets = ([c.execute(sql)] if full else
                        [c.execute(sql + f" AND l.resolved IN ({_marks(len(ch))})", ch) for ch in _chunks(targets)])
            for rs in row_sets:
                for target, nid, line, context in rs:
                    sources[target][nid].setdefault(line, context)
                    need.add(nid)
            need |= self.ids_for_paths(targets)
        # Overview pages
        most: list[tuple[str, int]] = []
        broken: list[tuple[str, str, int, int]] = []
        groups: list[tuple[str, int, str | None]] = []
        if kinds["backlinks"]:
            most = list(c.execute(
                "SELECT l.resolved, count(DISTINCT l.note_id) AS n FROM links l JOIN notes s ON s.id = l.note_id"
                " JOIN notes t ON t.path = l.resolved WHERE l.status = 'ok' AND s.kind != 'page'"
                " AND t.kind != 'page' AND s.path != l.resolved GROUP BY l.resolved"
                " ORDER BY n DESC, l.resolved LIMIT ?", (MOST_LINKED,)))
            need |= self.ids_for_paths(p for p, _ in most)
            broken = list(c.execute(
                "SELECT l.status, l.target, l.note_id, l.line FROM links l JOIN notes s ON s.id = l.note_id"
                " WHERE l.status IN ('unresolved', 'ambiguous') AND s.kind != 'page'"))
            need.update(r[2] for r in broken)
        if kinds["duplicates"]:
            groups = list(c.execute(
                "SELECT n.url_key, n.id, n.source FROM notes n JOIN (SELECT url_key FROM notes"
                " WHERE url_key IS NOT NULL AND kind != 'page' GROUP BY url_key HAVING count(*) > 1) d"
                " ON d.url_key = n.url_key WHERE n.kind != 'page'"))
            need.update(r[1] for r in groups)
        self.load_entries(None if full else need)
        self.links.preload({e.path for e in self.entries.values()}
                           | {p for pair in self.conflicts for p in pair})
        E = self.entries
        link = self.links

        for kind in ("index", "month", "tag", "note", "tags", "backlinks", "duplicates"):
            for about in sorted(kinds[kind], key=lambda a: (a is None, a or "")):
                if kind == "index":
                    if self.month_mode:
                        yield lay.index, render_index_months(lay, link, sorted(self.months.items(),
                                                             key=lambda m: (m[0] is None, m[0] or "")),
                                                             [E[i] for i in recent])
                    else:
                        yield lay.index, render_index(lay, link, [E[i] for m in month_ids.values() for i in m])
                elif kind == "month":
                    yield lay.month(about), render_month(lay, link, about, [E[i] for i in month_ids[about]])
                elif kind == "tag":
                    info = self.tags[about]
                    top = sorted(co[about])[:CO_TAGS]
                    yield lay.tag(about), render_tag(
                        lay, link, info, [E[i] for i in tag_ids[about] if i in E],
                        [(self.tags[b], -n) for n, b in top],
                        [self.tags[a] for a in self.ancestors(about) if a in self.tags],
                        [self.tags[d] for d in self.descendants(about)])
                elif kind == "note":
                    note = E[self.id_of[about]]
                    srcs = [(E[nid], sorted(lines.items())) for nid, lines in sources[about].items()]
                    yield lay.note_backlinks(about), render_note_backlinks(lay, link, note, srcs)
                elif kind == "tags":
                    yield lay.tags, render_tags(lay, link, [self.tags[k] for k in self.sorted_keys],
                                                self.nested_totals(), self.note_count)
                elif kind == "backlinks":
                    yield lay.backlinks, render_backlinks(
                        lay, link, [(E[self.id_of[p]], n) for p, n in most],
                        *self.broken_groups(broken), len(self.linked))
                elif kind == "duplicates":
                    yield lay.duplicates, render_duplicates(lay, link, self.duplicate_groups(groups),
                                                            self.conflicts)

    def nested_totals(self) -> dict[str, int]:
        """For each key with tags nested below it: the notes with it or any tag below it."""
        below: dict[str, set[int]] = defaultdict(set)
        for nid, key in self.conn.execute(
                "SELECT t.note_id, t.key FROM note_tags t JOIN notes n ON n.id = t.note_id"
                " WHERE n.kind != 'page' AND t.key LIKE '%/%'"):
            for a in self.ancestors(key):
                below[a].add(nid)
        parents = [k for k in below if k in self.tags]
        for chunk in _chunks(parents):
            for nid, key in self.conn.execute(
                    "SELECT t.note_id, t.key FROM note_tags t JOIN notes n ON n.id = t.note_id"
                    f" WHERE n.kind != 'page' AND t.key IN ({_marks(len(chunk))})", chunk):
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
            members.sort(key=lambda m: (self.entries[m[0]].created is None, self.entries[m[0]].created or "",
                                        self.entries[m[0]].path))
            first = self.entries[members[0][0]]
            shown = members[0][1] or url_key
            groups.append(((first.created is None, first.created or "", url_key), shown,
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
                self.vault.write_new(path, data)
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
        if digest(current) == h:
            return h
        if not has_marker(current):
            self.reporter.event("warning", path, "not generated by vaulttool (no generated_by: vaulttool):"
                                                 " left as it is, the page was not written")
            return ""
        try:
            self.vault.replace(path, data, digest(current))
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

    def remove(self, path: str, *, known: bool) -> None:
        """Delete a page that should no longer exist, if it carries the marker."""
        try:
            current, _ = self.vault.read(path)
        except NoteError:
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


# ----------------------------------------------------------------------------------- links

# What a wikilink target or alias cannot hold (as in vaulttool.core.resolve.link_to).
_WIKI_TARGET_BAD = re.compile(r"[#|^\[\]\n\r\\]|%%|^\s|\s$")
_WIKI_ALIAS_BAD = re.compile(r"[\[\]|\n\r\\<>]|%%")


@lru_cache(maxsize=262144)
def _pk(path: str) -> str:
    """The case-insensitive key of a path as the resolver compares paths (``.md`` dropped)."""
    return _fold(path[:-3] if path[-3:].lower() == ".md" else path)


class _Links:
    """The links pages write (the ``link`` callable of ``vaulttool.render``).

    To a note: :func:`link_to`, computed once per (note, text) as seen from the vault root and reused
    from every page whose folder cannot shadow it: a wikilink ``[[x]]`` written in folder ``F`` is first
    looked up as ``F/x``, and only pages and files inside the pages folder can live there. The
    resolver holds just the files sharing a name with a linked note (every file on a full build).

    To a page: its full path (``[[_index/tags/ai|ai]]``), which nothing outside the pages folder can
    shadow; ``/``-prefixed when a path inside the pages folder would."""

    def __init__(self, build: _Build, expected: dict, full: bool):
        self.build = build
        self.wiki = build.style == "wikilink"
        self.prefix = build.prefix
        self.expected = expected
        self.resolver = Resolver()
        self.loaded: set[str] = set()
        self.cache: dict[tuple[str, str, str | None], str] = {}
        self.base: dict[tuple[str, str | None], tuple[str | None, str]] = {}
        self._files: dict[str, list[str]] | None = None
        self._pages: dict[str, list[str]] | None = None
        inside = [*expected, *(f for f in build.store.files() if f.startswith(self.prefix))]
        self.inside_keys = {_pk(p) for p in inside}  # what a link written inside the pages folder may hit
        self.everything = False
        if full and self.wiki:
            for p in (*build.store.paths(), *build.store.files(), *expected):
                self.resolver.add(p)
            self.everything = True

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
            for p in self.expected:
                self._pages[_nk(p)].append(p)
        for chunk in _chunks(keys):
            for (path,) in self.build.conn.execute(
                    f"SELECT path FROM notes WHERE name_key IN ({_marks(len(chunk))})", chunk):
                self.resolver.add(path)
        for k in keys:
            for p in (*self._files.get(k, ()), *self._pages.get(k, ())):
                self.resolver.add(p)
        self.loaded |= keys

    # -- links ------------------------------------------------------------------------------
    def __call__(self, target: str, from_path: str, text: str | None) -> str:
        folder = from_path.rpartition("/")[0]
        style = None
        if self.wiki and not target.startswith(self.prefix):
            base = self.base.get((target, text))
            if base is None:
                base = self.base[(target, text)] = self.note_base(target, text)
            form, link = base
            if form is None:
                # No wikilink reaches it from the root, so none does from a folder (a folder only
                # adds a place to look first): the Markdown form, relative to this page.
                style = "markdown"
            elif form.startswith("/") or _pk(f"{folder}/{form}") not in self.inside_keys:
                return link
        key = (target, folder, text)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = self.make(target, from_path, text, style)
        return hit

    def note_base(self, target: str, text: str | None) -> tuple[str | None, str]:
        """A note's wikilink as written at the vault root, and its target form (None: not a wikilink)."""
        self.ensure(target)
        link = link_to(target, self.resolver, style="wikilink", from_path="", text=text)
        if link.startswith("[["):
            return link[2:-2].partition("|")[0], link
        return None, link

    def ensure(self, target: str) -> None:
        if not self.everything:
            k = _nk(target)
            if k not in self.loaded:
                self.load({k})

    def make(self, target: str, from_path: str, text: str | None, style: str | None = None) -> str:
        if not target.startswith(self.prefix):
            style = style or self.build.style
            if style == "wikilink":
                self.ensure(target)
            return link_to(target, self.resolver, style=style, from_path=from_path, text=text)
        if self.wiki and (text is None or not _WIKI_ALIAS_BAD.search(text)):
            full = target[:-3]
            alias = text.strip() if text is not None else ""
            folder = from_path.rpartition("/")[0]
            form = full if not folder or _pk(f"{folder}/{full}") not in self.inside_keys else "/" + full
            if not _WIKI_TARGET_BAD.search(form):
                return f"[[{form}|{alias}]]" if alias and alias != form else f"[[{form}]]"
        return link_to(target, self.resolver, style="markdown", from_path=from_path, text=text)
