"""Plain-text and JSON rendering of command results (no click here: the CLI only prints these)."""

from __future__ import annotations

import json
import unicodedata
from typing import Iterable, Sequence

__all__ = ["width", "table", "json_lines", "json_doc"]


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK and other wide characters take two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def _fit(text: str, cols: int) -> str:
    if width(text) <= cols:
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
