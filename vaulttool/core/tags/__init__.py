"""Tags: Obsidian's tag rules and a tag's identity (``rules``, light: ``query`` imports it), Chinese and
English segmentation with jieba (``segment``, loaded lazily), stop words, and the derivation of a
clip's tags (``analysis`` reads a text once, ``words`` and ``choice`` pick the tags, ``tagger`` is the
entry point).

May import the shared core modules only (no other subject of the core).
"""
