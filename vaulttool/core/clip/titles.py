"""Titles and descriptions as the page had them: plain text out of Markdown, the first heading outside
code, and the cleaning of titles the corpus pipeline cut out of Weibo posts.

A title never holds Markdown syntax (``[text](url)`` is ``text``), HTML entities (``&ensp;`` is a
space) or code; a description is plain text, whole.
"""

from __future__ import annotations

import html
import re

__all__ = ["plain_text", "clean_title", "first_heading", "first_h1", "weibo_title", "looks_marked_up", "uncut"]

_MD = None


def _md():
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        _MD = MarkdownIt("commonmark", {"html": True})
    return _MD


_WS = re.compile(r"[\s\u3000\u2000-\u200b\u00a0]+")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_WIKILINK = re.compile(r"!?\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")


def _inline_text(tokens) -> str:
    out: list[str] = []
    for tok in tokens:
        if tok.type in ("text", "code_inline"):
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif tok.type == "image":
            out.append(_inline_text(tok.children or []))
        elif tok.type == "html_inline":
            continue
    return "".join(out)


def plain_text(markdown: str) -> str:
    """The text of a piece of Markdown, on one line: links become their text, images their alt text,
    emphasis and code marks go, HTML tags go, entities are decoded, white space is one space."""
    if not markdown:
        return ""
    source = _WIKILINK.sub(lambda m: m.group(2) or m.group(1), markdown)
    tokens = _md().parse(source)
    parts: list[str] = []
    for tok in tokens:
        if tok.type == "inline":
            parts.append(_inline_text(tok.children or []))
        elif tok.type in ("fence", "code_block"):
            continue  # code is never part of a title or a description
        elif tok.type == "html_block":
            parts.append(_TAG.sub(" ", tok.content))
    text = " ".join(p for p in parts if p.strip())
    text = _HIGHLIGHT.sub(r"\1", text)
    text = html.unescape(text)
    return _WS.sub(" ", text).strip()


def clean_title(title: str) -> str:
    """A title as plain text: no Markdown syntax, no entities, no closing ``#`` marks."""
    text = plain_text(title.replace("\n", " "))
    return re.sub(r"\s+#+\s*$", "", text).strip()


def first_heading(markdown: str, level: int = 1) -> str | None:
    """The text of the first heading of ``level`` (ATX or setext) outside code, as written."""
    tag = f"h{level}"
    tokens = _md().parse(markdown)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == tag and i + 1 < len(tokens):
            return tokens[i + 1].content.strip()
    return None


_ATX_H1 = re.compile(r"^# +(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


def first_h1(body: str, heading: re.Pattern | None = None) -> str | None:
    """The first ``# heading`` of ``body`` outside fenced and indented code (a ``# comment`` in code is
    no title); ``heading``: the pattern of a heading line (group 1: its text)."""
    if "# " not in body:
        return None
    fence = ""
    for line in body.splitlines():
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = ""
            continue
        if m:
            fence = m.group(1)
            continue
        if line.startswith("    ") or line.startswith("\t"):
            continue  # an indented code block (or a list's continuation)
        h = (heading or _ATX_H1).match(line)
        if h:
            return h.group(1).strip()
    return None



def looks_marked_up(text: str) -> bool:
    """True when a title still holds Markdown link syntax, HTML tags or entities, or code marks."""
    return bool(re.search(r"\]\(|\[\[|</?[A-Za-z][^<>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);|`", text))


# -- titles of Weibo posts, as the corpus pipeline cut them ---------------------------------------------
_HASHTAG = re.compile(r"#([^#\n]{1,60})#")
_REPOST = re.compile(r"\s*(?://@|\s-\s转发\s*@)")
_LINK_TEXT = "网页链接"
_EMOTICON = re.compile(r"\[[\u4e00-\u9fff\w]{1,8}\]")
_BEFORE_MARK = re.compile(r"\s+([，。！？、：；）」』】])")
_CUT = re.compile(r"(?:\.{3}|…+)\s*$")


def uncut(title: str) -> str:
    """``title`` without the ``...`` a pipeline added where it cut a long title."""
    return _CUT.sub("", title).strip()


def weibo_title(title: str) -> str:
    """A Weibo post's title without ``#话题#`` marks (their words stay), repost chains (``//@user:``,
    `` - 转发 @user:``), ``网页链接`` anchor texts, emoticon codes (``[给你小心心]``), entities and
    the trailing ``...`` the pipeline added when it cut the post."""
    text = html.unescape(title)
    text = _WS.sub(" ", text).strip()
    text = _CUT.sub("", text).strip()
    repost = _REPOST.search(text)
    if repost:
        head = text[: repost.start()].strip()
        if len(_EMOTICON.sub("", _HASHTAG.sub(r"\1", head)).strip()) >= 4:
            text = head
        else:  # nothing said before the chain: the reposted post is the text
            rest = text[repost.end():]
            text = rest.split(":", 1)[1] if ":" in rest[:40] else rest
            text = _REPOST.split(text)[0]
    if _LINK_TEXT in text:
        first, _, after = text.partition(_LINK_TEXT)
        text = first if len(first.strip()) >= 8 else f"{first} {after}"
        text = text.replace(_LINK_TEXT, " ")
    text = _EMOTICON.sub("", text)
    text = _HASHTAG.sub(lambda m: f" {m.group(1).strip()} ", text)
    text = text.replace("#", " ")
    text = _WS.sub(" ", text).strip(" ：:，,、")
    text = _BEFORE_MARK.sub(r"\1", text)  # `话题 ，正文`: no space before a Chinese punctuation mark
    return _CUT.sub("", text).strip()
