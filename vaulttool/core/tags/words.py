"""What a word form means for the tagger, looked up once per form: its part in the analysis (content
word, stop, break...), the POS classes that make tags, and the noun compounds of runs of words."""

from __future__ import annotations

import unicodedata

from vaulttool.core.tags import segment as seg
from vaulttool.core.tags.stopwords import FUNCTION_WORDS
from vaulttool.core.tags.concepts import concept_key, spelling
from vaulttool.core.tags.rules import tag_key

# Weights of jieba POS classes that make good tags alone ("un": a word jieba guessed).
TAG_POS = {
    "nr": 1.15, "nrt": 1.15, "nrfg": 1.15, "ns": 1.1, "nt": 1.2, "nz": 1.2, "n": 1.0, "j": 1.0,
    "eng": 1.0, "vn": 0.8, "un": 0.9, "l": 0.5, "v": 0.5,
}  # fmt: skip

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
_EDGE_CHARS = set("的了着过是在和与及或并而也又还就都才再很更最不没被把让给对从向往于以为因当这那其各每某一有个们吗呢吧啊已将可能会等")

# What a token does in the analysis (the first field of its cached description):
WORD = 0  # a content word: searchable, part of a run of words, maybe a term
STOP = 1  # searchable, but ends the run (function word, number, a guessed word that is a mis-cut)
BREAK = 2  # punctuation: ends the run
SENTENCE = 3  # punctuation that ends a sentence (or a line)
BLANK = 4  # blanks within a line: nothing
MEMO_MAX = 40_000  # word forms a memo of the tagger holds before it starts afresh (≈ 10 MB)


def han_form_info(w: str, jieba: dict, never: frozenset[str]) -> tuple:
    """What a piece of a Chinese block means for the analysis (the caller caches it by form):
    ``(action, search words, compound part, class if a term else None)``; a compound part is
    ``(form, english, opens, inside, ends, closes, filler, verb)`` (see :func:`note_compounds`)."""
    if seg.is_han(w):
        search = w if len(w) <= 2 else " ".join([w, *seg.sub_words(w, jieba["freq"])])
        cls = jieba["tags"].get(w) or "un"
        if w in FUNCTION_WORDS or (cls == "un" and (w[0] in _EDGE_CHARS or w[-1] in _EDGE_CHARS)):
            info: tuple = (STOP, search, None, None)  # (a guessed word at a function word: a mis-cut)
        else:
            one = len(w) == 1
            ends = cls in _COMPOUND_POS
            filler = w in never
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
            info = (WORD, search, part, cls if not filler and not one and cls in TAG_POS else None)
    elif w.isspace():
        info = (BLANK if "\n" not in w else SENTENCE, None, None, None)
    elif w.isdigit():
        info = (STOP, w.lower() if w.isascii() else tag_key(w), None, None)
    else:
        info = (SENTENCE if seg.SENTENCE_MARK.search(w) else BREAK, None, None, None)
    return info


def latin_form_info(form: str, never: frozenset[str]) -> tuple:
    """What an English term means for the analysis (the caller caches it by form):
    ``(action, key, compound part, class, is a term, concept key, spelling)``: ``key`` is the search
    word, the concept key folds plural, separators and versions (:mod:`vaulttool.core.tags.concepts`)."""
    key = form.lower() if form.isascii() else tag_key(form)
    if not seg.has_letter(form) or key in FUNCTION_WORDS:
        info: tuple = (STOP, key, None, None, False, key, form)
    else:
        shown = spelling(form)
        ckey = concept_key(form)
        filler = key in never or ckey in never
        part = (form, True, True, True, True, True, filler, False)
        info = (WORD, key, part, seg.latin_class(form), not filler and len(shown) > 1, ckey, shown)
    return info


def note_compounds(
    seq: list, mark: int, max_len: int, keys: list, forms: list, classes: list, leads: list
) -> None:
    """Note the 2–4 word compounds of the runs of content words in ``seq`` (runs end at ``None``;
    the parts before index ``mark`` are in the opening sentence).

    Chinese words are joined as they are, English words with ``-`` (at most three). A one-character
    word may open a compound if it is a prefix (``多``), an adjective or a noun, sit inside or close
    one only if it is a noun (``体``); adjectives never close one. Made of English filler words only
    (``language-models``), or a verb and an English name (``提升ChatGPT``), it is no compound. At
    most ``max_len`` (the config's ``topic_max_len``) characters when it holds Chinese.

    A part is ``(form, english, opens, inside, ends, closes, filler, verb)``: may open a compound;
    may sit inside one; may end one (else no longer compound from this start either); may close
    one (else this size is skipped); a filler word; a verb.
    """
    n = len(seq)
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
            if verb and size == 2 and not english:
                continue  # a verb and its object (提升效率, 生成图像): a phrase, not a name
            if len(form) >= 3:
                if form.isascii():
                    key = concept_key(form)
                elif is_nfkc("NFKC", form) and form.casefold() == form:
                    key = form  # = tag_key(form), without normalising twice
                else:
                    key = tag_key(form)
                keys.append(key)
                forms.append(spelling(form) if form.isascii() else form)
                classes.append("cmp")
                if i < mark:
                    leads.append(key)
