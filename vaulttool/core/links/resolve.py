"""Where a link leads, by Obsidian's rules, and how to write a link that leads to a given note.

:class:`Resolver` holds every file of the vault (vault-relative, ``/``-separated paths: notes and
attachments) and answers ``resolve(link, source)`` with ``(status, path)``:

- ``"self"``: a same-note link (``[[#Heading]]``, ``[x](#h)``); the path is the source.
- ``"external"``: a Markdown link or image to a URL (any ``scheme:`` or ``//host``); no path.
  Wikilinks are never external.
- ``"ok"``: the path of the one file the link leads to.
- ``"ambiguous"``: several files fit equally well; no path (Obsidian would pick one of them silently).
- ``"unresolved"``: nothing fits.

Order of the rules (names compare case-insensitively, NFC and NFD forms alike, ``.md`` optional for
notes, attachments only with their extension):

1. ``/a/b`` is a path from the vault root, and nothing else.
2. ``./x`` and ``../x`` are relative to the source note's folder, and nothing else; a ``..`` that would
   climb above the vault root leaves the link unresolved.
3. Otherwise, in turn: the target as a path from the vault root; for a Markdown link only, the target
   relative to the source note's folder; then every file whose name matches the target's last segment
   and whose path ends with the target's folders if it names any (``[[sub/Note]]`` finds
   ``a/sub/Note.md``): the shortest path (in characters) wins; two equally short are ambiguous.
   Obsidian does not prefer a file beside the source for a bare name: ``[[Ideas]]`` written in
   ``Notes/Projects/`` leads to ``Notes/Ideas.md`` (shorter) rather than ``Notes/Projects/Ideas.md``.

When several files share one path key (``A.md`` and ``a.md`` on a case-sensitive disk), the one spelled
exactly as the link wins, else the shortest, else it is ambiguous.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterable

from vaulttool.core.model import Link

__all__ = ["Resolver", "is_external", "link_to", "lone_wikilink", "name_key"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def is_external(target: str) -> bool:
    """Whether a link target is a URL (``https:``, ``mailto:``, ``obsidian:``, ``//host``...)."""
    return target.startswith("//") or _SCHEME.match(target) is not None


def _fold(s: str) -> str:
    return unicodedata.normalize("NFC", s).casefold()


def _strip_md(s: str) -> str:
    return s[:-3] if s[-3:].lower() == ".md" else s


def name_key(path_or_target: str) -> str:
    """Case-insensitive key of a file name: last segment, ``.md`` removed, NFC, casefolded."""
    return _fold(_strip_md(path_or_target.rsplit("/", 1)[-1]))


def _path_key(path: str) -> str:
    return _fold(_strip_md(path))


def _join(folder: str, rel: str) -> str | None:
    """``folder/rel`` normalised; ``None`` when ``..`` climbs above the vault root."""
    parts: list[str] = [p for p in folder.split("/") if p] if folder else []
    for seg in rel.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(seg)
    return "/".join(parts)


class Resolver:
    """Every file of a vault, indexed for link resolution; ``add``/``remove`` keep it current."""

    def __init__(self, paths: Iterable[str] = ()):
        self._paths: set[str] = set()
        self._by_name: dict[str, list[str]] = {}
        self._by_path: dict[str, list[str]] = {}
        for p in paths:
            self.add(p)

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __len__(self) -> int:
        return len(self._paths)

    def add(self, path: str) -> None:
        if path in self._paths:
            return
        self._paths.add(path)
        self._by_name.setdefault(name_key(path), []).append(path)
        self._by_path.setdefault(_path_key(path), []).append(path)

    def remove(self, path: str) -> None:
        if path not in self._paths:
            return
        self._paths.discard(path)
        for table, key in ((self._by_name, name_key(path)), (self._by_path, _path_key(path))):
            bucket = table[key]
            bucket.remove(path)
            if not bucket:
                del table[key]

    def candidates_for_name(self, name_key: str) -> list[str]:
        """Every file whose :func:`name_key` is ``name_key``, sorted."""
        return sorted(self._by_name.get(name_key, ()))

    # ------------------------------------------------------------------------------- resolution

    def resolve(self, link: Link, source: str) -> tuple[str, str | None]:
        wiki = link.kind == "wikilink" or link.raw.startswith(("[[", "![["))
        return self.resolve_target(link.target, source, wikilink=wiki)

    def resolve_target(self, target: str, source: str, *, wikilink: bool = False) -> tuple[str, str | None]:
        """:meth:`resolve` for a bare target as :func:`~vaulttool.core.links.extract.extract` gives it.

        A wikilink is never external (``[[a:b]]`` names a note); a Markdown link with a scheme is.
        """
        if not target:
            return "self", source
        if not wikilink and is_external(target):
            return "external", None
        folder = posixpath.dirname(source)
        if target.startswith("/"):
            return self._at(_join("", target)) or ("unresolved", None)
        if target.startswith(("./", "../")) or target in (".", ".."):
            return self._at(_join(folder, target)) or ("unresolved", None)
        found = self._at(_join("", target))
        if not found and folder and not wikilink:
            found = self._at(_join(folder, target))
        return found or self._by_file_name(target)

    def _at(self, path: str | None) -> tuple[str, str | None] | None:
        if not path:
            return None
        cands = self._by_path.get(_path_key(path))
        if not cands:
            return None
        if len(cands) == 1:
            return "ok", cands[0]
        wanted = {unicodedata.normalize("NFC", path), unicodedata.normalize("NFC", path + ".md")}
        exact = [c for c in cands if unicodedata.normalize("NFC", c) in wanted]
        if len(exact) == 1:
            return "ok", exact[0]
        return _shortest(exact or cands)

    def _by_file_name(self, target: str) -> tuple[str, str | None]:
        cands = self._by_name.get(name_key(target))
        if not cands:
            return "unresolved", None
        folder_part = posixpath.dirname(target.strip("/"))
        folders = _join("", folder_part)
        if folders is None:
            return "unresolved", None
        if folders:
            tail = "/" + _path_key(folders + "/" + target.rsplit("/", 1)[-1])
            cands = [c for c in cands if ("/" + _path_key(c)).endswith(tail)]
            if not cands:
                return "unresolved", None
        return _shortest(cands)


def _shortest(cands: list[str]) -> tuple[str, str | None]:
    if len(cands) == 1:
        return "ok", cands[0]
    lengths = sorted((len(unicodedata.normalize("NFC", c)), c) for c in cands)
    if lengths[0][0] == lengths[1][0]:
        return "ambiguous", None
    return "ok", lengths[0][1]


# ----------------------------------------------------------------------------- writing links

# A wikilink target cannot hold these (they split target, heading, alias or end the link; Obsidian's
# help also warns about ":").
_WIKI_TARGET_BAD = re.compile(r"[#|^:\[\]\n\r\\]|%%|^\s|\s$")
# A wikilink alias holding these would end the link early, split it, or read as markup or HTML.
_WIKI_ALIAS_BAD = re.compile(r"[\[\]|\n\r\\<>]|%%")
# Markdown characters escaped in link text so that a title renders as the text it is.
_MD_TEXT_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&~=$%^!])")
_LINE_BREAK = re.compile(r"\s*[\r\n]\s*")
_URL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/!$'*+,;=@")


