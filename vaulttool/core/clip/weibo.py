"""Recognisers for the shapes of Weibo's post HTML (pure; used by ``html``).

* hashtag anchors: ``<a href="https://m.weibo.cn/search?containerid=231522...">``
  whose text is ``#话题#`` (the link is only Weibo's search for that text);
* super topic anchors: ``<a href="https://m.weibo.cn/p/index?...containerid=100808...">``
  holding an icon and the topic name;
* decorative icons: ``<span class="url-icon"><img style="width: 1rem..."></span>``;
  emoticons are icons too but carry ``alt="[good]"``, which is kept as text.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bs4 import Tag

__all__ = [
    "HASHTAG_CONTAINER", "SUPER_TOPIC_CONTAINER", "is_hashtag_search", "hashtag_name",
    "is_super_topic", "is_icon_image",
]

HASHTAG_CONTAINER = "231522"
SUPER_TOPIC_CONTAINER = "100808"

_WEIBO_HOSTS = {"m.weibo.cn", "weibo.cn", "weibo.com", "www.weibo.com", "s.weibo.com",
                "m.weibo.com", "www.weibo.cn"}
_HASHTAG_TEXT = re.compile(r"^\s*#([^#\n]+)#\s*$")
_ICON_SIZE = re.compile(r"width\s*:\s*(\d*\.?\d+)\s*(rem|em)\b", re.I)


def _parts(href: str):
    try:
        parts = urlsplit(href or "")
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in _WEIBO_HOSTS:
        return None
    return parts


def hashtag_name(text: str) -> str | None:
    """``#话题#`` → ``话题`` (inner spaces kept, outer ones dropped); None otherwise."""
    m = _HASHTAG_TEXT.match(text or "")
    if not m:
        return None
    name = m.group(1).strip()
    return name or None


def is_hashtag_search(href: str) -> bool:
    """True for Weibo's hashtag search links (``containerid=231522...`` on m.weibo.cn,
    ``s.weibo.com/weibo?q=%23...%23`` on the desktop site)."""
    parts = _parts(href)
    if parts is None:
        return False
    query = parse_qs(parts.query)
    if parts.path.rstrip("/") == "/search":
        return any(v.startswith(HASHTAG_CONTAINER) for v in query.get("containerid", []))
    if (parts.hostname or "").lower() == "s.weibo.com":
        return any(v.startswith("#") and v.endswith("#") for v in query.get("q", []))
    return False


def is_super_topic(href: str) -> bool:
    """True for super topic pages (``containerid=100808...`` or ``/p/100808...``)."""
    parts = _parts(href)
    if parts is None or not parts.path.startswith("/p/"):
        return False
    if parts.path.startswith("/p/" + SUPER_TOPIC_CONTAINER):
        return True
    query = parse_qs(parts.query)
    return any(v.startswith(SUPER_TOPIC_CONTAINER) for v in query.get("containerid", []))


def is_icon_image(img: Tag) -> bool:
    """A decorative or emoticon icon: inside ``span.url-icon``, or sized in (r)em no
    larger than 2 (Weibo writes ``width: 1rem`` for card icons, ``1em`` for emoticons)."""
    parent = img.parent
    if isinstance(parent, Tag) and parent.name == "span" and "url-icon" in (parent.get("class") or []):
        return True
    m = _ICON_SIZE.search(img.get("style") or "")
    return bool(m) and float(m.group(1)) <= 2.0
