"""Derived tags from Chinese and English text.

Two steps, so that the index can cache the expensive one:

1. :meth:`Tagger.analyse` tokenises a note once (jieba for Chinese; English terms kept whole: ``GPT-4o``,
   ``o3-mini``, ``DALL-E``, ``Qwen2.5-VL``) and returns a small JSON-serialisable analysis: candidate
   terms with their in-note statistics (noun compounds that recur in the note among them) and the text
   segmented for full-text search. Cache it by content hash and :data:`ANALYSIS_VERSION`.
2. :meth:`Tagger.choose` weighs the candidates with the vault's document frequencies (of the keys given
   by :meth:`Tagger.candidate_terms`, each URL counted once) blended with jieba's IDF table, and picks
   up to ``max_tags`` valid tags. Cheap: re-run it for every note when the vault changes.

jieba is imported and its dictionary loaded on first use, once per process (see
:mod:`vaulttool.core.segment`); importing this module does not import jieba.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Mapping

from vaulttool.core import segment as seg
from vaulttool.core.stopwords import FILLER, FUNCTION_WORDS
from vaulttool.core.tags import TagConfig, apply_synonyms_and_nesting, clean_tag, tag_key

__all__ = ["ANALYSIS_VERSION", "Tagger"]

#: Bump when the analysis format or the tokenisation changes: cached analyses must then be redone.
ANALYSIS_VERSION = 1

# Weights of jieba POS classes that make good tags alone ("un": a word jieba guessed).
_TAG_POS = {
    "nr": 1.15, "nrt": 1.15, "nrfg": 1.15, "ns": 1.1, "nt": 1.2, "nz": 1.2, "n": 1.0, "j": 1.0,
    "eng": 1.0, "vn": 0.8, "un": 0.9, "l": 0.5, "v": 0.5,
}  # fmt: skip
# Weights of English terms ("name": acronyms, product and proper names; "word": ordinary words) and of
# compounds ("cmp").
_CLASS_WEIGHT = {"name": 1.15, "word": 0.55, "cmp": 1.25}

# Compounds: POS classes allowed in one; one-character words allowed to open, sit inside or close one;
# classes that never close one; prefixes (多模态, 超大规模) that open one whatever jieba calls them.
_COMPOUND_POS = {"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "vn", "v", "a", "an", "b", "j", "ng", "un", "eng"}
_OPEN_ONE = {"a", "b", "n", "ng"}
_MID_ONE = {"n", "ng"}
_CLOSE_ONE = {"n", "ng"}
_NEVER_CLOSE = {"a", "an", "b"}
_PREFIXES = set("多超全新大小高低强弱半反自类准伪泛跨微")
_COMPOUND_SIZES = (2, 3, 4)
_MAX_ENGLISH_WORDS = 3
# A word jieba guessed (not in its dictionary) that starts or ends with one of these is a mis-cut.
_EDGE_CHARS = set("的了着过是在和与及或并而也又还就都才再很更最不没被把让给对从向往于以为因当这那其各每某一有个们吗呢吧啊")

# Scoring constants, tuned with benchmarks/tag_quality.py on the clip corpus.
_TUNING = {
    "cap_min_docs": 50,  # vault size (notes) from which the share cap applies
    "cap_share": 0.05,  # a term in more than this share of the notes is never a tag
    "prior_docs": 300.0,  # weight of jieba's IDF, in notes: the vault's own counts take over as it grows
    "single": 0.6,  # factor for a term found in this note only (it groups nothing)
    "desc": 0.5,  # weight of an occurrence in the description (it summarises the body)
    "title": 0.5,  # bonus for a term in the title
    "lead": 0.3,  # bonus for a term in an opening sentence (of the description or the body)
}


def _overlaps(a: str, b: str) -> bool:
    """True when one key holds the other: as a substring for Chinese (``具身`` in ``具身智能``), as whole
    words for English (``o3`` in ``o3-mini`` and ``openai`` in ``openai发布``; not ``rl`` in
    ``world-models``, nor ``gpt-4`` in ``gpt-4o``)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if short not in long_:
        return False
    if not short.isascii():
        return True
    return re.search(rf"(?<![a-z0-9]){re.escape(short)}(?![a-z0-9])", long_) is not None


