"""Text to token stream for the tagger: jieba's dictionary and HMM for Chinese, a regex for English terms.

jieba is imported, and its dictionary and POS table loaded, on the first call of :func:`load_jieba`,
once per process; importing this module does not import jieba.

Chinese is segmented word for word as ``jieba.cut(text, HMM=True)`` segments it (same prefix
dictionary, same maximum-probability route, same HMM for runs of single characters that are no word),
but by :class:`Segmenter`: one fused pass per block instead of jieba's DAG dict, route dict and
``max()`` over generators, log-frequencies computed once per word, and only over the Chinese blocks
(English terms are matched whole by a regex and never enter the dictionary search). The POS table is
read from jieba's ``dict.txt`` directly: ``jieba.posseg`` (its import builds the same table line by line
and loads an HMM the tagger does not use) is never imported.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
import unicodedata
from math import log

from vaulttool.core.tags.stopwords import BOILERPLATE
from vaulttool.errors import UsageError

# ----------------------------------------------------------------------------- jieba, once per process

_JIEBA: dict = {}
_IDF: dict = {}
_LOCK = threading.Lock()


def load_jieba(userdict: str | None = None) -> dict:
    """jieba's dictionary, once per process: ``{"cut": Segmenter, "tags": {word: POS}, "freq": jieba's
    word frequencies, "generation": int, "userdicts": set}``.

    A user dictionary is loaded once per path; jieba's dictionary is process-wide, so words added by
    one vault's dictionary stay for the life of the process. ``generation`` grows with every change of
    the dictionary: caches derived from it must then be dropped.
    """
    with _LOCK:
        if not _JIEBA:
            import logging

            import jieba
            import jieba.finalseg

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            tags = _pos_table(jieba.dt)
            for word in DOMAIN_WORDS:  # before the Segmenter reads the dictionary's total
                if word not in jieba.dt.FREQ or not jieba.dt.FREQ[word]:
                    jieba.add_word(word, tag="nz")
                    tags.setdefault(word, "nz")
            _JIEBA.update(
                cut=Segmenter(jieba.dt, jieba.finalseg.cut),
                tags=tags,
                freq=jieba.dt.FREQ,
                generation=0,
                userdicts=set(),
            )
        if userdict and userdict not in _JIEBA["userdicts"]:
            import jieba

            try:
                jieba.load_userdict(userdict)
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                raise UsageError(f"jieba user dictionary {userdict}: {exc}") from exc
            finally:  # even a file that failed half-way may have added words
                _JIEBA["cut"].reset()
                _JIEBA["generation"] += 1
            # What jieba.posseg's makesure_userdict_loaded() does: the user's tags over the built-in ones.
            _JIEBA["tags"].update(jieba.dt.user_word_tag_tab)
            _JIEBA["userdicts"].add(userdict)
        return _JIEBA


#: Names and terms of the field that jieba's dictionary (older than them) cuts into pieces
#: (``英伟达`` as ``英 伟达``, ``智能体`` as ``智能 体``): added to it as words, so that they are found
#: whole. A vault's own words go in a user dictionary (``[tags] userdict``).
DOMAIN_WORDS = tuple("""
英伟达 月之暗面 深度求索 通义千问 文心一言 字节跳动 量子位 机器之心 新智元 智谱 阶跃星辰 面壁智能 零一万物 百川智能
智能体 多智能体 具身智能 大模型 大语言模型 语言模型 强化学习 机器学习 深度学习 多模态 预训练 提示词 思维链 扩散模型
混合专家 知识图谱 自动驾驶 人形机器人 世界模型 计算机视觉 自然语言处理 脑机接口 量子计算 文生图 文生视频 数字人
灵巧手 机械臂 向量数据库 知识蒸馏 注意力机制 奖励模型 语音识别 语音合成 视频生成 图像生成 检索增强生成 端到端
""".split())


def _pos_table(dt) -> dict[str, str]:
    """``{word: POS}`` from jieba's dictionary file (``word freq tag`` lines), as ``jieba.posseg`` reads
    it, without importing ``jieba.posseg``. Read a megabyte at a time (the peak memory stays low), each
    chunk split at once; the tags are interned (a few dozen strings, not one per word)."""
    table: dict[str, str] = {}
    with dt.get_dict_file() as fh:
        while True:
            lines = fh.readlines(1 << 20)
            if not lines:
                break
            fields = b"".join(lines).decode("utf-8").split()
            tags = fields[2::3]
            if len(fields) == 3 * len(lines) and all(map(str.isdigit, fields[1::3])) and all(map(str.isalpha, tags)):
                table.update(zip(fields[0::3], map(sys.intern, tags)))
                continue
            for line in lines:  # blank lines or not three fields: line by line, as jieba.posseg does
                parts = line.decode("utf-8").strip().split(" ")
                if len(parts) == 3:
                    table[parts[0]] = sys.intern(parts[2])
    return table


def load_idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (``jieba/analyse/idf.txt``) and its median, read once per process without
    importing jieba (choosing tags from cached analyses does not need jieba's dictionary)."""
    with _LOCK:
        if not _IDF:
            spec = importlib.util.find_spec("jieba")
            idf: dict[str, float] = {}
            if spec and spec.origin:
                path = os.path.join(os.path.dirname(spec.origin), "analyse", "idf.txt")
                values: dict[str, float] = {}  # one float per distinct value (a few thousand)
                with open(path, encoding="utf-8") as fh:
                    while True:
                        lines = fh.readlines(1 << 20)
                        if not lines:
                            break
                        fields = "".join(lines).split()
                        if len(fields) == 2 * len(lines):
                            numbers = fields[1::2]
                            for text in set(numbers).difference(values):
                                values[text] = float(text)
                            idf.update(zip(fields[0::2], map(values.__getitem__, numbers)))
                            continue
                        for line in lines:  # blank or odd lines: the careful way
                            word, _, value = line.rstrip("\n").partition(" ")
                            if value:
                                idf[word] = float(value)
            ordered = sorted(idf.values())
            _IDF.update(idf=idf, median=ordered[len(ordered) // 2] if ordered else 12.0)
        return _IDF["idf"], _IDF["median"]
# ----------------------------------------------------------------------------- Chinese words

# jieba.cut's blocks (``re_han_default``) less a-z, A-Z, 0-9: those always belong to an English term here.
_BLOCK_CHARS = "\u4e00-\u9fd5+#&._%\\-"
_CACHE_MAX = 40_000  # entries of each cache before it is emptied (≈ 5 MB; a vault's common words fit)
_PREFIX = object()  # in the cache of log-frequencies: a prefix of dictionary words, not a word itself


class Segmenter:
    """``jieba.cut(block, HMM=True)`` for the Chinese blocks of a text, word for word the same.

    For each position, from the end of the block backwards, the best route is the dictionary word
    starting there (or the single character) that maximises ``log(freq) - log(total)`` plus the best
    route after it, ties going to the longer word: jieba's ``get_DAG`` and ``calc`` in one pass. Runs of
    single characters that are no dictionary word go to jieba's HMM (``jieba.finalseg.cut``), runs that
    are a word are split into characters, as jieba does. The HMM's answers are cached by run.
    """

    def __init__(self, dt, hmm) -> None:
        self._dt = dt
        self._hmm = hmm
        self.reset()

    def reset(self) -> None:
        """Forget what was derived from jieba's dictionary (call it when the dictionary changed)."""
        self._freq = self._dt.FREQ
        self._total = self._dt.total
        self._logtotal = log(self._total)
        self._logp: dict[str, object] = {}  # dictionary entry → log(freq) - log(total), or _PREFIX
        self._oov: dict[str, list[str]] = {}

    def words(self, block: str) -> list[str]:
        """The words of one block (a run of Chinese characters and ``+#&._%-``), as jieba cuts it."""
        if self._dt.total != self._total:
            self.reset()
        logp = self._logp
        logp_get = logp.get
        freq_get = self._freq.get
        logtotal = self._logtotal
        unknown = 0.0 - logtotal  # log(1) - log(total): a character that is no word on its own
        n = len(block)
        score = [0.0] * (n + 1)  # score[k]: log-probability of the best route through block[k:]
        end = list(range(1, n + 2))  # end[k]: end of the first word of that route
        for k in range(n - 1, -1, -1):
            best = None
            i = k
            frag = block[k]
            while True:
                lp = logp_get(frag)
                if lp is None:
                    f = freq_get(frag)
                    if f is None:
                        break  # no word starts with frag
                    lp = logp[frag] = log(f) - logtotal if f else _PREFIX
                if lp is not _PREFIX:
                    s = lp + score[i + 1]
                    if best is None or s >= best:
                        best = s
                        end[k] = i + 1
                i += 1
                if i == n:
                    break
                frag = block[k : i + 1]
            score[k] = unknown + score[k + 1] if best is None else best
        if len(logp) > _CACHE_MAX:
            logp.clear()

        out: list[str] = []
        append = out.append
        x = 0
        single = -1  # start of the current run of one-character words
        while x < n:
            y = end[x]
            if y - x == 1:
                if single < 0:
                    single = x
            else:
                if single >= 0:
                    self._singles(block[single:x], out)
                    single = -1
                append(block[x:y])
            x = y
        if single >= 0:
            self._singles(block[single:], out)
        return out

    def _singles(self, buf: str, out: list[str]) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif self._freq.get(buf):
            out.extend(buf)
        else:
            words = self._oov.get(buf)
            if words is None:
                if len(self._oov) > _CACHE_MAX:
                    self._oov.clear()
                words = self._oov[buf] = list(self._hmm(buf))
            out.extend(words)


# ----------------------------------------------------------------------------- text preparation

_CODE_BLOCK = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
# (no label holds "[" and no URL holds "(": an attempt stops where the next one starts, so runs of
# "![" or "](" are linear, not quadratic)
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)|!\[\[[^\[\]]*\]\]")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
# (no part holds ``[``: each attempt stops at the next one, so a run of ``[`` is linear, not quadratic)
_WIKILINK = re.compile(r"\[\[([^\[\]|#]*)(?:#[^\[\]|]*)?(?:\|([^\[\]]*))?\]\]")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
# ``@name`` (a user mentioned, ``//@name:`` a repost chain): names of people's accounts, never topics.
_MENTION = re.compile(r"//@[^\s:：]{1,30}[:：]?|@[\w\-·]{1,30}")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_SENTENCE_END = re.compile(r"[。!?;\n]|\.(?:\s|$)")
SENTENCE_MARKS = frozenset(".!?。;:")

# Words that are not Chinese: letters/digits of other scripts, joined by - . + _ & (``GPT-4o``,
# ``Node.js``, ``C++``, ``Qwen2.5-VL``, ``Gemini_2.5_Pro``, ``Café``).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_CHAR = rf"[^\W_{_CJK}]"
_LATIN = re.compile(rf"{_WORD_CHAR}+(?:[-.+_&]{_WORD_CHAR}+)*\+*")
_HAN = re.compile(rf"^[{_CJK}]+$")

#: Splits a prepared text into ``[other, latin, block, lone, other, latin, block, lone, ..., other]``:
#: ``latin`` an English term, ``block`` a run that jieba.cut hands to its dictionary, ``lone`` a Chinese
#: character that jieba.cut yields alone (outside U+4E00–U+9FD5), one of them not ``None``; ``other``
#: what lies between: blanks and punctuation, maybe "".
SPLIT = re.compile(rf"({_LATIN.pattern})|([{_BLOCK_CHARS}]+)|([\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff])")
#: A line break or a sentence mark (``SENTENCE_MARKS``) in blanks and punctuation.
SENTENCE_MARK = re.compile(r"[\n.!?。;:]")

# Kinds of pieces of a token stream.
LAT, HAN, NUM, SPACE, BREAK = "L", "H", "N", "S", "B"


def prepare(text: str) -> str:
    """Markdown/HTML text → plain text for tokenising: code, images, URLs, tags and clip furniture go;
    link texts stay; NFKC (full-width letters and punctuation become ASCII)."""
    if not text:
        return ""
    if "`" in text or "~~~" in text:
        text = _CODE_BLOCK.sub(" ", text)
        text = _INLINE_CODE.sub(" ", text)
    if "[" in text:
        if "![" in text:
            text = _MD_IMAGE.sub(" ", text)
        if "](" in text:
            text = _MD_LINK.sub(r"\1", text)
        if "[[" in text:
            text = _WIKILINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "<" in text:  # (no tag starts after the last ">": leaving that tail out keeps this linear)
        cut = text.rfind(">") + 1
        text = _HTML_TAG.sub(" ", text[:cut]) + text[cut:]
    text = unicodedata.normalize("NFKC", text)
    return BOILERPLATE.sub(" ", text)


def unsegmented_language(text: str) -> str | None:
    """``"ja"`` or ``"ko"`` when ``text`` is mostly Japanese or Korean (which jieba, a Chinese
    segmenter, would cut into nonsense such as ``を指定``), else None: kana or hangul make at least a
    tenth of its CJK characters (and there are at least 10 of them)."""
    kana = len(_KANA.findall(text)) if text else 0
    hangul = len(_HANGUL.findall(text)) if text else 0
    if kana + hangul < 10:
        return None
    han = len(_HAN_CHAR.findall(text))
    if (kana + hangul) * 10 < kana + hangul + han:
        return None
    return "ja" if kana >= hangul else "ko"


def lead_end(text: str) -> int:
    """Offset of the end of the opening sentence of ``text`` (at most 160 characters in)."""
    start = len(text) - len(text.lstrip())
    m = _SENTENCE_END.search(text, start + 4)
    return min(m.start() if m else len(text), start + 160)


def is_han(form: str) -> bool:
    """True when ``form`` is Chinese characters only."""
    return _HAN.match(form) is not None


def has_letter(form: str) -> bool:
    """True when an English term holds a letter (``2025`` and ``3.5`` are numbers)."""
    return form[0].isalpha() or any(c.isalpha() for c in form)


def english_follows(text: str, end: int) -> bool:
    """True when the token after the English term that ends at ``end`` is an English word: at most two
    blanks within the line (jieba.cut's tokens: one per blank) and then a term with a letter."""
    n = len(text)
    i = end
    for _ in range(3):
        if i >= n:
            return False
        c = text[i]
        if not c.isspace():
            m = _LATIN.match(text, i)
            return m is not None and has_letter(m.group(0))
        if c == "\n" or (c == "\r" and text.startswith("\n", i + 1)):
            return False
        i += 1
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


def pieces(text: str, segmenter: Segmenter) -> list[tuple[str, str, int]]:
    """The token stream of a prepared ``text``: ``(form, kind, offset)`` triples, as the tagger sees it.

    English (and other non-Chinese) terms are matched whole by a regex; ``segmenter`` (jieba.cut's
    words, HMM on) splits the Chinese blocks. ``kind`` is ``LAT`` (a term with a letter), ``HAN`` (a
    Chinese word), ``NUM`` (a term without a letter), ``SPACE`` (a blank within a line) or ``BREAK``
    (punctuation, line breaks). The tagger walks the same split inline; this is its readable form.
    """
    out: list[tuple[str, str, int]] = []
    parts = SPLIT.split(text)
    parts += (None, None, None)
    it = iter(parts)
    pos = 0
    for other, latin, block, lone in zip(it, it, it, it):
        if other:
            for tok in re.findall(r"\r\n|.", other, re.DOTALL):
                kind = (BREAK if "\n" in tok else SPACE) if tok.isspace() else BREAK
                out.append((tok, kind, pos))
                pos += len(tok)
        if latin is not None:
            out.append((latin, LAT if has_letter(latin) else NUM, pos))
            pos += len(latin)
        elif block is not None:
            for w in segmenter.words(block):
                out.append((w, HAN if _HAN.match(w) else BREAK, pos))
                pos += len(w)
        elif lone is not None:
            out.append((lone, HAN, pos))
            pos += 1
    return out