def _encode_path(path: str) -> str:
    out = []
    for ch in path:
        if ch in _URL_SAFE:
            out.append(ch)
        elif ch.isascii() or unicodedata.category(ch)[0] in "ZC":
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
        else:
            out.append(ch)
    return "".join(out)


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:  # (the usual title has neither: no regex to run)
        text = _LINE_BREAK.sub(" ", text)
    return text.strip()


def _escape_text(text: str) -> str:
    return _MD_TEXT_SPECIAL.sub(r"\\\1", text)


def _display_name(path: str) -> str:
    return _strip_md(path.rsplit("/", 1)[-1])


def _markdown_link(path: str, from_path: str, text: str | None, resolver: Resolver) -> str:
    folder = posixpath.dirname(from_path)
    rel = posixpath.relpath(path, folder) if folder else path
    if not rel.startswith("../") and (
        is_external(rel) or resolver.resolve_target(rel, from_path) != ("ok", path)
    ):
        # "./" keeps the path relative: "x.md" would first be looked up at the vault root, and
        # "a:b.md" would read as a URL with the scheme "a:".
        rel = "./" + rel
    label = _escape_text(text if text is not None else _one_line(_display_name(path))) or _encode_path(rel)
    return f"[{label}]({_encode_path(rel)})"


def link_to(
    path: str,
    resolver: Resolver,
    *,
    style: str = "wikilink",
    from_path: str = "",
    text: str | None = None,
) -> str:
    """The link a page at ``from_path`` should write to reach exactly ``path``.

    ``style="wikilink"``: ``[[name]]`` when the bare name leads there (checked with ``resolver``),
    else ``[[folder/name]]``; ``text`` becomes the alias. When no wikilink can carry the target (a path
    holding ``# | ^ : [ ] \\`` or ``%%``) or the alias (``[ ] | \\ < >``), the Markdown form is written
    instead, so that the link still resolves and the title reads as written.

    ``style="markdown"``: ``[text](relative/path%20encoded.md)`` from the page's folder (``./`` added
    when the bare relative path would be read from the vault root or as a URL), which Obsidian and
    GitHub both follow. The text is backslash-escaped so markup in titles stays text; line breaks in
    ``text`` become spaces in both styles.
    """
    if style not in ("wikilink", "markdown"):
        raise ValueError(f"unknown link style: {style!r}")
    if text is not None:
        text = _one_line(text)
    if style == "wikilink" and (text is None or not _WIKI_ALIAS_BAD.search(text)):
        stem = _display_name(path)
        full = _strip_md(path) if path[-3:].lower() == ".md" else path
        for target in (stem, full):
            if _WIKI_TARGET_BAD.search(target):
                continue
            if resolver.resolve_target(target, from_path, wikilink=True) == ("ok", path):
                return f"[[{target}|{text}]]" if text and text != target else f"[[{target}]]"
    return _markdown_link(path, from_path, text, resolver)


