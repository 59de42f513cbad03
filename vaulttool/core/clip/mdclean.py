"""Clean a Markdown body without touching what is already clean.

The body is parsed with markdown-it-py; only the top-level blocks that need work are rewritten, by line
range, and every other line is kept exactly:

- a block holding HTML (an HTML block, or a paragraph with inline HTML) is rendered to HTML and turned
  into Markdown by :func:`vaulttool.core.clip.html.html_to_markdown`, so links, images and text survive;
- optionally (:func:`restyle`), setext headings become ATX headings and ``*`` bullets become ``-``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Cleaned", "convert_html_blocks", "restyle"]

_MD = None


def _md():
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        _MD = MarkdownIt("commonmark", {"html": True})
    return _MD


@dataclass
class Cleaned:
    markdown: str
    hashtags: list[str] = field(default_factory=list)
    super_topics: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    dropped_links: dict[str, int] = field(default_factory=dict)


def _blocks(tokens):
    """Top-level blocks as (start_line, end_line, [tokens])."""
    out = []
    depth = 0
    current = None
    for tok in tokens:
        if depth == 0:
            current = [tok.map[0] if tok.map else 0, tok.map[1] if tok.map else 0, []]
            out.append(current)
        current[2].append(tok)
        depth += tok.nesting
    return out


# Inline HTML that Obsidian renders as it is: a paragraph holding only these is left untouched.
_KEPT_INLINE = re.compile(r"(?i)^</?(?:sup|sub|mark|u|ins|small|kbd|abbr)(?:\s[^<>]*)?>$")


def _has_html(block_tokens) -> bool:
    for tok in block_tokens:
        if tok.type == "html_block":
            return True
        if tok.type == "inline" and any(c.type == "html_inline" and not _KEPT_INLINE.match(c.content.strip())
                                        for c in tok.children or ()):
            return True
    return False


def convert_html_blocks(markdown: str) -> Cleaned:
    """Turn every block that holds HTML into Markdown; leave the rest byte for byte."""
    if "<" not in markdown:
        return Cleaned(markdown)
    from vaulttool.core.clip.html import html_to_markdown, looks_like_html

    if not looks_like_html(markdown):
        return Cleaned(markdown)
    md = _md()
    lines = markdown.splitlines(keepends=True)
    tokens = md.parse(markdown)
    result = Cleaned("")
    out: list[str] = []
    pos = 0
    for start, end, toks in _blocks(tokens):
        if not _has_html(toks):
            continue
        source = "".join(lines[start:end])
        if not looks_like_html(source):
            continue
        conv = html_to_markdown(md.render(source))
        out.extend(lines[pos:start])
        eol = "\r\n" if source.endswith("\r\n") else "\n"
        text = conv.markdown.rstrip("\n").replace("\n", eol)
        trailing = eol if source.endswith("\n") else ""
        out.append(text + trailing if text else "")
        pos = end
        result.hashtags.extend(h for h in conv.hashtags if h not in result.hashtags)
        result.super_topics.extend(t for t in conv.super_topics if t not in result.super_topics)
        result.dropped.extend(conv.dropped)
        for kind, n in conv.dropped_links.items():
            result.dropped_links[kind] = result.dropped_links.get(kind, 0) + n
    out.extend(lines[pos:])
    result.markdown = "".join(out)
    return result


def restyle(markdown: str) -> str:
    """Setext headings to ATX (``Title\\n=====`` to ``# Title``) and ``*`` bullets to ``-``.
    Only the marker characters change; the text of every line is kept."""
    md = _md()
    tokens = md.parse(markdown)
    lines = markdown.splitlines(keepends=True)
    drop: set[int] = set()
    for i, tok in enumerate(tokens):
        # (a setext heading inside a list or a quote stays as it is: moved to column 0 it would end
        # the list and turn the item's following lines into an indented code block)
        if tok.type == "heading_open" and tok.markup in ("=", "-") and tok.map and tok.level == 0:
            start, end = tok.map
            level = 1 if tok.markup == "=" else 2
            content_lines = [ln.strip() for ln in lines[start : end - 1]]
            eol = "\r\n" if lines[start].endswith("\r\n") else "\n"
            lines[start] = "#" * level + " " + " ".join(content_lines) + eol
            drop.update(range(start + 1, end))
        elif tok.type == "bullet_list_open" and tok.markup == "*":
            for item in tokens[i + 1 :]:
                if item.type == "bullet_list_close" and item.level == tok.level:
                    break
                if item.type == "list_item_open" and item.level == tok.level + 1 and item.map:
                    n = item.map[0]
                    line = lines[n]
                    stripped = line.lstrip(" ")
                    if stripped.startswith("*"):
                        indent = line[: len(line) - len(stripped)]
                        rest = stripped[1:]
                        body = rest.lstrip(" ")
                        # keep the content column: "*   x" (4 wide) becomes "-   x"
                        lines[n] = indent + "-" + rest[: len(rest) - len(body)] + body
    return "".join(line for n, line in enumerate(lines) if n not in drop)
