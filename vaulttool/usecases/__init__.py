"""Use-cases: the operations the CLI and the watcher call (normalise, reindex, retag, restore, pages,
queries). They glue the pure core, the vault's files, the index and the page renderer; the page build
has a folder of its own (``pagebuild/``). They never print: they report through a
:class:`~vaulttool.usecases.report.Reporter`.

May import :mod:`vaulttool.core`, :mod:`vaulttool.vault`, :mod:`vaulttool.index`,
:mod:`vaulttool.pages`, :mod:`vaulttool.config` and :mod:`vaulttool.errors`; never the CLI, the output
formatting or the watcher.
"""
