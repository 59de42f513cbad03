"""Pinyin: which Han words read as what the user typed, in full (``jiqixuexi``) or by initials
(``jqxx``).

Readings come from pypinyin (every reading of a character, tones dropped, ``ü`` written ``v``), imported
on first use only: ``vaulttool search --pinyin`` pays for it, nothing else does. The words to choose
from are given by the caller (the vault's words and characters); a typed string may be read as
one word or as several in a row (``jiqixuexi``: ``机器`` + ``学习``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["normalise", "reads_as", "spans", "by_first_char", "starting", "is_pinyin", "dictionary_words"]

_READINGS: dict[tuple[str, bool], dict[str, frozenset[str]]] = {}
_PINYIN = re.compile(r"^[a-zü']+$")


def normalise(text: str) -> str:
    return text.lower().replace("ü", "v").replace("u:", "v").replace("'", "")


def is_pinyin(word: str) -> bool:
    return bool(_PINYIN.match(word.lower()))


_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")
_DICT: dict[int, str] | None = None


def _readings(ch: str) -> list[str]:
    """The readings of a character, the most common first (pypinyin's data, tones dropped, ``ü`` as ``v``)."""
    global _DICT
    if _DICT is None:
        import os

        # pypinyin's own switch: its phrase dictionary (what makes its import take 0.7 s) is not
        # needed for the readings of single characters
        os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
        from pypinyin.pinyin_dict import pinyin_dict

        _DICT = pinyin_dict
    out = []
    for r in _DICT.get(ord(ch), "").split(","):
        r = r.translate(_TONES)
        if r and r.isascii() and r.isalpha() and r not in out:
            out.append(r)
    return out


def _options(ch: str, mode: str = "any", primary: bool = False) -> frozenset[str]:
    """What one character may be typed as: ``full``: a reading in full; ``initials``: a reading's
    first letter, or ``zh``/``ch``/``sh``; ``any``: both. ``primary``: its most common reading only
    (``能`` is ``neng``, not also the rare ``xiong``)."""
    cache = _READINGS.setdefault((mode, primary), {})
    got = cache.get(ch)
    if got is None:
        readings = _readings(ch)[:1] if primary else _readings(ch)
        full = set(readings)
        initials = {r[0] for r in readings} | {r[:2] for r in readings if r[:2] in ("zh", "ch", "sh")}
        got = cache[ch] = frozenset(full if mode == "full" else initials if mode == "initials" else full | initials)
    return got


def spans(word: str, typed: str, start: int = 0, mode: str = "full", primary: bool = False) -> set[int]:
    """The positions of ``typed`` where ``word`` may end when read from ``start``, every character
    typed in full (``mode="full"``) or every one by its initial (``"initials"``)."""
    ends = {start}
    cache = _READINGS.get((mode, primary), {})
    for ch in word:
        opts = cache.get(ch) or _options(ch, mode, primary)
        ends = {p + len(o) for p in ends for o in opts if typed.startswith(o, p)}
        if not ends:
            break
    return ends


def reads_as(word: str, typed: str) -> bool:
    """Whether ``word`` may be typed as ``typed`` (already :func:`normalise`-d): every character by
    one of its readings in full, or every one by its initial (not a mix: that matches too much)."""
    return len(typed) in spans(word, typed, 0, "full") or len(typed) in spans(word, typed, 0, "initials")


def by_first_char(words: Iterable[str], typed: str) -> dict[str, list[str]]:
    """The words that may start somewhere in ``typed``, grouped by their first character (what
    :func:`starting` reads); a word is passed over at once when its first character's readings begin
    nowhere in ``typed``."""
    starts = {typed[p : p + k] for p in range(len(typed)) for k in range(1, 7)}
    usable: dict[str, bool] = {}
    out: dict[str, list[str]] = {}
    for w in words:
        if not w:
            continue
        first = w[0]
        ok = usable.get(first)
        if ok is None:
            ok = usable[first] = "\u3400" <= first <= "\u9fff" and bool(_options(first) & starts)
        if ok:
            out.setdefault(first, []).append(w)
    return out


def starting(groups: dict[str, list[str]], typed: str, at: int, mode: str = "full",
             primary: bool = False) -> list[tuple[str, int]]:
    """(word, end) for each word of ``groups`` that reads as ``typed[at:end]`` (in ``mode``)."""
    out = []
    for first, words in groups.items():
        if any(typed.startswith(o, at) for o in _options(first, mode, primary)):
            for w in words:
                for end in spans(w, typed, at, mode, primary):
                    out.append((w, end))
    return out


def dictionary_words() -> list[str]:
    """The words of jieba's dictionary (read from its data file; jieba itself is not imported)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.origin:
        return []
    try:
        data = (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8")
    except OSError:
        return []
    return re.findall(r"^([\u3400-\u9fff]{2,8}) ", data, re.M)
