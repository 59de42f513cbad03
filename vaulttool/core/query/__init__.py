"""Queries: tag expressions as zk writes them (``exprparse`` parses, ``exprmatch`` matches and turns
them into SQL, ``tagexpr`` is the entry point) and full-text search queries (``search``).

Light on purpose (``vaulttool query`` loads it and must start fast). May import the shared core
modules and :mod:`vaulttool.core.tags.rules` (a tag's identity).
"""
