"""Step 1 of tagging (see :mod:`vaulttool.core.tags.tagger`): tokenise a note once and return its candidate
terms with their in-note statistics and the text segmented for full-text search, a small
JSON-serialisable analysis to cache by content hash and :data:`ANALYSIS_VERSION`."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from vaulttool.core.tags import segment as seg
from vaulttool.core.tags.concepts import DECLARED, concept_key, junk_reason, spelling
from vaulttool.core.tags.rules import TagConfig, tag_key
from vaulttool.core.tags.stopwords import FUNCTION_WORDS
from vaulttool.core.tags.words import (
    BLANK,
    MEMO_MAX,
    SENTENCE,
    STOP,
    WORD,
    han_form_info,
    latin_form_info,
    note_compounds,
)

__all__ = ["ANALYSIS_VERSION", "Analyser"]

_NAME_POS = {"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "vn", "v", "b", "a", "an", "j", "l", "ng", "x"}
_PARTS = re.compile(r"\s*(?:[,;、/，；]|\b或\b|或)\s*")
_NAME_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9.+\-]*(?: [A-Za-z0-9][A-Za-z0-9.+\-]*){0,3}$")


def _latin_name(part: str, never: frozenset[str]) -> str | None:
    """An English name fit to be an alias (its spelling), or None."""
    part = part.strip().strip("\"'")
    if not part or len(part) > 40 or not _NAME_SHAPE.match(part) or not any(c.isupper() for c in part):
        return None
    shown = spelling(part)
    key = concept_key(part)
    if key in never or tag_key(part) in never or junk_reason(shown) is not None or len(key) < 2:
        return None
    return shown

#: Bump when the analysis format or the tokenisation changes: cached analyses must then be redone.
ANALYSIS_VERSION = 3
_NO_LEAD = 1 << 62  # "the lead never ended" (an index no list reaches)


class Analyser:
    """Analyses notes for a :class:`~vaulttool.core.tags.tagger.Tagger`, remembering what each word form it
    meets means (for one state of jieba's dictionary)."""

    def __init__(self, config: TagConfig, never: frozenset[str]) -> None:
        self.config = config
        self._never = never  # keys never a tag: function words, filler, the user's stop words
        self._jieba: dict | None = None
        # What analyse() learnt about each word form it met, valid for one state of jieba's dictionary.
        self._generation = -1
        self._han: dict[str, tuple] = {}
        self._latin: dict[str, tuple] = {}

    def jieba(self) -> dict:
        """jieba's state (see :func:`vaulttool.core.tags.segment.load_jieba`), loaded on the first call."""
        if self._jieba is None:
            self._jieba = seg.load_jieba(self.config.userdict)
        return self._jieba

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
        j = self.jieba()
        if self._generation != j["generation"] or max(len(self._han), len(self._latin)) > MEMO_MAX:
            self._generation = j["generation"]
            self._han, self._latin = {}, {}
        words_of = j["cut"].words
        split = seg.SPLIT.split
        sentence_mark = seg.SENTENCE_MARK.search
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

        prepared: list[str] = []
        for field, raw in enumerate((title, description, body)):
            text = seg.prepare(raw)
            prepared.append(text)
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
                    if info[0] == WORD:
                        cls = info[3]
                        if cls == "cap" and (sentence_start or field == 0) and english_follows(text, pos + len(latin)):
                            cls = "capx"  # capitalised where any English word would be: says nothing
                        kinds = latin_kinds.get(info[5])
                        if kinds is None:
                            latin_kinds[info[5]] = {cls}
                        else:
                            kinds.add(cls)
                        add_seq(info[2])
                        if info[4]:
                            add_key(info[5])
                            add_form(info[6])
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
                        if act == WORD:
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
                        elif act == STOP:
                            add_search(info[1])
                            add_seq(None)
                            sentence_start = False
                        elif act != BLANK:
                            add_seq(None)
                            if act == SENTENCE:
                                sentence_start = True
                pos += size
            if len(seq) > 1:
                note_compounds(seq, mark, self.config.topic_max_len, keys, forms, classes, leads)
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

        excluded = {tag_key(e) for e in exclude} | {concept_key(e) for e in exclude}
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
        out = {"v": ANALYSIS_VERSION, "terms": dict(sorted(terms.items())), "search": " ".join(search)}
        lang = seg.unsegmented_language("".join(prepared))
        if lang:
            out["terms"] = {}  # jieba would cut Japanese or Korean into nonsense: derive nothing
            out["lang"] = lang
            return out
        aliases = self._declared(prepared, counts)
        if aliases:
            out["aliases"] = aliases
        return out

    def _declared(self, texts: list[str], counts: Counter) -> list[list[str]]:
        """Aliases the text declares: ``英伟达（NVIDIA）``, ``混合专家（Mixture of Experts, MoE）``,
        ``DeepSeek（深度求索）``, as sorted ``[Chinese name, English name]`` pairs.

        The Chinese name may be any run of the last one to four content words before the bracket
        (each is recorded; the vocabulary keeps the one most declarations share); the English names are the parts of the bracket
        (split at ``,;、/`` and ``或``) with a capital letter, at most four words, not a number."""
        words_of = self.jieba()["cut"].words
        tags_of = self.jieba()["tags"].get
        never = self._never
        pairs: set[tuple[str, str]] = set()
        for text in texts:
            if "(" not in text:
                continue
            for m in DECLARED.finditer(text):
                left, inside = m.group(1), m.group(2).strip()
                if seg.is_han(left):
                    # every run of the last one to four content words: the vault decides which one
                    # is the name (see Vocabulary: the longest that most declarations share)
                    words = words_of(left)
                    names = []
                    for k in range(1, min(4, len(words)) + 1):
                        w = words[-k]
                        if w in FUNCTION_WORDS or tags_of(w, "x") not in _NAME_POS:
                            break
                        cand = "".join(words[-k:])
                        if 2 <= len(cand) <= 10 and cand not in never and junk_reason(cand) is None:
                            names.append(cand)
                    latins = [x for x in (_latin_name(part, never) for part in _PARTS.split(inside)) if x]
                    pairs.update((han, latin) for han in names for latin in latins)
                else:
                    inside = inside.strip()
                    latin = _latin_name(left.split(" ")[-1], never)
                    if latin and seg.is_han(inside) and 2 <= len(inside) <= 8 and inside not in never \
                            and junk_reason(inside) is None:
                        pairs.add((inside, latin))
        return sorted([list(p) for p in pairs])

    def _han_info(self, w: str) -> tuple:
        info = self._han[w] = han_form_info(w, self._jieba, self._never)
        return info

    def _latin_info(self, form: str) -> tuple:
        info = self._latin[form] = latin_form_info(form, self._never)
        return info
