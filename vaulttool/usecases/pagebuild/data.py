"""Reading what the generated pages show from the index: the notes' entries, the notes of each month,
the newest notes, the most-linked notes, broken links and notes sharing a URL (a part of the page
build, see :mod:`vaulttool.usecases.pagebuild.build`)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from vaulttool.pages.render import Entry, month_of
from vaulttool.usecases.pagebuild.query import HIDDEN_SQL, ancestors, chunks, marks

__all__ = ["PageData", "MOST_LINKED", "RECENT"]

RECENT = 20  # notes on Index.md when it links to month pages
MOST_LINKED = 50  # notes in the most-linked list of Backlinks.md


class PageData:
    """The reading part of the page build (``_Build`` in :mod:`vaulttool.usecases.pagebuild.build`): it loads the
    entries of the notes the pages show into ``entries`` and ``id_of``, leaving out hidden notes."""

    def load_entries(self, ids: Iterable[int], *, tags: bool = True) -> None:
        """Entries of the given notes that are not yet loaded, without their descriptions (see
        :meth:`described`) and, unless ``tags``, without their tags (the pages that list notes with
        their tags are the index and month pages)."""
        c = self.conn
        base = "SELECT id, path, title, created, site FROM notes"
        by_note: dict[int, list[tuple[str, str]]] = defaultdict(list)
        todo = sorted(set(ids) - set(self.entries) - self.hidden_ids)
        rows, tag_rows = [], []
        for ch in chunks(todo):
            q = marks(len(ch))
            rows += c.execute(base + f" WHERE id IN ({q})", ch).fetchall()
            if tags:
                tag_rows += c.execute(
                    f"SELECT note_id, key, tag FROM note_tags WHERE note_id IN ({q}) ORDER BY note_id, pos", ch).fetchall()
        pairs: dict[tuple[str, str], tuple[str, str]] = {}  # one tuple per (key, spelling), shared by its notes
        for nid, key, tag in tag_rows:
            pair = (key, tag)
            by_note[nid].append(pairs.setdefault(pair, pair))
        del tag_rows
        shared: dict[str, str] = {}  # sites and dates recur: one string each
        for nid, path, title, created, site in rows:
            self._add_entry(shared, nid, path, title, created, site, tuple(by_note.get(nid, ())))

    def _add_entry(self, shared: dict[str, str], nid: int, path: str, title: str, created: str | None,
                   site: str | None, tags: tuple = ()) -> None:
        """Keep a note's entry (``shared``: one string for each date and site met in this load)."""
        self.entries[nid] = Entry(path, title, created and shared.setdefault(created, created),
                                  shared.setdefault(site, site) if site else None, "", tags,
                                  self.copies_of.get(nid, 0))
        self.id_of[path] = nid

    def find_copies(self) -> None:
        """The notes sharing a URL with an earlier listed note (``copy_ids``: not listed nor counted but
        on Duplicates.md), the number of notes of each such URL on its first note (``copies_of``), and
        ``unlisted``: the hidden notes and the copies, also kept in the temporary table ``unlisted``."""
        groups: dict[str, list[tuple]] = defaultdict(list)
        for nid, url_key, created, path in self.conn.execute(
                "SELECT id, url_key, created, path FROM notes WHERE url_key IN (SELECT url_key FROM notes"
                f" WHERE url_key IS NOT NULL AND kind NOT IN {HIDDEN_SQL} GROUP BY url_key HAVING count(*) > 1)"
                f" AND kind NOT IN {HIDDEN_SQL}"):
            groups[url_key].append((created is None, created or "", path, nid))
        self.copy_ids, self.copies_of = set(), {}
        order = []
        for url_key, members in groups.items():
            members.sort()
            self.copies_of[members[0][3]] = len(members)
            self.copy_ids.update(m[3] for m in members[1:])
            order.append((members[0][0], members[0][1], url_key, len(members)))
        # the groups' sizes by month of their first clip, in the order Duplicates pages show them
        self.dup_months: dict[str | None, list[int]] = defaultdict(list)
        for undated, created, _, n in sorted(order):
            self.dup_months[None if undated else month_of(created)].append(n)
        self.unlisted = self.hidden_ids | self.copy_ids
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS unlisted(id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.unlisted")
        self.conn.executemany("INSERT INTO temp.unlisted(id) VALUES (?)", [(i,) for i in self.unlisted])

    def forget(self) -> None:
        """Drop the entries loaded so far: each part of the build loads the notes it shows, so that a
        large vault never has an entry for every note in memory at once."""
        self.entries.clear()
        self.id_of.clear()

    def load_tagged(self, keys: list[str]) -> dict[str, list[int]]:
        """The listed notes carrying each of ``keys``, with their entries (without tags) loaded by the
        same query."""
        out: dict[str, list[int]] = defaultdict(list)
        shared: dict[str, str] = {}
        for chunk in chunks(keys):
            for key, nid, path, title, created, site in self.conn.execute(
                    "SELECT t.key, n.id, n.path, n.title, n.created, n.site FROM note_tags t"
                    f" JOIN notes n ON n.id = t.note_id WHERE t.key IN ({marks(len(chunk))})", chunk).fetchall():
                if nid in self.unlisted:
                    continue
                out[key].append(nid)
                if nid not in self.entries:
                    self._add_entry(shared, nid, path, title, created, site)
        return out

    def ids_for_paths(self, paths: Iterable[str]) -> set[int]:
        out = set()
        for chunk in chunks(paths):
            out.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM notes WHERE path IN ({marks(len(chunk))})", chunk))
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
            if m in months and nid not in self.unlisted:
                out[m].append(nid)
        return out

    def recent_ids(self) -> list[int]:
        """The newest notes (dated ones by ``created`` then path, then undated ones by path)."""
        c, want = self.conn, RECENT + len(self.unlisted)
        row = c.execute("SELECT created FROM notes WHERE created IS NOT NULL ORDER BY created DESC"
                        " LIMIT 1 OFFSET ?", (want - 1,)).fetchone()
        rows = (c.execute("SELECT id, path, created FROM notes WHERE created >= ?", row) if row else
                c.execute("SELECT id, path, created FROM notes WHERE created IS NOT NULL")).fetchall()
        rows = sorted((r for r in rows if r[0] not in self.unlisted), key=lambda r: r[1])
        rows.sort(key=lambda r: r[2], reverse=True)
        out = [r[0] for r in rows[:RECENT]]
        if len(out) < RECENT:
            out += [r[0] for r in c.execute("SELECT id FROM notes WHERE created IS NULL ORDER BY path LIMIT ?",
                                            (want,)) if r[0] not in self.unlisted][: RECENT - len(out)]
        return out

    def described(self, ids: list[int]) -> list[Entry]:
        """The entries of ``ids`` with their descriptions (read only for the pages that show them)."""
        text: dict[int, str] = {}
        for chunk in chunks(ids):
            text.update(self.conn.execute(f"SELECT id, description FROM notes WHERE id IN ({marks(len(chunk))})",
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
        for chunk in chunks(bounds, MOST_LINKED * 2):
            paths = [p for p, _ in chunk]
            q = marks(len(paths))
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
        for nid, key in self.conn.execute("SELECT note_id, key FROM note_tags WHERE key LIKE '%/%'"):
            if nid not in self.unlisted:
                for a in ancestors(key):
                    below[a].add(nid)
        parents = [k for k in below if k in self.tags]
        for chunk in chunks(parents):
            for nid, key in self.conn.execute(
                    f"SELECT note_id, key FROM note_tags WHERE key IN ({marks(len(chunk))})", chunk):
                if nid not in self.unlisted:
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
