"""File names from titles are safe for Obsidian links and every file system a vault syncs to."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaulttool.core.filenames import MAX_NAME_BYTES, is_safe_name, numbered, safe_stem


@pytest.mark.parametrize("title, stem", [
    ("#小米史上最强年报#去年是小米集团", "小米史上最强年报 去年是小米集团"),
    ("GAEA: A Geolocation Aware Model", "GAEA A Geolocation Aware Model"),
    ("Measuring_AI_Ability_to_Complete_Long_Tasks", "Measuring AI Ability to Complete Long Tasks"),
    ("a|b [c] ^d", "a b c d"),
    ("../../etc/passwd", "etc passwd"),
    ("...", "Untitled"),
    (".hidden", "hidden"),
    ("title...", "title"),
    ("CON", "CON note"),
    ("", "Untitled"),
])
def test_safe_stem(title, stem):
    assert safe_stem(title) == stem


def test_long_chinese_title_cut_at_120_bytes_with_ellipsis():
    title = "大模型" * 100
    stem = safe_stem(title)
    name = numbered(stem, 99) + ".md"
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert stem.endswith("…")
    assert is_safe_name(stem + ".md")


def test_numbered_is_not_icloud_style():
    assert numbered("Note", 2) == "Note (2)"


@given(st.text(max_size=300))
def test_any_title_gives_a_safe_name(title):
    stem = safe_stem(title)
    assert stem
    assert is_safe_name(numbered(stem, 99) + ".md")
