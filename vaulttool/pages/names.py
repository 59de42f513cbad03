"""Where generated pages live: the page path of a month, a tag or a note (see ``vaulttool.pages.render``).

Each segment of a page path is kept as it is when it already follows the file-name rules of
:func:`vaulttool.core.filenames.safe_stem` (for tags, ``_`` is written as a space, as ``safe_stem``
does); otherwise it becomes ``safe_stem(segment) + " ~" + 10 hex digits of its hash``. Tags never hold
spaces or ``~``, so the two forms cannot meet, and the mapping depends on nothing but the tag or path
itself: a page never moves because another tag or note appeared.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from vaulttool.core.filenames import is_safe_name, safe_stem

__all__ = ["Layout", "tag_rel", "note_rel", "UNDATED"]

UNDATED = "undated"


@dataclass
class Layout:
    """Where each page lives inside the pages folder."""

    folder: str = "_index"
    # the keys of the tags that have a page (None: every tag); the others are shown as text
    paged: frozenset[str] | None = None
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

    @property
    def base(self) -> str:
        return f"{self.folder}/Clippings.base"

    def month(self, month: str | None, part: int = 1) -> str:
        """A month's page (``part`` 2 and on: the later pages of a month too long for one)."""
        name = month or UNDATED
        return f"{self.folder}/Index/{name}.md" if part == 1 else f"{self.folder}/Index/{name} part {part}.md"

    def duplicates_month(self, month: str | None, part: int = 1) -> str:
        """The page of the URLs first clipped in ``month`` that were clipped again (portable style)."""
        name = month or UNDATED
        return f"{self.folder}/Duplicates/{name}.md" if part == 1 else f"{self.folder}/Duplicates/{name} part {part}.md"

    def has_page(self, key: str) -> bool:
        return self.paged is None or key in self.paged

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


# Letters, digits and "-" only (what most tags and many note names are): safe_stem keeps such a name
# as it is unless it is long, not NFC, or a Windows device name. Anything else takes the slow path.
_PLAIN = re.compile(r"[^\W_][\w-]*")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                       *(f"lpt{i}" for i in range(1, 10))})


def _plain(name: str) -> bool:
    return (_PLAIN.fullmatch(name) is not None and "_" not in name and len(name.encode("utf-8")) <= 100
            and name.lower() not in _RESERVED and unicodedata.is_normalized("NFC", name))


def _kept(name: str) -> bool:
    """Whether ``name`` (a file name without ``.md``) is one ``safe_stem`` would leave as it is."""
    return _plain(name) or (bool(name) and safe_stem(name) == name and is_safe_name(name + ".md"))


@lru_cache(maxsize=65536)
def _tag_segment(segment: str) -> str:
    name = segment.replace("_", " ")  # as safe_stem writes "_"; a tag holds no space, so no clash
    if "  " not in name and _kept(name):
        return name
    return _fallback(segment)


@lru_cache(maxsize=65536)
def tag_rel(key: str) -> str:
    """The path of a tag's page below ``tags/``, without ``.md``."""
    return "/".join(_tag_segment(s) for s in key.split("/"))


@lru_cache(maxsize=8192)  # folders recur; a note's name is looked up a few times in a row, not all of them at once
def _note_segment(segment: str, last: bool) -> str:
    name = segment
    if last and name[-3:].lower() == ".md":
        name = name[:-3]
    if _kept(name):
        return name
    return _fallback(segment)


def note_rel(note_path: str) -> str:
    """The path of a note's backlinks page below ``backlinks/``, with ``.md``."""
    parts = note_path.split("/")
    return "/".join(_note_segment(p, i == len(parts) - 1) for i, p in enumerate(parts)) + ".md"
