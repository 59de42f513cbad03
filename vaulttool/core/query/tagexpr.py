"""Tag expressions, as in zk's ``--tag`` option, and their translation to SQL.

Syntax (zk's, plus parentheses and a few safe extensions):

- ``a, b`` or ``a AND b`` or ``a b``: notes with both tags. A comma is zk's AND; whitespace between
  two tags also means AND here (an Obsidian tag cannot hold a space, so nothing else could be meant).
- ``a|b`` or ``a OR b``: either tag. OR binds tighter than AND, as in zk: ``inbox OR todo, NOT done``
  is ``(inbox OR todo) AND NOT done``.
- ``-a`` or ``NOT a``: notes without the tag; binds tightest. ``a OR NOT b`` is accepted (zk refuses it).
- ``( ... )`` groups.
- ``ai/*``, ``*llm*``, ``v?``: globs (``*`` any run of characters, ``/`` included; ``?`` one character).
- ``"..."`` or ``'...'``: a literal tag, no operator, prefix or glob inside (``"NOT"`` is a tag).
- ``#ai`` is ``ai``; ``=ai`` matches ``ai`` only, not the nested ``ai/llm``.

Keywords are upper case only. A lower-case ``and``/``or``/``not`` is refused with a hint instead of
being read as a tag, because ``ai or llm`` silently matching nothing helps nobody.

Matching is case-insensitive (tags are compared by their key, NFKC + casefold) and a tag also matches the
tags nested under it, as Obsidian's ``tag:ai`` does: ``ai`` matches ``ai`` and ``ai/llm``, not ``ai-x``.
A glob ``p`` matches a tag that ``p`` matches or that is nested under one ``p`` matches.

:func:`to_sql` turns an expression into a WHERE fragment over ``note_tags(note_id, key)``; user text only
ever reaches SQL as a bound parameter. :func:`matches` evaluates the same expression in Python.

This module is the public face; the work is done in :mod:`vaulttool.core.query.exprparse` (the tree, the
lexer and the parser) and :mod:`vaulttool.core.query.exprmatch` (:func:`matches` and :func:`to_sql`).
"""

from vaulttool.core.query.exprmatch import matches, to_sql
from vaulttool.core.query.exprparse import And, Expr, Not, Or, Tag, TagExprError, combine_and, parse

__all__ = ["And", "Expr", "Not", "Or", "Tag", "TagExprError", "combine_and", "matches", "parse", "to_sql"]
