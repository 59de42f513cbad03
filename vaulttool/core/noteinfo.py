"""Read any note's text into a :class:`NoteInfo`: what the index stores about it."""

from __future__ import annotations

import re

from vaulttool.core.clip import formats
from vaulttool.core.clip.formats import AUTO_TAGS
from vaulttool.core.frontmatter import Split, split
from vaulttool.core.model import NoteInfo

__all__ = ["read_note", "prop_list", "stem_of", "GENERATED_BY"]

GENERATED_BY = "generated_by"
# (the title ends at its last character that is not a space, tab or ``#``: found greedily, in linear
# time; a lazy ``(.+?)[ \t#]*$`` backtracked quadratically on a line ending in many spaces)
_H1 = re.compile(r"^# +(.(?:[^\n]*[^ \t#\n])?)[ \t#]*$", re.M)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_URL = re.compile(r"(?i)^https?://\S+$")


def stem_of(path: str) -> str:
    name = path.rpartition("/")[2]
    return name[:-3] if name.lower().endswith(".md") else name


def prop_list(value) -> list[str]:
    """A list property as strings; a string is split on commas and white space (as Obsidian
    users sometimes write ``tags: a, b``)."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    if isinstance(value, str):
        return [t for t in re.split(r"[\s,]+", value) if t]
    return []


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def read_note(path: str, text: str, parsed: Split | None = None, body_links: tuple | None = None,
              clip_folders=None) -> NoteInfo:
    """Everything the index keeps about a note, from its decoded text. ``body_links``: (body, links
    with lines counted from the body's first line, inline tags) read earlier (see
    ``Draft.body_links``), used when the body is that one."""
    from vaulttool.core.links.extract import extract
    from vaulttool.core.tags.rules import clean_tag, tag_key
    from vaulttool.core.clip.urls import site_name, url_key

    sp = parsed or split(text)
    info = NoteInfo(path=path, title=stem_of(path))
    data = sp.data if sp.status == "ok" else {}
    if sp.status not in ("ok", "none"):
        info.error = f"left untouched: {sp.error}"
    body_start = sp.body_start if sp.status == "ok" else 0
    body = text[body_start:]
    info.body = body
    info.props = _json_safe(data)
    if data.get(GENERATED_BY):
        info.kind = "page"
    elif AUTO_TAGS in data:
        info.kind = "clip"
    elif formats.detect(text, sp, path, clip_folders):
        info.kind = "raw-clip"
    title = data.get("title")
    if isinstance(title, str) and title.strip():
        info.title = title.strip()
    else:
        from vaulttool.core.clip.titles import first_h1

        h1 = first_h1(body, _H1)
        if h1:
            from vaulttool.core.clip.titles import clean_title

            info.title = clean_title(h1) or h1
    source = data.get("source") or data.get("url")
    if isinstance(source, str) and not _URL.match(source.strip()) and isinstance(data.get("original_url"), str):
        source = data["original_url"]  # Omnivore: `source` may name the site, the URL is original_url
    if info.kind == "raw-clip" and not source:
        m = re.search(r"^\*\*URL\*\*:\s*(\S+)", body, re.M)
        source = m.group(1) if m else None
    if isinstance(source, str) and source.strip():
        info.source = source.strip()
        # only a URL names a source for duplicates (Omnivore may write `source: 微信公众号`)
        info.url_key = url_key(info.source) if _URL.match(info.source) else None
        info.site = str(data.get("site") or site_name(info.source) or "") or None
    created = data.get("created") or data.get("date")
    if created is not None and _DATE.match(str(created)):
        info.created = str(created)
    desc = data.get("description")
    info.description = desc.strip() if isinstance(desc, str) else ""
    first_line = text.count("\n", 0, body_start) + 1
    if body_links is not None and body_links[0] == body:
        from dataclasses import replace

        shift = first_line - 1
        links, inline_tags = [replace(ln, line=ln.line + shift) for ln in body_links[1]], list(body_links[2])
    else:
        links, inline_tags = extract(body, first_line)
    info.links = links
    seen: set[str] = set()
    for raw in [*prop_list(data.get("tags")), *inline_tags]:
        tag = clean_tag(raw)
        if tag and tag_key(tag) not in seen:
            seen.add(tag_key(tag))
            info.tags.append(tag)
    return info
