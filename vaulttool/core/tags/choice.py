"""Step 2 of tagging (see :mod:`vaulttool.core.tags.tagger`): weigh a note's candidate terms with the vault's
document frequencies blended with jieba's IDF table, and pick up to ``max_tags`` valid tags. Cheap,
and without importing jieba (its IDF table is read as a file): re-run it for every note when the vault
changes."""

from __future__ import annotations

import math
import re
from typing import Iterable, Mapping

from vaulttool.core.tags import segment as seg
from vaulttool.core.tags.concepts import concept_key, junk_reason
from vaulttool.core.tags.rules import TagConfig, apply_synonyms_and_nesting, clean_tag, tag_key
from vaulttool.core.tags.words import MEMO_MAX, TAG_POS

__all__ = ["Chooser"]

# Weights of English terms ("name": acronyms, product and proper names; "word": ordinary words) and of
# compounds ("cmp").
_CLASS_WEIGHT = {"name": 1.15, "word": 0.55, "cmp": 1.25}
_WEIGHTS = {**_CLASS_WEIGHT, **TAG_POS}  # any class to its weight (0.5 for the others)

# Scoring constants, tuned with benchmarks/tag_quality.py on the clip corpus.
_TUNING = {
    "cap_min_docs": 50,  # vault size (notes) from which the share cap applies
    "cap_share": 0.5,  # a term in more than this share of the notes is too general to be a tag
    "prior_docs": 300.0,  # weight of jieba's IDF, in notes: the vault's own counts take over as it grows
    "salient_tf": 4,  # occurrences that make a term salient wherever it is
    "salient_desc": 2,  # occurrences in the description (a summary) that make a term salient
    "min_score": 0.0,  # a term scoring less is no tag (none rather than filler)
    "plain_in_title": 1,  # ordinary nouns (jieba n, vn, un) only when in the title or an opening sentence
    "idf_power": 0.5,  # how much rarity counts: a concept many clips share is no worse a tag
    "desc": 0.5,  # weight of an occurrence in the description (it summarises the body)
    "title": 1.0,  # bonus for a term in the title
    "lead": 0.3,  # bonus for a term in an opening sentence (of the description or the body)
    # Termhood (see :func:`termhood`): ln of how many times more common a word is in the vault's clips
    # than in general Chinese documents. A plain word needs e^3 ≈ 20 times; a name (jieba nr, ns, nt,
    # nz) half that log-ratio, e^1.5 ≈ 4.5 times (it names one thing; 北京, 上海 in an AI vault do not).
    "termhood": 3.0,
    "entity_termhood": 1.5,
}


_ENTITY = frozenset(("nr", "nrt", "nrfg", "ns", "nt", "nz"))  # jieba's names, places, organisations, other proper nouns
_PLAIN = frozenset(("n", "vn", "un", "ng"))  # jieba's ordinary nouns (names, places, organisations: nr, ns, nt, nz)
_LATIN_RUN = re.compile(r"[A-Za-z0-9.+_\-]+")
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


def termhood(form: str, d: int, n: int, general_idf: Mapping[str, float]) -> float | None:
    """How much more a word belongs to this vault than to general Chinese: ``ln((d/n) / p)``, where
    ``d/n`` is the share of the vault's unique clips about it and ``p = e^-idf`` its share of general
    documents, from jieba's IDF table (computed on a general corpus). ``None`` for a word that table
    does not hold (rare in general language: a term of the field, a new name, or a compound).

    A generic word (重点, 关系, 价值, 方向) is about as common in general text as in the vault (termhood
    near 0 to 2); a term of the field (算法, 机器人, 神经网络) is far more common in the vault (4 to 6)."""
    idf = general_idf.get(form)
    if idf is None or n < 1:
        return None
    return math.log(max(d, 1) / n) + idf


def salient(entry) -> bool:
    """A term the note is about: in its title or an opening sentence, twice in its description (a
    summary), or four times anywhere. Only these count in the vault's document frequencies (so a
    term is promoted when enough clips are *about* it), and only these may be a note's tag."""
    return entry[2] >= 1 or entry[4] >= 1 or entry[1] >= _TUNING["salient_tf"] or entry[3] >= _TUNING["salient_desc"]


