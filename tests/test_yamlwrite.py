"""Front matter edits change only what they must: PyYAML's damages (measured) never happen here."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaulttool.core.frontmatter import load_yaml
from vaulttool.core.yamlwrite import edit_block, emit_block, quote
from vaulttool.errors import FrontMatterError

BLOCK = (
    'title: "How to: build a thing"\n'
    'source: "https://example.com/a"\n'
    "author:\n"
    '  - "[[Jane Doe]]"\n'
    "published: 2025-01-15T04:00:00-08:00\n"
    "created: 2025-03-19\n"
    'description: "' + "A long description that goes past eighty columns, " * 3 + '"\n'
    "tags:\n"
    '  - "clippings"\n'
)


def test_append_keeps_every_existing_line_byte_for_byte():
    out = edit_block(BLOCK, {"site": "example.com", "topics": ["a b"]})
    assert out.startswith(BLOCK)
    assert out[len(BLOCK):] == 'site: "example.com"\ntopics:\n  - "a b"\n'


def test_replacing_tags_touches_only_tags():
    out = edit_block(BLOCK, {"tags": ["clippings", "ai/llm"]})
    before, after = BLOCK.splitlines(), out.splitlines()
    assert after[:7] == before[:7]
    assert after[7:] == ["tags:", '  - "clippings"', '  - "ai/llm"']
    assert "2025-01-15T04:00:00-08:00" in out  # the T stays


def test_crlf_block():
    out = edit_block(BLOCK.replace("\n", "\r\n"), {"site": "x"}, newline="\r\n")
    assert out.startswith(BLOCK.replace("\n", "\r\n"))
    assert "\n" not in out.replace("\r\n", "")


def test_comments_and_odd_spacing_kept():
    block = "# my notes\ntitle:   spaced   # comment\nlist: [a,   b]\n"
    out = edit_block(block, {"site": "x"})
    assert out.startswith(block)
    assert load_yaml(out) == {"title": "spaced", "list": ["a", "b"], "site": "x"}


def test_remove_key():
    out = edit_block("a: 1\nb: 2\nc: 3\n", {}, remove=("b",))
    assert out == "a: 1\nc: 3\n"


def test_duplicate_keys_refused():
    with pytest.raises(FrontMatterError):
        edit_block("a: 1\na: 2\n", {"b": 1})


def test_emit_reads_back_and_quotes_like_web_clipper():
    props = {"title": 'He said "hi": #1', "created": "2025-04-01T01:31:59Z", "tags": ["a", "大模型"],
             "author": ["[[Jane]]"], "empty": None, "none": []}
    text = emit_block(props)
    assert text.splitlines()[:2] == ['title: "He said \\"hi\\": #1"', "created: 2025-04-01T01:31:59Z"]
    assert load_yaml(text) == props


@settings(max_examples=300)
@given(st.text())
def test_quote_round_trips_any_text(s):
    assert load_yaml(f"k: {quote(s)}")["k"] == s


@given(st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
                       st.one_of(st.text(max_size=40), st.lists(st.text(max_size=20), max_size=4)),
                       max_size=6))
def test_emit_then_edit_round_trip(props):
    text = emit_block(props)
    assert (load_yaml(text) or {}) == props
    out = edit_block(text, {"zz_new": "value"}) if props else text
    if props:
        assert out.startswith(text)
        assert load_yaml(out) == {**props, "zz_new": "value"}


def _quote_by_character(text: str) -> str:
    """The escaping rules spelled out one character at a time (what ``quote`` does with a regex)."""
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x85": "\\N",
               "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}
    out = []
    for ch in text:
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000 or ch in "\ufffe\uffff":
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
       | st.lists(st.sampled_from(['\\', '"', "\n", "\x00", "\x1f", "\x7f", "\x85", "\x9f", "\xa0", "\u2028",
                                   "\ufeff", "\ufffe", "\uffff", "\ud800", "\udfff", "a", "中"]), max_size=20).map("".join))
def test_quote_escapes_exactly_the_characters_it_must(text):
    assert quote(text) == _quote_by_character(text)
