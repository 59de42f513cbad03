"""SimpRead (简悦) Markdown export: a first line ``> 本文由 [简悦 SimpRead](http://ksria.com/simpread/)
转码， 原文地址 [host](url)``, setext headings, ``*   `` bullets, no front matter.

The attribution line is kept (it is the clip's own credit line); headings become ATX and bullets ``-``.
SimpRead keeps the page's title only in the file name (the headings of the content are the page's own
sections, ``图``, ``第一步``): the normaliser takes the title from the file name. A quote right after
the credit line is the page's description.
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import Clip
from vaulttool.core.frontmatter import Split

_BANNER = re.compile(r"\A>\s*本文由\s*\[简悦\s*SimpRead\]\([^)]*\)\s*转码[，,]?\s*原文地址\s*\[[^\]]*\]\((?P<url>[^)\s]+)\)[^\n]*\n?")
_QUOTE = re.compile(r"(?:[ \t]*\n)*((?:[ \t]{0,3}>[^\n]*(?:\n|\Z))+)")


def detect(text: str, split: Split, in_folder: bool = False) -> bool:
    return split.status == "none" and bool(_BANNER.match(text))


def extract(text: str, split: Split) -> Clip:
    from vaulttool.core.clip.mdclean import convert_html_blocks, restyle
    from vaulttool.core.clip.urls import site_name, unwrap_redirect

    text = text.replace("\r\n", "\n")  # written back with the note's own line endings
    banner = _BANNER.match(text)
    url = unwrap_redirect(banner.group("url"))
    rest = restyle(text[banner.end() :])
    cleaned = convert_html_blocks(rest)
    body = banner.group(0).rstrip("\r\n") + "\n" + cleaned.markdown
    clip = Clip("simpread", {}, body)
    clip.took(cleaned)
    clip.props["source"] = url
    quote = _QUOTE.match(text, banner.end())
    if quote:
        from vaulttool.core.clip.titles import plain_text

        lines = [ln.lstrip()[1:] for ln in quote.group(0).splitlines() if ln.strip()]
        desc = plain_text("\n".join(lines))
        if desc:
            clip.props["description"] = desc
    site = site_name(url)
    if site:
        clip.props["site"] = site
    return clip
