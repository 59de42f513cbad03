"""The SQLite index in ``.vaulttool/index.db``: a cache of what the notes hold (``store``) and its
tables and migrations (``schema``). It is always rebuildable from the notes, so it never holds a fact
of its own that a note does not.

May import :mod:`vaulttool.core`, :mod:`vaulttool.config` and :mod:`vaulttool.errors`; never the
vault's files, the pages or the use-cases.
"""
