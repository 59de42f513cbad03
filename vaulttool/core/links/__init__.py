"""Links: finding the links and inline tags of a Markdown body as Obsidian reads them (``extract``,
with markdown-it-py), and where a link leads and how to write one that leads to a given note
(``resolve``, light: no Markdown parser).

May import the shared core modules only.
"""
