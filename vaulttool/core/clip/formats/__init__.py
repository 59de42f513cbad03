"""Clip formats, recognised by content (never by file name).

Each format module has ``detect(text, split) -> bool`` and ``extract(text, split) -> Clip``. They are
tried in the order of :data:`FORMATS`; the first that recognises the note wins. A note that no format
recognises is the user's own note.
"""

from __future__ import annotations

from vaulttool.core.clip.formats.base import AUTO_TAGS, Clip
from vaulttool.core.frontmatter import Split

__all__ = ["AUTO_TAGS", "Clip", "detect", "extract", "is_normalised"]


def _registry():
    from vaulttool.core.clip.formats import aiinfo, cubox, markdownload, simpread, webclipper

    return [
        ("ai-info", aiinfo),
        ("cubox", cubox),
        ("simpread", simpread),
        ("markdownload", markdownload),
        ("web-clipper", webclipper),
    ]


def is_normalised(split: Split) -> bool:
    return split.status == "ok" and AUTO_TAGS in split.data


def detect(text: str, split: Split) -> str | None:
    """The name of the raw clip format of ``text``, or None (a user note or a normalised clip)."""
    if is_normalised(split) or (split.status == "ok" and "generated_by" in split.data):
        return None
    for name, module in _registry():
        if module.detect(text, split):
            return name
    return None


def extract(name: str, text: str, split: Split) -> Clip:
    for fmt, module in _registry():
        if fmt == name:
            return module.extract(text, split)
    raise KeyError(name)
