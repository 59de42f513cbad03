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


# -- clips: rename only what needs it ---------------------------------------------------------------
from vaulttool.core.filenames import FS_NAME_BYTES, clip_stem, date_in_name, linkable, rename_reason  # noqa: E402


@pytest.mark.parametrize("name", [
    "MiniCPM解析.md", "unique_ptr.md", "把剪藏变成知识：一个 Obsidian 收件箱工作流.md", "Q&A (2025).md",
    ("长" * 80) + ".md",  # 243 bytes of UTF-8: fine on every file system, kept
])
def test_names_users_and_clippers_chose_are_kept(name):
    assert rename_reason(name) is None


@pytest.mark.parametrize("name, why", [
    ("a: b.md", ":"), ('say "hi".md', '"'), ("x?.md", "?"), ("#话题#正文.md", "#"), ("[2501] x.md", "["),
    ("a|b.md", "|"), ("note..md", "dot"), (".hidden.md", "dot"), ("CON.md", "reserves"),
    (("长" * 90) + ".md", "255 bytes"),
])
def test_names_that_need_a_rename_say_why(name, why):
    assert why in rename_reason(name)


def test_clip_stem_keeps_underscores_and_cuts_only_above_the_file_system_limit():
    assert clip_stem("unique_ptr: ownership") == "unique_ptr ownership"
    assert clip_stem("长" * 80) == "长" * 80
    long = clip_stem("长" * 200)
    assert len((long + " (99).md").encode()) <= FS_NAME_BYTES and long.endswith("…")


@given(st.text(max_size=300))
def test_any_clip_name_made_safe_needs_no_rename(text):
    assert rename_reason(clip_stem(text) + ".md") is None


def test_dates_clippers_put_in_names():
    assert date_in_name("OpenAI 发布 Responses API-2025-03-12") == "2025-03-12"
    assert date_in_name("Title-2025-03-20 10-15") == "2025-03-20T10:15:00"
    assert date_in_name("Report 2025-13-40") is None
    assert date_in_name("No date here") is None


def test_linkable():
    assert linkable("Reading list") and not linkable("#话题") and not linkable("a: b") and not linkable("x|y")
