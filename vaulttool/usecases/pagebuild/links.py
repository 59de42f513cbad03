"""The links written in generated pages: to notes as Obsidian resolves them, to pages by paths no
other file can change (see :class:`PageLinks`)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable, Protocol

from vaulttool.core.links.resolve import Resolver, link_to, lone_wikilink, name_key
from vaulttool.pages.names import Layout
from vaulttool.usecases.pagebuild.query import chunks, marks, nk


class BuildView(Protocol):
    """What the links take from the page build (``_Build`` in :mod:`vaulttool.usecases.pagebuild.build`),
    which creates them: a one-way dependency."""

    style: str  # the link style: "wikilink" or "markdown"
    prefix: str  # the pages folder with its trailing "/"
    layout: Layout
    conn: Any  # the index's connection (sqlite3-like: execute)
    store: Any  # the index (its files())
    conflicts: Iterable[tuple[str, str]] | None

__all__ = ["PageLinks"]

# What a wikilink target or alias cannot hold (as vaulttool.core.links.resolve.link_to has it).
_WIKI_TARGET_BAD = re.compile(r"[#|^:\[\]\n\r\\]|%%|^\s|\s$")
_NOTHING = Resolver()
_WIKI_ALIAS_BAD = re.compile(r"[\[\]|\n\r\\<>]|%%")


# Links kept once computed; past this many the cache starts afresh, so that a large build does not
# hold the link of every note at once (a link is computed again when a later page needs it).
LINK_CACHE = 20000


class PageLinks:
    """The links pages write (the ``link`` callable of ``vaulttool.pages.render``).

    To a note: :func:`link_to`, computed once per (note, text) while it is in a bounded cache: a
    wikilink is looked up from the vault root, never beside the page writing it
    (``vaulttool.core.links.resolve``), so it reads the same on every page; a note no wikilink can name gets
    a Markdown link relative to each page. Where a wikilink leads depends only on the files sharing
    the note's name: a note whose name no other file has (nearly every note) is resolved among itself
    alone; for the others the resolver is given every file of that name (notes as the index has them,
    attachments, pages other than backlink pages), read from the index when first needed.

    To a page: ``[[<pages folder>/path|text]]``, or with ``link_style = "markdown"`` a link relative to
    the writing page, always starting ``./`` or ``../``: neither depends on any other file."""

    def __init__(self, build: BuildView, expected: dict):
        self.build = build
        self.wiki = build.style == "wikilink"
        self.prefix = build.prefix
        self.expected = expected
        self.resolver = Resolver()
        self.loaded: set[str] = set()
        self.cache: dict[tuple, str] = {}
        self._files: dict[str, list[str]] | None = None
        self._pages: dict[str, list[str]] | None = None
        self.crowded = self.crowded_names() if self.wiki else set()

    def named_pages(self) -> list[str]:
        """The pages that can compete with notes for a link by name. Not the backlink pages: each has
        the name of the note it is about and a longer path, so it is never the shortest file of its
        name (a page with a hashed name has a name no note has)."""
        bl = f"{self.build.layout.folder}/backlinks/"
        return [p for p in self.expected if not p.startswith(bl)]

    def crowded_names(self) -> set[str]:
        """The name keys of notes that share their name with another file (a note, an attachment or a
        page), and those of the conflict pairs (which the index need not hold): links to these notes
        are resolved among every file of the name."""
        c = self.build.conn
        out = {r[0] for r in c.execute("SELECT name_key FROM notes GROUP BY name_key HAVING count(*) > 1")}
        others = {nk(p) for p in (*self.build.store.files(), *self.named_pages())}
        for chunk in chunks(others):
            out.update(r[0] for r in c.execute(
                f"SELECT DISTINCT name_key FROM notes WHERE name_key IN ({marks(len(chunk))})", chunk))
        out.update(nk(p) for pair in self.build.conflicts for p in pair)
        return out

    @staticmethod
    def name_keys(target: str) -> set[str]:
        """The name keys of the files a wikilink to ``target`` can meet: its own, and for a name
        ending ``.md.md`` the one of the shorter name the link is written with."""
        return {name_key(target), name_key(target[:-3] if target[-3:].lower() == ".md" else target)}

    # -- the resolver's files, by name ------------------------------------------------------
    def load(self, keys: set[str]) -> None:
        if not keys:
            return
        if self._files is None:
            self._files = defaultdict(list)
            for f in self.build.store.files():
                self._files[nk(f)].append(f)
            self._pages = defaultdict(list)
            for p in self.named_pages():
                self._pages[nk(p)].append(p)
        for chunk in chunks(keys):
            for (path,) in self.build.conn.execute(
                    f"SELECT path FROM notes WHERE name_key IN ({marks(len(chunk))})", chunk):
                self.resolver.add(path)
        for k in keys:
            for p in (*self._files.get(k, ()), *self._pages.get(k, ())):
                self.resolver.add(p)
        self.loaded |= keys

    def resolver_for(self, target: str) -> Resolver:
        """A resolver holding every file a wikilink to ``target`` can meet."""
        keys = self.name_keys(target)
        if len(keys) == 1 and not keys & self.crowded:
            return Resolver((target,))  # no other file has its name
        self.load(keys - self.loaded)
        return self.resolver

    # -- links ------------------------------------------------------------------------------
    def __call__(self, target: str, from_path: str, text: str | None) -> str:
        if self.wiki:  # the same on every page, unless no wikilink can reach the target
            hit = self.cached((target, text), lambda: self.page_wikilink(target, text)
                              if target.startswith(self.prefix) else self.note_wikilink(target, text))
            return hit or self.markdown(target, from_path, text)
        if target.startswith(self.prefix):  # Markdown links to pages: repeated on many pages of a folder
            return self.cached((target, from_path.rpartition("/")[0], text),
                               lambda: self.markdown(target, from_path, text))
        return self.markdown(target, from_path, text)

    def cached(self, key: tuple, make) -> str:
        """The link kept under ``key``, or ``make()`` kept there (the cache starts afresh when full)."""
        hit = self.cache.get(key)
        if hit is None:
            if len(self.cache) >= LINK_CACHE:
                self.cache.clear()
            hit = self.cache[key] = make()
        return hit

    def note_wikilink(self, target: str, text: str | None) -> str:
        """A note's wikilink (looked up from the vault root, so written alike on every page), or ""
        when no wikilink can carry it."""
        if not self.crowded or name_key(target) not in self.crowded:
            link = lone_wikilink(target, text)
            if link is not None:
                return link
        link = link_to(target, self.resolver_for(target), style="wikilink", from_path="", text=text)
        return link if link.startswith("[[") else ""

    def page_wikilink(self, target: str, text: str | None) -> str:
        """``[[<pages folder>/path|text]]``: a path from the vault root, where wikilinks are looked up
        first, so it leads to the page whatever else the vault holds ("" if it cannot be written)."""
        full = target[:-3] if target.endswith(".md") else target  # other files keep their extension
        if _WIKI_TARGET_BAD.search(full) or (text is not None and _WIKI_ALIAS_BAD.search(text)):
            return ""
        alias = text.strip() if text is not None else ""
        return f"[[{full}|{alias}]]" if alias and alias != full else f"[[{full}]]"

    def markdown(self, target: str, from_path: str, text: str | None) -> str:
        # Relative to the page, always with "./" or "../" (link_to adds "./" when the resolver, kept
        # empty here, finds nothing at the bare path): it reads the same whatever else is in the vault.
        return link_to(target, _NOTHING, style="markdown", from_path=from_path, text=text)
