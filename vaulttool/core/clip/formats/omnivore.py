"""Omnivore's Obsidian plugin: front matter with ``id`` (the plugin finds the notes it synced by it)
and the fields its settings list (``title``, ``author``, ``tags``, ``date_saved``, ``date_published``,
``omnivore_url``, ``site_name``, ``original_url``, ``description``...; a user's own template may map
them to other names, such as ``source: 微信公众号`` for the site); body ``# Title``, ``#Omnivore``,
``[Read on Omnivore](...)``, ``[Read Original](...)`` and ``## Highlights`` (``> text [⤴️](...)``
with notes below).

The front matter is edited in place (only missing keys are added); the body is kept as it was.
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import Clip
from vaulttool.core.clip.formats.webclipper import _tags
from vaulttool.core.frontmatter import Split

_READ_ON = re.compile(r"^\[Read on Omnivore\]\((?P<url>[^)\s]+)\)", re.M)
_ORIGINAL = re.compile(r"^\[Read Original\]\((?P<url>[^)\s]+)\)", re.M)
_H1 = re.compile(r"^# +(?P<title>.+?)[ \t]*$", re.M)
_URL = re.compile(r"(?i)^https?://\S+$")


def detect(text: str, split: Split, in_folder: bool = False) -> bool:
    if split.status != "ok" or "id" not in split.data:
        return False
    if "omnivore_url" in split.data:
        return True
    return bool(_READ_ON.search(text, split.body_start))


def _date(value) -> str | None:
    text = str(value or "").strip()
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?", text)
    if not m:
        return None
    return f"{m.group(1)}T{m.group(2)}" if m.group(2) else m.group(1)


def extract(text: str, split: Split) -> Clip:
    from vaulttool.core.clip.titles import clean_title, plain_text
    from vaulttool.core.clip.urls import site_name

    data = split.data
    body = text[split.body_start:]
    clip = Clip("omnivore", {}, body, edit_in_place=True)
    props = clip.props
    from vaulttool.core.clip.titles import first_h1

    if "title" not in data and (h1 := first_h1(body)):
        props["title"] = clean_title(h1)
    url = next((str(data[k]) for k in ("original_url", "url") if isinstance(data.get(k), str)
                and _URL.match(str(data[k]).strip())), None)
    if url is None and (m := _ORIGINAL.search(body)):
        url = m.group("url")
    source = data.get("source")
    if url and source is None:
        props["source"] = url
    elif url and not (isinstance(source, str) and _URL.match(source.strip())):
        clip.messages.append(f"source is {source!r}, not a URL: the page's URL {url} is in original_url")
        if "original_url" not in data:
            props["original_url"] = url
    created = _date(data.get("date_saved"))
    if created and "created" not in data:
        props["created"] = created
    published = _date(data.get("date_published"))
    if published and "published" not in data:
        props["published"] = published
    site = data.get("site_name") or (site_name(url) if url else None)
    if site and "site" not in data:
        props["site"] = str(site)
    if isinstance(data.get("description"), str):
        desc = plain_text(data["description"])
        if desc != data["description"]:
            props["description"] = desc
    clip.explicit_tags = _tags(data.get("tags"))
    return clip
