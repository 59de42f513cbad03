"""Pinyin: which Han words read as what the user typed, in full (``jiqixuexi``) or by initials
(``jqxx``), or mixed (``jiqixx``).

Readings come from pypinyin (every reading of a character, tones dropped, ``ü`` written ``v``), imported
on first use only: ``vaulttool search --pinyin`` pays for it, nothing else does. The words to choose
from are given by the caller (the vault's words and jieba's dictionary).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["normalise", "reads_as", "matching", "is_pinyin", "dictionary_words"]

_READINGS: dict[str, frozenset[str]] = {}
_PINYIN = re.compile(r"^[a-zü']+$")
_HAN_WORD = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,8}$")


def normalise(text: str) -> str:
    return text.lower().replace("ü", "v").replace("u:", "v").replace("'", "")


def is_pinyin(word: str) -> bool:
    return bool(_PINYIN.match(word.lower()))


def _options(ch: str) -> frozenset[str]:
    """What one character may be typed as: each full reading, its first letter, and ``zh``/``ch``/``sh``."""
    got = _READINGS.get(ch)
    if got is None:
        from pypinyin import Style, pinyin

        full = {s for s in pinyin(ch, style=Style.NORMAL, heteronym=True)[0] if s.isalpha() and s.isascii()}
        opts = set(full)
        for s in full:
            opts.add(s[0])
            if s[:2] in ("zh", "ch", "sh"):
                opts.add(s[:2])
        got = _READINGS[ch] = frozenset(opts)
    return got


def reads_as(word: str, typed: str) -> bool:
    """Whether ``word`` may be typed as ``typed`` (already :func:`normalise`-d): each character by one
    of its readings in full or by its initial."""
    ends = {0}
    for ch in word:
        opts = _options(ch)
        ends = {p + len(o) for p in ends for o in opts if typed.startswith(o, p)}
        if not ends:
            return False
    return len(typed) in ends


def matching(words: Iterable[str], typed: str) -> list[str]:
    """The words of ``words`` (Han words of 2-8 characters; others are passed over) that read as ``typed``."""
    typed = normalise(typed)
    if not typed:
        return []
    most = len(typed)
    out = []
    for w in words:
        if len(w) <= most and _HAN_WORD.match(w) and any(typed.startswith(o) for o in _options(w[0])) \
                and reads_as(w, typed):
            out.append(w)
    return out


def dictionary_words() -> list[str]:
    """The words of jieba's dictionary (read from its data file; jieba itself is not imported)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.origin:
        return []
    path = Path(spec.origin).parent / "dict.txt"
    try:
        with open(path, encoding="utf-8") as f:
            return [line.split(" ", 1)[0] for line in f]
    except OSError:
        return []
