"""Obsidian Web Clipper's default template: front matter ``title``, ``source``, ``author``,
``published``, ``created``, ``description``, ``tags``; the body is the article in Markdown.

Its front matter is kept and edited in place (only added keys change); HTML left in the body becomes
Markdown.
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import Clip
from vaulttool.core.frontmatter import Split

_URL = re.compile(r"^https?://", re.I)


def _tags(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    if isinstance(value, str):  # a space- or comma-separated string, as some templates write it
        return [t for t in re.split(r"[\s,]+", value) if t]
    return []


# The default template writes every one of these keys, in this order, empty ones as `key:`.
TEMPLATE_KEYS = ("title", "source", "author", "published", "created", "description")


def _template_shape(data: dict) -> bool:
    keys = [k for k in data if k in TEMPLATE_KEYS]
    return tuple(keys) == TEMPLATE_KEYS


def detect(text: str, split: Split, in_folder: bool = False) -> bool:
    """Strong evidence only: the template's ``clippings`` tag, its whole key set in its order, or a
    clip folder. A ``source`` URL with ``created`` alone is what users' own notes carry too."""
    if split.status != "ok":
        return False
    data = split.data
    source = data.get("source")
    if not (isinstance(source, str) and _URL.match(source)):
        return False
    tags = [t.lower() for t in _tags(data.get("tags"))]
    return "clippings" in tags or _template_shape(data) or in_folder


def extract(text: str, split: Split) -> Clip:
    from vaulttool.core.clip.mdclean import convert_html_blocks
    from vaulttool.core.clip.urls import site_name

    body = text[split.body_start :]
    cleaned = convert_html_blocks(body)
    clip = Clip("web-clipper", {}, cleaned.markdown, edit_in_place=True)
    clip.took(cleaned)
    site = site_name(split.data["source"])
    if site and "site" not in split.data:
        clip.props["site"] = site
    clip.explicit_tags = _tags(split.data.get("tags"))
    return clip
