"""``search --pinyin``: each pinyin word of the query becomes the vault's Han words that read so.

The words to choose from are the vault's own terms (``note_terms``) and jieba's dictionary; a word is
kept only when the index holds it (a note has it as a substring), the most frequent first, at most
:data:`MAX_WORDS` per pinyin word. The query is then an ordinary search: ``jqxx`` becomes
``机器学习 OR 机器学校 ...``.
"""

from __future__ import annotations

from vaulttool.index.store import Store

__all__ = ["expand", "MAX_WORDS"]

MAX_WORDS = 20


def _present(store: Store, words: list[str]) -> list[tuple[str, int]]:
    from vaulttool.core.query.search import Term

    out = []
    for w in words:
        n = store.conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (Term(w).fts(),)).fetchone()[0]
        if n:
            out.append((w, n))
    return sorted(out, key=lambda x: (-x[1], x[0]))


def expand(store: Store, text: str, info: dict | None = None) -> str:
    """``text`` with each pinyin word replaced by ``word1 OR word2 ...`` (``-pinyin``: each word
    excluded); words that are not pinyin (Han text, ``OR``) stay. A pinyin word no Han word of the
    vault reads as is kept as it is (it then matches Latin text only)."""
    from vaulttool.core.query.pinyin import dictionary_words, is_pinyin, matching

    vocab: list[str] | None = None
    parts: list[str] = []
    found: dict[str, list[str]] = {}
    for raw in text.split():
        neg = raw.startswith("-") and len(raw) > 1
        word = raw[1:] if neg else raw
        if word == "OR" or not is_pinyin(word):
            parts.append(raw)
            continue
        if vocab is None:
            vocab = list(dict.fromkeys([r[0] for r in store.conn.execute("SELECT DISTINCT term FROM note_terms")]
                                       + dictionary_words()))
        words = [w for w, _ in _present(store, matching(vocab, word))][:MAX_WORDS]
        found[word] = words
        if not words:
            parts.append(raw)
        elif neg:
            parts.extend("-" + w for w in words)
        else:
            parts.append(" OR ".join(words))
    if info is not None:
        info["pinyin"] = found
    return " ".join(parts)
