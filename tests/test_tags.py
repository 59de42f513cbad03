"""Tag strings, hashtags in text, the user-edit merge rule and tag settings (no jieba here)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaulttool.core.tags.rules import (
    TagConfig,
    apply_synonyms_and_nesting,
    clean_tag,
    is_valid_tag,
    merge_tags,
    obsidian_hashtags,
    parse_nesting,
    parse_synonyms,
    tag_key,
    weibo_hashtags,
)

# ----------------------------------------------------------------------------- clean_tag


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("#AI", "AI"),
        ("##double", "double"),
        ("machine learning", "machine-learning"),
        ("  spaced   out  ", "spaced-out"),
        ("Node.js", "Nodejs"),
        ("GPT-4.5", "GPT-4_5"),  # a decimal point becomes "_", not a misleading "GPT-45"
        ("Qwen2.5-VL", "Qwen2_5-VL"),
        ("大模型，推理", "大模型推理"),
        ("【重磅】发布！", "重磅发布"),
        ("“引号”与《书名》", "引号与书名"),
        ("2025", None),
        ("#1984", None),
        ("2025-04", None),
        ("_1", None),
        ("y1984", "y1984"),
        ("🤖robot", "🤖robot"),
        ("👩\u200d💻", "👩\u200d💻"),
        ("  --a//b--  ", "a/b"),
        ("ai / llm", "ai/llm"),
        ("a--b", "a-b"),
        ("/leading/and/trailing/", "leading/and/trailing"),
        ("Café", "Café"),
        ("Cafe\u0301", "Café"),  # NFC
        ("KeepCase", "KeepCase"),
        ("snake_case", "snake_case"),
        ("", None),
        ("   ", None),
        ("!!!", None),
        ("#", None),
    ],
)
def test_clean_tag(raw, expected):
    assert clean_tag(raw) == expected


@pytest.mark.parametrize("tag", ["AI", "ai/llm", "大模型", "GPT-4o", "y1984", "snake_case", "🤖robot", "日本語"])
def test_valid_tags(tag):
    assert is_valid_tag(tag)


@pytest.mark.parametrize("tag", ["", "#AI", "two words", "1984", "a.b", "trailing-", "/lead", "a,b", "问号？"])
def test_invalid_tags(tag):
    assert not is_valid_tag(tag)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_clean_tag_gives_a_valid_tag_and_is_idempotent(raw):
    tag = clean_tag(raw)
    if tag is not None:
        assert is_valid_tag(tag)
        assert clean_tag(tag) == tag
        assert " " not in tag and "#" not in tag


def test_tag_key_is_case_and_width_insensitive():
    assert tag_key("AI") == tag_key("ai") == tag_key("ＡＩ")
    assert tag_key("GPT-4o") == tag_key("gpt-4O")
    assert tag_key("Straße") == tag_key("STRASSE")
    assert tag_key("大模型") != tag_key("模型")


# ----------------------------------------------------------------------------- hashtags


def test_weibo_hashtags():
    text = "#AIGC第一股年报详解##出门问问交出AIGC成绩单#上市一年后…… #话题# 再提 #aigc第一股年报详解#"
    assert weibo_hashtags(text) == ["AIGC第一股年报详解", "出门问问交出AIGC成绩单", "话题"]


def test_weibo_hashtags_with_spaces_between_english_words():
    assert weibo_hashtags("#Claude 3.7 Sonnet#发布了") == ["Claude 3.7 Sonnet"]


@pytest.mark.parametrize(
    "text", ["I like #python and #rust", "## 原始摘要", "# Title #", "#tag (#other)", "no tags", "a # b # c"]
)
def test_weibo_hashtags_none(text):
    assert weibo_hashtags(text) == []


def test_obsidian_hashtags():
    text = (
        "#tag1 text #话题# more #嵌套/子标签 https://example.com/page#frag (#not) #1984 #y1984\n"
        "# Heading\n#line-start, #中文。 word#glued #trailing-"
    )
    assert obsidian_hashtags(text) == ["tag1", "嵌套/子标签", "y1984", "line-start", "中文", "trailing"]


def test_obsidian_hashtags_unique_case_insensitive():
    assert obsidian_hashtags("#AI then #ai and #Ai") == ["AI"]


# ----------------------------------------------------------------------------- merge_tags


def test_merge_adds_derived_tags_after_the_users():
    tags, record = merge_tags(["mine"], [], ["llm", "agents"])
    assert tags == ["mine", "llm", "agents"]
    assert record == ["llm", "agents"]


def test_merge_never_adds_back_a_tag_the_user_removed():
    tags, record = merge_tags(["mine", "llm", "agents"], ["llm", "agents"], ["llm", "agents"])
    tags, record = merge_tags([t for t in tags if t != "llm"], record, ["llm", "agents"])  # user deletes
    assert tags == ["mine", "agents"]
    assert "llm" in record  # remembered as rejected
    # ... and again, after the index is gone: only the note's own properties are needed
    again = merge_tags(tags, record, ["llm", "agents", "new"])
    assert again == (["mine", "agents", "new"], ["agents", "new", "llm"])


def test_merge_retag_removes_stale_derived_tags_but_never_user_tags():
    tags, record = merge_tags(["mine", "old"], ["old"], ["fresh"])
    assert tags == ["mine", "fresh"]
    assert record == ["fresh"]
    # a user tag that is also derived stays when it stops being derived
    tags, record = merge_tags(["mine", "fresh"], ["fresh"], ["mine"])
    assert tags == ["mine"]
    assert record == ["mine"]


def test_merge_is_case_insensitive_and_keeps_the_notes_spelling():
    tags, record = merge_tags(["LLM"], [], ["llm", "Agents"])
    assert tags == ["LLM", "Agents"]
    assert record == ["LLM", "Agents"]
    # a rejected tag stays rejected whatever its case
    tags, record = merge_tags(["LLM"], ["llm", "agents"], ["LLM", "AGENTS"])
    assert tags == ["LLM"]
    assert [tag_key(t) for t in record] == ["llm", "agents"]


def test_merge_rerun_is_idempotent():
    first = merge_tags(["mine", "x"], ["x", "gone"], ["x", "y", "gone"])
    assert merge_tags(first[0], first[1], ["x", "y", "gone"]) == first


def test_merge_user_typing_back_a_rejected_tag_keeps_it_while_derived():
    tags, record = merge_tags(["mine", "llm"], ["llm"], ["llm"])
    assert tags == ["mine", "llm"]
    assert record == ["llm"]


_NAMES = st.sampled_from(["a", "A", "b", "B", "c", "d", "D", "e", "大模型", "Agents", "agents"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAMES, max_size=6), st.lists(_NAMES, max_size=6), st.lists(_NAMES, max_size=6))
def test_merge_properties(current, record, derived):
    tags, new_record = merge_tags(current, record, derived)
    keys = {tag_key(t) for t in tags}
    record_keys = {tag_key(t) for t in record}
    current_keys = {tag_key(t) for t in current}
    rejected = record_keys - current_keys
    user = current_keys - record_keys
    assert user <= keys  # user tags are never removed
    assert not (rejected & keys)  # rejected tags are never added
    assert rejected <= {tag_key(t) for t in new_record}  # and stay remembered
    for tag in derived:  # every derived tag is present unless rejected
        assert tag_key(tag) in keys or tag_key(tag) in rejected
    assert [t for t in tags if tag_key(t) in user] == [t for t in current if tag_key(t) in user]
    assert merge_tags(tags, new_record, derived) == (tags, new_record)


# ----------------------------------------------------------------------------- settings


def test_parse_synonyms_first_is_canonical():
    synonyms = parse_synonyms(["LLM = 大模型 = 大语言模型", "# comment", "", "AI Agent = 智能体"])
    assert synonyms[tag_key("大模型")] == "LLM"
    assert synonyms[tag_key("大语言模型")] == "LLM"
    assert synonyms[tag_key("llm")] == "LLM"
    assert synonyms[tag_key("智能体")] == "AI-Agent"


def test_parse_nesting():
    assert parse_nesting(["大模型 -> ai/大模型", "bad line", "x ->", "# c -> d"]) == [("大模型", "ai/大模型")]


def test_apply_synonyms_and_nesting():
    config = TagConfig(
        synonyms=parse_synonyms(["LLM = 大模型"]),
        nesting=parse_nesting(["LLM -> ai/llm", "具身智能 -> ai/具身智能"]),
    )
    assert apply_synonyms_and_nesting("大模型", config) == "ai/llm"
    assert apply_synonyms_and_nesting("llm", config) == "ai/llm"
    assert apply_synonyms_and_nesting("具身智能", config) == "ai/具身智能"
    assert apply_synonyms_and_nesting("other", config) == "other"
    assert apply_synonyms_and_nesting("other", TagConfig()) == "other"


def test_tag_config_synonym_keys_are_normalised():
    config = TagConfig(synonyms={"GPT4": "GPT-4", "ＬＬＭ": "大模型"}, stopwords={"x"})
    assert apply_synonyms_and_nesting("gpt4", config) == "GPT-4"
    assert apply_synonyms_and_nesting("llm", config) == "大模型"
    assert config.stopwords == frozenset({"x"})


def test_tag_config_defaults():
    config = TagConfig()
    assert config.max_tags == 5
    assert config.stopwords == frozenset()
    assert config.userdict is None
    assert config.topic_max_len == 12
