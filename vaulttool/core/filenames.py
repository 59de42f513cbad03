"""Readable file names that are safe in Obsidian links and on every file system a vault syncs to."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["safe_stem", "numbered", "MAX_NAME_BYTES", "FS_NAME_BYTES", "is_safe_name", "rename_reason",
           "clip_stem", "date_in_name", "linkable"]

MAX_NAME_BYTES = 120  # generated pages: the whole file name, ".md" and any " (2)" suffix included
FS_NAME_BYTES = 255  # what ext4, APFS, NTFS and most sync services allow for one file name, in UTF-8 bytes

# Obsidian cannot link to names holding # ^ [ ] |; Windows and Android forbid \ / : * ? " < >.
_FORBIDDEN = re.compile(r'[#^\[\]|\\/:*?"<>\x00-\x1f\x7f]')
_SPACES = re.compile(r"[\s_\u3000]+")
_WHITE = re.compile(r"[\s\u3000]+")
# Windows, Android (FAT, exFAT) and the sync services that follow them refuse these; Obsidian cannot
# link to a name holding # ^ [ ] |.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f#^\[\]]')
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


def safe_stem(title: str, *, max_bytes: int = MAX_NAME_BYTES - len(".md") - len(" (99)"),
              underscores: bool = False) -> str:
    """A file name stem derived from ``title``: no ``# ^ [ ] | \\ / : * ? " < >``, no leading dot or
    space, no trailing dot or space, runs of white space (and underscores, unless ``underscores``)
    as one space, NFC, at most ``max_bytes`` of UTF-8. Never empty."""
    text = unicodedata.normalize("NFC", title)
    text = _FORBIDDEN.sub(" ", text)
    text = (_WHITE if underscores else _SPACES).sub(" ", text).strip()
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


_CLIP_STEM_BYTES = FS_NAME_BYTES - len(".md") - len(" (99)")


def clip_stem(text: str) -> str:
    """A clip's file name stem made from ``text`` (a title, or the name the clip had): safe on every
    file system and in links, underscores kept (``unique_ptr``), cut only above the file system's
    limit."""
    return safe_stem(text, max_bytes=_CLIP_STEM_BYTES, underscores=True)


def rename_reason(name: str) -> str | None:
    """Why a clip's file name (with extension) must change, or None when it may stay: a name a user
    or a clipper chose is kept unless a file system, a sync service or Obsidian's links cannot take it."""
    stem = name[:-3] if name.lower().endswith(".md") else name
    if len(name.encode("utf-8")) > FS_NAME_BYTES:
        return f"longer than {FS_NAME_BYTES} bytes"
    bad = sorted(set(_UNSAFE.findall(stem)))
    if bad:
        shown = " ".join("\\x%02x" % ord(c) if ord(c) < 32 or ord(c) == 127 else c for c in bad)
        return f"holds {shown}, which Windows, Android or Obsidian links cannot take"
    if stem.startswith(".") or stem.startswith(" "):
        return "starts with a dot or a space"
    if stem.endswith((".", " ")):
        return "ends with a dot or a space, which Windows drops"
    if stem.split(".")[0].lower() in _RESERVED:
        return "is a name Windows reserves"
    return None


def linkable(text: str) -> bool:
    """Whether ``text`` can be typed as a link target (``[[text]]``) and found by Obsidian."""
    return bool(text.strip()) and not _UNSAFE.search(text) and "%%" not in text


_NAME_DATE = re.compile(r"(?:^|[-_ ])(?P<date>(?:19|20)\d\d-[01]\d-[0-3]\d)(?:[ T_](?P<time>[0-2]\d[:.-][0-5]\d(?:[:.-][0-5]\d)?))?$")


def date_in_name(stem: str) -> str | None:
    """A date a clipper put at the end of a file name (Cubox's ``Title-2025-03-20``), as ISO text."""
    m = _NAME_DATE.search(stem)
    if not m:
        return None
    date = m.group("date")
    try:
        import datetime as dt

        dt.date.fromisoformat(date)
    except ValueError:
        return None
    time = m.group("time")
    if time:
        parts = re.split(r"[:.-]", time)
        return f"{date}T{':'.join(parts + ['00'] * (3 - len(parts)))}"
    return date
