"""Derived tags from Chinese and English text.

Two steps, so the index can cache the expensive one:

1. :meth:`Tagger.analyse` tokenises a note once (jieba for Chinese, a regex for English terms, which are
   kept whole: ``GPT-4o``, ``o3-mini``, ``DALL-E``, ``Qwen2.5-VL``) and returns a small JSON-serialisable
   analysis: candidate terms with their in-note statistics, the noun compounds that recur in the note,
   and the text segmented for full-text search. Cache it by content hash (and ``ANALYSIS_VERSION``).
2. :meth:`Tagger.choose` weighs the candidates with the vault's document frequencies (keys from
   :meth:`Tagger.candidate_terms`, each URL counted once), blended with jieba's own IDF table, and
   picks up to ``max_tags`` valid tags. Cheap: re-run it for every note when the vault changes.

jieba is imported and its dictionary loaded on first use, once per process; importing this module
does not import jieba.
"""

from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from collections import Counter
from typing import Iterable, Mapping

from vaulttool.core.stopwords import BOILERPLATE, FILLER, FUNCTION_WORDS
from vaulttool.core.tags import TagConfig, apply_synonyms_and_nesting, clean_tag, tag_key
from vaulttool.errors import UsageError

__all__ = ["ANALYSIS_VERSION", "Tagger"]

#: Bump when the analysis format or the tokenisation changes: cached analyses are then recomputed.
ANALYSIS_VERSION = 1

# ----------------------------------------------------------------------------- jieba, once per process

_JIEBA: dict = {}
_JIEBA_LOCK = threading.Lock()


def _load_jieba(userdict: str | None) -> dict:
    """jieba's tokenizer, POS table, word frequencies and IDF table; loaded once per process."""
    with _JIEBA_LOCK:
        if not _JIEBA:
            import logging

            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            idf: dict[str, float] = {}
            path = os.path.join(os.path.dirname(jieba.__file__), "analyse", "idf.txt")
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    word, _, value = line.rstrip("\n").partition(" ")
                    if value:
                        idf[word] = float(value)
            values = sorted(idf.values())
            _JIEBA.update(
                cut=jieba.dt.cut,
                pos=jieba.posseg.dt,
                freq=jieba.dt.FREQ,
                idf=idf,
                idf_median=values[len(values) // 2] if values else 12.0,
                userdicts=set(),
            )
        if userdict and userdict not in _JIEBA["userdicts"]:
            import jieba

            try:
                jieba.load_userdict(userdict)
            except (OSError, ValueError) as exc:
                raise UsageError(f"jieba user dictionary {userdict}: {exc}") from exc
            _JIEBA["pos"].makesure_userdict_loaded()
            _JIEBA["userdicts"].add(userdict)
        return _JIEBA


# ----------------------------------------------------------------------------- text preparation

_CODE_BLOCK = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[\[[^\]]*\]\]")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_WIKILINK = re.compile(r"\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?:\s|$)")

# English terms: letters/digits joined by - . + _ & (``GPT-4o``, ``Node.js``, ``C++``, ``Qwen2.5-VL``).
_LATIN = re.compile(r"[A-Za-z0-9]+(?:[-.+_&][A-Za-z0-9]+)*\+*")
_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")

# Kinds of pieces of a token stream.
_LAT, _HANW, _NUM, _SPACE, _BREAK = "L", "H", "N", "S", "B"

