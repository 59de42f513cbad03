"""The tagger behind the index's cache of analyses (jieba is loaded only for a text not analysed
before), and the vault's vocabulary: built from what the whole vault holds before any clip is tagged,
so that a clip's tags do not depend on the order the clips arrived in (see
:mod:`vaulttool.core.tags.vocab`)."""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from vaulttool.vault.files import digest

__all__ = ["CachedTagger", "analysis_key", "refresh_aliases", "alias_rows"]


def analysis_key(title: str, description: str, body: str) -> str:
    from vaulttool.core.clip.machinery import MACHINERY_VERSION
    from vaulttool.core.tags.tagger import ANALYSIS_VERSION

    text = "\x1f".join((f"{ANALYSIS_VERSION}.m{MACHINERY_VERSION}", title, description, body))
    return digest(text.encode("utf-8", "surrogatepass"))


class CachedTagger:
    """The tagger behind the index's cache of analyses (keyed by the text analysed), loading jieba
    only when a text is not in the cache."""

    def __init__(self, store, config):
        self.store = store
        self.config = config
        self._tagger = None
        self.analysed = 0
        self.vocabulary = None

    @property
    def tagger(self):
        if self._tagger is None:
            from vaulttool.core.tags.tagger import Tagger

            self._tagger = Tagger(self.config)
            if self.vocabulary is not None:
                self._tagger.set_vocabulary(self.vocabulary)
        return self._tagger

    def use_vocabulary(self, markers: Mapping[str, int], df_of: Callable[[Iterable[str]], Mapping[str, int]]):
        """Build the vault's vocabulary (declared aliases, synonyms, words written in lower case) from
        counts over the whole vault; every clip chosen for from now on uses it."""
        from vaulttool.core.tags.vocab import Vocabulary

        self.vocabulary = Vocabulary(markers, df_of, self.config.synonyms)
        if self._tagger is not None:
            self._tagger.set_vocabulary(self.vocabulary)
        return self.vocabulary

    def vocabulary_from_index(self):
        from vaulttool.index.vocab import marker_counts

        store = self.store
        return self.use_vocabulary(marker_counts(store.conn), lambda keys: store.doc_freq(keys)[0])

    def analyse_keyed(self, title, description, body) -> tuple[dict, str, bool]:
        key = analysis_key(title, description, body)
        cached = self.store.get_analysis(key)
        if cached is not None:
            return cached, key, False
        from vaulttool.core.clip.machinery import tagging_text

        result = self.tagger.analyse(*tagging_text(title, description, body))  # (clip machinery left out)
        self.analysed += 1
        self.store.put_analysis(key, result)
        return result, key, False

    def analyse(self, title, description, body):
        return self.analyse_keyed(title, description, body)[0]

    def choose(self, analysis, df, n_docs, explicit=()):
        if self.vocabulary is None:
            self.vocabulary_from_index()
        return self.tagger.choose(analysis, df, n_docs, explicit=explicit)

    def candidate_terms(self, analysis):
        return self.tagger.candidate_terms(analysis)


def alias_rows(vocabulary, config) -> list[tuple[str, str, str, str, str]]:
    """Rows of the index's alias table: every name of a linked concept (and every user synonym) to
    the tag that stands for it."""
    from vaulttool.core.tags.concepts import concept_key
    from vaulttool.core.tags.rules import apply_synonyms_and_nesting, clean_tag, tag_key

    rows: dict[str, tuple[str, str, str, str, str]] = {}

    def add(name: str, tag: str, source: str) -> None:
        tag = clean_tag(apply_synonyms_and_nesting(tag, config)) or ""
        if not tag or not name:
            return
        rows.setdefault(concept_key(name), (concept_key(name), name, tag, tag_key(tag), source))

    for variant_key, canonical in sorted(config.synonyms.items()):
        add(canonical, canonical, "synonym")
    if vocabulary is not None:
        for spelling, names in sorted(vocabulary.aliases().items()):
            add(spelling, spelling, "declared")
            for name in names:
                add(name, spelling, "declared")
    for variant_key, canonical in sorted(config.synonyms.items()):
        tag = clean_tag(canonical)
        if tag and concept_key(variant_key) not in rows:
            rows[concept_key(variant_key)] = (concept_key(variant_key), variant_key, tag, tag_key(tag), "synonym")
    return sorted(rows.values())


def refresh_aliases(store, config, vocabulary=None) -> bool:
    """Write the alias table from the vocabulary (built from the index when not given)."""
    from vaulttool.index.vocab import write_aliases

    if vocabulary is None:
        vocabulary = CachedTagger(store, config).vocabulary_from_index()
    return write_aliases(store.conn, alias_rows(vocabulary, config))
