"""Full-text search queries: parse what the user typed, segment Chinese, build an FTS5 MATCH string.

Syntax: words are ANDed; ``"a phrase"``; ``OR`` between two terms; ``-word`` or ``-"phrase"`` excludes.
The index holds jieba-segmented text (``机器学习`` is indexed as ``机器 学习``; long words also as their
dictionary sub-words), so a Chinese run in the query is segmented against the words the index actually
holds (longest words first, fewest pieces): ``学习`` finds ``机器学习``, which a plain unicode61 index
cannot. No jieba is needed at query time. Every piece reaches FTS5 double-quoted, so no user text is
ever read as FTS5 syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from vaulttool.errors import UsageError

__all__ = ["SearchQueryError", "Query", "parse", "to_fts", "segment_run", "MAX_PIECE"]

MAX_PIECE = 8  # the longest indexed word looked for inside a Chinese run
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")
_TOKEN = re.compile(r'\s*(-?)"([^"]*)"|\s*(-?)(\S+)')


class SearchQueryError(UsageError, ValueError):
    pass


@dataclass
class Term:
    text: str
    phrase: bool = False


@dataclass
class Query:
    groups: list[list[Term]] = field(default_factory=list)  # AND of ORs
    exclude: list[Term] = field(default_factory=list)

    def words(self) -> list[str]:
        return [t.text for g in self.groups for t in g]


def parse(text: str) -> Query:
    q = Query()
    pending_or = False
    for m in _TOKEN.finditer(text):
        neg = m.group(1) or m.group(3)
        phrase = m.group(2) is not None
        word = m.group(2) if phrase else m.group(4)
        if not phrase and word == "OR":
            if not q.groups or pending_or:
                raise SearchQueryError("OR needs a word on each side")
            pending_or = True
            continue
        word = word.strip()
        if not word:
            continue
        term = Term(word, phrase)
        if neg:
            if pending_or:
                raise SearchQueryError("OR cannot join an excluded word (-word)")
            q.exclude.append(term)
        elif pending_or:
            q.groups[-1].append(term)
            pending_or = False
        else:
            q.groups.append([term])
    if pending_or:
        raise SearchQueryError("OR needs a word on each side")
    if not q.groups:
        raise SearchQueryError("give at least one word to look for (a query of only -words finds nothing)")
    return q


def segment_run(run: str, known: Callable[[str], bool]) -> list[str]:
    """Split a Chinese run into the fewest pieces the index knows (``known(piece)``); characters no
    known word covers stay as one-character pieces (they will match nothing, honestly)."""
    n = len(run)
    best: list[tuple[int, int] | None] = [None] * (n + 1)  # (pieces, index of previous cut)
    best[0] = (0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_PIECE), end):
            if best[start] is None:
                continue
            piece = run[start:end]
            if end - start > 1 and not known(piece):
                continue
            cost = best[start][0] + (1 if end - start > 1 or known(piece) else 3)
            if best[end] is None or cost < best[end][0]:
                best[end] = (cost, start)
    pieces = []
    end = n
    while end > 0:
        start = best[end][1]
        pieces.append(run[start:end])
        end = start
    return pieces[::-1]


def _pieces(text: str, known: Callable[[str], bool]) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _CJK.finditer(text):
        out.extend(text[pos : m.start()].split())
        out.extend(segment_run(m.group(0), known))
        pos = m.end()
    out.extend(text[pos:].split())
    return [p.lower() for p in out if p.strip()]


def _fts_term(term: Term, known: Callable[[str], bool]) -> str:
    pieces = _pieces(term.text, known)
    if not pieces:
        raise SearchQueryError(f"nothing to look for in {term.text!r}")
    return '"' + " ".join(p.replace('"', '""') for p in pieces) + '"'


def to_fts(query: Query, known: Callable[[str], bool]) -> str:
    """The FTS5 MATCH expression of ``query``."""
    parts = []
    for group in query.groups:
        terms = [_fts_term(t, known) for t in group]
        parts.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    expr = " AND ".join(parts)
    for term in query.exclude:
        expr = f"({expr}) NOT {_fts_term(term, known)}"
    return expr
