"""The page build: which pages a run must write (``plan``), the entries they show read from the index
(``query``, ``data``), the links they carry (``links``), their rendering a part of the vault at a time
(``render``) and their writing (``write``); ``build`` puts the parts together and is the entry point
(:func:`~vaulttool.usecases.pagebuild.build.rebuild_pages`).
"""
