"""The tagger behind the index's cache of analyses: jieba is loaded only for a text not analysed before."""

from __future__ import annotations

from vaulttool.vault.files import digest

__all__ = ["CachedTagger", "analysis_key"]


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

    @property
    def tagger(self):
        if self._tagger is None:
            from vaulttool.core.tags.tagger import Tagger

            self._tagger = Tagger(self.config)
        return self._tagger

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
        return self.tagger.choose(analysis, df, n_docs, explicit=explicit)

    def candidate_terms(self, analysis):
        return self.tagger.candidate_terms(analysis)
