"""``Duplicates.md`` in the ``portable`` style: the URLs clipped more than once, and the sync-conflict
copies. The overview gives the counts, the most copied URLs and one line per month; the groups
themselves are on a page per month of their first clip (``Duplicates/2025-05.md``, split in parts of
about :data:`DUPLICATE_PART` notes), so that a re-clip rewrites the page of its URL's month, not a
list of every copy in the vault."""

from __future__ import annotations

from collections.abc import Sequence

from vaulttool.pages.names import Layout
from vaulttool.pages.render import Entry, Linker, _n, _Page, copies_note, day_of, escape, list_title, oldest_first

__all__ = ["DUPLICATE_PART", "MOST_COPIED", "split_groups", "render_duplicates", "render_duplicates_month"]

DUPLICATE_PART = 300  # notes (first clips and copies) on one page of a month's duplicates, about
MOST_COPIED = 20


def split_groups(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """The groups (by their number of notes, in page order) of each part: (start, end) indexes, a
    part taking groups until the next would pass :data:`DUPLICATE_PART` notes (a larger group alone)."""
    out, start, notes = [], 0, 0
    for i, n in enumerate(sizes):
        if i > start and notes + n > DUPLICATE_PART:
            out.append((start, i))
            start, notes = i, 0
        notes += n
    out.append((start, len(sizes)))
    return out


def render_duplicates(layout: Layout, link: Linker, groups: Sequence[tuple[str, Sequence[Entry]]],
                      months: Sequence[tuple[str | None, int, int]], conflicts: Sequence[tuple[str, str]] = ()) -> str:
    """The overview: ``groups`` (URL shown, its notes) for the counts and the most copied; ``months``:
    (month of the first clips, groups, pages) of the month pages."""
    p = _Page(layout, link, layout.duplicates, "duplicates", "Duplicates")
    n_notes = sum(len(g) for _, g in groups)
    p.add(f"{_n(len(groups), 'URL')} clipped more than once ({_n(n_notes, 'note')}); lists and counts elsewhere"
          " show each URL once, as its first clip.", "")
    if groups:
        p.add("## Most copied", "")
        ranked = sorted(groups, key=lambda g: (-len(g[1]), g[0]))[:MOST_COPIED]
        for url, entries in ranked:
            first = oldest_first(entries)[0]
            p.add(f"- {p.to(first.path, list_title(first))} · {copies_note(len(entries))} · {escape(url, 100)}")
        p.add("", "## By month of the first clip", "")
        for month, n, parts in months:
            pages = [p.to(layout.duplicates_month(month, k), str(k) if parts > 1 else month or "No date")
                     for k in range(1, parts + 1)]
            head = f"{month or 'No date'}: " if parts > 1 else ""
            p.add(f"- {head}{', '.join(pages)}: {_n(n, 'URL')}")
    p.add_conflicts(conflicts)
    p.add("")
    return p.text()


def render_duplicates_month(layout: Layout, link: Linker, month: str | None, part: int, parts: int,
                            groups: Sequence[tuple[str, Sequence[Entry]]]) -> str:
    """One page of the URLs first clipped in ``month``: each first clip with its later copies."""
    name = month or "No date"
    title = f"Duplicates: {name}" if parts == 1 else f"Duplicates: {name} ({part} of {parts})"
    p = _Page(layout, link, layout.duplicates_month(month, part), "duplicates-month", title, about=month or "undated")
    if parts > 1:
        p.add(f"On {parts} pages: " + ", ".join(f"**{k}**" if k == part else p.to(layout.duplicates_month(month, k),
                                                                                  str(k)) for k in range(1, parts + 1))
              + ".", "")
    p.add(f"{_n(len(groups), 'URL')} first clipped then and clipped again.", "")
    for url, entries in groups:
        first, *later = oldest_first(entries)
        p.add(f"- {p.to(first.path, list_title(first))} · {copies_note(len(entries))} · {escape(url, 100)}")
        if later:  # the copies by the day they were clipped (their titles are the first one's, or nearly)
            p.add("  - copies: " + ", ".join(p.to(e.path, day_of(e.created) or "no date") for e in later))
    p.add("")
    return p.text()