# POS classes that make good tags alone (jieba's tag set; "un" = a word jieba does not know).
_TAG_POS = {
    "nr": 1.15, "nrt": 1.15, "nrfg": 1.15, "ns": 1.1, "nt": 1.2, "nz": 1.2, "n": 1.0, "j": 1.0,
    "eng": 1.0, "vn": 0.8, "un": 0.9, "l": 0.5, "v": 0.5, "b": 0.4,
}  # fmt: skip
# POS classes allowed inside a compound.
_COMPOUND_POS = {"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "vn", "v", "a", "an", "b", "j", "ng", "un", "eng"}
# One-character words allowed to open, sit inside, close a compound; classes that never close one.
_OPEN_ONE = {"a", "b", "n", "ng"}
_MID_ONE = {"n", "ng"}
_CLOSE_ONE = {"n", "ng"}
_NEVER_CLOSE = {"a", "an", "b"}
# A word jieba does not know (guessed by its HMM) that starts or ends with one of these is a mis-cut.
_EDGE_CHARS = set("的了着过是在和与及或并而也又还就都才再很更最不没被把让给对从向往于以为因当这那其各每某一有个们吗呢吧啊")
# Weights of the Latin term classes and of compounds.
_CLASS_WEIGHT = {"name": 1.15, "word": 0.55, "cmp": 1.25}


def _prepare(text: str) -> str:
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


def _first_sentence(text: str) -> str:
    m = _SENTENCE_END.search(text, 4)
    return text[: m.start()] if m else text[:160]


def _latin_class(form: str) -> str:
    """``name`` for acronyms and terms with digits or inner capitals (``GPT-4o``, ``DeepSeek``),
    ``cap`` for a capitalised word (a name, or a word in a Title Case title), ``word`` else."""
    if any(c.isdigit() for c in form) or any(c.isupper() for c in form[1:]):
        return "name"
    return "cap" if form[0].isupper() else "word"


# ----------------------------------------------------------------------------- the tagger


class Tagger:
    """Derives tags from a note's title, description and body (see the module docstring)."""

    def __init__(self, config: TagConfig | None = None) -> None:
        self.config = config or TagConfig()
        extra = {tag_key(w) for w in self.config.stopwords}
        self._function = FUNCTION_WORDS
        self._never = FUNCTION_WORDS | FILLER | extra
        self._jieba: dict | None = None

    # -- jieba ------------------------------------------------------------------------------

    def _j(self) -> dict:
        if self._jieba is None:
            self._jieba = _load_jieba(self.config.userdict)
        return self._jieba

    def _pieces(self, text: str) -> list[tuple[str, str]]:
        """The token stream of one field: (form, kind) pairs; jieba cuts what is not an English term."""
        j = self._j()
        cut = j["cut"]
        out: list[tuple[str, str]] = []

        def cut_other(segment: str) -> None:
            if not segment:
                return
            for tok in cut(segment, HMM=True):
                if _HAN.match(tok):
                    out.append((tok, _HANW))
                elif tok.isspace():
                    out.append((tok, _BREAK if "\n" in tok else _SPACE))
                elif tok.isdigit():
                    out.append((tok, _NUM))
                else:
                    out.append((tok, _BREAK))

        pos = 0
        for m in _LATIN.finditer(text):
            cut_other(text[pos : m.start()])
            form = m.group(0)
            out.append((form, _LAT if any(c.isalpha() for c in form) else _NUM))
            pos = m.end()
        cut_other(text[pos:])
        return out

    # -- analysis ---------------------------------------------------------------------------

    def analyse(self, title: str, description: str, body: str, exclude: Iterable[str] = ()) -> dict:
        """Tokenise a note once; return its candidate terms, recurring compounds and search text.

        The result is JSON-serialisable::

            {"v": ANALYSIS_VERSION,
             "terms": {key: [form, tf, title_tf, lead_tf, first, cls]},
             "search": "tokens separated by spaces"}

        ``key`` is the term's :func:`tag_key`; ``form`` its most frequent spelling in the note; ``tf``
        the occurrences in the whole note (title included), ``title_tf`` and ``lead_tf`` those in the
        title and in the opening sentence; ``first`` the index of its first token; ``cls`` a jieba POS
        tag (``n``, ``nr``, ``ns``, ``nt``, ``nz``, ``vn``, ``j``, ``un`` for an unknown word...),
        ``name`` or ``word`` for English terms, ``cmp`` for a compound of two to four tokens that occurs
        at least twice. Terms whose key equals one of ``exclude`` (explicit tags) are left out.
        """
        j = self._j()
        tagtab = j["pos"].word_tag_tab
        freq = j["freq"]
        title = _prepare(title)
        description = _prepare(description)
        body = _prepare(body)
        lead = _first_sentence(description.strip() or body.strip())
        fields = [("title", title), ("lead", lead), ("description", description), ("body", body)]

        counts: Counter[str] = Counter()
        title_counts: Counter[str] = Counter()
        lead_counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        forms: dict[str, Counter[str]] = {}
        classes: dict[str, str] = {}
        search: list[str] = []
        index = 0

        def note(key: str, form: str, cls: str, field: str) -> None:
            if field == "lead":
                lead_counts[key] += 1
                return
            counts[key] += 1
            if field == "title":
                title_counts[key] += 1
            first.setdefault(key, index)
            forms.setdefault(key, Counter())[form] += 1
            classes.setdefault(key, cls)

        for field, text in fields:
            if not text.strip():
                continue
            pieces = self._pieces(text)
            run: list[tuple[str, str, bool]] = []  # (form, kind, joinable) of the current content run
            runs: list[list[tuple[str, str, bool]]] = [run]
            for form, kind in pieces:
                index += 1
                if kind == _SPACE:
                    continue
                if kind == _BREAK:
                    run = []
                    runs.append(run)
                    continue
                key = tag_key(form)
                if field != "lead":
                    search.append(key)
                    if kind == _HANW and len(form) > 2:
                        search.extend(self._sub_words(form, freq))
                if kind == _NUM or key in self._function:
                    run = []
                    runs.append(run)
                    continue
                if kind == _LAT:
                    cls = _latin_class(form)
                else:
                    cls = tagtab.get(form) or "un"
                    if cls == "un" and (form[0] in _EDGE_CHARS or form[-1] in _EDGE_CHARS):
                        run = []
                        runs.append(run)
                        continue
                run.append((form, kind, cls, key in self._never))
                if key in self._never or len(form) < 2:
                    continue
                if kind == _LAT or cls in _TAG_POS:
                    note(key, form, cls, field)
            for run_ in runs:
                for cform in self._compounds(run_):
                    note(tag_key(cform), cform, "cmp", field)

        excluded = {tag_key(e) for e in exclude}
        terms: dict[str, list] = {}
        for key, tf in counts.items():
            cls = classes[key]
            if key in excluded or (cls == "cmp" and tf < 2):
                continue
            form = sorted(forms[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            if cls in ("name", "cap", "word"):
                # A capitalised word is a name when the note never writes it in lower case and uses
                # it outside the title too (Title Case titles capitalise every word).
                kinds = {_latin_class(f) for f in forms[key]}
                if "name" in kinds:
                    cls = "name"
                elif kinds == {"cap"} and tf > title_counts[key]:
                    cls = "name"
                else:
                    cls = "word"
            terms[key] = [form, tf, title_counts[key], lead_counts[key], first[key], cls]
        # A compound that never occurs outside a longer one is that longer one ("Large-Language" in
        # "Large-Language-Models").
        compounds = {k: t[1] for k, t in terms.items() if t[5] == "cmp"}
        for key, tf in compounds.items():
            if any(len(o) > len(key) and key in o and otf >= tf for o, otf in compounds.items()):
                del terms[key]
        return {"v": ANALYSIS_VERSION, "terms": dict(sorted(terms.items())), "search": " ".join(search)}

    @staticmethod
    def _sub_words(word: str, freq: Mapping[str, int]) -> list[str]:
        """jieba's search-mode sub-words of a long word (its 2- and 3-character dictionary words)."""
        out = []
        for n in (2, 3):
            if len(word) > n:
                for i in range(len(word) - n + 1):
                    sub = word[i : i + n]
                    if freq.get(sub):
                        out.append(sub)
        return out

    def _compounds(self, run: list[tuple[str, str, str, bool]]) -> list[str]:
        """The 2–4 token compounds of a content run: tokens joined (English words with ``-``).

        A compound holds at least one word that is not filler; a one-character word may open it only
        if it is an adjective, distinguishing word or noun (``大``), and close it only if it is a noun
        (``体``); adverbs, numerals and adjectives never close it.
        """
        out = []
        n = len(run)
        max_len = self.config.topic_max_len
        for i in range(n):
            form0, _kind0, cls0, _filler0 = run[i]
            if cls0 not in _COMPOUND_POS and _kind0 != _LAT:
                continue
            if len(form0) == 1 and cls0 not in _OPEN_ONE:
                continue
            for size in (2, 3, 4):
                if i + size > n:
                    break
                part = run[i : i + size]
                last_form, last_kind, last_cls, _ = part[-1]
                if last_kind != _LAT and last_cls not in _COMPOUND_POS:
                    break
                if any(p[1] != _LAT and (p[2] not in _COMPOUND_POS or (len(p[0]) == 1 and p[2] not in _MID_ONE))
                       for p in part[1:-1]):
                    break
                if last_kind != _LAT and (last_cls in _NEVER_CLOSE or (len(last_form) == 1 and last_cls not in _CLOSE_ONE)):
                    continue
                if all(p[1] == _LAT and p[3] for p in part):
                    continue  # English academic filler: "proposed-method", "language-models"
                form = part[0][0]
                for (prev, prev_kind, _c, _f), (cur, kind, _c2, _f2) in zip(part, part[1:]):
                    form += ("-" if prev_kind == _LAT and kind == _LAT else "") + cur
                if len(form) > max_len + 8:
                    break
                if len(form) < 3:
                    continue
                out.append(form)
        return out

    # -- choice -----------------------------------------------------------------------------

    def candidate_terms(self, analysis: Mapping) -> set[str]:
        """The keys whose document frequency the vault must count for this note (one count per URL)."""
        return set(analysis.get("terms", {}))

    def choose(
        self,
        analysis: Mapping,
        df: Mapping[str, int],
        n_docs: int,
        explicit: Iterable[str] = (),
    ) -> list[str]:
        """Up to ``max_tags`` derived tags, best first, valid Obsidian tags, never an explicit tag.

        ``df`` maps a candidate key (see :meth:`candidate_terms`) to the number of notes (one per URL)
        holding it; ``n_docs`` is the number of such notes. Deterministic: ties go to the smaller key.
        """
        j = self._j()
        jidf = j["idf"]
        median = j["idf_median"]
        config = self.config
        explicit_keys = {tag_key(apply_synonyms_and_nesting(e, config)) for e in explicit}
        explicit_keys |= {tag_key(e) for e in explicit}
        n = max(n_docs, 1)
        alpha = n / (n + 100.0)
        log_n = math.log(n + 1)

        scored: list[tuple[float, str, str]] = []
        for key, (form, tf, title_tf, lead_tf, _first, cls) in analysis.get("terms", {}).items():
            if key in self._never or key in explicit_keys:
                continue
            d = df.get(key, 1)
            if n >= 50 and d > 0.05 * n:
                continue
            weight = _TAG_POS.get(cls) or _CLASS_WEIGHT.get(cls, 0.5)
            prior = jidf.get(form, jidf.get(key, median)) / median
            local = math.log((n + 1) / (d + 0.5)) / log_n if n > 1 else 1.0
            idf = alpha * local + (1 - alpha) * min(prior, 1.2)
            if n >= 30 and d <= 1:
                idf *= 0.6
            tfw = 1.0 + math.log(tf) + 0.5 * min(title_tf, 1) + 0.6 * min(lead_tf, 1)
            scored.append((tfw * idf * weight, key, form))
        scored.sort(key=lambda s: (-round(s[0], 9), s[1]))

        chosen: list[str] = []
        chosen_keys: list[str] = []
        for _score, key, form in scored:
            if len(chosen) >= config.max_tags:
                break
            if any(key in c or c in key for c in chosen_keys):
                continue
            tag = clean_tag(apply_synonyms_and_nesting(form, config))
            if tag is None:
                continue
            tkey = tag_key(tag)
            if tkey in explicit_keys or tkey in chosen_keys or tkey in self._never:
                continue
            chosen.append(tag)
            chosen_keys.append(key)
            if tkey != key:
                chosen_keys.append(tkey)
        return chosen
