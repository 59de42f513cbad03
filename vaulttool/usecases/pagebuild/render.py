"""Rendering the pages a build has to write: what each page shows is read from the index a part at a
time and handed to :mod:`vaulttool.pages.render` (a part of the page build, see
:mod:`vaulttool.usecases.pagebuild.build`)."""

from __future__ import annotations

from collections import Counter, defaultdict

from vaulttool.pages.bases import render_base_file
from vaulttool.pages.duplicates import render_duplicates, render_duplicates_month, split_groups
from vaulttool.pages.obsidian import render_obsidian_duplicates, render_obsidian_index, render_obsidian_tag
from vaulttool.pages.render import (
    MONTH_PART,
    month_of,
    oldest_first,
    render_backlinks,
    render_index,
    render_index_months,
    render_month,
    render_note_backlinks,
    render_tag,
    render_tags,
)
from vaulttool.usecases.pagebuild import query as pagequery
from vaulttool.usecases.pagebuild.query import ancestors, chunks, marks

__all__ = ["PageRendering", "CO_TAGS", "PART_NOTES"]

CO_TAGS = 10  # tags shown on a tag page as coming with it
PART_NOTES = 5000  # tag pages rendered together while their notes come to no more than this


class PageRendering:
    """The rendering part of the page build (``_Build`` in :mod:`vaulttool.usecases.pagebuild.build`).

    The pages are rendered a part at a time (the index and each month page, a group of tag pages, the
    backlink pages of a few hundred notes, each overview page): a part reads from the index the notes
    and links it shows, renders its pages and drops them again (:meth:`forget`), so that what a build
    holds does not grow with the vault (but for the pages that list a large share of it)."""

    def render(self, todo: list[str], expected: dict, full: bool):
        """(path, text) of every page in ``todo``, read from the index a part at a time."""
        kinds: dict[str, list] = defaultdict(list)
        notes: list[tuple[str, str]] = []  # (note, its backlink page)
        for path in todo:
            kind, about = expected[path]
            if kind == "note":
                notes.append((about, path))
            else:
                kinds[kind].append(about)
        for kind in kinds:
            if kind in ("month", "duplicates-month"):  # (month or None, part, parts)
                kinds[kind].sort(key=lambda a: (a[0] is None, a[0] or "", a[1]))
            else:
                kinds[kind].sort(key=lambda a: (a is None, a or ""))
        notes.sort()
        self.forget()
        yield from self.render_index_pages(bool(kinds["index"]), kinds["month"], full)
        yield from self.render_tag_pages(kinds["tag"])
        yield from self.render_backlink_pages(notes)
        yield from self.render_overviews(kinds, expected)
        if kinds["base"]:
            yield self.layout.base, render_base_file(self.layout.folder)

    def render_index_pages(self, index: bool, months: list[tuple], full: bool):
        lay, link = self.layout, self.links
        shown = sorted(self.months.items(), key=lambda m: (m[0] is None, m[0] or ""))
        if index and self.obsidian:
            yield lay.index, render_obsidian_index(lay, link, shown, len(self.copy_ids), self.links.wiki)
        elif index and self.month_mode:
            recent = self.recent_ids()
            self.load_entries(recent)
            yield lay.index, render_index_months(lay, link, shown, self.described(recent), len(self.copy_ids))
            self.forget()
        elif index:
            ids = [i for m in self.month_ids(set(self.months), full).values() for i in m]
            self.load_entries(ids)
            yield lay.index, render_index(lay, link, self.described(ids), len(self.copy_ids))
            self.forget()
        by_month: dict[str | None, list[tuple[int, int]]] = defaultdict(list)
        for month, part, parts in months:
            by_month[month].append((part, parts))
        for month, wanted in by_month.items():
            ids = self.month_ids({month}, False)[month]
            self.load_entries(ids)
            E = self.entries
            ids.sort(key=lambda i: (E[i].created or "", E[i].path))  # oldest first: parts fill in order
            for part, parts in wanted:
                part_ids = ids[(part - 1) * MONTH_PART: part * MONTH_PART]
                yield lay.month(month, part), render_month(lay, link, month, self.described(part_ids), part,
                                                           parts, len(ids))
            self.forget()

    def tag_parts(self, keys: list[str]):
        """``keys`` in groups of at most ``CHUNK`` whose notes come to at most :data:`PART_NOTES`
        (a tag with more notes is a group of its own)."""
        part: list[str] = []
        notes = 0
        for key in keys:
            n = self.tags[key].count
            if part and (len(part) >= pagequery.CHUNK or notes + n > PART_NOTES):
                yield part
                part, notes = [], 0
            part.append(key)
            notes += n
        if part:
            yield part

    def render_tag_pages(self, keys: list[str]):
        lay, link, E = self.layout, self.links, self.entries
        if self.obsidian:
            yield from self.render_obsidian_tags(keys)
            return
        for part in self.tag_parts(keys):
            tag_ids = self.load_tagged(part)
            co = self.co_tags(part)
            for about in part:
                top = sorted(co[about].items(), key=lambda kv: (-kv[1], kv[0]))[:CO_TAGS]
                yield lay.tag(about), render_tag(
                    lay, link, self.tags[about], [E[i] for i in tag_ids[about] if i in E],
                    [(self.tags[b], n) for b, n in top],
                    [self.tags[a] for a in ancestors(about) if a in self.tags],
                    [self.tags[d] for d in self.descendants(about)])
            self.forget()

    def render_obsidian_tags(self, keys: list[str]):
        """Tag pages of the obsidian style: counts and related tags (the notes are a live view)."""
        lay = self.layout
        totals = self.nested_totals() if keys else {}
        for part in chunks(keys):
            co = self.co_tags(part)
            for about in part:
                top = sorted(co[about].items(), key=lambda kv: (-kv[1], kv[0]))[:CO_TAGS]
                yield lay.tag(about), render_obsidian_tag(
                    lay, self.links, self.tags[about], totals.get(about), [(self.tags[b], n) for b, n in top],
                    [self.tags[a] for a in ancestors(about) if a in self.tags],
                    [self.tags[d] for d in self.descendants(about)])

    def render_overviews(self, kinds: dict[str, list], expected: dict):
        """``Tags.md``, ``Backlinks.md`` and ``Duplicates.md``, as far as they are to be rendered."""
        c, lay, link, E = self.conn, self.layout, self.links, self.entries
        if kinds["tags"]:
            yield lay.tags, render_tags(lay, link, [self.tags[k] for k in self.sorted_keys], self.nested_totals())
        if kinds["backlinks"]:
            most = self.most_linked()
            broken = [r for r in c.execute("SELECT status, target, note_id, line FROM links"
                                           " WHERE status IN ('unresolved', 'ambiguous')")
                      if r[2] not in self.hidden_ids]
            self.load_entries(self.ids_for_paths(p for p, _ in most) | {r[2] for r in broken}, tags=False)
            self.broken_sources = sorted({E[r[2]].path for r in broken})
            yield lay.backlinks, render_backlinks(lay, link, [(E[self.id_of[p]], n) for p, n in most],
                                                  *self.broken_groups(broken), self.count_linked(expected))
            self.forget()
        if kinds["duplicates"] or kinds["duplicates-month"]:
            groups = [r for r in c.execute(
                "SELECT url_key, id, source FROM notes WHERE url_key IN (SELECT url_key FROM notes"
                " WHERE url_key IS NOT NULL GROUP BY url_key HAVING count(*) > 1)") if r[1] not in self.hidden_ids]
            self.load_entries({r[1] for r in groups}, tags=False)
            if self.obsidian:
                yield lay.duplicates, render_obsidian_duplicates(
                    lay, link, [(url, len(es)) for url, es in self.duplicate_groups(groups)], self.conflicts,
                    self.links.wiki)
            else:
                shown = self.duplicate_groups(groups)
                if kinds["duplicates"]:
                    months = [(m, len(sizes), len(split_groups(sizes))) for m, sizes in
                              sorted(self.dup_months.items(), key=lambda kv: (kv[0] is None, kv[0] or ""), reverse=True)]
                    yield lay.duplicates, render_duplicates(lay, link, shown, months, self.conflicts)
                by_month = defaultdict(list)
                for url, entries in shown:
                    by_month[month_of(oldest_first(entries)[0].created)].append((url, entries))
                for month, part, parts in kinds["duplicates-month"]:
                    month_groups = by_month[month]
                    start, end = split_groups([len(es) for _, es in month_groups])[part - 1]
                    yield lay.duplicates_month(month, part), render_duplicates_month(
                        lay, link, month, part, parts, month_groups[start:end])
            self.forget()

    def co_tags(self, keys: list[str]) -> dict[str, Counter]:
        """For each of ``keys``: how many of its notes carry each other tag."""
        co: dict[str, Counter] = {k: Counter() for k in keys}
        q = marks(len(keys))
        page_filter = " AND a.note_id NOT IN (SELECT id FROM temp.unlisted)" if self.unlisted else ""
        for a, b, n in self.conn.execute(
                "SELECT a.key, b.key, count(*) FROM note_tags a JOIN note_tags b"
                f" ON b.note_id = a.note_id AND b.key != a.key WHERE a.key IN ({q}){page_filter}"
                " GROUP BY a.key, b.key", keys):
            co[a][b] = n
        return co

    def render_backlink_pages(self, pages: list[tuple[str, str]]):
        """The backlink pages of notes, given as (note, page), reading their links a few hundred notes at
        a time."""
        E = self.entries
        for chunk in chunks(pages):
            targets = [t for t, _ in chunk]
            sources: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
            for target, nid, line, context in self.conn.execute(
                    "SELECT resolved, note_id, line, context FROM links"
                    f" WHERE status = 'ok' AND resolved IN ({marks(len(targets))})", targets):
                if nid not in self.hidden_ids:
                    sources[target][nid].setdefault(line, context)
            self.load_entries({nid for by in sources.values() for nid in by} | self.ids_for_paths(targets), tags=False)
            for target, page in chunk:
                srcs = [(E[nid], sorted(lines.items())) for nid, lines in sources[target].items()
                        if E[nid].path != target]
                yield page, render_note_backlinks(self.layout, self.links, E[self.id_of[target]], srcs, page)
            self.forget()