def lone_wikilink(path: str, text: str | None = None) -> str | None:
    """What ``link_to(path, Resolver([path]), text=text)`` writes if it is a wikilink, else "": the
    link to a note that no other file shares a name with, without building a resolver (a page build
    writes links to tens of thousands of such notes). ``None`` for a path this shortcut leaves to
    :func:`link_to`: not a ``.md`` file, a name ending ``.md.md``, or an empty, ``.`` or ``..`` segment.

    Why it is the same: the path has no segment :func:`_join` would change, so the note is at its own
    path key and is the one candidate for its name key; both the bare name (found by name, or at the
    root) and the path without ``.md`` (found at its path key) then resolve to it, and link_to writes
    the first of them a wikilink can hold."""
    if path[-3:].lower() != ".md" or path[-6:-3].lower() == ".md":
        return None
    full = path[:-3]
    folder, _, stem = full.rpartition("/")
    if stem in ("", ".", ".."):
        return None
    if folder:
        around = f"/{folder}/"
        if "//" in around or "/./" in around or "/../" in around:
            return None
    if text is not None:
        text = _one_line(text)
        if _WIKI_ALIAS_BAD.search(text):
            return ""
    for target in (stem, full):
        if not _WIKI_TARGET_BAD.search(target):
            return f"[[{target}|{text}]]" if text and text != target else f"[[{target}]]"
    return ""
