"""Readwise's Obsidian export (its default templates): ``# Title``, a cover image
``![rw-book-cover](...)``, ``## Metadata`` (a list of ``- Author: [[Name]]``, ``- Full Title: ...``,
``- Category: #articles``, ``- URL: ...``, sometimes ``- Document Tags:``, ``- Summary:``,
``- Published Date:``) and ``## Highlights`` (``- text ([View Highlight](...))``, notes nested as
``- Note: ...``). No front matter by default.

The metadata goes into front matter; the body, highlights and notes included, is kept as it was.
Readwise rewrites its own files when new highlights arrive (appending below the highlights), which a
front matter block above the title does not disturb.
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import Clip
from vaulttool.core.frontmatter import Split

_META = re.compile(r"^##[ \t]+Metadata[ \t]*$", re.M)
_HIGHLIGHTS = re.compile(r"^##[ \t]+(?:New )?[Hh]ighlights(?: added .*)?[ \t]*$", re.M)
_ITEM = re.compile(r"^[-*][ \t]+(?P<key>[A-Z][A-Za-z ]{1,30}?):[ \t]*(?P<value>.*?)[ \t]*$", re.M)
_WIKI = re.compile(r"\[\[([^\]|]+)(?:\|[^\]]*)?\]\]")
_COVER = re.compile(r"!\[rw-book-cover\]\((?P<url>[^)\s]+)\)")
_H1 = re.compile(r"^# +(?P<title>.+?)[ \t]*$", re.M)


def _metadata(text: str) -> dict[str, str] | None:
    m = _META.search(text)
    if not m:
        return None
    end = _HIGHLIGHTS.search(text, m.end())
    nxt = re.compile(r"^#{1,2} ", re.M).search(text, m.end())
    stop = min(x.start() for x in (end, nxt) if x) if (end or nxt) else len(text)
    return {i.group("key"): i.group("value") for i in _ITEM.finditer(text, m.end(), stop)}


def detect(text: str, split: Split, in_folder: bool = False) -> bool:
    if split.status not in ("none", "ok"):
        return False
    body = (text[split.body_start:] if split.status == "ok" else text).replace("\r\n", "\n")
    meta = _metadata(body)
    return bool(meta) and "Full Title" in meta and "Category" in meta and bool(_HIGHLIGHTS.search(body))


def _names(value: str) -> list[str]:
    found = _WIKI.findall(value)
    if found:
        return [f.strip() for f in found if f.strip()]
    return [v.strip() for v in re.split(r"\s+and\s+|,", value) if v.strip()]


def extract(text: str, split: Split) -> Clip:
    from vaulttool.core.clip.titles import clean_title, plain_text
    from vaulttool.core.clip.urls import site_name

    body = text[split.body_start:] if split.status == "ok" else text.replace("\r\n", "\n")
    data = split.data if split.status == "ok" else {}
    meta = _metadata(body.replace("\r\n", "\n")) or {}
    clip = Clip("readwise", {}, body, edit_in_place=split.status == "ok")
    props = clip.props
    from vaulttool.core.clip.titles import first_h1

    title = meta.get("Full Title") or first_h1(body) or ""
    if title and "title" not in data:
        props["title"] = clean_title(title)
    url = plain_text(meta.get("URL", "")).strip()
    if url and "source" not in data:
        props["source"] = url
    if meta.get("Author") and "author" not in data:
        props["author"] = _names(meta["Author"])
    published = meta.get("Published Date", "").strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", published) and "published" not in data:
        props["published"] = published[:10]
    summary = plain_text(meta.get("Summary", ""))
    if summary and "description" not in data:
        props["description"] = summary
    site = site_name(url) if url else None
    if site and "site" not in data:
        props["site"] = site
    cover = _COVER.search(body)
    if cover and "image" not in data:
        props["image"] = cover.group("url")
    tags = _names(meta.get("Document Tags", "")) if meta.get("Document Tags") else []
    category = meta.get("Category", "").strip().lstrip("#").strip()
    clip.explicit_tags = [t.lstrip("#") for t in tags]
    if category:
        clip.carry["category"] = category
    return clip
