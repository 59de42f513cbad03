"""Sync conflict copies are recognised by each sync tool's naming scheme, and only those."""

import pytest

from vaulttool.core.conflicts import conflict_original, find_conflicts


@pytest.mark.parametrize("copy, original", [
    ("a/note.sync-conflict-20250101-123456-ABCDEF7.md", "a/note.md"),
    ("note.sync-conflict-20250101-123456.md", "note.md"),
    ("note (conflicted copy 2025-01-01).md", "note.md"),
    ("笔记 (Jane's conflicted copy 2025-01-01).md", "笔记.md"),
    ("x/note (Conflicted copy 202501011230).md", "x/note.md"),
    ("note (Conflicted copy Laptop 2025-01-01 1230).md", "note.md"),
    ("note 2.md", "note.md"),
])
def test_conflict_names(copy, original):
    assert conflict_original(copy, lambda p: True) == original


def test_icloud_scheme_needs_the_original_beside_it():
    assert find_conflicts(["Chapter 2.md"]) == []
    assert find_conflicts(["Chapter 2.md", "Chapter.md"]) == [("Chapter 2.md", "Chapter.md")]


@pytest.mark.parametrize("name", ["note.md", "Top 10.md", "note (2).md", "GPT 4.md", "sync-conflict.md",
                                  "a conflicted copy of my thoughts.md"])
def test_ordinary_names_are_not_conflicts(name):
    assert conflict_original(name, lambda p: False) is None
