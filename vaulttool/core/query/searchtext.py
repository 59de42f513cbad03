"""The text of the full-text index, and the same cut of a query: one rule for both.

Design (why search finds what ``grep`` finds):

- **Folding.** Text is folded before it is cut, at index time and at query time alike: lower case,
  full-width ASCII to ASCII, and traditional Chinese characters to simplified ones, character by
  character with OpenCC's data (``機器學習`` and ``机器学习`` both fold to ``机器学习``). The fold keeps
  the length of the text (one character in, one out), so a position in the folded text is the same
  position in the note's own text: snippets are cut from the note's own words.
- **Han text** (CJK ideographs, kana, hangul) is indexed one character a token. Any substring of a
  Han run is then a phrase of consecutive tokens, whatever a word segmenter would have made of the
  sentence, so a query of any length (one character too) finds every note holding it, and only those.
- **Latin words** (letters and digits) are indexed whole, in any case: ``RL`` is a token of its own and
  never matches inside ``real-world``.
- **Gaps.** Where anything stands between two Han characters (a comma, a line break, a space, ``**``),
  or punctuation stands between a Han character and a Latin word, a break token (:data:`BREAK`, a
  private-use character no query can produce) is put in between, so a phrase never reaches across it:
  ``智能`` does not match ``智，能``. Plain spaces between Han and Latin are not a break
  (``AI智能体`` finds ``AI 智能体``, as Chinese typography puts that space in freely).
- **Terms with symbols** (``C++``, ``.NET``, ``GPT-4o``, ``o3-mini``) and quoted phrases of several
  Latin words are looked for in the index by their words, and each candidate is then checked against
  the note's own (folded) text with :func:`term_regex`, so ``C++`` returns only notes holding ``C++``.

This module is pure; OpenCC is imported on first use of :func:`fold` (never by ``vaulttool query``).
"""

from __future__ import annotations

import re

__all__ = ["BREAK", "HAN", "fold", "index_text", "query_tokens", "needs_check", "term_regex", "is_han"]

BREAK = "\ue000"  # the break token (a private-use character: unicode61 keeps it as a token)

# ideographs (BMP, extension A, compatibility, extensions B and later), kana, hangul syllables
HAN = "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(f"([{HAN}]+)|([^\\W_{HAN}]+)|([\\W_]+)")
_HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN_CHAR = re.compile(f"[^\\W_{HAN}]")

_TABLE: dict[int, str] = {}  # the character fold, filled as characters are met (or all at once)
_SEEN: set[str] = set()  # the Han characters already looked up
_FULL = False
_CONVERTER = None
_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


def is_han(ch: str) -> bool:
    return bool(_HAN_CHAR.match(ch))


def _learn(chars: list[str]) -> None:
    """Add ``chars`` to the fold: OpenCC's ``t2s`` of each character alone, so that the fold of a
    character is the same in any context (a phrase-aware conversion would fold a query's character
    and the same character inside a note's phrase differently)."""
    global _CONVERTER
    if _CONVERTER is None:
        import opencc

        _CONVERTER = opencc.OpenCC("t2s")
        for c in range(0xFF01, 0xFF5F):  # full-width ASCII
            _TABLE[c] = chr(c - 0xFEE0)
        _TABLE[0x3000] = " "
        _TABLE[ord(BREAK)] = " "
    converted = _CONVERTER.convert("\n".join(chars)).split("\n") if chars else []
    if len(converted) != len(chars):  # not seen with OpenCC's data; one at a time then
        converted = [_CONVERTER.convert(c) for c in chars]
    for a, b in zip(chars, converted):
        if a != b and len(b) == 1:
            _TABLE[ord(a)] = b
    _SEEN.update(chars)


def _table_for(text: str) -> dict[int, str]:
    global _FULL
    if not _FULL:
        if len(text) > 2000:  # indexing: learn every character once (about 30 ms)
            _learn([chr(c) for r in _RANGES for c in range(*r) if chr(c) not in _SEEN])
            _FULL = True
        else:  # a query: only its own characters (OpenCC loads in about 10 ms)
            new = [c for c in set(text) if c not in _SEEN and any(a <= ord(c) < b for a, b in _RANGES)]
            if new or (_CONVERTER is None and re.search("[\uff01-\uff5e\u3000\ue000]", text)):
                _learn(new)
    return _TABLE


def fold(text: str) -> str:
    """``text`` folded for matching, of the same length (see the module's doc)."""
    out = text.translate(_table_for(text))
    low = out.lower()
    if len(low) == len(out):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in out)  # e.g. İ: kept as it is


def _cut(folded: str, breaks: bool) -> list[str]:
    out: list[str] = []
    prev = ""  # "h" after a Han run, "l" after a Latin word
    gap = ""
    for m in _RUN.finditer(folded):
        han, latin, sep = m.groups()
        if sep is not None:
            gap = sep
            continue
        kind = "h" if han else "l"
        if breaks and gap and prev and (kind == "h" or prev == "h"):
            if (prev == "h" and kind == "h") or gap.strip():
                out.append(BREAK)
        if han:
            out.append(" ".join(han))
        else:
            out.append(latin)
        prev, gap = kind, ""
    return out


def index_text(text: str) -> str:
    """The tokens the index holds for ``text`` (space-separated; folded; breaks put in)."""
    return " ".join(_cut(fold(text), True))


def query_tokens(term: str) -> list[str]:
    """The tokens a query term looks for, in order (a phrase). Spaces typed between Han characters
    are not breaks (users space words apart); punctuation in a term is left to :func:`term_regex`."""
    return " ".join(_cut(fold(term), False)).split()


def needs_check(term: str) -> bool:
    """Whether the index's answer for ``term`` is a superset to be checked against the note's text:
    the term holds symbols (``C++``, ``GPT-4o``) or several Latin words (a quoted phrase)."""
    f = fold(term).strip()
    if re.search(f"[^\\w\\s]|_", f):
        return True
    return bool(re.search(f"[^\\W_{HAN}]\\s+[^\\W_{HAN}]", f))


def term_regex(term: str) -> re.Pattern:
    """A pattern finding ``term`` in folded text as the search means it: Han characters as a substring
    (spaces typed between them and around them optional), Latin words whole (no letter or digit
    right before or after), symbols as written, runs of spaces as any whitespace."""
    f = fold(term).strip()
    parts: list[str] = []
    last = ""  # the kind of the last character that is not a space: "h" Han, "l" Latin, "o" other
    spaced = False
    for ch in f:
        if ch.isspace():
            spaced = True
            continue
        kind = "h" if _HAN_CHAR.match(ch) else "l" if _LATIN_CHAR.match(ch) else "o"
        if last and (spaced or {last, kind} == {"h", "l"}):
            parts.append("\\s*" if "h" in (last, kind) else "\\s+" if spaced else "")
        parts.append(re.escape(ch))
        last, spaced = kind, False
    body = "".join(parts)
    lead = f"(?<![^\\W_{HAN}])" if f and _LATIN_CHAR.match(f[0]) else ""
    tail = f"(?![^\\W_{HAN}])" if f and _LATIN_CHAR.match(f[-1]) else ""
    return re.compile(lead + body + tail)
