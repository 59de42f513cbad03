"""Front matter is found exactly, read strictly, and refused with a reason when it cannot be trusted."""

import time

import pytest

from vaulttool.core.frontmatter import MAX_DEPTH, load_yaml, split

WEB_CLIPPER = (
    '---\ntitle: "How to: build"\nsource: "https://example.com/a"\nauthor:\n  - "[[Jane Doe]]"\n'
    "published: 2025-01-15T04:00:00-08:00\ncreated: 2025-03-19\ndescription: \"d\"\ntags:\n  - \"clippings\"\n"
    "---\nBody text\n"
)


def test_split_finds_block_and_body_offsets():
    s = split(WEB_CLIPPER)
    assert s.status == "ok"
    assert s.data["title"] == "How to: build"
    assert s.data["author"] == ["[[Jane Doe]]"]
    assert WEB_CLIPPER[s.body_start:] == "Body text\n"
    assert WEB_CLIPPER[s.block_start:s.block_end] == s.block


@pytest.mark.parametrize("text, value", [
    ("x: no", "no"), ("x: 012345", "012345"), ("x: 1:30", "1:30"), ("x: 2025-01-15", "2025-01-15"),
    ("x: 2025-01-15T04:00:00-08:00", "2025-01-15T04:00:00-08:00"), ("x: true", True), ("x: 12", 12),
    ("x: 1.5", 1.5), ("x: ~", None), ("x: yes", "yes"), ("x: 0o17", "0o17"),
])
def test_scalars_resolve_like_yaml_1_2(text, value):
    assert load_yaml(text)["x"] == value


def test_crlf_front_matter():
    text = WEB_CLIPPER.replace("\n", "\r\n")
    s = split(text)
    assert s.status == "ok" and s.data["created"] == "2025-03-19"
    assert text[s.body_start:] == "Body text\r\n"


def test_alias_bomb_refused_fast():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
    start = time.perf_counter()
    s = split("---\n" + bomb + "---\nbody\n")
    assert time.perf_counter() - start < 0.5
    assert s.status == "error" and "aliases" in s.error


def test_single_alias_refused():
    assert "aliases" in split("---\na: &x 1\nb: *x\n---\n").error


@pytest.mark.parametrize("block, words", [
    ("[" * 1000 + "]" * 1000, "nested"),
    ("a: 1\na: 2", "duplicate key 'a'"),
    ("a:\n\t- b", "tabs"),
    ("x: !!python/object:os.system echo", "constructor"),
    ('title: "unclosed', "broken YAML"),
    ("<<: {a: 1}", "merge keys"),
])
def test_hostile_blocks_are_errors(block, words):
    s = split(f"---\n{block}\n---\nbody")
    assert s.status == "error"
    assert words in s.error


def test_depth_limit_counts_levels():
    ok = "a: " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)
    assert split(f"---\n{ok}\n---\n").status == "ok"
    deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert split(f"---\n{deep}\n---\n").status == "error"


def test_horizontal_rule_note_is_not_front_matter():
    text = "---\nA thought worth a rule above it.\n---\nMore text.\n"
    s = split(text)
    assert s.status == "not-mapping"
    assert "horizontal rule" in s.error


@pytest.mark.parametrize("block", ["- a\n- b", "just a string", "42"])
def test_non_mapping_front_matter(block):
    assert split(f"---\n{block}\n---\n").status == "not-mapping"


def test_unclosed_and_absent():
    assert split("---\ntitle: x\nno end").status == "unclosed"
    assert split("# Title\n---\n").status == "none"
    assert split("").status == "none"


def test_empty_block_is_empty_mapping():
    s = split("---\n---\nbody")
    assert s.status == "ok" and s.data == {} and s.body_start == 8


def test_non_text_key_refused():
    assert split("---\n1: a\n---\n").status == "error"
