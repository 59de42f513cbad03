"""``vaulttool watch``: file events from watchdog (``watcher``), a settling queue that waits until a
file has been quiet (``settle``), and the loop that hands settled files to the use-cases
(``runner``).

It calls use-cases only: it may import :mod:`vaulttool.usecases`, :mod:`vaulttool.config` and
:mod:`vaulttool.errors`, never the index, the vault's files or the core directly.
"""
