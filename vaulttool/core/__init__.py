"""The pure core: text in, data out. Nothing here touches the file system, the index or the clock.

It owns the rules of the domain, by subject: ``clip/`` (recognising clip formats, HTML to Markdown,
normalising a clip, URLs), ``tags/`` (Obsidian's tag rules, segmentation, deriving tags), ``links/``
(finding links in Markdown, resolving them as Obsidian does) and ``query/`` (tag expressions and
search queries). The modules at this level are shared by the subjects: front matter, YAML writing,
text decoding, file names, conflict-copy names, the model of a note. The core imports only itself
and :mod:`vaulttool.errors`; ``clip`` may use ``tags`` and ``links``, ``query`` may use ``tags``, and
the other subjects import none of their siblings (see ``docs/architecture.md``).
"""