class Chooser:
    """Chooses tags for a :class:`~vaulttool.core.tags.tagger.Tagger`, remembering the vault's IDF (for one
    vault size) and what each term becomes as a tag."""

    def __init__(self, config: TagConfig, never: frozenset[str], user_stop: frozenset[str]) -> None:
        self.config = config
        self._never = never  # keys never a tag: function words, filler, the user's stop words
        self._user_stop = user_stop
        # What choose() computed: the vault's IDF by document frequency (for one vault size) and tags.
        self._local_n = -1
        self._local: dict[int, float] = {}
        self._tags: dict[str, tuple] = {}
        self.vocabulary = None  # a vaulttool.core.tags.vocab.Vocabulary, or None (no aliases known)
        self._user_concepts: frozenset[str] = frozenset()  # keys of the vault's own (user, explicit) tags

    def candidate_terms(self, analysis: Mapping) -> set[str]:
        """The keys whose document frequency the vault must count for this note (once per URL): its
        terms, and the aliases it declares (see :func:`vaulttool.core.tags.vocab.alias_term`)."""
        from vaulttool.core.tags.vocab import LOWER_PREFIX, alias_term

        terms = analysis.get("terms", {})
        out = {k for k, e in terms.items() if len(e) != 6 or salient(e)}
        for key, entry in terms.items():  # an English word the note writes in lower case
            if len(entry) == 6 and entry[5] == "word" and key.isalpha():
                out.add(LOWER_PREFIX + key)
        if analysis.get("lang"):  # a language the segmenter does not know: say so (``vaulttool show``)
            out.add("\x04" + str(analysis["lang"]))
        for pair in analysis.get("aliases", ()):
            if len(pair) == 2:
                out.add(alias_term(pair[0], pair[1]))
        return out

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
        desc_w, title_w, lead_w = w["desc"], w["title"], w["lead"]
        if self._local_n != n:  # the vault's IDF by document frequency, for this vault size
            self._local_n, self._local = n, {}
        local_idf = self._local
        never = self._never
        df_get, jidf_get, weight_of, log = df.get, jidf.get, _WEIGHTS.get, math.log

        vocab = self.vocabulary
        min_clips = config.min_clips
        explicit_keys |= {concept_key(e) for e in explicit}
        terms = analysis.get("terms", {})
        # first words of English names in this note (``Sam`` of ``Sam-Altman``): never a tag alone
        name_parts = {part for k, e in terms.items() if len(e) == 6 and e[5] == "cmp" and e[0].isascii()
                      and "-" in e[0] and e[0][:1].isupper() for part in (tag_key(e[0].split("-")[0]),)}
        best: dict[str, tuple[float, str, str, str]] = {}  # concept key -> (-score, key, form, as written)
        for key, entry in terms.items():
            if len(entry) != 6 or key in never or key in explicit_keys:
                continue  # (an entry of another ANALYSIS_VERSION is skipped, not trusted)
            form, tf, title_tf, desc_tf, lead_tf, cls = entry
            if not (title_tf or lead_tf or tf >= w["salient_tf"] or desc_tf >= w["salient_desc"]) or junk_reason(form, cls) is not None:
                continue
            if w["plain_in_title"] and cls in _PLAIN and not (title_tf or lead_tf):
                continue  # an ordinary noun is a tag only where it names the subject (title, first sentence)
            if cls == "word" and "-" not in form and (vocab is None or vocab.resolve(key)[1] is None):
                continue  # an ordinary English word alone (cost, deep, visual): no concept of its own
            if cls == "cmp" and not form.isascii() and _LATIN_RUN.sub("", form) in never:
                continue  # an English name and a generic word (DeepSeek官方, AI领域): the name is the tag
            if form.isascii() and form.istitle() and "-" not in form and tag_key(form) in name_parts:
                continue  # a first name alone
            if (form.isascii() and form.isalpha() and (form.istitle() or form.isupper() or form.islower())
                    and vocab is not None and vocab.resolve(key)[1] is None and vocab.ordinary(key)):
                continue  # an ordinary English word (Play, PLAY, size: the vault writes it in lower case)
            d = df_get(key, 1)
            if d < 1:
                d = 1
            if cls != "cmp" and seg.is_han(form):
                th = termhood(form, d, n, jidf)
                if th is not None and th < w["entity_termhood" if cls in _ENTITY else "termhood"]:
                    continue  # a generic word of the language (重点, 主题, 关系), not a concept of the vault
            original = form
            concept, spelt = vocab.resolve(key) if vocab is not None else (key, None)
            if spelt is not None:
                if concept in explicit_keys or concept in never:
                    continue
                d = max(d, vocab.df(concept))
                form = spelt
            elif self._user_concepts and key in self._user_concepts:
                d = max(d, min_clips)
            if d < min_clips:
                continue  # not (yet) a concept of the vault: too few unique clips hold it
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
            idf = (alpha * local + beta * prior) ** w["idf_power"]
            weighted = title_tf + desc_w * desc_tf + (tf - title_tf - desc_tf)
            if weighted < 1.0:
                weighted = 1.0
            tfw = 1.0 + log(weighted) + (title_w if title_tf >= 1 else title_w * title_tf) + (
                lead_w if lead_tf >= 1 else lead_w * lead_tf
            )
            value = round(tfw * idf * weight_of(cls, 0.5), 9)
            if value < w["min_score"]:
                continue
            item = (-value, key, form, original)
            if concept not in best or item < best[concept]:
                best[concept] = item
        scored = sorted(best.values())

        chosen: list[str] = []
        taken: list[str] = []  # tag keys of the chosen terms (English with their hyphens)
        for _score, key, form, original in scored:
            if len(chosen) >= config.max_tags:
                break
            mapped, tag, tkey, mapped_key = self._tag_of(form)
            if tag is None or len(tag) < 2:
                continue
            skip = False
            for t in taken:
                if _overlaps(tkey, t):
                    skip = True
                    break
            if skip:
                continue
            if tkey in explicit_keys or tkey in taken or tkey in self._user_stop:
                continue
            if tkey in never and concept_key(mapped) == key:
                continue  # cleaning made it a stop word ("AI+" → "AI"); a configured synonym may
            if concept_key(tag) in explicit_keys:
                continue
            chosen.append(tag)
            taken.append(tkey)
            if tag_key(original) != tkey:  # (a synonym's tag: the name it stands for covers its parts)
                taken.append(tag_key(original))
        return chosen

    def _tag_of(self, form: str) -> tuple:
        """``(the form as the vault spells it, that as a valid tag or None, the tag's key, the vault
        spelling's key)``, cached by form (the vault's settings are the Tagger's)."""
        got = self._tags.get(form)
        if got is None:
            mapped = apply_synonyms_and_nesting(form, self.config)
            tag = clean_tag(mapped)
            got = (mapped, tag, tag_key(tag) if tag else None, tag_key(mapped))
            if len(self._tags) > MEMO_MAX:
                self._tags.clear()
            self._tags[form] = got
        return got
