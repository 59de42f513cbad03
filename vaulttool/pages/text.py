"""Text that goes into generated pages: escaping, YAML strings, and the ownership marker."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

__all__ = ["MARKER_KEY", "MARKER_VALUE", "PAGE_KEY", "escape", "yaml_str", "has_marker"]

MARKER_KEY = "generated_by"
MARKER_VALUE = "vaulttool"
PAGE_KEY = "generated_page"


# ------------------------------------------------------------------------------------- escaping

# Everything that could start markup in Obsidian or on GitHub: emphasis, code, links, wikilinks,
# embeds, HTML and entities, tags, tables, highlights, strike-through, math, comments, block ids.
_SPECIAL = re.compile(r"[\\`*_\[\]<>#|&~=$%^!{}]")
# Line breaks, other control characters and invisible direction marks become spaces.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_START = re.compile(r"^(?:([-+])|(\d+)([.)]))(?=\s|$)")


def _one_line(text: str) -> str:
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub(" ", text)
    return " ".join(text.split())


def _backslash(m: re.Match) -> str:
    return "\\" + m.group()


def escape(text: str, limit: int | None = None) -> str:
    """``text`` on one line, shortened to ``limit`` characters, with every Markdown, Obsidian and
    HTML special character backslash-escaped, so that it renders as the text it is."""
    return _escape_short(text, limit) if len(text) <= 80 else _escape(text, limit)


# Tags, sites and dates are seen again and again: the recent ones are kept (not every title and line
# of a large vault, which a page build escapes once or twice each).
@lru_cache(maxsize=8192)
def _escape_short(text: str, limit: int | None) -> str:
    return _escape(text, limit)


def _escape(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > 4 * limit:
        # only the start is shown: tidy a prefix (long enough unless it is mostly white space)
        head = _one_line(text[: 4 * limit])
        text = head if len(head) > limit else _one_line(text)
    else:
        text = _one_line(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _SPECIAL.sub(_backslash, text)
    if text[:1] in "+-0123456789":
        m = _LINE_START.match(text)
        if m:  # "- x", "+ x", "1. x", "1) x" would start a list wherever this text starts a line
            text = (f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}") + text[m.end():]
    return text


def yaml_str(s: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes, plus any invisible or line-breaking character)."""
    if s.isprintable():  # no control, format, separator or private character but the space
        return json.dumps(s, ensure_ascii=False)
    out = []
    for c in json.dumps(s, ensure_ascii=False):
        if c != " " and unicodedata.category(c)[0] in "CZ":
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return "".join(out)


def has_marker(data: bytes) -> bool:
    """Whether a page's bytes carry the ownership marker in their front matter."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.startswith(b"---"):
        return False
    head = data[:4096].decode("utf-8", "replace").replace("\r\n", "\n")
    lines = head.split("\n")
    if lines[0].strip() != "---":
        return False
    for line in lines[1:]:
        if line.strip() in ("---", "..."):
            return False
        key, sep, value = line.partition(":")
        if sep and key.strip() == MARKER_KEY:
            return value.strip().strip("'\"") == MARKER_VALUE
    return False
