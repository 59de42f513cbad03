"""Clip formats, recognised by content (never by file name).

Each format module has ``detect(text, split) -> bool`` and ``extract(text, split) -> Clip``. They are
tried in the order of :data:`FORMATS`; the first that recognises the note wins. A note that no format
recognises is the user's own note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vaulttool.core.frontmatter import Split

AUTO_TAGS = "auto_tags"  # the record of derived tags; its presence marks a normalised clip


@dataclass
class Clip:
    """What a format extracted from a raw clip.

    ``props`` are the properties to set, in Web Clipper's order. When ``edit_in_place`` is true the
    note's own front matter is kept and only these keys are set (others untouched, in their order);
    otherwise a fresh block is written from ``props`` followed by ``carry`` (keys of the original block
    that no rule maps, kept as they were).
    """

    format: str
    props: dict
    body: str
    edit_in_place: bool = False
    carry: dict = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    hashtags: list[str] = field(default_factory=list)
    super_topics: list[str] = field(default_factory=list)
    explicit_tags: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def _registry():
    from vaulttool.core.formats import aiinfo, cubox, markdownload, simpread, webclipper

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
