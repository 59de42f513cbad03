"""Text to token stream for the tagger: jieba for Chinese, a regex for English terms.

jieba is imported, and its dictionary and POS table loaded, on the first call of :func:`load_jieba`,
once per process; importing this module does not import jieba.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
import unicodedata

from vaulttool.core.stopwords import BOILERPLATE
from vaulttool.errors import UsageError

# ----------------------------------------------------------------------------- jieba, once per process

_JIEBA: dict = {}
_IDF: dict = {}
_LOCK = threading.Lock()


def load_jieba(userdict: str | None = None) -> dict:
    """jieba's ``cut``, POS table (``pos.word_tag_tab``) and word frequencies; loaded once per process.

    A user dictionary is loaded once per path; jieba's dictionary is process-wide, so words added by
    one vault's dictionary stay for the life of the process.
    """
    with _LOCK:
        if not _JIEBA:
            import logging

            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _JIEBA.update(cut=jieba.dt.cut, pos=jieba.posseg.dt, freq=jieba.dt.FREQ, userdicts=set())
        if userdict and userdict not in _JIEBA["userdicts"]:
            import jieba

            try:
                jieba.load_userdict(userdict)
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                raise UsageError(f"jieba user dictionary {userdict}: {exc}") from exc
            _JIEBA["pos"].makesure_userdict_loaded()
            _JIEBA["userdicts"].add(userdict)
        return _JIEBA


def load_idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (``jieba/analyse/idf.txt``) and its median, read once per process without
    importing jieba (choosing tags from cached analyses does not need jieba's dictionary)."""
    with _LOCK:
        if not _IDF:
            spec = importlib.util.find_spec("jieba")
            idf: dict[str, float] = {}
            if spec and spec.origin:
                path = os.path.join(os.path.dirname(spec.origin), "analyse", "idf.txt")
                with open(path, encoding="utf-8") as fh:
                    for line in fh:
                        word, _, value = line.rstrip("\n").partition(" ")
                        if value:
                            idf[word] = float(value)
            values = sorted(idf.values())
            _IDF.update(idf=idf, median=values[len(values) // 2] if values else 12.0)
        return _IDF["idf"], _IDF["median"]


# ----------------------------------------------------------------------------- text preparation

_CODE_BLOCK = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[\[[^\]]*\]\]")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_WIKILINK = re.compile(r"\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_SENTENCE_END = re.compile(r"[。!?;\n]|\.(?:\s|$)")
SENTENCE_MARKS = frozenset(".!?。;:")

# Words that are not Chinese: letters/digits of other scripts, joined by - . + _ & (``GPT-4o``,
# ``Node.js``, ``C++``, ``Qwen2.5-VL``, ``Gemini_2.5_Pro``, ``Café``).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_CHAR = rf"[^\W_{_CJK}]"
_LATIN = re.compile(rf"{_WORD_CHAR}+(?:[-.+_&]{_WORD_CHAR}+)*\+*")
_HAN = re.compile(rf"^[{_CJK}]+$")

# Kinds of pieces of a token stream.
LAT, HAN, NUM, SPACE, BREAK = "L", "H", "N", "S", "B"


def prepare(text: str) -> str:
    """Markdown/HTML text → plain text for tokenising: code, images, URLs, tags and clip furniture go;
    link texts stay; NFKC (full-width letters and punctuation become ASCII)."""
    if not text:
        return ""
    text = _CODE_BLOCK.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _WIKILINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _URL.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    return BOILERPLATE.sub(" ", text)


def lead_end(text: str) -> int:
    """Offset of the end of the opening sentence of ``text`` (at most 160 characters in)."""
    start = len(text) - len(text.lstrip())
    m = _SENTENCE_END.search(text, start + 4)
    return min(m.start() if m else len(text), start + 160)


def pieces(cut, text: str) -> list[tuple[str, str, int]]:
    """The token stream of ``text``: ``(form, kind, offset)`` triples.

    English (and other non-Chinese) terms are matched whole by a regex; jieba's ``cut`` (HMM on, for
    names it does not know) splits the rest. ``kind`` is ``LAT`` (a term with a letter), ``HAN``
    (a Chinese word), ``NUM`` (digits only), ``SPACE`` (blanks within a line) or ``BREAK``
    (punctuation, line breaks).
    """
    out: list[tuple[str, str, int]] = []
    append = out.append

    def cut_other(segment: str, offset: int) -> None:
        for tok in cut(segment, HMM=True):
            if _HAN.match(tok):
                append((tok, HAN, offset))
            elif tok.isspace():
                append((tok, BREAK if "\n" in tok else SPACE, offset))
            elif tok.isdigit():
                append((tok, NUM, offset))
            else:
                append((tok, BREAK, offset))
            offset += len(tok)

    pos = 0
    for m in _LATIN.finditer(text):
        start = m.start()
        if start > pos:
            cut_other(text[pos:start], pos)
        form = m.group(0)
        append((form, LAT if any(c.isalpha() for c in form) else NUM, start))
        pos = m.end()
    if pos < len(text):
        cut_other(text[pos:], pos)
    return out


def english_follows(stream: list[tuple[str, str, int]], i: int) -> bool:
    """True when the token after ``stream[i]`` (blanks skipped) is an English word."""
    for _form, kind, _start in stream[i + 1 : i + 4]:
        if kind != SPACE:
            return kind == LAT
    return False


def latin_class(form: str) -> str:
    """``name`` for acronyms and terms with digits or inner capitals (``GPT-4o``, ``DeepSeek``),
    ``cap`` for a capitalised word (a name, or any word in a Title Case title), ``word`` else."""
    if any(c.isdigit() for c in form) or any(c.isupper() for c in form[1:]):
        return "name"
    return "cap" if form[0].isupper() else "word"


def sub_words(word: str, freq) -> list[str]:
    """jieba's search-mode sub-words of a long word: its 2- and 3-character dictionary words."""
    out = []
    for n in (2, 3):
        if len(word) > n:
            for i in range(len(word) - n + 1):
                sub = word[i : i + n]
                if freq.get(sub):
                    out.append(sub)
    return out
