"""Full-text search queries: parse what the user typed, build the FTS5 MATCH string, check hits.

Syntax: words are ANDed; ``"a phrase"``; ``OR`` between two terms; ``-word`` or ``-"phrase"`` excludes.

Each term is cut as the index text is (:mod:`vaulttool.core.query.searchtext`: Han text one character
a token, Latin words whole, everything folded) and looked for as a phrase of those tokens, so a Han
term matches wherever it stands as a substring and a Latin word only as a whole word. A term the
tokens cannot say exactly (``C++``, ``GPT-4o``, a quoted phrase of Latin words) is marked
``check``: the index gives candidates, and :meth:`Query.matches` decides on the note's own text.
Every phrase reaches FTS5 double-quoted, so no user text is ever read as FTS5 syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from vaulttool.core.query.searchtext import fold, needs_check, phrase_variant, query_tokens, term_regex
from vaulttool.errors import UsageError

__all__ = ["SearchQueryError", "Term", "Query", "parse", "to_fts"]

_TOKEN = re.compile(r'\s*(-?)"([^"]*)"|\s*(-?)(\S+)')


class SearchQueryError(UsageError, ValueError):
    pass


@dataclass
class Term:
    text: str
    phrase: bool = False

    @cached_property
    def forms(self) -> list[str]:
        """The spellings looked for: the term, and its phrase-by-phrase simplified form when that is
        another (``藉此``: also ``借此``)."""
        other = phrase_variant(self.text)
        return [self.text] if other is None else [self.text, other]

    @cached_property
    def tokens(self) -> list[str]:
        return query_tokens(self.text)

    @cached_property
    def check(self) -> bool:
        """Whether index hits of this term must be checked against the note's text."""
        return needs_check(self.text)

    @cached_property
    def patterns(self) -> list:
        return [term_regex(f) for f in self.forms]

    def search(self, folded: str) -> bool:
        return any(p.search(folded) for p in self.patterns)

    def fts(self) -> str:
        tokens = self.tokens
        if not tokens:
            raise SearchQueryError(f"nothing to look for in {self.text!r} (give letters, digits or Han characters)")
        phrases = ['"' + " ".join(t.replace('"', '""') for t in query_tokens(f)) + '"' for f in self.forms]
        return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


@dataclass
class Query:
    groups: list[list[Term]] = field(default_factory=list)  # AND of ORs
    exclude: list[Term] = field(default_factory=list)

    def words(self) -> list[str]:
        return [t.text for g in self.groups for t in g]

    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    @property
    def check(self) -> bool:
        """Whether the index's answer is a superset to be checked note by note."""
        return any(t.check for t in self.terms()) or any(t.check for t in self.exclude)

    def matches(self, text: str, folded: bool = False) -> bool:
        """Whether a note's text (title, tags and body) holds what the query asks for."""
        f = text if folded else fold(text)
        if not all(any(t.search(f) for t in group) for group in self.groups):
            return False
        return not any(t.search(f) for t in self.exclude)


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
        term.fts()  # a term of symbols alone is refused here, with its text named
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


def to_fts(query: Query) -> str:
    """The FTS5 MATCH expression of ``query``. Exclusions whose index answer is only a superset
    (terms to check) are left out here: excluding a superset would drop notes that do not hold
    the term; :meth:`Query.matches` applies them."""
    parts = []
    for group in query.groups:
        terms = [t.fts() for t in group]
        parts.append(terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")")
    expr = " AND ".join(parts)
    for term in query.exclude:
        if not term.check:
            expr = f"({expr}) NOT {term.fts()}"
    return expr
