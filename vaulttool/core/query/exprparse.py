"""Tag expressions: the syntax tree, the lexer and the parser (the syntax is in :mod:`vaulttool.core.query.tagexpr`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from vaulttool.errors import UsageError


class TagExprError(UsageError, ValueError):
    """A tag expression that cannot be parsed; the message says where and why."""


# ----------------------------------------------------------------------------------------- the tree


class _Node:
    """Immutable value objects, equal and hashable by their fields (plain classes: dataclasses would
    add milliseconds to the start of ``vaulttool query``)."""

    __slots__: tuple[str, ...] = ()

    def __init__(self, *values) -> None:
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _fields(self) -> tuple:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._fields() == other._fields()  # type: ignore[union-attr]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._fields()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self._fields()))})"


class Tag(_Node):
    """One tag term. ``name`` is as written (without ``#``/``=``); ``glob`` when it holds ``*``/``?``
    outside quotes; ``exact`` when prefixed with ``=`` (no nested match)."""

    __slots__ = ("name", "glob", "exact")

    def __init__(self, name: str, glob: bool = False, exact: bool = False) -> None:
        super().__init__(name, glob, exact)

    def __str__(self) -> str:
        text = self.name
        if not self.glob and (not _WORD_OK.fullmatch(text) or text in _KEYWORDS):
            quote = "'" if '"' in text else '"'
            text = quote + text + quote
        return ("=" if self.exact else "") + text


class Not(_Node):
    __slots__ = ("operand",)

    def __str__(self) -> str:
        inner = str(self.operand)
        return f"-{inner}" if isinstance(self.operand, Tag) else f"NOT ({inner})"


class And(_Node):
    __slots__ = ("operands",)

    def __str__(self) -> str:
        return ", ".join(str(o) for o in self.operands)


class Or(_Node):
    __slots__ = ("operands",)

    def __str__(self) -> str:
        return " | ".join(f"({o})" if isinstance(o, And) else str(o) for o in self.operands)


Expr = Tag | Not | And | Or

_KEYWORDS = {"AND", "OR", "NOT"}
_WORD_OK = re.compile(r"[^\s,|()\"'*?=#-][^\s,|()\"'*?]*")

# ------------------------------------------------------------------------------------------ lexing

_SPECIAL = set(",|()\"'")
_SINGLE = {",": "and", "|": "or", "(": "(", ")": ")", "-": "not"}  # "-" only where a term starts
# Characters refused in an unquoted tag: they look like operators of other syntaxes (&&, !, ~, ^)
# or can never be part of a tag. Quote the tag to use them anyway.
_REFUSED = set("&!<>;\\[]{}~^=`")


class _Tok(NamedTuple):
    kind: str  # "tag", "and", "or", "not", "(", ")", "end"
    col: int  # 1-based column of the token's first character
    text: str = ""
    tag: Tag | None = None


def _lex(expr: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        col = i + 1
        if ch.isspace():
            i += 1
        elif ch in _SINGLE:
            toks.append(_Tok(_SINGLE[ch], col, ch))
            i += 1
        elif ch in "\"'":
            end = expr.find(ch, i + 1)
            if end < 0:
                raise TagExprError(f"unclosed quote {ch} at column {col} in tag expression {expr!r}")
            name = expr[i + 1 : end].strip()
            if name.startswith("#"):
                name = name[1:]
            if not name:
                raise TagExprError(f"empty quoted tag at column {col} in tag expression {expr!r}")
            toks.append(_Tok("tag", col, expr[i : end + 1], Tag(name)))
            i = end + 1
        else:
            j = i
            while j < n and not expr[j].isspace() and expr[j] not in _SPECIAL:
                j += 1
            toks.append(_word(expr, expr[i:j], col))
            i = j
    toks.append(_Tok("end", n + 1))
    return toks


def _word(expr: str, word: str, col: int) -> _Tok:
    if word in _KEYWORDS:
        return _Tok(word.lower(), col, word)
    if word.upper() in _KEYWORDS:
        raise TagExprError(
            f"{word!r} at column {col}: write {word.upper()} for the operator, or \"{word}\" (quoted) "
            f"for a tag of that name"
        )
    exact = word.startswith("=")
    name = word[1:] if exact else word
    if name.startswith("#"):
        name = name[1:]
    if not name:
        raise TagExprError(f"empty tag at column {col} in tag expression {expr!r}")
    for off, ch in enumerate(name):
        if ch in _REFUSED or ch == "#":
            where = col + (len(word) - len(name)) + off
            raise TagExprError(
                f"unknown operator or character {ch!r} at column {where} in tag expression {expr!r} "
                f"(use ',' AND, '|' OR, '-' NOT, or quote the tag)"
            )
    glob = "*" in name or "?" in name
    return _Tok("tag", col, word, Tag(name, glob=glob, exact=exact))


# ----------------------------------------------------------------------------------------- parsing

_STARTS_OPERAND = {"tag", "not", "("}
_SHOW = {"and": "','/AND", "or": "'|'/OR", "not": "'-'/NOT", ")": "')'", "end": "the end"}


class _Parser:
    def __init__(self, expr: str):
        self.expr = expr
        self.toks = _lex(expr)
        self.i = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def fail(self, what: str, tok: _Tok | None = None) -> TagExprError:
        tok = tok or self.tok
        return TagExprError(f"{what} at column {tok.col} in tag expression {self.expr!r}")

    def expect_operand(self, after: _Tok) -> None:
        if self.tok.kind not in _STARTS_OPERAND:
            found = _SHOW.get(self.tok.kind, repr(self.tok.text))
            raise self.fail(f"expected a tag after {after.text!r} but found {found}")

    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise TagExprError("empty tag expression")
        if self.tok.kind not in _STARTS_OPERAND:
            raise self.fail(f"expected a tag but found {_SHOW.get(self.tok.kind, self.tok.text)}")
        expr = self.parse_and()
        if self.tok.kind == ")":
            raise self.fail("unexpected ')'")
        assert self.tok.kind == "end"
        return expr

    def parse_and(self) -> Expr:
        items = [self.parse_or()]
        while True:
            if self.tok.kind == "and":
                op = self.tok
                self.i += 1
                self.expect_operand(op)
            elif self.tok.kind not in _STARTS_OPERAND:
                break
            items.append(self.parse_or())
        return _flat(And, items)

    def parse_or(self) -> Expr:
        items = [self.parse_unary()]
        while self.tok.kind == "or":
            op = self.tok
            self.i += 1
            self.expect_operand(op)
            items.append(self.parse_unary())
        return _flat(Or, items)

    def parse_unary(self) -> Expr:
        if self.tok.kind == "not":
            op = self.tok
            self.i += 1
            if self.tok.kind not in _STARTS_OPERAND:
                raise self.fail(f"dangling {op.text!r}: expected a tag after it", op)
            return Not(self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Expr:
        tok = self.tok
        if tok.kind == "tag":
            self.i += 1
            assert tok.tag is not None
            return tok.tag
        if tok.kind == "(":
            self.i += 1
            if self.tok.kind == ")":
                raise self.fail("empty parentheses", tok)
            if self.tok.kind not in _STARTS_OPERAND:
                raise self.fail(f"expected a tag but found {_SHOW.get(self.tok.kind, self.tok.text)}")
            inner = self.parse_and()
            if self.tok.kind != ")":
                raise self.fail("unclosed '('", tok)
            self.i += 1
            return inner
        raise self.fail(f"expected a tag but found {_SHOW.get(tok.kind, tok.text)}")  # pragma: no cover


def _flat(kind: type[And] | type[Or], items: list[Expr]) -> Expr:
    if len(items) == 1:
        return items[0]
    out: list[Expr] = []
    for item in items:
        out.extend(item.operands if isinstance(item, kind) else (item,))
    return kind(tuple(out))


def parse(expr: str) -> Expr:
    """Parse a tag expression; :class:`TagExprError` says what is wrong and at which column."""
    if not isinstance(expr, str):
        raise TypeError("tag expression must be a string")
    return _Parser(expr).parse()


def combine_and(exprs: Iterable[Expr | str]) -> Expr:
    """AND several expressions (repeated ``--tag`` options); strings are parsed first."""
    items = [parse(e) if isinstance(e, str) else e for e in exprs]
    if not items:
        raise TagExprError("empty tag expression")
    return _flat(And, items)
