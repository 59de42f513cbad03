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

- **Phrase-level spellings.** A character such as ``藉`` is simplified only inside some phrases
  (``藉此`` is ``借此``); a query term of two Han characters or more is also looked for in OpenCC's
  phrase-by-phrase form when that differs (:func:`phrase_variant`).

This module is pure. OpenCC is imported by :func:`fold_table` when an index is written (a search folds
with the table the index keeps) and by :func:`phrase_variant` for a query term of two Han characters
or more (about 10 ms); never by ``vaulttool query``.
"""

from __future__ import annotations

import re

__all__ = ["BREAK", "HAN", "fold", "index_text", "query_tokens", "needs_check", "term_regex", "TermPattern",
           "is_han", "is_latin", "fold_table", "use_table",
           "phrase_variant"]

BREAK = "\ue000"  # the break token (a private-use character: unicode61 keeps it as a token)

# ideographs (BMP, extension A, compatibility, extensions B and later), kana, hangul syllables
HAN = "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN: re.Pattern | None = None  # Han runs, Latin words, the rest: compiled when text is indexed (ms)
_HAN_RANGES = ((0x3040, 0x3100), (0x3400, 0x4DC0), (0x4E00, 0xA000), (0xAC00, 0xD7B0), (0xF900, 0xFB00),
               (0x20000, 0x31350))

_TABLE: dict[int, str] | None = None  # code point -> its fold, for the characters that change
_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))  # the ideographs OpenCC may fold


def is_han(ch: str) -> bool:
    c = ord(ch)
    return c in (0x3005, 0x3007) or any(a <= c < b for a, b in _HAN_RANGES)


def is_latin(ch: str) -> bool:
    """A letter or digit of a script written in words (not Han): the edge of a whole word."""
    return ch.isalnum() and not is_han(ch)


def fold_table() -> dict[int, str]:
    """The character fold: OpenCC's ``t2s`` of each ideograph alone (so that a character folds the
    same in any context: a phrase-aware conversion would fold a query's character and the same
    character inside a note's phrase differently), full-width ASCII to ASCII, the ideographic space
    and the break character to a space. Lower case is done apart (``str.lower``). Built once (about
    30 ms); the index keeps the table it was built with, and a search folds with that one."""
    global _TABLE
    if _TABLE is None:
        import opencc

        converter = opencc.OpenCC("t2s")
        chars = [chr(c) for a, b in _RANGES for c in range(a, b)]
        converted = converter.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):  # not seen with OpenCC's data; one at a time then
            converted = [converter.convert(c) for c in chars]
        table = {ord(a): b for a, b in zip(chars, converted) if a != b and len(b) == 1}
        table.update({c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})
        table[0x3000] = " "
        table[ord(BREAK)] = " "
        _TABLE = table
    return _TABLE


_PHRASES = None


def phrase_variant(term: str) -> str | None:
    """The term as OpenCC converts it phrase by phrase (``藉此`` is ``借此``), when that differs from its
    fold character by character (``藉`` alone stays ``藉``): the term is then looked for both ways.
    Only for terms of two Han characters or more (OpenCC loads in about 10 ms)."""
    global _PHRASES
    if sum(1 for c in term if is_han(c)) < 2:
        return None
    if _PHRASES is None:
        import opencc

        _PHRASES = opencc.OpenCC("t2s")
    converted = fold(_PHRASES.convert(term))
    return converted if converted != fold(term) else None


def use_table(table: dict[int, str]) -> None:
    """Fold with ``table`` (the one an index was built with) from now on."""
    global _TABLE
    _TABLE = dict(table)


def fold(text: str) -> str:
    """``text`` folded for matching, of the same length (see the module's doc)."""
    out = text.translate(_TABLE if _TABLE is not None else fold_table())
    low = out.lower()
    if len(low) == len(out):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in out)  # e.g. İ: kept as it is


def _cut(folded: str, breaks: bool) -> list[str]:
    global _RUN
    if _RUN is None:
        _RUN = re.compile(f"([{HAN}]+)|([^\\W_{HAN}]+)|([\\W_]+)")
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
    are not breaks (users space words apart); punctuation next to a Han character is a break, as in
    the index (the punctuation itself is checked by :func:`term_regex`)."""
    out: list[str] = []
    kinds: list[str] = []
    word = ""
    punct = False  # punctuation since the last token

    def add(token: str, kind: str) -> None:
        nonlocal punct
        if punct and kinds and "h" in (kinds[-1], kind):
            out.append(BREAK)  # as the index has it there (the note's text is checked for the rest)
            kinds.append("b")
        out.append(token)
        kinds.append(kind)
        punct = False

    for ch in fold(term):
        if is_latin(ch):
            word += ch
            continue
        if word:
            add(word, "l")
            word = ""
        if is_han(ch):
            add(ch, "h")
        elif not ch.isspace():
            punct = True
    if word:
        add(word, "l")
    return out


def needs_check(term: str) -> bool:
    """Whether the index's answer for ``term`` is a superset to be checked against the note's text:
    the term holds symbols (``C++``, ``GPT-4o``) or several Latin words (a quoted phrase)."""
    f = fold(term).strip()
    if any(not (c.isalnum() or c.isspace()) for c in f):
        return True
    words = f.split()
    return any(is_latin(a[-1]) and is_latin(b[0]) for a, b in zip(words, words[1:]))


class TermPattern:
    """Finds a term in folded text as the search means it (see :func:`term_regex`); ``search`` and
    ``finditer`` as a compiled pattern has them."""

    def __init__(self, body: str, lead: bool, tail: bool):
        self.pattern = re.compile(body)
        self.lead, self.tail = lead, tail

    def _whole(self, text: str, a: int, b: int) -> bool:
        return not ((self.lead and a > 0 and is_latin(text[a - 1]))
                    or (self.tail and b < len(text) and is_latin(text[b])))

    def finditer(self, text: str):
        pos = 0
        while True:
            m = self.pattern.search(text, pos)
            if m is None:
                return
            if self._whole(text, m.start(), m.end()):
                yield m
                pos = max(m.end(), m.start() + 1)
            else:
                pos = m.start() + 1

    def search(self, text: str):
        return next(self.finditer(text), None)


def term_regex(term: str) -> TermPattern:
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
        kind = "h" if is_han(ch) else "l" if is_latin(ch) else "o"
        if last and (spaced or (last != kind and "h" in (last, kind))):
            # Han next to anything: spaces optional there (typography spaces Han and Latin freely)
            parts.append("\\s*" if "h" in (last, kind) else "\\s+")
        parts.append(re.escape(ch))
        last, spaced = kind, False
    return TermPattern("".join(parts), bool(f) and is_latin(f[0]), bool(f) and is_latin(f[-1]))
