"""Plain-text tables: CJK and other wide characters take two columns, cells are cut at a column."""

from __future__ import annotations

from hypothesis import example, given
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


CELL = st.lists(CHARS | st.just("\n"), max_size=60).map("".join)
# without zero-width characters: the columns a long cell is fitted from its first max_col + 1 characters
WIDE_CELL = st.lists(st.sampled_from(list("ab ,-中文字模型…—“”éｗ😀")), max_size=60).map("".join)


@given(st.lists(st.tuples(CELL | WIDE_CELL, WIDE_CELL, st.one_of(st.none(), st.integers(), st.text(max_size=5))),
                max_size=12),
       st.integers(-2, 50))
@example([("ab中", "", "")], 2)
@example([("中文字模型" * 3, "abcdefgh", None)], 5)
@example([("ab", "字" * 9, 1)], 0)
def test_table_equals_the_row_by_row_layout(rows, cols):
    """The column-wise table gives the cells and padding of fitting each cell on its own."""
    rows = [(a, b, c) for a, b, c in rows]
    texts = [[("" if v is None else str(v)).replace("\n", " ") for v in r] for r in rows]
    cells = [[output._fit(t, cols) for t in r[:2]] for r in texts]
    widths = [max([len(h)] + [c[i][1] for c in cells]) for i, h in enumerate(("one", "two"))]
    expected = ["one" + " " * (widths[0] - 3) + "  " + "two" + " " * (widths[1] - 3) + "  three"]
    for r, c in zip(texts, cells):
        expected.append("  ".join([t + " " * (widths[i] - w) for i, (t, w) in enumerate(c)] + [r[2]]).rstrip())
    assert output.table(["one", "two", "three"], rows, max_col=cols).split("\n") == expected


def test_cells_with_newlines_are_one_line():
    assert output.table(["a", "b"], [("x\ny", "p\nq")]).splitlines() == ["a    b", "x y  p q"]
