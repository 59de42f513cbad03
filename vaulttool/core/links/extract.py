"""Links and inline tags of a note's Markdown body, found the way Obsidian reads them.

The text is parsed with markdown-it-py (CommonMark + GFM tables, inline HTML on), so code spans, fenced
and indented code blocks, HTML blocks and inline HTML tags, link destinations and autolinks are never
searched for links or tags. Two inline rules are added: ``[[...]]``/``![[...]]`` wikilinks and ``#tag``.

Forms found (see :class:`vaulttool.core.model.Link`): ``[[Note]]``, ``[[Note|alias]]``,
``[[Note#Heading]]``, ``[[Note#^block]]``, ``[[#Heading]]`` (target ``""``), ``![[file]]``,
``![[img.png|100]]``, ``[text](My%20note.md)`` and ``[text](<My note.md>)`` (URL-decoded, relative paths as
written), reference links ``[text][ref]``, ``![alt](img.png)`` (kind ``"embed"``), autolinks and external
``http(s)://``/``mailto:`` links (the URL, undecoded, as target). ``\\|`` inside a wikilink separates the
alias (the form Obsidian writes in tables): ``[[Note\\|x]]`` is target ``Note``, alias ``x``.

Inline tags, as Obsidian's documented rule has them:

- ``#`` starts a tag at the start of a line or after whitespace, or right after a tag (``#a#b`` gives
  ``a`` and ``b``, as Obsidian does); ``x#a``, ``[#a](url)``, ``<b>#a`` (right after an HTML tag) are
  not tags; ``> #a`` in a block quote and ``| #a |`` in a table cell are.
- The tag runs over letters of any script, combining marks, digits, ``_``, ``-``, ``/`` and emoji
  (Unicode "other symbol"); any other character ends it, CJK punctuation such as ``，`` included.
- It needs at least one character that is not a digit: ``#1984`` is not a tag, ``#y1984`` is.
- ``\\#话题#`` is not a tag (the backslash escape). An unescaped Weibo-style ``#话题#`` gives the tag
  ``话题``: the second ``#`` ends it, and starts a tag only if a tag character follows (``#话题#正文``
  gives ``话题`` and ``正文`` by the rule above; escape such topics to keep them out of the tags).
- Tags inside link text are not taken. Tags are returned as written (without ``#``), in order, each
  spelling once (``#AI`` and ``#ai`` both; the caller folds them by key).

``Link.raw`` is the link's source text, except in a table cell, where the table has already turned
``\\|`` into ``|``.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from vaulttool.core.model import Link
from vaulttool.core.links.resolve import Resolver, is_external, link_to, name_key

__all__ = ["Link", "Resolver", "extract", "is_external", "link_to", "name_key", "parse_tag_at"]

# ------------------------------------------------------------------------------------------- tags

# A candidate run: no whitespace, no ASCII punctuation except - _ /; checked character by character.
_TAG_RUN = re.compile(r"[^\s!-,.:-@\[-^`{-~]+")
_TAG_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "So", "Sk"})
_tag_char_cache: dict[str, bool] = {}


def _is_tag_char(ch: str) -> bool:
    ok = _tag_char_cache.get(ch)
    if ok is None:
        ok = ch in "-_/" or unicodedata.category(ch) in _TAG_CATEGORIES
        _tag_char_cache[ch] = ok
    return ok


def parse_tag_at(text: str, pos: int) -> str | None:
    """The tag whose ``#`` is at ``text[pos]`` (no check of what precedes it), or ``None``."""
    m = _TAG_RUN.match(text, pos + 1)
    if not m:
        return None
    run = m.group()
    if not run.isascii():
        for i, ch in enumerate(run):
            if not _is_tag_char(ch):
                run = run[:i]
                break
    if not run or run.isdecimal():
        return None
    return run


def _line_of(state, pos: int) -> int:
    """0-based line of ``pos`` inside the inline source (cached walk, so k links cost O(n))."""
    last_pos, last_line = getattr(state, "_vt_line_at", (0, 0))
    if pos < last_pos:
        last_pos, last_line = 0, 0
    line = last_line + state.src.count("\n", last_pos, pos)
    state._vt_line_at = (pos, line)
    return line


