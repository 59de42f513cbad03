"""Snippets: a window of the note's own text around the first match, every match in it marked.

The text is the note's body as the user reads it: Markdown headings (the clip format's ``## 原始摘要``
too), the clip's ``**URL**:`` line, HTML tags, images and link targets are left out, whitespace is
made single, Markdown's backslash escapes are read (``\\#`` is ``#``). Matches are found in the folded text (:func:`vaulttool.core.query.searchtext.fold` keeps
positions), so a traditional spelling in the note is shown as the note has it.
"""

from __future__ import annotations

import re

from vaulttool.core.query.searchtext import fold

__all__ = ["readable", "snippet", "body_of"]

_FRONT_OPEN = re.compile(r"---[ \t]*\r?\n")
_FRONT_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.M)


def body_of(text: str) -> str:
    """The text after the front matter (located as the parser locates it, not parsed: a snippet
    needs no properties); the whole text when there is none or it is never closed."""
    text = text.removeprefix("\ufeff")
    m = _FRONT_OPEN.match(text)
    if not m:
        return text
    close = _FRONT_CLOSE.search(text, m.end())
    return text[close.end():] if close else text

_DROP_LINE = re.compile(r"^[ \t]{0,3}(#{1,6}([ \t].*)?|\*\*URL\*\*:.*|(-{3,}|\*{3,}|_{3,})[ \t]*)$", re.M)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)|!\[\[[^\]\n]*\]\]")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_WIKI = re.compile(r"\[\[(?:[^\]|\n]*\|)?([^\]\n]*)\]\]")
_HTML = re.compile(r"<[^>\n]{0,400}>")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # Markdown's backslash escapes: \# reads #
_SPACE = re.compile(r"\s+")


def readable(body: str) -> str:
    """The body as a reader sees it, on one line."""
    text = _DROP_LINE.sub(" ", body)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _WIKI.sub(r"\1", text)
    text = _HTML.sub(" ", text)
    text = _ESCAPE.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def snippet(body: str, patterns: list[re.Pattern], width: int = 40) -> str:
    """About ``3 * width`` characters of the body around the first match of any of ``patterns``
    (compiled for folded text), matches marked ``**so**``; the opening of the body when nothing
    matches there (the match was in the title or the tags)."""
    text = readable(body)
    if not text:
        return ""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for p in patterns:
        spans.extend(m.span() for m in p.finditer(folded) if m.end() > m.start())
    if not spans:
        cut = text[: width * 3]
        return cut + ("…" if len(text) > len(cut) else "")
    spans.sort()
    first = spans[0][0]
    start = max(0, first - width)
    end = min(len(text), max(first + width * 2, spans[0][1] + width))
    merged: list[list[int]] = []
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], start
    for a, b in merged:
        out.append(text[pos:a])
        out.append(f"**{text[a:b]}**")
        pos = b
    out.append(text[pos:end])
    return ("…" if start else "") + "".join(out).strip() + ("…" if end < len(text) else "")
