"""vaulttool: keeps a clipping vault tidy and searchable.

The package's parts, each a folder saying what it owns: ``core/`` (the pure rules), ``vault/`` (the
vault's files), ``index/`` (the SQLite cache), ``pages/`` (pages as strings), ``usecases/`` (the
operations), ``watch/`` (the watcher), and at the top ``cli`` (the only module importing click),
``output``, ``config``, ``errors`` and ``api`` (the library API). See ``docs/architecture.md``.
"""

__version__ = "0.1.0"
