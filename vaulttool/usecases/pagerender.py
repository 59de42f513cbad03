"""Rendering the pages a build has to write: what each page shows is read from the index a part at a
time and handed to :mod:`vaulttool.render` (a part of the page build, see
:mod:`vaulttool.usecases.pages`)."""

from __future__ import annotations

from collections import Counter, defaultdict

from vaulttool.render import (
    render_backlinks,
    render_duplicates,
    render_index,
    render_index_months,
    render_month,
    render_note_backlinks,
    render_tag,
    render_tags,
)
from vaulttool.usecases.pagequery import ancestors, chunks, marks

__all__ = ["PageRendering", "CO_TAGS"]

CO_TAGS = 10  # tags shown on a tag page as coming with it


class PageRendering:
    """The rendering part of the page build (``_Build`` in :mod:`vaulttool.usecases.pages`)."""

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
        if kinds["tag"]:
            if not full:  # (a full build takes them from the entries of every note, loaded below)
                for chunk in chunks(kinds["tag"]):
                    q = marks(len(chunk))
                    for key, nid in c.execute(f"SELECT key, note_id FROM note_tags WHERE key IN ({q})", chunk):
                        if nid not in self.hidden_ids:
                            tag_ids[key].append(nid)
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
        self.tag_rows = None  # in the entries now
        if full and kinds["tag"]:
            for nid in sorted(self.entries):
                for key, _ in self.entries[nid].tags:
                    tag_ids[key].append(nid)
        self.links.preload({e.path for e in self.entries.values()} | {p for pair in self.conflicts for p in pair})
        E, link = self.entries, self.links
        co: dict[str, Counter] = {}

        for kind in ("index", "month", "tag", "note", "tags", "backlinks", "duplicates"):
            if kind == "note":
                yield from self.render_backlink_pages(kinds["note"])
                continue
            for i, about in enumerate(kinds[kind]):
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
                    if not full and i % 500 == 0:  # counted for a few hundred tags at a time
                        co = self.co_tags(kinds["tag"][i : i + 500])
                    if full:  # the tags that come with this one, counted from the notes' tags in hand
                        with_it = Counter(b for nid in tag_ids[about] for b, _ in E[nid].tags if b != about)
                    else:
                        with_it = co[about]
                    top = sorted(with_it.items(), key=lambda kv: (-kv[1], kv[0]))[:CO_TAGS]
                    yield lay.tag(about), render_tag(
                        lay, link, self.tags[about], [E[i] for i in tag_ids[about] if i in E],
                        [(self.tags[b], n) for b, n in top],
                        [self.tags[a] for a in ancestors(about) if a in self.tags],
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

    def co_tags(self, keys: list[str]) -> dict[str, Counter]:
        """For each of ``keys``: how many of its notes carry each other tag."""
        co: dict[str, Counter] = {k: Counter() for k in keys}
        q = marks(len(keys))
        page_filter = f" AND a.note_id NOT IN ({marks(len(self.hidden_ids))})" if self.hidden_ids else ""
        for a, b, n in self.conn.execute(
                "SELECT a.key, b.key, count(*) FROM note_tags a JOIN note_tags b"
                f" ON b.note_id = a.note_id AND b.key != a.key WHERE a.key IN ({q}){page_filter}"
                " GROUP BY a.key, b.key", [*keys, *self.hidden_ids]):
            co[a][b] = n
        return co

    def render_backlink_pages(self, targets: list[str]):
        """The backlink pages of ``targets``, reading their links a few hundred notes at a time."""
        lay, E = self.layout, self.entries
        for chunk in chunks(targets):
            sources: dict[str, dict[int, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
            for target, nid, line, context in self.conn.execute(
                    "SELECT resolved, note_id, line, context FROM links"
                    f" WHERE status = 'ok' AND resolved IN ({marks(len(chunk))})", chunk):
                if nid not in self.hidden_ids:
                    sources[target][nid].setdefault(line, context)
            ids = {nid for by in sources.values() for nid in by} | self.ids_for_paths(chunk)
            self.load_entries(ids)
            self.links.preload(E[i].path for i in ids if i in E)
            for target in chunk:
                srcs = [(E[nid], sorted(lines.items())) for nid, lines in sources[target].items()
                        if E[nid].path != target]
                yield lay.note_backlinks(target), render_note_backlinks(lay, self.links, E[self.id_of[target]], srcs)
