"""MarkDownload: by default no front matter, ``# Title``, a ``> ## Excerpt`` quote, ``---``, the page.
With its front matter template: ``created``, ``tags``, ``source``, ``author`` pasted unquoted, e.g.
``created: 2025-03-20T10:15:30 (UTC +08:00)``; two or more keywords give ``tags: [a}b]``, which YAML
rejects. Such a block is read line by line (the tags are recovered) and written back fresh; the
original is kept by the caller under ``.vaulttool/originals``.
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import Clip
from vaulttool.core.frontmatter import Split

_HEAD = re.compile(r"\A(?:[ \t]*\r?\n)*# (?P<title>[^\n](?:[^\n]*(?:[^ \t\r\n]|\r(?=[ \t\r])))?)[ \t]*\r?\n(?:[ \t]*\r?\n)*(?P<excerpt>> ## Excerpt[ \t]*\r?\n(?:>[^\n]*\r?\n?)*)?")
_RULE = re.compile(r"\A(?:[ \t]*\r?\n)*---[ \t]*\r?\n")
# (titles and values end at their last non-blank character, found greedily: linear, where lazy ones
# backtracked quadratically on lines ending in many spaces)
_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):[ \t]*(?P<value>(?:[^\n]*[^ \t\n])?)[ \t]*$")
_UTC = re.compile(r"^(?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)\s*\(UTC\s*(?P<off>[+-]\d{2}:?\d{2})\)$")
_KNOWN = {"created", "tags", "source", "author", "title", "date", "url", "excerpt"}


def _lenient(block: str) -> dict | None:
    """Read a MarkDownload block line by line; None when it has lines this cannot read."""
    out: dict = {}
    for line in block.splitlines():
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            return None
        out[m.group("key")] = m.group("value")
    return out if set(out) <= _KNOWN and {"source", "created"} & set(out) else None


def detect(text: str, split: Split, in_folder: bool = False) -> bool:
    if split.status == "none":
        head = _HEAD.match(text)
        return bool(head and head.group("excerpt"))
    if split.status in ("ok", "error"):
        data = split.data if split.status == "ok" else _lenient(split.block)
        if not data:
            return False
        # MarkDownload's template writes `created: 2025-03-20T10:15:30 (UTC +08:00)`: its signature.
        # Broken front matter without it (a Web Clipper note whose tags line broke) is not ours.
        return bool(_UTC.match(str(data.get("created", ""))))
    return False


_EXCERPT = re.compile(r"> ## Excerpt[ \t]*\r?\n")


def _head(body: str) -> tuple[str, str, int] | None:
    """(title, excerpt, end of the head). The template writes ``> {excerpt}``: only the excerpt's
    first line gets the ``>``, the rest of a multi-paragraph excerpt follows as plain lines up to the
    template's ``---`` rule."""
    m = _HEAD.match(body)
    if not m:
        return None
    title = m.group("title")
    e = _EXCERPT.search(body, m.start("excerpt")) if m.group("excerpt") else None
    if e is None:
        return title, "", m.end()
    pos, taken = e.end(), []
    for line in body[e.end():].splitlines(keepends=True):
        if line.strip() == "---":
            return title, "".join(taken), pos + len(line)
        if line.startswith("#") or len(taken) > 400:
            break
        taken.append(line)
        pos += len(line)
    return title, m.group("excerpt")[e.end() - m.start("excerpt"):], m.end()


def _iso(created: str) -> str:
    m = _UTC.match(created.strip())
    if not m:
        return created
    off = m.group("off")
    if ":" not in off:
        off = off[:3] + ":" + off[3:]
    return m.group("dt") + off


def _tag_list(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value or "").strip().strip("[]")
    return [t.strip().strip("'\"") for t in re.split(r"[}{,，\s]+", text) if t.strip().strip("'\"")]


def extract(text: str, split: Split) -> Clip:
    from vaulttool.core.clip.mdclean import convert_html_blocks
    from vaulttool.core.clip.urls import site_name

    clip = Clip("markdownload", {}, "")
    if split.status == "none":
        data, body = {}, text.replace("\r\n", "\n")
    else:
        body = text[split.body_start :].replace("\r\n", "\n")
        if split.status == "ok":
            data = dict(split.data)
        else:
            data = _lenient(split.block) or {}
            clip.messages.append(f"front matter was invalid YAML ({split.error}); read it line by line")
    from vaulttool.core.clip.titles import clean_title, plain_text

    head = _head(body)
    title = str(data.pop("title", "") or "")
    description = ""
    if head:
        title = title or clean_title(head[0])
        excerpt = "\n".join(ln[1:] if ln.startswith(">") else ln for ln in head[1].splitlines())
        description = plain_text(excerpt)
        body = body[head[2] :]
        rule = _RULE.match(body)
        if rule and head[1]:
            body = body[rule.end() :]
    cleaned = convert_html_blocks(body.lstrip("\r\n"))
    clip.body = cleaned.markdown
    clip.took(cleaned)
    props: dict = {}
    if title:
        props["title"] = title
    source = str(data.pop("source", "") or data.pop("url", "") or "")
    if source:
        props["source"] = source
    author = data.pop("author", None)
    if author:
        props["author"] = [str(a) for a in author] if isinstance(author, list) else [str(author)]
    created = data.pop("created", None)
    if created:
        props["created"] = _iso(str(created))
    if description:
        props["description"] = description
    site = site_name(source) if source else None
    if site:
        props["site"] = site
    clip.explicit_tags = _tag_list(data.pop("tags", None))
    clip.props = props
    clip.carry = data
    return clip