class Tagger:
    """Derives tags from a note's title, description and body (see the module docstring)."""

    def __init__(self, config: TagConfig | None = None) -> None:
        self.config = config or TagConfig()
        self._user_stop = frozenset(tag_key(w) for w in self.config.stopwords)
        self._never = FUNCTION_WORDS | FILLER | self._user_stop
        self._jieba: dict | None = None

    def _j(self) -> dict:
        if self._jieba is None:
            self._jieba = seg.load_jieba(self.config.userdict)
        return self._jieba

    # -- analysis ---------------------------------------------------------------------------

    def analyse(self, title: str, description: str, body: str, exclude: Iterable[str] = ()) -> dict:
        """Tokenise a note once; return its candidate terms and its search text.

        The result is JSON-serialisable::

            {"v": ANALYSIS_VERSION,
             "terms": {key: [form, tf, title_tf, desc_tf, lead_tf, cls], ...},
             "search": "tokens separated by spaces"}

        ``key`` is the term's :func:`tag_key`; ``form`` its most frequent spelling in the note; ``tf``
        its occurrences in the whole note, ``title_tf``, ``desc_tf`` and ``lead_tf`` those in the title,
        in the description and in the opening sentences of the description and the body; ``cls`` a
        jieba POS tag (``n``, ``nr``, ``ns``, ``nt``, ``nz``, ``vn``, ``j``...; ``un`` for a word jieba
        guessed), ``name`` or ``word`` for an English term, ``cmp`` for a compound of two to four words
        that occurs at least twice.
        Terms whose key equals one of ``exclude`` (explicit tags) are left out.

        ``search`` holds every word (English lower-cased) plus, for Chinese words longer than two
        characters, their dictionary sub-words (``机器学习`` adds ``机器 学习``), as jieba's search mode.
        """
        j = self._j()
        tagtab, freq = j["pos"].word_tag_tab, j["freq"]
        never = self._never
        counts: Counter[str] = Counter()
        title_counts: Counter[str] = Counter()
        desc_counts: Counter[str] = Counter()
        lead_counts: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = {}
        classes: dict[str, str] = {}
        latin_kinds: dict[str, set[str]] = {}
        search: list[str] = []

        def note(key: str, form: str, cls: str, field: int, in_lead: bool) -> None:
            counts[key] += 1
            if field == 0:
                title_counts[key] += 1
            elif field == 1:
                desc_counts[key] += 1
            if in_lead:
                lead_counts[key] += 1
            if key not in forms:
                forms[key] = Counter()
                classes[key] = cls
            forms[key][form] += 1

        for field, raw in enumerate((title, description, body)):
            text = seg.prepare(raw)
            if not text or text.isspace():
                continue
            lead = seg.lead_end(text) if field else -1
            stream = seg.pieces(j["cut"], text)
            run: list[tuple] = []  # (form, kind, cls, filler, in_lead) of the current content run
            runs = [run]
            sentence_start = True
            for i, (form, kind, start) in enumerate(stream):
                if kind == seg.SPACE:
                    continue
                if kind == seg.BREAK:
                    if run:
                        run = []
                        runs.append(run)
                    if "\n" in form or any(c in seg.SENTENCE_MARKS for c in form):
                        sentence_start = True
                    continue
                at_start, sentence_start = sentence_start, False
                if kind == seg.HAN:
                    key = form
                    search.append(form)
                    if len(form) > 2:
                        search.extend(seg.sub_words(form, freq))
                else:
                    key = form.lower() if form.isascii() else tag_key(form)
                    search.append(key)
                if kind == seg.NUM or key in FUNCTION_WORDS:
                    if run:
                        run = []
                        runs.append(run)
                    continue
                if kind == seg.LAT:
                    cls = seg.latin_class(form)
                    if cls == "cap" and (at_start or field == 0) and seg.english_follows(stream, i):
                        cls = "capx"  # capitalised where any English word would be: says nothing
                    latin_kinds.setdefault(key, set()).add(cls)
                else:
                    cls = tagtab.get(form) or "un"
                    if cls == "un" and (form[0] in _EDGE_CHARS or form[-1] in _EDGE_CHARS):
                        if run:
                            run = []
                            runs.append(run)
                        continue
                in_lead = start < lead
                filler = key in never
                run.append((form, kind, cls, filler, in_lead))
                if not filler and len(form) > 1 and (kind == seg.LAT or cls in _TAG_POS):
                    note(key, form, cls, field, in_lead)
            for run_ in runs:
                for cform, in_lead in self._compounds(run_):
                    note(tag_key(cform), cform, "cmp", field, in_lead)

        excluded = {tag_key(e) for e in exclude}
        terms: dict[str, list] = {}
        for key, tf in counts.items():
            cls = classes[key]
            if key in excluded or (cls == "cmp" and tf < 2):
                continue
            form = min(forms[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]
            if key in latin_kinds:
                # A capitalised word is a name when the note capitalises it inside a sentence and
                # never writes it in lower case (Title Case titles and sentence starts say nothing).
                kinds = latin_kinds[key]
                if "name" in kinds or ("cap" in kinds and "word" not in kinds):
                    cls = "name"
                else:
                    cls = "word"
                    lower = [f for f in forms[key] if f.islower()]
                    form = min(lower) if lower else form
            terms[key] = [form, tf, title_counts[key], desc_counts[key], lead_counts[key], cls]
        # A compound that never occurs outside a longer one is that longer one.
        compounds = {k: t[1] for k, t in terms.items() if t[5] == "cmp"}
        for key, tf in compounds.items():
            if any(len(o) > len(key) and key in o and otf >= tf for o, otf in compounds.items()):
                del terms[key]
        return {"v": ANALYSIS_VERSION, "terms": dict(sorted(terms.items())), "search": " ".join(search)}

    def _compounds(self, run: list[tuple]) -> list[tuple[str, bool]]:
        """The 2–4 word compounds of a run of content words: ``(form, in_lead)`` pairs.

        Chinese words are joined as they are, English words with ``-`` (at most three). A one-character
        word may open a compound if it is a prefix (``多``), an adjective or a noun, sit inside or close
        one only if it is a noun (``体``); adjectives never close one. Made of English filler words only
        (``language-models``), or a verb and an English name (``提升ChatGPT``), it is no compound. At
        most ``topic_max_len`` characters when it holds Chinese.
        """
        out = []
        n = len(run)
        max_len = self.config.topic_max_len
        for i in range(n):
            form0, kind0, cls0, _filler0, in_lead = run[i]
            if kind0 != seg.LAT:
                if len(form0) == 1:
                    if form0 not in _PREFIXES and cls0 not in _OPEN_ONE:
                        continue
                elif cls0 not in _COMPOUND_POS:
                    continue
            for size in _COMPOUND_SIZES:
                if i + size > n:
                    break
                part = run[i : i + size]
                last_form, last_kind, last_cls = part[-1][:3]
                if last_kind != seg.LAT and last_cls not in _COMPOUND_POS:
                    break
                if any(
                    p[1] != seg.LAT and (p[2] not in _COMPOUND_POS or (len(p[0]) == 1 and p[2] not in _MID_ONE))
                    for p in part[1:-1]
                ):
                    break
                if last_kind != seg.LAT and (
                    last_cls in _NEVER_CLOSE or (len(last_form) == 1 and last_cls not in _CLOSE_ONE)
                ):
                    continue
                english = [p for p in part if p[1] == seg.LAT]
                if len(english) == size and (size > _MAX_ENGLISH_WORDS or all(p[3] for p in part)):
                    continue
                if part[0][2] == "v" and last_kind == seg.LAT:
                    continue
                form = part[0][0]
                for prev, cur in zip(part, part[1:]):
                    form += ("-" if prev[1] == seg.LAT and cur[1] == seg.LAT else "") + cur[0]
                if len(english) < size and len(form) > max_len:
                    break
                if len(form) >= 3:
                    out.append((form, in_lead))
        return out

    # -- choice -----------------------------------------------------------------------------

    def candidate_terms(self, analysis: Mapping) -> set[str]:
        """The keys whose document frequency the vault must count for this note (once per URL)."""
        return set(analysis.get("terms", {}))

    def choose(
        self,
        analysis: Mapping,
        df: Mapping[str, int],
        n_docs: int,
        explicit: Iterable[str] = (),
    ) -> list[str]:
        """Up to ``max_tags`` derived tags, best first: valid Obsidian tags, never an explicit tag.

        ``df`` maps a candidate key (see :meth:`candidate_terms`) to the number of notes holding it,
        each URL counted once; ``n_docs`` is the number of such notes (this note included). The score
        of a term is its in-note weight (``1 + ln tf``, plus bonuses for the title and the opening
        sentences) × its class weight (names, organisations and compounds first; verbs last) × an IDF
        that blends the vault's (``ln((n+1)/(df+0.5))``, normalised) with jieba's, the vault's share
        growing with its size. A term found in no other note is damped (it groups nothing); from 50
        notes on, a term in more than 5% of them is never chosen. A term inside an already chosen one
        (or holding it) is skipped. Synonyms and nesting rules of the config are applied last.
        Deterministic: equal scores go to the smaller key.
        """
        jidf, median = seg.load_idf()
        config, w = self.config, _TUNING
        explicit = list(explicit)
        explicit_keys = {tag_key(e) for e in explicit}
        explicit_keys |= {tag_key(apply_synonyms_and_nesting(e, config)) for e in explicit}
        n = max(n_docs, 1)
        alpha = n / (n + w["prior_docs"])
        log_n = math.log(n + 1)
        capped = n >= w["cap_min_docs"]

        scored: list[tuple[float, str, str]] = []
        for key, (form, tf, title_tf, desc_tf, lead_tf, cls) in analysis.get("terms", {}).items():
            if key in self._never or key in explicit_keys:
                continue
            d = max(df.get(key, 1), 1)
            if capped and d > w["cap_share"] * n:
                continue
            weight = _TAG_POS.get(cls) or _CLASS_WEIGHT.get(cls, 0.5)
            prior = min(jidf.get(form, jidf.get(key, median)) / median, 1.2)
            local = math.log((n + 1) / (d + 0.5)) / log_n if n > 1 else 1.0
            idf = alpha * local + (1 - alpha) * prior
            if n >= 30 and d == 1:
                idf *= w["single"]
            body_tf = tf - title_tf - desc_tf
            weighted = max(title_tf + w["desc"] * desc_tf + body_tf, 1.0)
            tfw = 1.0 + math.log(weighted) + w["title"] * min(title_tf, 1) + w["lead"] * min(lead_tf, 1)
            scored.append((round(tfw * idf * weight, 9), key, form))
        scored.sort(key=lambda s: (-s[0], s[1]))

        chosen: list[str] = []
        taken: list[str] = []  # keys of the chosen terms and of the tags they became
        for _score, key, form in scored:
            if len(chosen) >= config.max_tags:
                break
            if any(_overlaps(key, t) for t in taken):
                continue
            mapped = apply_synonyms_and_nesting(form, config)
            tag = clean_tag(mapped)
            if tag is None or len(tag) < 2:
                continue
            tkey = tag_key(tag)
            if tkey in explicit_keys or tkey in taken or tkey in self._user_stop:
                continue
            if tkey in self._never and tag_key(mapped) == key:
                continue  # cleaning made it a stop word ("AI+" → "AI"); a configured synonym may
            chosen.append(tag)
            taken.append(key)
            if tkey != key:
                taken.append(tkey)
        return chosen
