"""Sync conflict copies, recognised by the names sync tools give them.

- Syncthing: ``note.sync-conflict-20250101-123456-ABCDEF7.md``
- Dropbox: ``note (conflicted copy 2025-01-01).md``, ``note (Jane's conflicted copy 2025-01-01).md``
- Obsidian Sync: ``note (Conflicted copy 202501011230).md`` and ``note (Conflicted copy Laptop 2025…).md``
- iCloud: ``note 2.md`` beside ``note.md`` (only when ``note.md`` exists: ``Chapter 2.md`` alone is a note)

A conflict copy is indexed (so it can be found) but never normalised as a new clip, never listed as a
duplicate of the note it copies, and reported so the user can resolve it.
"""

from __future__ import annotations

import re
from typing import Iterable

__all__ = ["conflict_original", "find_conflicts"]

_SYNCTHING = re.compile(r"^(?P<base>.+)\.sync-conflict-\d{8}-\d{6}(?:-[A-Z0-9]{7})?(?P<ext>\.md)$", re.I)
_DROPBOX_OBSIDIAN = re.compile(r"^(?P<base>.+?) \((?:[^()]*?\s)?conflicted copy\b[^()]*\)(?P<ext>\.md)$", re.I)
_ICLOUD = re.compile(r"^(?P<base>.+) (?P<n>[2-9]|[1-9]\d)(?P<ext>\.md)$")


def conflict_original(rel: str, exists) -> str | None:
    """The note ``rel`` is a sync conflict copy of, or None. ``exists(rel)`` tells whether a note is
    in the vault (used for the iCloud scheme, whose names are also ordinary names)."""
    folder, _, name = rel.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    for pattern in (_SYNCTHING, _DROPBOX_OBSIDIAN):
        m = pattern.match(name)
        if m:
            return prefix + m.group("base") + m.group("ext")
    m = _ICLOUD.match(name)
    if m:
        original = prefix + m.group("base") + m.group("ext")
        if exists(original):
            return original
    return None


def find_conflicts(paths: Iterable[str]) -> list[tuple[str, str]]:
    """(copy, original) for every conflict copy among ``paths``, sorted."""
    paths = set(paths)
    lower = {p.lower() for p in paths}
    out = []
    for rel in paths:
        original = conflict_original(rel, lambda p: p.lower() in lower)
        if original is not None:
            out.append((rel, original))
    return sorted(out)
