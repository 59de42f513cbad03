"""A clip's machinery: what a clipper or a page put in for its own use, not the article's words.

URL-encoded placeholders (``data:image/svg+xml,%3Csvg%20fill...``), plugin link labels (Cubox's
``Link``, Omnivore's ``⤴️``, Readwise's ``View Highlight``, templates' ``Article-URL``), template field
names (``imageUrl``) and licence strings (``CC BY-SA 4.0``) are taken out of the text the tagger
analyses, so they never become tags. The note itself keeps them: only the analysed text changes.
"""

from __future__ import annotations

import re

__all__ = ["PLUGIN_LABELS", "for_tagging", "MACHINERY_VERSION", "tagging_text"]

MACHINERY_VERSION = 1  # part of the analysis cache's key: a change here analyses the notes again

PLUGIN_LABELS = frozenset(s.casefold() for s in (
    "Link", "Link\ufe0f", "Read in Cubox", "Read Original", "在 Cubox 中阅读", "阅读原文", "Article-URL",
    "Article URL", "View Highlight", "View highlight", "⤴️", "⤴", "Read on Omnivore", "Omnivore", "imageUrl",
    "Source", "Original", "原文链接", "网页链接", "Open in Readwise", "Location", "Permalink",
))

_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\((?:<[^>\n]*>|[^)\s]*(?:\([^)\s]*\)[^)\s]*)*)(?:\s+\"[^\"\n]*\")?\)")
_DATA_URI = re.compile(r"\bdata:[\w.+-]+/[\w.+-]+[;,][^\s)\"'>]*", re.I)
_ENCODED = re.compile(r"\S*(?:%[0-9A-Fa-f]{2})\S*")
_LICENCE = re.compile(r"\b(?:CC[ -]?)?BY(?:-NC)?(?:-SA|-ND)\b(?:[ -]?\d\.\d)?|\bCC[ -]?(?:BY|0)\b(?:[ -]?\d\.\d)?")
_LABEL_WORD = re.compile(r"(?i)(?<![\w-])(?:Article-URL|imageUrl|image_url|View Highlight|Read in Cubox|Read Original)(?![\w-])")
_FIELD_LINE = re.compile(r"(?im)^[ \t>*-]*(?:imageUrl|image_url|coverImage|cover_image|thumbnail|favicon)[ \t]*[:：].*$")


def _link(m: re.Match) -> str:
    if m.group(1):
        return " "  # an image: its alt text is no article word either
    label = m.group(2).strip()
    return " " if label.casefold() in PLUGIN_LABELS else f" {label} "


def for_tagging(text: str) -> str:
    """``text`` without clip machinery, for the tagger (links keep their label unless it is a
    plugin's own)."""
    if not text:
        return text
    if "[" in text:
        text = _LINK.sub(_link, text)
    if "data:" in text:
        text = _DATA_URI.sub(" ", text)
    if "%" in text:
        text = _ENCODED.sub(" ", text)
    if "BY" in text or "CC" in text:
        text = _LICENCE.sub(" ", text)
    if ":" in text or "：" in text:
        text = _FIELD_LINE.sub(" ", text)
    return _LABEL_WORD.sub(" ", text)


def tagging_text(title: str, description: str, body: str) -> tuple[str, str, str]:
    """A note's (title, description, body) as the tagger reads them."""
    return title, for_tagging(description), for_tagging(body)
