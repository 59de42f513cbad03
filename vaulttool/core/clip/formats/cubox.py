"""Cubox's Obsidian plugin: front matter ``id``, ``cubox_url``, ``url``, ``tags``; body ``# Title``,
a description, "Read in Cubox" / "Read Original" links and ``## Annotations`` (``>`` highlights).

The front matter is edited in place: ``id`` and every other Cubox key stay exactly as they are, since
Cubox finds the notes it already synced by ``id``.
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import Clip
from vaulttool.core.clip.formats.webclipper import _tags
from vaulttool.core.frontmatter import Split

_H1 = re.compile(r"^# (.(?:[^\n]*[^ \t\n])?)[ \t]*$", re.M)  # (greedy to the last non-blank: linear)
_LINKS_LINE = re.compile(r"^\s*\[(?:Read in Cubox|Read Original|在 Cubox 中阅读|阅读原文)\]\(", re.M)


def _first_h1(markdown: str):
    """The first ``# Title`` line outside fenced code (a ``# comment`` in code is no title)."""
    from vaulttool.core.clip.titles import first_h1

    title = first_h1(markdown)
    if title is None:
        return None
    for m in _H1.finditer(markdown):
        if m.group(1).strip().rstrip("#").strip() == title or m.group(1).strip() == title:
            return m
    return None


def detect(text: str, split: Split, in_folder: bool = False) -> bool:
    return split.status == "ok" and "cubox_url" in split.data and "id" in split.data


def _description(body: str, after: int) -> str:
    """The paragraph after the title (Cubox's ``{{{description}}}``), skipping links, images and rules;
    a paragraph of clip machinery alone (link labels, licence strings) is no description."""
    from vaulttool.core.clip.machinery import for_tagging

    for para in re.split(r"\n\s*\n", body[after:]):
        para = para.strip()
        if not para or para.startswith(("#", ">", "!", "-", "*")) or _LINKS_LINE.match(para) or para == "---":
            continue
        if not re.search(r"\w", for_tagging(para)):
            continue
        return " ".join(line.strip() for line in para.splitlines())
    return ""


def extract(text: str, split: Split) -> Clip:
    from vaulttool.core.clip.mdclean import convert_html_blocks
    from vaulttool.core.clip.urls import site_name

    data = split.data
    body = text[split.body_start :]
    cleaned = convert_html_blocks(body)
    clip = Clip("cubox", {}, cleaned.markdown, edit_in_place=True)
    clip.took(cleaned)
    from vaulttool.core.clip.titles import clean_title, plain_text

    h1 = _first_h1(cleaned.markdown)
    if h1 and "title" not in data:
        clip.props["title"] = clean_title(h1.group(1))
    url = data.get("url")
    if isinstance(url, str) and url and "source" not in data:
        clip.props["source"] = url
    desc = plain_text(_description(cleaned.markdown, h1.end() if h1 else 0))
    if desc and "description" not in data:
        clip.props["description"] = desc
    site = site_name(url) if isinstance(url, str) else None
    if site and "site" not in data:
        clip.props["site"] = site
    clip.explicit_tags = _tags(data.get("tags"))
    return clip
