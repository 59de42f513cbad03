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
:mod:`vaulttool.core.tags.segment`); importing this module does not import jieba.

:class:`Tagger` holds the tag settings and joins the two steps, done by
:mod:`vaulttool.core.tags.analysis` (step 1) and :mod:`vaulttool.core.tags.choice` (step 2), with what
a word form means for both in :mod:`vaulttool.core.tags.words`.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from vaulttool.core.tags.stopwords import FILLER, FUNCTION_WORDS
from vaulttool.core.tags.analysis import ANALYSIS_VERSION, Analyser
from vaulttool.core.tags.choice import Chooser
from vaulttool.core.tags.concepts import concept_key
from vaulttool.core.tags.rules import TagConfig, tag_key

__all__ = ["ANALYSIS_VERSION", "Tagger"]


class Tagger:
    """Derives tags from a note's title, description and body (see the module docstring)."""

    def __init__(self, config: TagConfig | None = None) -> None:
        self.config = config or TagConfig()
        user_stop = frozenset(tag_key(w) for w in self.config.stopwords)
        never = FUNCTION_WORDS | FILLER | user_stop
        never = never | frozenset(concept_key(w) for w in never)
        self._analyser = Analyser(self.config, never)
        self._chooser = Chooser(self.config, never, user_stop)

    def _j(self) -> dict:
        return self._analyser.jieba()

    def analyse(self, title: str, description: str, body: str, exclude: Iterable[str] = ()) -> dict:
        """Tokenise a note once; return its candidate terms and its search text (the format is
        described at :meth:`Analyser.analyse <vaulttool.core.tags.analysis.Analyser.analyse>`)."""
        return self._analyser.analyse(title, description, body, exclude)

    def candidate_terms(self, analysis: Mapping) -> set[str]:
        """The keys whose document frequency the vault must count for this note (once per URL)."""
        return self._chooser.candidate_terms(analysis)

    def set_vocabulary(self, vocabulary, user_tags: Iterable[str] = ()) -> None:
        """The vault's concepts (a :class:`~vaulttool.core.tags.vocab.Vocabulary`) and its own tags (the
        user's and the clips' explicit ones: part of the vocabulary whatever their count)."""
        self._chooser.vocabulary = vocabulary
        self._chooser._user_concepts = frozenset(concept_key(t) for t in user_tags)

    def choose(self, analysis: Mapping, df: Mapping[str, int], n_docs: int,
               explicit: Iterable[str] = ()) -> list[str]:
        """Up to ``max_tags`` derived tags, best first: valid Obsidian tags, never an explicit tag
        (how they are weighed: :meth:`Chooser.choose <vaulttool.core.tags.choice.Chooser.choose>`)."""
        return self._chooser.choose(analysis, df, n_docs, explicit)
