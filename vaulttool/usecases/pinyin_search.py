"""``search --pinyin``: each pinyin word of the query becomes the vault's Han words that read so.

A typed string (``jiqixuexi`` in full, ``jqxx`` by initials) is read as a run of words, each one of
the vault's own terms (``note_terms``), a word of jieba's dictionary (two characters or more), or a
single character of the index, that together read as the string (each character by its most common
reading; by any when that finds nothing), and that the vault holds as a substring (each step is
checked in the full-text index, so nothing is proposed that no note holds): ``jqxx`` is ``机器`` +
``学习``. At each
position only the most frequent candidates are followed (:data:`PER_STEP`). The most frequent
:data:`MAX_WORDS` runs are searched for, ORed: ``jqxx`` becomes ``机器学习 OR 经济形象 ...``.
"""

from __future__ import annotations

from vaulttool.index.store import Store

__all__ = ["expand", "MAX_WORDS", "PER_STEP"]

MAX_WORDS = 10
PER_STEP = 30  # runs kept at each position of the typed string
CHARS_PER_STEP = 12  # single characters tried at each position (the most frequent ones)
MAX_PARTS = 4


class _Counts:
    """How many notes hold a Han string (cached), from the full-text index."""

    def __init__(self, store: Store):
        self.store = store
        self.cache: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        n = self.cache.get(text)
        if n is None:
            from vaulttool.core.query.search import Term

            n = self.store.conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (Term(text).fts(),)).fetchone()[0]
            self.cache[text] = n
        return n

    def chars(self, chars: list[str]) -> dict[str, int]:
        """Note counts of single characters, read from the index's vocabulary (no document list read)."""
        out: dict[str, int] = {}
        for i in range(0, len(chars), 500):
            chunk = chars[i : i + 500]
            out.update(self.store.conn.execute(
                f"SELECT term, doc FROM fts_vocab WHERE term IN ({','.join('?' * len(chunk))})", chunk))
        self.cache.update(out)
        return out


def _best(found: list[tuple[str, int, int]], keep: int) -> list[tuple[str, int, int]]:
    """The ``keep`` most frequent (word, end, notes) of each end position (words no note holds left out)."""
    by_end: dict[int, dict[str, tuple[str, int, int]]] = {}
    for w, e, n in found:
        if n:
            by_end.setdefault(e, {})[w] = (w, e, n)
    out = []
    for e, items in by_end.items():
        out += sorted(items.values(), key=lambda x: (-x[2], x[0]))[:keep]
    return out


def _runs(groups: dict[str, list[str]], chars: dict[str, list[str]], typed: str, count: _Counts,
          mode: str, primary: bool) -> dict[str, int]:
    from vaulttool.core.query.pinyin import starting

    n = len(typed)
    reach: dict[int, dict[str, tuple[int, int]]] = {0: {"": (0, 0)}}  # end -> run -> (notes, parts)
    for p in range(n):
        runs = reach.get(p)
        if not runs:
            continue
        # words of the vault: the most frequent ones followed
        words = _best([(w, e, count(w)) for w, e in starting(groups, typed, p, mode, primary) if len(w) > 1], PER_STEP)
        singles = starting(chars, typed, p, mode, True)
        freq = count.chars(sorted({c for c, _ in singles}))
        words += _best([(c, e, freq.get(c, 0)) for c, e in singles], CHARS_PER_STEP)
        for run, (notes, parts) in runs.items():
            if parts >= MAX_PARTS:
                continue
            for w, e, c in words:
                text = run + w
                held = c if not run else count(text)
                if held:
                    bucket = reach.setdefault(e, {})
                    if text not in bucket:
                        bucket[text] = (held, parts + 1)
        for e in {e for _, e, _ in words}:
            bucket = reach.get(e)
            if bucket and len(bucket) > PER_STEP:
                keep = sorted(bucket.items(), key=lambda kv: -kv[1][0])[:PER_STEP]
                reach[e] = dict(keep)
    return {t: notes for t, (notes, _) in reach.get(n, {}).items() if len(t) > 1}


def expand(store: Store, text: str, info: dict | None = None) -> str:
    """``text`` with each pinyin word replaced by ``word1 OR word2 ...`` (``-pinyin``: each word
    excluded); words that are not pinyin (Han text, ``OR``) stay. A pinyin word no Han string of the
    vault reads as is kept as it is (it then matches Latin text only)."""
    from vaulttool.core.query.pinyin import by_first_char, dictionary_words, is_pinyin, normalise

    terms: list[str] | None = None
    han: list[str] = []
    count = _Counts(store)
    parts: list[str] = []
    found: dict[str, list[str]] = {}
    for raw in text.split():
        neg = raw.startswith("-") and len(raw) > 1
        word = raw[1:] if neg else raw
        if word == "OR" or not is_pinyin(word):
            parts.append(raw)
            continue
        typed = normalise(word)
        if terms is None:
            terms = [r[0] for r in store.conn.execute("SELECT DISTINCT term FROM note_terms") if len(r[0]) > 1]
            terms += dictionary_words()  # (a word in both is looked at twice: cheaper than merging)
            han = [r[0] for r in store.conn.execute(
                "SELECT term FROM fts_vocab WHERE term >= '\u3400' AND term < '\ua000'") if len(r[0]) == 1]
        groups = by_first_char(terms, typed)
        chars = {c: [c] for c in han}
        runs: dict[str, int] = {}
        for primary in (True, False):  # the characters' common readings first; all of them if none fits
            for mode in ("full", "initials"):
                runs.update(_runs(groups, chars, typed, count, mode, primary))
            if runs:
                break
        words = [t for t, _ in sorted(runs.items(), key=lambda kv: (-kv[1], kv[0]))][:MAX_WORDS]
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