def _tag_rule(state, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "#" or state.linkLevel > 0:
        return False
    if pos > 0 and not src[pos - 1].isspace() and getattr(state, "_vt_tag_end", -1) != pos:
        return False
    tag = parse_tag_at(src, pos)
    if tag is None:
        return False
    end = pos + 1 + len(tag)
    if not silent:
        tok = state.push("vt_tag", "", 0)
        tok.content = tag
        tok.meta = {"line": _line_of(state, pos)}
        state._vt_tag_end = end
    state.pos = end
    return True


# -------------------------------------------------------------------------------------- wikilinks


def _split_wikilink(inner: str) -> tuple[str, str, str] | None:
    inner = inner.replace("\\|", "|")
    target, _, alias = inner.partition("|")
    target, _, fragment = target.partition("#")
    target, fragment, alias = target.strip(), fragment.strip(), alias.strip()
    if not target and not fragment:
        return None
    return target, fragment, alias


def _wikilink_rule(state, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src.startswith("[[", pos):
        start, embed = pos + 2, False
    elif src.startswith("![[", pos):
        start, embed = pos + 3, True
    else:
        return False
    end = src.find("]]", start, state.posMax)
    if end < 0:
        return False
    inner = src[start:end]
    if "\n" in inner or "[[" in inner:
        return False
    parts = _split_wikilink(inner)
    if parts is None:
        return False
    if not silent:
        tok = state.push("vt_wikilink", "", 0)
        tok.content = src[pos : end + 2]
        tok.meta = {"embed": embed, "parts": parts, "line": _line_of(state, pos)}
    state.pos = end + 2
    return True


def _with_position(rule):
    """Wrap a link/image/autolink rule so its token records its line and raw text."""

    def wrapped(state, silent: bool) -> bool:
        start, n = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            for tok in state.tokens[n:]:
                if tok.type == "link_open" or tok.type == "image":
                    tok.meta["vt_line"] = _line_of(state, start)
                    tok.meta["vt_raw"] = state.src[start : state.pos]
                    break
        return True

    return wrapped


def _build():
    # markdown-it is imported here, not with the module: a warm reindex or a query never loads it
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import autolink as _autolink_rule
    from markdown_it.rules_inline import image as _image_rule
    from markdown_it.rules_inline import link as _link_rule

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    # Only what decides where links, code and HTML are: no emphasis, entities, newlines or text joins.
    md.disable(["emphasis", "entity", "newline", "text_join", "balance_pairs", "fragments_join"])
    md.core.ruler.disable("inline")  # run per block below, only where a link or tag can be
    md.inline.ruler.at("link", _with_position(_link_rule))
    md.inline.ruler.at("image", _with_position(_image_rule))
    md.inline.ruler.at("autolink", _with_position(_autolink_rule))
    md.inline.ruler.before("link", "vt_wikilink", _wikilink_rule)
    md.inline.ruler.before("link", "vt_tag", _tag_rule)
    # Keep destinations as written (decoded below); classify schemes ourselves.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_MD = None
# An inline block needs parsing only if it may hold a link (a "[", an autolink "<scheme:" or
# "<user@") or a tag (a "#" and a tag character at the start or after whitespace). Most HTML-heavy
# clip text has none. The test on the whole text also lets through a "#" right after the ">" of a
# block quote or the "|" of a table cell, where a block's text starts.
_TAG_START = r"#[^\s!-,.:-@\[-^`{-~]"
_LINK_START = r"\[|<[A-Za-z][A-Za-z0-9+.\-]{1,31}:|<[^\s<>@]+@"
_MAY_HOLD = re.compile(rf"{_LINK_START}|(?<!\S){_TAG_START}")
_TEXT_MAY_HOLD = re.compile(
    rf"{_LINK_START}|(?<!\S){_TAG_START}|(?m:^[ \t]*(?:>[ \t]*)+{_TAG_START})|\|{_TAG_START}"
)


def _split_href(href: str) -> tuple[str, str]:
    """(target, fragment) of a Markdown link destination; external URLs are kept whole."""
    if is_external(href):
        return href, ""
    path, _, fragment = href.partition("#")
    return unquote(path).strip(), unquote(fragment).strip()


_LINE_BREAK = re.compile(r"\s*\n\s*")


def _alias(children, i: int) -> tuple[str, int]:
    """Text of a link whose link_open is children[i]; returns it and the index of its link_close."""
    parts = []
    j = i + 1
    while j < len(children) and children[j].type != "link_close":
        t = children[j]
        if t.type in ("text", "text_special", "code_inline"):
            parts.append(t.content)
        elif t.type == "vt_wikilink":
            target, fragment, alias = t.meta["parts"]
            parts.append(alias or target)
        elif t.type == "vt_tag":
            parts.append("#" + t.content)
        j += 1
    return _LINE_BREAK.sub(" ", "".join(parts)).strip(), j


def extract(markdown: str, first_line: int = 1) -> tuple[list[Link], list[str]]:
    """Links (in order) and inline tags (as written, first spelling once each) of a Markdown body.

    ``first_line`` is the file line of the body's first line, so that ``Link.line`` is a file line.
    """
    if "[" not in markdown and "#" not in markdown and "<" not in markdown:
        return [], []  # the cheap test first; the next one also passes most headings and HTML
    if not _TEXT_MAY_HOLD.search(markdown):
        return [], []
    return _extract(markdown, first_line, _MAY_HOLD)


_ANY = re.compile("")  # lets every block through: the tests compare it with the pre-filters


def _extract(markdown: str, first_line: int, may_hold: re.Pattern[str]) -> tuple[list[Link], list[str]]:
    env: dict = {}
    global _MD
    if _MD is None:
        _MD = _build()
    blocks = _MD.parse(markdown, env)
    links: list[Link] = []
    tags: list[str] = []
    seen_tags: set[str] = set()
    inline = _MD.inline
    for block in blocks:
        if block.type != "inline" or not may_hold.search(block.content):
            continue
        children: list = []
        inline.parse(block.content, _MD, env, children)
        base = first_line + (block.map[0] if block.map else 0)
        i = 0
        while i < len(children):
            tok = children[i]
            kind = tok.type
            if kind == "vt_wikilink":
                target, fragment, alias = tok.meta["parts"]
                links.append(
                    Link(
                        "embed" if tok.meta["embed"] else "wikilink",
                        target,
                        fragment,
                        alias,
                        base + tok.meta["line"],
                        tok.content,
                    )
                )
            elif kind == "vt_tag":
                if tok.content not in seen_tags:
                    seen_tags.add(tok.content)
                    tags.append(tok.content)
            elif kind == "link_open":
                target, fragment = _split_href(tok.attrs.get("href", "") or "")
                text, close = _alias(children, i)
                if target or fragment:
                    line = base + tok.meta.get("vt_line", 0)
                    links.append(Link("markdown", target, fragment, text, line, tok.meta.get("vt_raw", "")))
                i = close
            elif kind == "image":
                target, fragment = _split_href(tok.attrs.get("src", "") or "")
                if target or fragment:
                    line = base + tok.meta.get("vt_line", 0)
                    raw = tok.meta.get("vt_raw", "")
                    links.append(Link("embed", target, fragment, tok.content, line, raw))
            i += 1
    return links, tags
