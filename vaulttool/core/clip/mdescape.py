"""Escaping for Markdown: of text that is already Markdown (:func:`escape_plain_text`) and of the text
nodes of HTML being converted (:func:`escape_text_node`).

Escaping rules for text nodes: ``*`` always; ``_`` unless between two letters or
digits; ``#`` of ``#话题#`` and of heading-like ``# `` at a line start; ``<`` before a
letter, ``/``, ``!`` or ``?``; ``](`` and ``[[``; ``~~``; a backslash before ASCII
punctuation, space or line end; whole lines of ``---`` / ``===`` (setext underlines). Line-initial ``-``,
``+``, ``>`` and ``1.`` are left alone: authors write lists and quotes with them.
Bare URLs in text are never escaped.
"""

from __future__ import annotations

import re

from .htmltags import HTML_TAG, closers, is_real_tag

__all__ = ["FENCE", "escape_plain_text", "escape_text_node"]

_URL = r"https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%']+"
_HASHTAG_BODY = r"#(?=[^\s#\\])[^#\n\\\[\]<>`]{1,60}#"

# Tokens of text that is already Markdown, scanned left to right.
_PLAIN = re.compile(
    r"(?P<code>(?P<ticks>`+)[^`].*?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<run>`+)"
    r"|(?P<dest>\]\((?:<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*))"
    r"|(?P<auto><[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>|<[^\s@<>]+@[^\s@<>]+>)"
    r"|(?P<math>\$\$.+?\$\$|\$(?=[^\s$])[^$\n]*?[^\s$\\]\$(?!\d))"
    r"|(?P<url>" + _URL + r")"
    r"|(?P<hashtag>\\?" + _HASHTAG_BODY + r")"
    r"|(?P<esc>\\[!-/:-@\[-`{-~])"
    r"|(?P<lt><)(?=[A-Za-z/?])",
    re.S,
)
FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")


def _split_fences(text: str) -> list[tuple[bool, str]]:
    """(is_code, chunk) pieces; fenced code blocks are kept whole."""
    pieces: list[tuple[bool, str]] = []
    buf: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        m = FENCE.match(line)
        if fence is None and m:
            if buf:
                pieces.append((False, "".join(buf)))
            buf, fence = [line], m.group(1)[0] * len(m.group(1))
        elif fence is not None:
            buf.append(line)
            if m and m.group(1).startswith(fence) and not line[m.end():].strip():
                pieces.append((True, "".join(buf)))
                buf, fence = [], None
        else:
            buf.append(line)
    if buf:
        pieces.append((fence is not None, "".join(buf)))
    return pieces


def escape_plain_text(text: str) -> str:
    """Escape what would render wrongly in Obsidian in text that is already Markdown:
    Weibo hashtags ``#话题#`` → ``\\#话题#`` and tag-looking ``<think>`` → ``\\<think>``
    (real HTML, code, math, links and URLs are left alone). Idempotent; keeps line breaks."""
    if "#" not in text and "<" not in text:
        return text
    names = closers(text)

    def repl(m: re.Match) -> str:
        kind = m.lastgroup
        if kind == "hashtag":
            tok = m.group(0)
            return tok if tok.startswith("\\") else "\\" + tok
        if kind == "lt":
            tag = HTML_TAG.match(m.string, m.start())
            if tag and is_real_tag(tag, names):
                return "<"
            return "\\<"
        return m.group(0)

    return "".join(
        chunk if is_code else _PLAIN.sub(repl, chunk) for is_code, chunk in _split_fences(text)
    )


_NODE = re.compile(
    r"(?P<url>" + _URL + r")"
    r"|(?P<hashtag>" + _HASHTAG_BODY + r")"
    r"|(?P<heading>^#{1,6}(?=[ \t]|$))"
    r"|(?P<setext>^(?:={1,}|-{2,})(?=[ \t]*$))"
    r"|(?P<bs>\\(?![^\W_]))"
    r"|(?P<star>\*)"
    r"|(?P<under>(?<![^\W_])_|_(?![^\W_]))"
    r"|(?P<lt><(?=[A-Za-z/!?]))"
    r"|(?P<brk>\](?=\())|(?P<dbl>\[(?=\[))"
    r"|(?P<tilde>~{2,})"
    r"|(?P<pipe>\|)",
    re.M,
)


def escape_text_node(text: str, in_cell: bool = False) -> str:
    """Escape a text node of HTML for Markdown (rules in the module docstring)."""

    def repl(m: re.Match) -> str:
        kind = m.lastgroup
        tok = m.group(0)
        if kind == "url":
            return tok
        if kind == "hashtag":
            return "\\#" + escape_text_node(tok[1:-1], in_cell) + "#"
        if kind == "tilde":
            return "\\~" * len(tok)
        if kind == "pipe":
            return "\\|" if in_cell else tok
        if kind == "bs":
            return "\\\\"
        return "\\" + tok

    return _NODE.sub(repl, text)
