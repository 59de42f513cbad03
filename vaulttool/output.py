"""Plain-text and JSON rendering of command results (no click here: the CLI only prints these)."""

from __future__ import annotations

import json
import re
from typing import Iterable, Sequence

__all__ = ["width", "table", "json_lines", "json_doc"]


# East Asian Wide and Fullwidth ranges (CJK, Hangul, kana, fullwidth forms, emoji): two columns each.
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
                   "\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd]")
_ZERO = re.compile("[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]")


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK and other wide characters take two)."""
    if text.isascii():
        return len(text)
    return len(text) + len(_WIDE.findall(text)) - len(_ZERO.findall(text))


def _fit(text: str, cols: int) -> str:
    if len(text) <= cols // 2 or width(text) <= cols:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > cols - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, max_col: int = 60) -> str:
    """Left-aligned columns separated by two spaces; the last column is never padded or cut."""
    cells = [[("" if v is None else str(v)).replace("\n", " ") for v in row] for row in rows]
    cells = [[_fit(v, max_col) if i < len(headers) - 1 else v for i, v in enumerate(row)] for row in cells]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = []
    for row in [list(headers), *cells]:
        parts = [v + " " * (widths[i] - width(v)) if i < len(row) - 1 else v for i, v in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def json_doc(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def json_lines(items: Iterable[dict]) -> str:
    return "\n".join(json.dumps(item, ensure_ascii=False) for item in items)
