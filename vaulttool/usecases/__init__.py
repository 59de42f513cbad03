"""Use-cases: the operations the CLI and the watcher call (normalise, reindex, pages, restore, queries).

They glue the pure core, the vault I/O, the store and the page renderer; they never print: they
report through a :class:`~vaulttool.usecases.report.Reporter`.
"""
