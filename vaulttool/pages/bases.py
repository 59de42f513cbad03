"""Obsidian Bases that vaulttool writes: ``<pages>/Clippings.base`` (the views a clipper uses) and the
```` ```base ```` block a tag page embeds (the notes with the tag, live).

A base is built as plain data (dicts and lists) and written as YAML by :func:`to_yaml`: every string
double-quoted (JSON's escapes, which YAML reads alike), so that no title, tag or folder name can
change the structure. Only keys, view types and functions of Obsidian's help are used (see
:mod:`vaulttool.pages.basespec`, which the tests check every base against). Views sort on the
``created`` property that vaulttool writes into each clip, never on file times (sync rewrites those).
"""

from __future__ import annotations

import json

from vaulttool.pages.text import MARKER_KEY, MARKER_VALUE

__all__ = ["BASE_MARKER", "clippings_base", "tag_base", "to_yaml", "base_has_marker"]

# A .base file is YAML without front matter: its first line, a YAML comment, marks it as generated.
BASE_MARKER = f"# {MARKER_KEY}: {MARKER_VALUE}"
_NEWEST = [{"property": "created", "direction": "DESC"}]
_COLUMNS = ["file.name", "created", "site", "tags"]


def _str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def to_yaml(value: object, indent: int = 0) -> list[str]:
    """``value`` (dicts, lists, strings, whole numbers) as block YAML lines."""
    pad = "  " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                out += to_yaml(v, indent + 1)
            else:
                out.append(f"{pad}{k}: {_scalar(v)}")
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)) and v:
                inner = to_yaml(v, indent + 1)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out += inner[1:]
            else:
                out.append(f"{pad}- {_scalar(v)}")
    else:
        out.append(pad + _scalar(value))
    return out


def _scalar(v: object) -> str:
    if isinstance(v, bool) or v is None:
        raise TypeError(f"no such scalar in a base: {v!r}")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (dict, list)):
        return "{}" if isinstance(v, dict) else "[]"
    return _str(str(v))


def _clips(pages_folder: str) -> list[str]:
    """The filter every view shares: clips (notes with a ``source``), not the generated pages."""
    return ['file.ext == "md"', f"!file.inFolder({_str(pages_folder)})", 'file.hasProperty("source")']


def clippings_base(pages_folder: str) -> dict:
    """``Clippings.base``: recent clips, covers, by site, by tag, untagged, copies of one URL."""
    return {
        "filters": {"and": _clips(pages_folder)},
        "properties": {"file.name": {"displayName": "Clip"}, "created": {"displayName": "Clipped"},
                       "duplicate_of": {"displayName": "Copy of"}},
        "views": [
            {"type": "table", "name": "Recent clips", "order": _COLUMNS, "sort": _NEWEST, "limit": 500},
            {"type": "cards", "name": "Covers", "filters": {"and": ['file.hasProperty("image")']},
             "order": ["file.name", "created", "site"], "sort": _NEWEST, "image": "note.image", "limit": 200},
            {"type": "table", "name": "By site", "order": _COLUMNS, "sort": _NEWEST,
             "groupBy": {"property": "site", "direction": "ASC"}},
            {"type": "table", "name": "By tag", "filters": {"and": ["!file.tags.isEmpty()"]}, "order": _COLUMNS,
             "sort": _NEWEST, "groupBy": {"property": "tags", "direction": "ASC"}},
            {"type": "table", "name": "Untagged", "filters": {"and": ["file.tags.isEmpty()"]},
             "order": ["file.name", "created", "site"], "sort": _NEWEST},
            {"type": "table", "name": "Copies of one URL", "filters": {"and": ['file.hasProperty("duplicate_of")']},
             "order": ["file.name", "duplicate_of", "created", "source"], "sort": _NEWEST,
             "groupBy": {"property": "source", "direction": "ASC"}},
        ],
    }


def tag_base(pages_folder: str, spelling: str) -> dict:
    """The base a tag page embeds: the clips with the tag (nested tags included), newest first."""
    return {
        "filters": {"and": [*_clips(pages_folder), f"file.hasTag({_str(spelling)})"]},
        "views": [
            {"type": "table", "name": "Clips", "order": _COLUMNS, "sort": _NEWEST},
            {"type": "cards", "name": "Covers", "filters": {"and": ['file.hasProperty("image")']},
             "order": ["file.name", "created"], "sort": _NEWEST, "image": "note.image"},
        ],
    }


def render_base_file(pages_folder: str) -> str:
    """The text of ``Clippings.base``."""
    return "\n".join([BASE_MARKER, *to_yaml(clippings_base(pages_folder))]) + "\n"


def base_has_marker(data: bytes) -> bool:
    """Whether a ``.base`` file's bytes start with the marker vaulttool writes."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace").strip() == BASE_MARKER
