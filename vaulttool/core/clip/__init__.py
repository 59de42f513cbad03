"""Clips: recognising what clipper made a note (``formats/``, by content, never by file name), turning
its HTML into Markdown (``html``, ``htmltags``, ``mdclean``, ``mdescape``, ``weibo``), URLs and sites
(``urls``) and the normalising of one clip into front matter plus a clean body (``normalise``).

May import the shared core modules, :mod:`vaulttool.core.tags` and :mod:`vaulttool.core.links`.
"""
