"""Readable file names that are safe in Obsidian links and on every file system a vault syncs to."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["safe_stem", "numbered", "MAX_NAME_BYTES", "is_safe_name"]

MAX_NAME_BYTES = 120  # the whole file name, ".md" and any " (2)" suffix included

# Obsidian cannot link to names holding # ^ [ ] |; Windows and Android forbid \ / : * ? " < >.
_FORBIDDEN = re.compile(r'[#^\[\]|\\/:*?"<>\x00-\x1f\x7f]')
_SPACES = re.compile(r"[\s_\u3000]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_CUT_AT = re.compile(r"[\s,.;!?，。；！？、）)】」』]")


def _truncate(stem: str, max_bytes: int) -> str:
    if len(stem.encode("utf-8")) <= max_bytes:
        return stem
    out, used = [], 0
    for ch in stem:
        size = len(ch.encode("utf-8"))
        if used + size > max_bytes - 3:  # room for "…"
            break
        out.append(ch)
        used += size
    cut = "".join(out)
    # Prefer a word or clause boundary in the last third, so names do not end mid-word.
    boundary = max((m.end() for m in _CUT_AT.finditer(cut)), default=0)
    if boundary > len(cut) * 2 // 3:
        cut = cut[:boundary]
    return cut.rstrip(" .,，、") + "…"


def safe_stem(title: str, *, max_bytes: int = MAX_NAME_BYTES - len(".md") - len(" (99)")) -> str:
    """A file name stem derived from ``title``: no ``# ^ [ ] | \\ / : * ? " < >``, no leading dot or
    space, no trailing dot or space, underscores and runs of white space as one space, NFC, at most
    ``max_bytes`` of UTF-8. Never empty."""
    text = unicodedata.normalize("NFC", title)
    text = _FORBIDDEN.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    text = text.lstrip(". ")
    text = _truncate(text, max_bytes)
    text = text.rstrip(". ")
    if not text:
        text = "Untitled"
    if text.split(".")[0].lower() in _RESERVED:
        text = f"{text} note"
    return text


def numbered(stem: str, n: int) -> str:
    """The name used for the n-th file wanting ``stem`` (n >= 2). Not ``stem 2``: iCloud names its
    conflict copies that way."""
    return f"{stem} ({n})"


def is_safe_name(name: str) -> bool:
    """True when ``name`` (a file name with extension) already follows the rules of :func:`safe_stem`."""
    stem = name[:-3] if name.endswith(".md") else name
    return (
        bool(stem)
        and not _FORBIDDEN.search(stem)
        and not stem.startswith((".", " "))
        and not stem.endswith((".", " "))
        and len(name.encode("utf-8")) <= MAX_NAME_BYTES
        and unicodedata.is_normalized("NFC", stem)
    )
