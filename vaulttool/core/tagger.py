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
import unicodedata
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
_WEIGHTS = {**_CLASS_WEIGHT, **_TAG_POS}  # any class to its weight (0.5 for the others)

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


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _overlaps(a: str, b: str) -> bool:
    """True when one key holds the other: as a substring for Chinese (``具身`` in ``具身智能``), as whole
    words for English (``o3`` in ``o3-mini`` and ``openai`` in ``openai发布``; not ``rl`` in
    ``world-models``, nor ``gpt-4`` in ``gpt-4o``): not preceded nor followed by ``[a-z0-9]``."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    i = long_.find(short)
    if i < 0:
        return False
    if not short.isascii():
        return True
    size, end = len(short), len(long_) - len(short)
    while i >= 0:
        if (i == 0 or long_[i - 1] not in _ALNUM) and (i == end or long_[i + size] not in _ALNUM):
            return True
        i = long_.find(short, i + 1)
    return False


# What a token does in :meth:`Tagger.analyse` (the first field of its cached description):
_WORD = 0  # a content word: searchable, part of a run of words, maybe a term
_STOP = 1  # searchable, but ends the run (function word, number, a guessed word that is a mis-cut)
_BREAK = 2  # punctuation: ends the run
_SENTENCE = 3  # punctuation that ends a sentence (or a line)
_BLANK = 4  # blanks within a line: nothing
_NO_LEAD = 1 << 62  # "the lead never ended" (an index no list reaches)
_MEMO_MAX = 40_000  # word forms remembered by a Tagger before it starts afresh (≈ 10 MB)
_SENTENCE_MARK = seg.SENTENCE_MARK


class Tagger:
    """Derives tags from a note's title, description and body (see the module docstring)."""

    def __init__(self, config: TagConfig | None = None) -> None:
        self.config = config or TagConfig()
        self._user_stop = frozenset(tag_key(w) for w in self.config.stopwords)
        self._never = FUNCTION_WORDS | FILLER | self._user_stop
        self._jieba: dict | None = None
        # What analyse() learnt about each word form it met, valid for one state of jieba's dictionary.
        self._generation = -1
        self._han: dict[str, tuple] = {}
        self._latin: dict[str, tuple] = {}
        # What choose() computed: the vault's IDF by document frequency (for one vault size) and tags.
        self._local_n = -1
        self._local: dict[int, float] = {}
        self._tags: dict[str, tuple] = {}

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

        One pass over each field: :data:`segment.SPLIT` cuts it into English terms, Chinese blocks
        (cut into words as jieba.cut does) and what lies between; what a word form means for the
        tagger (its class, stop word or not, its search words, its part in compounds) is looked up
        once per form and kept for the next notes.
        """
        j = self._j()
        if self._generation != j["generation"] or max(len(self._han), len(self._latin)) > _MEMO_MAX:
            self._generation = j["generation"]
            self._han, self._latin = {}, {}
        words_of = j["cut"].words
        split = seg.SPLIT.split
        sentence_mark = _SENTENCE_MARK.search
        english_follows = seg.english_follows
        han_get, han_info = self._han.get, self._han_info
        latin_get, latin_info = self._latin.get, self._latin_info

        # Every occurrence of a term, in order (the title's words, its compounds, the description's...).
        keys: list[str] = []
        forms: list[str] = []
        classes: list[str] = []
        leads: list[str] = []  # keys of the occurrences in an opening sentence
        add_key, add_form, add_class, add_lead = keys.append, forms.append, classes.append, leads.append
        bounds: list[int] = []  # len(keys) after the title, after the description
        latin_kinds: dict[str, set[str]] = {}
        search: list[str] = []
        add_search = search.append

        for field, raw in enumerate((title, description, body)):
            text = seg.prepare(raw)
            if not text or text.isspace():
                bounds.append(len(keys))
                continue
            lead = seg.lead_end(text) if field else -1
            in_lead = lead > 0
            # The content words of the field; None ends a run of them (compounds never cross it).
            seq: list[tuple | None] = []
            add_seq = seq.append
            mark = _NO_LEAD if in_lead else 0  # len(seq) when the opening sentence ended
            sentence_start = True
            pos = 0
            parts = split(text)
            parts += (None, None, None)
            it = iter(parts)
            for other, latin, block, lone in zip(it, it, it, it):
                if other:
                    if "\n" in other or not other.isspace():
                        add_seq(None)
                        if sentence_mark(other):
                            sentence_start = True
                    pos += len(other)
                if in_lead and pos >= lead:
                    in_lead = False
                    mark = len(seq)
                if latin is not None:
                    info = latin_get(latin) or latin_info(latin)
                    key = info[1]
                    add_search(key)
                    if info[0] == _WORD:
                        cls = info[3]
                        if cls == "cap" and (sentence_start or field == 0) and english_follows(text, pos + len(latin)):
                            cls = "capx"  # capitalised where any English word would be: says nothing
                        kinds = latin_kinds.get(key)
                        if kinds is None:
                            latin_kinds[key] = {cls}
                        else:
                            kinds.add(cls)
                        add_seq(info[2])
                        if info[4]:
                            add_key(key)
                            add_form(latin)
                            add_class(cls)
                            if in_lead:
                                add_lead(key)
                    else:
                        add_seq(None)
                    sentence_start = False
                    pos += len(latin)
                    continue
                if block is not None:
                    words = words_of(block)
                    size = len(block)
                elif lone is not None:
                    words = [lone]
                    size = 1
                else:
                    break  # (the end of the text)
                if in_lead and pos + size > lead:
                    # The opening sentence ends inside this block: its words before the end, then the rest.
                    off, k = pos, 0
                    for w in words:
                        if off >= lead:
                            break
                        off += len(w)
                        k += 1
                    chunks = ((words[:k], True), (words[k:], False))
                else:
                    chunks = ((words, in_lead),)
                for chunk, chunk_lead in chunks:
                    if in_lead and not chunk_lead:
                        in_lead = False
                        mark = len(seq)
                    for w in chunk:
                        info = han_get(w)
                        if info is None:
                            info = han_info(w)
                        act = info[0]
                        if act == _WORD:
                            add_search(info[1])
                            add_seq(info[2])
                            cls = info[3]
                            if cls is not None:
                                add_key(w)
                                add_form(w)
                                add_class(cls)
                                if in_lead:
                                    add_lead(w)
                            sentence_start = False
                        elif act == _STOP:
                            add_search(info[1])
                            add_seq(None)
                            sentence_start = False
                        elif act != _BLANK:
                            add_seq(None)
                            if act == _SENTENCE:
                                sentence_start = True
                pos += size
            if len(seq) > 1:
                self._compounds(seq, mark, keys, forms, classes, leads)
            bounds.append(len(keys))

        counts = Counter(keys)
        title_counts = Counter(keys[: bounds[0]])
        desc_counts = Counter(keys[bounds[0] : bounds[1]])
        lead_counts = Counter(leads)
        first_class = dict(zip(reversed(keys), reversed(classes)))  # the class of the first occurrence
        spelling: dict[str, tuple[str, int]] = {}  # key → (its most frequent form, that form's count)
        latin_forms: dict[str, list[str]] = {}
        for (key, form), n in Counter(zip(keys, forms)).items():
            best = spelling.get(key)
            if best is None or n > best[1] or (n == best[1] and form < best[0]):
                spelling[key] = (form, n)
            if key in latin_kinds:
                latin_forms.setdefault(key, []).append(form)

        excluded = {tag_key(e) for e in exclude}
        terms: dict[str, list] = {}
        compounds: dict[str, int] = {}
        for key, tf in counts.items():
            cls = first_class[key]
            if key in excluded or (cls == "cmp" and tf < 2):
                continue
            form = spelling[key][0]
            if key in latin_kinds:
                # A capitalised word is a name when the note capitalises it inside a sentence and
                # never writes it in lower case (Title Case titles and sentence starts say nothing).
                kinds = latin_kinds[key]
                if "name" in kinds or ("cap" in kinds and "word" not in kinds):
                    cls = "name"
                else:
                    cls = "word"
                    lower = [f for f in latin_forms[key] if f.islower()]
                    form = min(lower) if lower else form
            elif cls == "cmp":
                compounds[key] = tf
            terms[key] = [form, tf, title_counts[key], desc_counts[key], lead_counts[key], cls]
        # A compound that never occurs outside a longer one is that longer one.
        if len(compounds) > 1:
            for key, tf in compounds.items():
                for other, other_tf in compounds.items():
                    if other_tf >= tf and len(other) > len(key) and key in other:
                        del terms[key]
                        break
        return {"v": ANALYSIS_VERSION, "terms": dict(sorted(terms.items())), "search": " ".join(search)}

    def _han_info(self, w: str) -> tuple:
        """What a piece of a Chinese block means for :meth:`analyse` (cached by form):
        ``(action, search words, compound part, class if a term else None)``; a compound part is
        ``(form, english, opens, inside, ends, closes, filler, verb)`` (see :meth:`_compounds`)."""
        if seg.is_han(w):
            search = w if len(w) <= 2 else " ".join([w, *seg.sub_words(w, self._jieba["freq"])])
            cls = self._jieba["tags"].get(w) or "un"
            if w in FUNCTION_WORDS or (cls == "un" and (w[0] in _EDGE_CHARS or w[-1] in _EDGE_CHARS)):
                info: tuple = (_STOP, search, None, None)  # (a guessed word at a function word: a mis-cut)
            else:
                one = len(w) == 1
                ends = cls in _COMPOUND_POS
                filler = w in self._never
                part = (
                    w,
                    False,
                    (w in _PREFIXES or cls in _OPEN_ONE) if one else ends,
                    ends and (not one or cls in _MID_ONE),
                    ends,
                    not (cls in _NEVER_CLOSE or (one and cls not in _CLOSE_ONE)),
                    filler,
                    cls == "v",
                )
                info = (_WORD, search, part, cls if not filler and not one and cls in _TAG_POS else None)
        elif w.isspace():
            info = (_BLANK if "\n" not in w else _SENTENCE, None, None, None)
        elif w.isdigit():
            info = (_STOP, w.lower() if w.isascii() else tag_key(w), None, None)
        else:
            info = (_SENTENCE if _SENTENCE_MARK.search(w) else _BREAK, None, None, None)
        self._han[w] = info
        return info

    def _latin_info(self, form: str) -> tuple:
        """What an English term means for :meth:`analyse` (cached by form): ``(action, key, compound
        part, class, is a term)``."""
        key = form.lower() if form.isascii() else tag_key(form)
        if not seg.has_letter(form) or key in FUNCTION_WORDS:
            info: tuple = (_STOP, key, None, None, False)
        else:
            filler = key in self._never
            part = (form, True, True, True, True, True, filler, False)
            info = (_WORD, key, part, seg.latin_class(form), not filler and len(form) > 1)
        self._latin[form] = info
        return info

    def _compounds(
        self, seq: list, mark: int, keys: list, forms: list, classes: list, leads: list
    ) -> None:
        """Note the 2–4 word compounds of the runs of content words in ``seq`` (runs end at ``None``;
        the parts before index ``mark`` are in the opening sentence).

        Chinese words are joined as they are, English words with ``-`` (at most three). A one-character
        word may open a compound if it is a prefix (``多``), an adjective or a noun, sit inside or close
        one only if it is a noun (``体``); adjectives never close one. Made of English filler words only
        (``language-models``), or a verb and an English name (``提升ChatGPT``), it is no compound. At
        most ``topic_max_len`` characters when it holds Chinese.

        A part is ``(form, english, opens, inside, ends, closes, filler, verb)``: may open a compound;
        may sit inside one; may end one (else no longer compound from this start either); may close
        one (else this size is skipped); a filler word; a verb.
        """
        n = len(seq)
        max_len = self.config.topic_max_len
        is_nfkc = unicodedata.is_normalized
        for i in range(n - 1):
            first = seq[i]
            if first is None or not first[2]:
                continue
            form, english, all_filler = first[0], first[1], first[6]
            verb = first[7]
            prev = first
            for size in (2, 3, 4):
                j = i + size - 1
                if j >= n:
                    break
                last = seq[j]
                if last is None or not last[4]:
                    break
                if size > 2 and not prev[3]:
                    break  # the part before the last one cannot sit inside
                form = form + ("-" if prev[1] and last[1] else "") + last[0]
                english += last[1]
                all_filler = all_filler and last[6]
                prev = last
                if not last[5]:
                    continue
                if english == size and (size > _MAX_ENGLISH_WORDS or all_filler):
                    continue
                if verb and last[1]:
                    continue
                if english < size and len(form) > max_len:
                    break
                if len(form) >= 3:
                    if form.isascii():
                        key = form.lower()
                    elif is_nfkc("NFKC", form) and form.casefold() == form:
                        key = form  # = tag_key(form), without normalising twice
                    else:
                        key = tag_key(form)
                    keys.append(key)
                    forms.append(form)
                    classes.append("cmp")
                    if i < mark:
                        leads.append(key)

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
        beta = 1 - alpha
        log_n = math.log(n + 1)
        capped = n >= w["cap_min_docs"]
        cap = w["cap_share"] * n
        damp = n >= 30
        single, desc_w, title_w, lead_w = w["single"], w["desc"], w["title"], w["lead"]
        if self._local_n != n:  # the vault's IDF by document frequency, for this vault size
            self._local_n, self._local = n, {}
        local_idf = self._local
        never = self._never
        df_get, jidf_get, weight_of, log = df.get, jidf.get, _WEIGHTS.get, math.log

        scored: list[tuple[float, str, str]] = []  # (-score, key, form): sorted, the best first
        for key, entry in analysis.get("terms", {}).items():
            if len(entry) != 6 or key in never or key in explicit_keys:
                continue  # (an entry of another ANALYSIS_VERSION is skipped, not trusted)
            form, tf, title_tf, desc_tf, lead_tf, cls = entry
            d = df_get(key, 1)
            if d < 1:
                d = 1
            if capped and d > cap:
                continue
            prior = jidf_get(form)
            if prior is None:
                prior = jidf_get(key, median)
            prior = prior / median
            if prior > 1.2:
                prior = 1.2
            local = local_idf.get(d)
            if local is None:
                local = local_idf[d] = math.log((n + 1) / (d + 0.5)) / log_n if n > 1 else 1.0
            idf = alpha * local + beta * prior
            if damp and d == 1:
                idf *= single
            weighted = title_tf + desc_w * desc_tf + (tf - title_tf - desc_tf)
            if weighted < 1.0:
                weighted = 1.0
            tfw = 1.0 + log(weighted) + (title_w if title_tf >= 1 else title_w * title_tf) + (
                lead_w if lead_tf >= 1 else lead_w * lead_tf
            )
            scored.append((-round(tfw * idf * weight_of(cls, 0.5), 9), key, form))
        scored.sort()

        chosen: list[str] = []
        taken: list[str] = []  # keys of the chosen terms and of the tags they became
        for _score, key, form in scored:
            if len(chosen) >= config.max_tags:
                break
            skip = False
            for t in taken:
                if _overlaps(key, t):
                    skip = True
                    break
            if skip:
                continue
            mapped, tag, tkey, mapped_key = self._tag_of(form)
            if tag is None or len(tag) < 2:
                continue
            if tkey in explicit_keys or tkey in taken or tkey in self._user_stop:
                continue
            if tkey in never and mapped_key == key:
                continue  # cleaning made it a stop word ("AI+" → "AI"); a configured synonym may
            chosen.append(tag)
            taken.append(key)
            if tkey != key:
                taken.append(tkey)
        return chosen

    def _tag_of(self, form: str) -> tuple:
        """``(the form as the vault spells it, that as a valid tag or None, the tag's key, the vault
        spelling's key)``, cached by form (the vault's settings are the Tagger's)."""
        got = self._tags.get(form)
        if got is None:
            mapped = apply_synonyms_and_nesting(form, self.config)
            tag = clean_tag(mapped)
            got = (mapped, tag, tag_key(tag) if tag else None, tag_key(mapped))
            if len(self._tags) > _MEMO_MAX:
                self._tags.clear()
            self._tags[form] = got
        return got
