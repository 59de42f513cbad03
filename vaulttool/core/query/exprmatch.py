"""Tag expressions evaluated: :func:`matches` in Python, :func:`to_sql` as a WHERE fragment, with the
same semantics (see :mod:`vaulttool.core.query.tagexpr`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from vaulttool.core.query.exprparse import And, Expr, Not, Or, Tag
from vaulttool.core.tags.rules import tag_key

# A tag's identity (NFKC + casefold), shared with the index so that both sides agree.
_key = tag_key

# --------------------------------------------------------------------------------------- matching


def _glob_pattern(name: str) -> str:
    """A GLOB pattern for a user glob: literal parts keyed, GLOB's own specials made literal."""
    out = []
    for part in re.split(r"([*?])", name):
        if part in ("*", "?"):
            out.append(part)
        else:
            out.append(re.sub(r"([\[*?])", r"[\1]", _key(part)))
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _glob_regex(name: str) -> re.Pattern[str]:
    out = []
    for part in re.split(r"([*?])", name):
        out.append(".*" if part == "*" else "." if part == "?" else re.escape(_key(part)))
    body = "".join(out)
    return re.compile(f"(?:{body})(?:/.*)?", re.S)


def _plain_key(tag: Tag) -> str:
    return _key(tag.name).rstrip("/") or _key(tag.name)


def _tag_matches(tag: Tag, keys: set[str]) -> bool:
    if tag.glob:
        rx = _glob_regex(tag.name)
        return any(rx.fullmatch(k) for k in keys)
    k = _plain_key(tag)
    if tag.exact:
        return k in keys
    prefix = k + "/"
    return any(x == k or x.startswith(prefix) for x in keys)


def matches(expr: Expr, tags: Iterable[str]) -> bool:
    """Whether a note with these tags (any spelling) matches; the same semantics as :func:`to_sql`."""
    keys = {_key(t) for t in tags}
    return _eval(expr, keys)


def _eval(expr: Expr, keys: set[str]) -> bool:
    if isinstance(expr, Tag):
        return _tag_matches(expr, keys)
    if isinstance(expr, Not):
        return not _eval(expr.operand, keys)
    if isinstance(expr, And):
        return all(_eval(o, keys) for o in expr.operands)
    return any(_eval(o, keys) for o in expr.operands)


# -------------------------------------------------------------------------------------------- SQL

_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")


def _condition(tag: Tag) -> tuple[str, list]:
    """A condition on ``note_tags.key`` for one term; index-friendly when the term is not a glob."""
    if tag.glob:
        pattern = _glob_pattern(tag.name)
        if pattern.endswith("*"):
            return "key GLOB ?", [pattern]
        return "(key GLOB ? OR key GLOB ?)", [pattern, pattern + "/*"]
    k = _plain_key(tag)
    if tag.exact:
        return "key = ?", [k]
    # Every key nested under k sorts in [k + "/", k + "0"): "0" is the character after "/".
    return "(key = ? OR (key >= ? AND key < ?))", [k, k + "/", k + "0"]


def to_sql(expr: Expr, note_id_column: str = "n.id") -> tuple[str, list]:
    """A WHERE fragment selecting the notes matching ``expr`` and its parameters.

    The fragment refers to ``note_id_column`` (an identifier such as ``n.id``, checked) and to the
    table ``note_tags(note_id INTEGER NOT NULL, key TEXT)``; an index on ``note_tags(key, note_id)``
    serves every non-glob term. Parentheses make it safe to AND with other conditions.
    """
    if not _COLUMN.fullmatch(note_id_column):
        raise ValueError(f"not a column name: {note_id_column!r}")
    col = note_id_column

    def atoms(tags: list[Tag], negate: bool) -> tuple[str, list]:
        conds, params = [], []
        for tag in tags:
            c, p = _condition(tag)
            conds.append(c)
            params.extend(p)
        op = "NOT IN" if negate else "IN"
        return f"{col} {op} (SELECT note_id FROM note_tags WHERE {' OR '.join(conds)})", params

    def walk(e: Expr) -> tuple[str, list]:
        if isinstance(e, Tag):
            return atoms([e], False)
        if isinstance(e, Not):
            inner = e.operand
            if isinstance(inner, Tag):
                return atoms([inner], True)
            if isinstance(inner, Or) and all(isinstance(o, Tag) for o in inner.operands):
                return atoms(list(inner.operands), True)  # type: ignore[arg-type]
            sql, params = walk(inner)
            return f"NOT ({sql})", params
        parts: list[str] = []
        params: list = []
        operands = list(e.operands)
        if isinstance(e, Or):
            # All plain terms of an OR share one sub-query.
            tags = [o for o in operands if isinstance(o, Tag)]
            if len(tags) > 1:
                sql, p = atoms(tags, False)
                parts.append(sql)
                params.extend(p)
                operands = [o for o in operands if not isinstance(o, Tag)]
        for o in operands:
            sql, p = walk(o)
            parts.append(sql)
            params.extend(p)
        if len(parts) == 1:
            return parts[0], params
        joiner = " AND " if isinstance(e, And) else " OR "
        return "(" + joiner.join(parts) + ")", params

    sql, params = walk(expr)
    return f"({sql})", params


# ------------------------------------------------------------------------------------ aliases


def expand_aliases(expr: Expr, names_of) -> Expr:
    """``expr`` with each plain tag term (not a glob) widened to every name of its concept:
    ``names_of(concept key)`` gives the tag and the other names the vault links to it (see
    :mod:`vaulttool.core.tags.vocab`), or nothing. ``NVIDIA`` then matches what ``英伟达`` matches;
    ``=x`` stays exact for each name, nesting works for each name as for the tag itself."""
    from vaulttool.core.tags.concepts import concept_key

    def walk(e: Expr) -> Expr:
        if isinstance(e, Tag):
            if e.glob:
                return e
            names = [n for n in names_of(concept_key(e.name)) if _key(n) != _key(e.name)]
            if not names:
                return e
            return Or(tuple([e, *(Tag(n, False, e.exact) for n in names)]))
        if isinstance(e, Not):
            return Not(walk(e.operand))
        return type(e)(tuple(walk(o) for o in e.operands))

    return walk(expr)
