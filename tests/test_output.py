"""Plain-text tables: CJK and other wide characters take two columns, cells are cut at a column."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vaulttool import output

# ASCII, CJK, fullwidth, emoji, narrow punctuation, combining and zero-width characters
CHARS = st.sampled_from(list("ab ,-中文字模型…—“”éｗ😀") + ["\u0301", "\u200b"])


@given(st.lists(CHARS, max_size=60).map("".join), st.integers(2, 50))
def test_fast_cut_equals_the_character_by_character_cut(text, cols):
    assert output._fit(text, cols) == output._fit_slow(text, cols)


@given(st.lists(CHARS, max_size=60).map("".join), st.integers(2, 50))
def test_a_cut_cell_fits_and_keeps_a_prefix(text, cols):
    cell, used = output._fit(text, cols)
    assert used == output.width(cell) <= cols
    if cell != text:
        assert cell.endswith("…") and text.startswith(cell[:-1])


def test_table_pads_by_columns_not_characters():
    out = output.table(["title", "path"], [("中文标题", "a.md"), ("plain", "b.md")])
    assert out.splitlines() == ["title     path", "中文标题  a.md", "plain     b.md"]


def test_long_wide_cell_is_cut_at_a_column():
    out = output.table(["title", "path"], [("模型" * 30, "a.md")], max_col=9)
    assert out.splitlines()[1] == "模型模型…  a.md"
