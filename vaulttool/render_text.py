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
_ESCAPES = {ord(c): "\\" + c for c in "\\`*_[]<>#|&~=$%^!{}"}
# Line breaks, other control characters and invisible direction marks become spaces.
_ESCAPES.update({c: " " for c in (*range(0x20), *range(0x7f, 0xa0), 0x2028, 0x2029, 0x200e, 0x200f,
                                  *range(0x202a, 0x202f), *range(0x2066, 0x206a))})
_LINE_START = re.compile(r"^(?:([-+])|(\d+)([.)]))(?=\s|$)")


@lru_cache(maxsize=131072)
def escape(text: str, limit: int | None = None) -> str:
    """``text`` on one line, shortened to ``limit`` characters, with every Markdown, Obsidian and
    HTML special character backslash-escaped, so that it renders as the text it is."""
    if limit is not None and len(text) > 4 * limit:
        # only the start is shown: tidy a prefix (long enough unless it is mostly white space)
        head = " ".join(text[: 4 * limit].translate(_SPACE_ONLY).split())
        text = head if len(head) > limit else " ".join(text.translate(_SPACE_ONLY).split())
    else:
        text = " ".join(text.translate(_SPACE_ONLY).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = text.translate(_ESCAPES)
    if text[:1] in "+-0123456789":
        m = _LINE_START.match(text)
        if m:  # "- x", "+ x", "1. x", "1) x" would start a list wherever this text starts a line
            text = (f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}") + text[m.end():]
    return text


_SPACE_ONLY = {k: v for k, v in _ESCAPES.items() if v == " "}


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
