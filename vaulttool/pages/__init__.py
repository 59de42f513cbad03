"""Generated pages as strings: ``render`` lays out the index, tag and backlink pages from entries it
is given, ``names`` says where each page lives, ``text`` escapes text and marks a page as generated.
Nothing here reads the vault or the index: the page build in :mod:`vaulttool.usecases.pagebuild`
feeds it and writes what it returns.

May import :mod:`vaulttool.core` and :mod:`vaulttool.errors` only.
"""
