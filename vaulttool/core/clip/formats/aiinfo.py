"""The summary-clip format: ``# title``, ``**URL**: ...``, ``## 原始摘要``, ``## AI 摘要``, ``## 元数据``.

The metadata block is not always right (``来源: ArXiv`` on Weibo posts). The URL wins: ``site`` comes
from the URL, and a claimed value that contradicts it is kept under its own name (``来源``, ``类型``)
instead of being dropped.
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import Clip
from vaulttool.core.frontmatter import Split

# (the title ends at its last character that is not blank, or at a "\r" blanks follow: found greedily,
# linear; a lazy title backtracked quadratically on a first line ending in many spaces)
_HEAD = re.compile(r"\A# (?P<title>(?:[^\n]*(?:[^ \t\r\n]|\r(?=[ \t\r])))?)[ \t]*\r?\n(?:[ \t]*\r?\n)*\*\*URL\*\*:[ \t]*(?P<url>\S*)[ \t]*(?:\r?\n|\Z)")
# (greedy to the last character that is not a space or tab: linear; lazy names backtracked quadratically)
_SECTION = re.compile(r"^## (?P<name>(?:[^\n]*[^ \t\n])?)[ \t]*$", re.M)
_META = re.compile(r"^[-*][ \t]+\*\*(?P<key>[^*]+)\*\*:[ \t]*(?P<value>(?:[^\n]*[^ \t\n])?)[ \t]*$", re.M)

RAW, AI, META = "原始摘要", "AI 摘要", "元数据"
_PAPER_SITES = {"arXiv", "OpenReview", "ACL Anthology", "bioRxiv", "medRxiv", "Papers with Code", "Semantic Scholar"}


def detect(text: str, split: Split, in_folder: bool = False) -> bool:
    # `# title` + `**URL**:` alone is how many people start a note by hand; the pipeline's own
    # sections are its marker.
    return (split.status == "none" and bool(_HEAD.match(text))
            and any(f"\n## {name}" in text for name in (RAW, AI, META)))


def _sections(text: str, start: int) -> list[tuple[str, str]]:
    marks = list(_SECTION.finditer(text, start))
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append((m.group("name"), text[m.end() : end].strip("\r\n")))
    return out


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _same(a: str, b: str | None) -> bool:
    return bool(b) and a.replace(" ", "").casefold() == b.replace(" ", "").casefold()


def extract(text: str, split: Split) -> Clip:
    from vaulttool.core.clip.html import escape_plain_text, html_to_markdown, looks_like_html
    from vaulttool.core.clip.urls import site_name, unwrap_redirect

    text = text.replace("\r\n", "\n")  # written back with the note's own line endings
    head = _HEAD.match(text)
    title = head.group("title").strip()
    url = unwrap_redirect(head.group("url"))
    site = site_name(url)
    clip = Clip("ai-info", {}, "")
    preamble = text[head.end() : (m.start() if (m := _SECTION.search(text, head.end())) else len(text))].strip()
    body_parts: list[str] = []
    if preamble:
        body_parts.append(escape_plain_text(preamble))
    description = ""
    meta: dict[str, str] = {}
    for name, content in _sections(text, head.end()):
        if name == META:
            meta.update({m.group("key").strip(): m.group("value") for m in _META.finditer(content)})
            rest = _META.sub("", content).strip()
            if rest:
                body_parts.append(f"## {name}\n\n{escape_plain_text(rest)}")
            continue
        if looks_like_html(content):
            conv = html_to_markdown(content)
            converted = conv.markdown
            clip.took(conv)
        else:
            converted = escape_plain_text(content)
        if name == AI and not description:
            description = _one_line(content)
        body_parts.append(f"## {name}\n\n{converted}" if converted else f"## {name}")

    props: dict = {"title": title, "source": url}
    saved = meta.pop("保存时间", "")
    if saved:
        props["created"] = saved
    if description:
        props["description"] = description
    if site:
        props["site"] = site
    claimed_site = meta.pop("来源", None)
    claimed_type = meta.pop("类型", None)
    if claimed_site and not _same(claimed_site, site):
        clip.carry["来源"] = claimed_site
        clip.messages.append(f"来源 says {claimed_site!r} but the URL is {site or url}: kept as 来源, site from URL")
    if claimed_type:
        if claimed_type == "论文" and site not in _PAPER_SITES:
            clip.carry["类型"] = claimed_type
            clip.messages.append(f"类型 says {claimed_type!r} but {site or url} is not a paper site: kept as 类型")
        else:
            props["type"] = claimed_type
    folder_date = meta.pop("目录日期", "")
    if folder_date and not saved.startswith(folder_date):
        clip.carry["目录日期"] = folder_date
    clip.carry.update(meta)  # any other metadata line, kept under its own name
    clip.props = props
    clip.body = "\n\n".join(body_parts) + "\n"
    return clip
