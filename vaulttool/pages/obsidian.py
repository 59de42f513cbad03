"""The pages of the ``obsidian`` page style: counts and links to other pages, with live Bases views
(:mod:`vaulttool.pages.bases`) where the ``portable`` style lists notes. None of these pages links to
a note (only the backlink pages do, and the conflict copies on ``Duplicates.md``), so a clip's
backlinks pane shows no generated page, and a new clip rewrites only the pages whose counts change.
"""

from __future__ import annotations

from collections.abc import Sequence

from vaulttool.pages.bases import tag_base, to_yaml
from vaulttool.pages.render import Layout, Linker, TagInfo, _n, _Page, copies_line, escape, tag_context

__all__ = ["render_obsidian_index", "render_obsidian_tag", "render_obsidian_duplicates"]


def _base_link(p: _Page, view: str, wiki: bool) -> list[str]:
    """A link to ``Clippings.base`` and, with wikilinks, the view embedded (Obsidian renders it live)."""
    lines = [f"Live views of every clip: {p.to(p.layout.base, 'Clippings')} (Obsidian Bases, 1.9 or later).", ""]
    if wiki:
        lines += [f"![[{p.layout.base}#{view}]]", ""]
    return lines


def render_obsidian_index(layout: Layout, link: Linker, months: Sequence[tuple[str | None, int]], copies: int,
                          wiki: bool) -> str:
    """``Index.md``: how many clips, by month (as text), and the recent clips as a live view."""
    p = _Page(layout, link, layout.index, "index", "Index")
    total = sum(n for _, n in months)
    dated = sorted((m for m in months if m[0]), reverse=True)
    undated = [m for m in months if not m[0]]
    more = f" (and {copies_line(copies)})" if copies else ""
    p.add(f"{_n(total, 'note')}{more} in {_n(len(dated), 'month')}.", "")
    p.add(*_base_link(p, "Recent clips", wiki))
    if dated or undated:
        p.add("## Months", "")
        p.add(*(f"- {escape(m) if m else 'No date'}: {_n(n, 'note')}" for m, n in dated + undated))
    p.add("")
    return p.text()


def render_obsidian_tag(layout: Layout, link: Linker, tag: TagInfo, nested_total: int | None,
                        co_tags: Sequence[tuple[TagInfo, int]], ancestors: Sequence[TagInfo],
                        descendants: Sequence[TagInfo]) -> str:
    """A tag's page: what the tag is (its counts, where it sits among the tags, what comes with it)
    and the clips carrying it as an embedded base (live: no rewrite when a clip arrives)."""
    p = _Page(layout, link, layout.tag(tag.key), "tag", f"Tag: {tag.spelling}", about=tag.key)
    line = f"{_n(tag.count, 'note')} tagged {escape(tag.spelling)} (copies of one URL counted once)"
    if nested_total is not None:
        line += f", {nested_total:,} with the tags nested below it"
    p.add(line + ".", "")
    tag_context(p, ancestors, descendants, co_tags)
    p.add("## Clips", "", "```base", *to_yaml(tag_base(layout.folder, tag.spelling)), "```", "")
    return p.text()


def render_obsidian_duplicates(layout: Layout, link: Linker, groups: Sequence[tuple[str, int]],
                               conflicts: Sequence[tuple[str, str]], wiki: bool) -> str:
    """``Duplicates.md``: the URLs clipped more than once with their number of copies (as text), the
    copies as a live view, and the sync-conflict copies to resolve."""
    p = _Page(layout, link, layout.duplicates, "duplicates", "Duplicates")
    n_notes = sum(n for _, n in groups)
    p.add(f"{_n(len(groups), 'URL')} clipped more than once ({_n(n_notes, 'note')}); lists and counts elsewhere"
          " show each URL once.", "")
    p.add(*_base_link(p, "Copies of one URL", wiki))
    if groups:
        p.add("## Most copied", "")
        for url, n in sorted(groups, key=lambda g: (-g[1], g[0]))[:100]:
            p.add(f"- {escape(url, 200)} · {n:,} copies")
    p.add_conflicts(conflicts)
    p.add("")
    return p.text()
