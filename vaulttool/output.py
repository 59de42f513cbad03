"""Plain-text and JSON rendering of command results (no click here: the CLI only prints these)."""

from __future__ import annotations

import json
import re
from typing import Iterable, Sequence

__all__ = ["width", "table", "json_lines", "json_doc"]


# East Asian Wide and Fullwidth ranges (CJK, Hangul, kana, fullwidth forms, emoji): two columns each.
_WIDE_CLASS = ("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
               "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
               "\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd]")
_ZERO_CLASS = "[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]"
_RE: list = []  # compiled on first use: a command printing only ASCII never pays for it


def _patterns():
    if not _RE:
        _RE.extend((re.compile(_WIDE_CLASS), re.compile(_ZERO_CLASS)))
    return _RE


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK and other wide characters take two)."""
    if text.isascii():
        return len(text)
    wide, zero = _patterns()
    return len(text) + len(wide.findall(text)) - len(zero.findall(text))


def _char_width(ch: str) -> int:
    if ord(ch) < 0x300:
        return 1
    wide, zero = _patterns()
    if zero.match(ch):
        return 0
    return 2 if wide.match(ch) else 1


def _fit(text: str, cols: int) -> tuple[str, int]:
    """``text`` cut to ``cols`` columns (with an ellipsis when cut), and the columns it takes."""
    n = len(text)
    if text.isascii():
        return (text, n) if n <= cols else (text[: cols - 1] + "…", cols)
    wide, zero = _patterns()
    if zero.search(text) is not None:
        return _fit_slow(text, cols)
    # No zero-width characters: every character takes one or two columns.
    if n <= cols:
        w = n + len(wide.findall(text))
        if w <= cols:
            return text, w
    # Cut: the longest prefix of at most cols - 1 columns, found in a few strides (the next
    # (room // 2) characters always fit), each counted by the regex rather than character by character.
    limit = cols - 1
    k = min(n, limit // 2)
    used = k + len(wide.findall(text, 0, k))
    while used < limit and k < n:
        step = (limit - used) // 2
        if step == 0:  # one column left: room for one more narrow character
            if wide.match(text, k) is None:
                k, used = k + 1, used + 1
            break
        end = min(n, k + step)
        used += end - k + len(wide.findall(text, k, end))
        k = end
    return text[:k] + "…", used + 1


def _fit_slow(text: str, cols: int) -> tuple[str, int]:
    w = width(text)
    if w <= cols:
        return text, w
    # every character takes at most two columns, so this prefix fits; go on from there
    k = max(0, (cols - 1) // 2)
    used = width(text[:k])
    for ch in text[k:]:
        cw = _char_width(ch)
        if used + cw > cols - 1:
            break
        used += cw
        k += 1
    return text[:k] + "…", used + 1


def _fit_column(texts: list[str], cols: int) -> list[tuple[str, int]]:
    """:func:`_fit` of each cell of a column, with the per-cell work kept small for long columns."""
    joined = "".join(texts)
    if joined.isascii():
        return [(t, len(t)) if len(t) <= cols else (t[: cols - 1] + "…", cols) for t in texts]
    if cols < 1 or _patterns()[1].search(joined) is not None:
        return [_fit(t, cols) for t in texts]
    # Without zero-width characters a cell of more than cols + 1 characters is cut, and the cut reads at
    # most its first cols - 1 characters: fitting that prefix gives the same cell and width.
    room = cols + 1
    return [_fit(t if len(t) <= room else t[:room], cols) for t in texts]


def _cells(values: Iterable[object]) -> list[str]:
    texts = [v if type(v) is str else ("" if v is None else str(v)) for v in values]
    if "\n" in "".join(texts):
        texts = [t.replace("\n", " ") for t in texts]
    return texts


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, max_col: int = 60) -> str:
    """Left-aligned columns separated by two spaces; the last column is never padded or cut."""
    rows = list(rows)
    last = len(headers) - 1
    columns = [_cells(c) for c in zip(*rows)] if rows else [[] for _ in headers]
    padded = []
    for i, h in enumerate(headers[:last]):
        fitted = _fit_column(columns[i], max_col)
        w = max([width(h)] + [used for _, used in fitted])
        padded.append([h + " " * (w - width(h))] + [text + " " * (w - used) for text, used in fitted])
    padded.append([headers[last]] + columns[last])
    return "\n".join([line.rstrip() for line in map("  ".join, zip(*padded))])


def json_doc(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def json_lines(items: Iterable[dict]) -> str:
    return "\n".join(json.dumps(item, ensure_ascii=False) for item in items)
