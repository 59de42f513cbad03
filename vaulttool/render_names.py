"""Where generated pages live: the page path of a month, a tag or a note (see ``vaulttool.render``).

Each segment of a page path is kept as it is when it already follows the file-name rules of
:func:`vaulttool.core.filenames.safe_stem` (for tags, ``_`` is written as a space, as ``safe_stem``
does); otherwise it becomes ``safe_stem(segment) + " ~" + 10 hex digits of its hash``. Tags never hold
spaces or ``~``, so the two forms cannot meet, and the mapping depends on nothing but the tag or path
itself: a page never moves because another tag or note appeared.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from vaulttool.core.filenames import is_safe_name, safe_stem

__all__ = ["Layout", "tag_rel", "note_rel", "UNDATED"]

UNDATED = "undated"


@dataclass
class Layout:
    """Where each page lives inside the pages folder."""

    folder: str = "_index"
    _tag_paths: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def index(self) -> str:
        return f"{self.folder}/Index.md"

    @property
    def tags(self) -> str:
        return f"{self.folder}/Tags.md"

    @property
    def backlinks(self) -> str:
        return f"{self.folder}/Backlinks.md"

    @property
    def duplicates(self) -> str:
        return f"{self.folder}/Duplicates.md"

    @property
    def top(self) -> tuple[str, str, str, str]:
        return (self.index, self.tags, self.backlinks, self.duplicates)

    def month(self, month: str | None) -> str:
        return f"{self.folder}/Index/{month or UNDATED}.md"

    def tag(self, key: str) -> str:
        path = self._tag_paths.get(key)
        if path is None:
            path = self._tag_paths[key] = f"{self.folder}/tags/{tag_rel(key)}.md"
        return path

    def note_backlinks(self, note_path: str) -> str:
        return f"{self.folder}/backlinks/{note_rel(note_path)}"




# ----------------------------------------------------------------------------------- page names


def _hash10(s: str) -> str:
    return hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()


def _fallback(segment: str) -> str:
    return f"{safe_stem(segment, max_bytes=80)} ~{_hash10(segment)}"


_PLAIN_ASCII = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


@lru_cache(maxsize=65536)
def _tag_segment(segment: str) -> str:
    if _PLAIN_ASCII.fullmatch(segment) and segment not in _RESERVED_CHECKED:
        return segment
    name = segment.replace("_", " ")
    if name and "  " not in name and safe_stem(name) == name and is_safe_name(name + ".md"):
        return name
    return _fallback(segment)


# safe_stem renames these (Windows device names); checked through the slow path
_RESERVED_CHECKED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                               *(f"lpt{i}" for i in range(1, 10))})


@lru_cache(maxsize=65536)
def tag_rel(key: str) -> str:
    """The path of a tag's page below ``tags/``, without ``.md``."""
    return "/".join(_tag_segment(s) for s in key.split("/"))


@lru_cache(maxsize=65536)
def _note_segment(segment: str, last: bool) -> str:
    name = segment
    if last and name[-3:].lower() == ".md":
        name = name[:-3]
    if name and safe_stem(name) == name and is_safe_name(name + ".md"):
        return name
    return _fallback(segment)


def note_rel(note_path: str) -> str:
    """The path of a note's backlinks page below ``backlinks/``, with ``.md``."""
    parts = note_path.split("/")
    return "/".join(_note_segment(p, i == len(parts) - 1) for i, p in enumerate(parts)) + ".md"
