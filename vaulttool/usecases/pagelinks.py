"""The links written in generated pages: to notes as Obsidian resolves them, to pages by paths no
other file can change (see :class:`PageLinks`)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from vaulttool.core.links import Resolver, link_to
from vaulttool.usecases.pagequery import chunks, marks, nk

if TYPE_CHECKING:
    from vaulttool.usecases.pages import _Build

__all__ = ["PageLinks"]

# What a wikilink target or alias cannot hold (as vaulttool.core.resolve.link_to has it).
_WIKI_TARGET_BAD = re.compile(r"[#|^:\[\]\n\r\\]|%%|^\s|\s$")
_NOTHING = Resolver()
_WIKI_ALIAS_BAD = re.compile(r"[\[\]|\n\r\\<>]|%%")


class PageLinks:
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
            self.load({nk(p) for p in paths} - self.loaded)

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

    def ensure(self, target: str) -> None:
        if not self.everything:
            k = nk(target)
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
