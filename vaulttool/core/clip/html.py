"""HTML → Obsidian-ready Markdown.

``html_to_markdown`` is built on markdownify with a converter subclass that knows
Weibo's post HTML (see ``weibo``): hashtag anchors become escaped text, super
topics keep their link, ``sinaurl`` redirects are unwrapped, icons vanish (emoticons
leave their ``[alt]``), ``<video>`` keeps its poster and fallback text. Active
content (``<script>``, ``<iframe>``, ``on*`` attributes, ``javascript:`` URLs ...)
is removed and listed in ``dropped``. Text nodes are escaped by :mod:`vaulttool.core.clip.mdescape`
(its docstring has the rules), and the result as a whole as text that is already Markdown.

``looks_like_html`` (from :mod:`vaulttool.core.clip.htmltags`) and ``escape_plain_text`` (from
:mod:`vaulttool.core.clip.mdescape`) are importable from here too.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Declaration, NavigableString, ProcessingInstruction, Tag
from markdownify import MarkdownConverter, chomp
from markdownify import should_remove_whitespace_inside as inside
from markdownify import should_remove_whitespace_outside as outside

from . import weibo
from .htmltags import looks_like_html
from .mdescape import FENCE, escape_plain_text, escape_text_node
from .urls import is_safe_url, unwrap_redirect

__all__ = ["HtmlConversion", "html_to_markdown", "looks_like_html", "escape_plain_text"]

_DROP_ELEMENTS = frozenset(
    "script style iframe frame frameset object embed applet form template noscript head "
    "title meta link base".split()
)
_WS = re.compile(r"[\t\n\r\f ]+")
_NL_WS = re.compile(r"\s*\n\s*")
_LAZY_SRC = ("data-src", "data-original", "data-actualsrc", "data-lazy-src")


@dataclass
class HtmlConversion:
    """Result of ``html_to_markdown``. Lists are in order of appearance, without repeats;
    ``hashtags``/``super_topics`` hold names without ``#``; ``links``/``images`` the URLs as
    written in ``markdown``; ``dropped`` short descriptions of removed active content."""

    markdown: str
    hashtags: list[str] = field(default_factory=list)
    super_topics: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    # links that are not kept as links, by kind (their text stays): see DROPPED_LINKS
    dropped_links: dict[str, int] = field(default_factory=dict)


# Links a clip's HTML holds that do not survive as links, and why (the README lists them):
DROPPED_LINKS = {
    "hashtag search": "Weibo's search page for a #hashtag#: the hashtag text stays, and the topic goes to `topics`",
    "video source": "a <video>'s <source> URL: signed, it expires within hours (the poster image and the post link stay)",
    "unsafe link": "a javascript:, data: or other non-web URL",
}


def _count(result: "HtmlConversion", kind: str) -> None:
    result.dropped_links[kind] = result.dropped_links.get(kind, 0) + 1


def _add(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def _dest(url: str) -> str:
    url = re.sub(r"[\r\n\t]", "", url).replace("<", "%3C").replace(">", "%3E")
    return f"<{url}>" if re.search(r"[\s()]", url) else url


def _bracket_text(text: str) -> str:
    """Link or alt text on one line, with stray brackets escaped."""
    text = _NL_WS.sub(" ", text).strip()
    if "![" not in text:
        text = _escape_brackets(text, "[]")
    return text


def _escape_brackets(text: str, which: str) -> str:
    """Escape the unescaped brackets of ``which`` (escape pairs are skipped whole)."""
    return re.sub(r"\\.|[\[\]]", lambda m: "\\" + m[0] if m[0] in which else m[0], text)


def _title(el: Tag) -> str:
    title = _WS.sub(" ", el.get("title") or "").strip()
    return ' "%s"' % title.replace("\\", "\\\\").replace('"', '\\"') if title else ""


def _after_break(el: NavigableString) -> bool:
    """True when the text node directly follows a ``<br>`` (through opening tags)."""
    ancestors = None
    prev = el.previous_element
    while prev is not None:
        if isinstance(prev, Tag):
            if prev.name == "br":
                return True
            if ancestors is None:
                ancestors = {id(p) for p in el.parents}
            if id(prev) not in ancestors:
                return False
        elif str(prev).strip():
            return False
        prev = prev.previous_element
    return False


class _Tag(Tag):
    """A tag whose ``find_parent(name)`` walks up the parents comparing names: markdownify asks it of
    every element it converts (is it inside a ``<pre>``?), and bs4's general search builds a filter
    for each call, a sixth of the whole conversion. Any other search goes to bs4."""

    def find_parent(self, name=None, attrs=None, **kwargs):
        if not isinstance(name, str) or attrs is not None or kwargs:
            return super().find_parent(name, attrs, **kwargs)
        node = self.parent
        while node is not None:
            if node.name == name:
                return node
            node = node.parent
        return None


class _Converter(MarkdownConverter):
    class Options(MarkdownConverter.DefaultOptions):
        autolinks = False
        bullets = "-"
        escape_asterisks = False
        escape_underscores = False
        escape_misc = False
        heading_style = "atx"
        newline_style = "spaces"

    def __init__(self, result: HtmlConversion, **options):
        super().__init__(code_language_callback=self._code_language, **options)
        self.result = result

    @staticmethod
    def _code_language(el: Tag) -> str:
        for node in [el, *el.find_all("code", limit=1)]:
            for cls in node.get("class") or []:
                if cls.startswith(("language-", "lang-")):
                    return cls.split("-", 1)[1]
        return ""

    def _drop(self, what: str) -> None:
        self.result.dropped.append(what)

    # ---- text

    def process_element(self, node, parent_tags=None):
        if isinstance(node, (ProcessingInstruction, Declaration)):
            return ""
        return super().process_element(node, parent_tags)

    def process_text(self, el, parent_tags=None):
        parent_tags = parent_tags or set()
        text = str(el)
        if "pre" not in parent_tags:
            text = _WS.sub(" ", text)
        if "_noformat" not in parent_tags:
            text = escape_text_node(text, in_cell=bool(parent_tags & {"td", "th"}))
        if "pre" not in parent_tags:
            if outside(el.previous_sibling) or (inside(el.parent) and not el.previous_sibling):
                text = text.lstrip(" ")
            elif text.startswith(" ") and _after_break(el):
                text = text.lstrip(" ")
            if outside(el.next_sibling) or (inside(el.parent) and not el.next_sibling):
                text = text.rstrip()
        return text

    # ---- inline HTML that Obsidian renders: kept as HTML (``<sup>`` is not Markdown)

    def _keep_inline(self, el, text, parent_tags):
        if not text.strip():
            return text
        attrs = "".join(f' {a}="{_html.escape(str(el[a]), quote=True)}"' for a in _KEPT_ATTRS if el.get(a))
        prefix, suffix, inner = chomp(text)
        return f"{prefix}<{el.name}{attrs}>{inner}</{el.name}>{suffix}"

    convert_sup = convert_sub = convert_mark = convert_u = convert_ins = convert_small = _keep_inline

    def convert_br(self, el, text, parent_tags):
        return " " if "_inline" in parent_tags else "\n"

    # ---- links and images

    def convert_a(self, el, text, parent_tags):
        if "_noformat" in parent_tags:
            return text
        prefix, suffix, text = chomp(text)
        text = _NL_WS.sub(" ", text)
        href = (el.get("href") or "").strip()
        if not href:
            return prefix + text + suffix
        if weibo.is_hashtag_search(href):
            name = weibo.hashtag_name(el.get_text())
            if name:
                _add(self.result.hashtags, name)
                _count(self.result, "hashtag search")
                return prefix + text + suffix
        if not is_safe_url(href):
            self._drop(f"unsafe link: {href[:100]}")
            _count(self.result, "unsafe link")
            return prefix + text + suffix
        href = unwrap_redirect(href)
        if weibo.is_super_topic(href) and text:
            _add(self.result.super_topics, _WS.sub(" ", el.get_text()).strip())
        if not text:
            text = escape_text_node(href)
        _add(self.result.links, href)
        return f"{prefix}[{_bracket_text(text)}]({_dest(href)}{_title(el)}){suffix}"

    def convert_img(self, el, text, parent_tags):
        alt = _WS.sub(" ", el.get("alt") or "").strip()
        if weibo.is_icon_image(el):
            if not alt:
                return ""
            alt = escape_text_node(alt)
            following = el.find_next(string=True)
            if following is not None and str(following).lstrip().startswith(("(", "[")):
                alt = _escape_brackets(alt, "]")
            return alt
        src = (el.get("src") or "").strip()
        if not src or src.startswith("data:image/gif") or src.startswith("data:image/svg"):
            src = next((el[a].strip() for a in _LAZY_SRC if el.get(a)), src)
        if not src:
            return escape_text_node(alt)
        if not is_safe_url(src):
            self._drop(f"unsafe image: {src[:100]}")
            return escape_text_node(alt)
        _add(self.result.images, src)
        return f"![{_bracket_text(escape_text_node(alt))}]({_dest(src)}{_title(el)})"

    def _media(self, el, text, parent_tags, poster: str) -> str:
        parts = []
        if poster:
            if is_safe_url(poster):
                _add(self.result.images, poster)
                parts.append(f"![]({_dest(poster)})")
            else:
                self._drop(f"unsafe image: {poster[:100]}")
        src = (el.get("src") or "").strip()
        if src:
            if is_safe_url(src):
                _add(self.result.links, src)
                parts.append(f"[{escape_text_node(src)}]({_dest(src)})")
            else:
                self._drop(f"unsafe link: {src[:100]}")
        if text.strip():
            parts.append(text.strip())
        if "_inline" in parent_tags:
            return " ".join(_NL_WS.sub(" ", p) for p in parts)
        return "\n\n" + "\n\n".join(parts) + "\n\n" if parts else ""

    def convert_video(self, el, text, parent_tags):
        return self._media(el, text, parent_tags, (el.get("poster") or "").strip())

    def convert_audio(self, el, text, parent_tags):
        return self._media(el, text, parent_tags, "")

    def convert_source(self, el, text, parent_tags):
        if el.parent is not None and el.parent.name in ("video", "audio") and el.get("src"):
            self._drop(f"<source src={el['src'][:200]}>")
            _count(self.result, "video source")
        return ""


KEPT_INLINE = frozenset({"sup", "sub", "mark", "u", "ins", "small", "kbd"})
_KEPT_ATTRS = ("title",)
_BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "ul", "ol", "blockquote", "pre",
                     "table", "section", "article", "figure", "header", "footer", "dl"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre"})


def _is_layout(table: Tag) -> bool:
    """A table used for layout, not data: a cell holds headings, lists, a nested table or several
    paragraphs, or the table's only cell holds a block."""
    cells = [c for c in table.find_all(["td", "th"]) if c.find_parent("table") is table]
    if not cells:
        return False
    if len(cells) == 1 and any(c.name in _BLOCKS for c in cells[0].find_all(True)):
        return True
    for cell in cells:
        blocks = [c for c in cell.find_all(True) if c.name in _BLOCKS]
        if any(b.name in _HEADINGS for b in blocks) or len([b for b in blocks if b.name in ("p", "div")]) >= 2:
            return True
    return False


def _unwrap_layout_tables(soup: BeautifulSoup) -> None:
    """A layout table becomes its cells' content as blocks (a data table stays a table)."""
    for table in reversed(soup.find_all("table")):
        if table.__dict__.get("_decomposed") or not _is_layout(table):
            continue
        holder = soup.new_tag("div")
        for cell in [c for c in table.find_all(["td", "th"]) if c.find_parent("table") is table]:
            block = soup.new_tag("div")
            for child in list(cell.children):
                block.append(child.extract())
            holder.append(block)
        for caption in table.find_all("caption", recursive=False):
            para = soup.new_tag("p")
            for child in list(caption.children):
                para.append(child.extract())
            holder.insert(0, para)
        table.replace_with(holder)


def _sanitise(soup: BeautifulSoup, result: HtmlConversion) -> None:
    """Remove active content before conversion and record it."""
    for el in soup.find_all(True):
        if el.__dict__.get("_decomposed"):  # inside an element removed earlier
            continue
        for attr in [a for a in el.attrs if a.lower().startswith("on")]:
            result.dropped.append(f"<{el.name} {attr.lower()}>")
            del el[attr]
        if el.name not in _DROP_ELEMENTS:
            continue
        src = (el.get("src") or el.get("data") or "").strip()
        result.dropped.append(f"<{el.name} src={src[:200]}>" if src else f"<{el.name}>")
        if el.name in ("iframe", "frame", "embed", "object") and re.match(r"(?i)https?://", src):
            para = soup.new_tag("p")
            link = soup.new_tag("a", href=src)
            link.string = src
            para.append(link)
            el.replace_with(para)
        else:
            el.decompose()


def _tidy(markdown: str) -> str:
    """Strip trailing spaces, collapse blank-line runs (outside code), trim the ends."""
    out: list[str] = []
    blank = 0
    fence: str | None = None
    for line in markdown.split("\n"):
        line = line.rstrip(" \t\xa0")
        m = FENCE.match(line)
        if fence is not None:
            if m and m.group(1).startswith(fence) and not line[m.end():].strip():
                fence = None
        elif m:
            fence = m.group(1)[0] * len(m.group(1))
        elif not line:
            blank += 1
            if blank > 1:
                continue
            out.append(line)
            continue
        blank = 0
        out.append(line)
    text = "\n".join(out).strip("\n")
    first, sep, rest = text.partition("\n")
    return first.lstrip(" \t") + sep + rest


def html_to_markdown(html: str) -> HtmlConversion:
    """Convert HTML (a Weibo post, a page fragment) to Markdown; see the module docstring."""
    result = HtmlConversion(markdown="")
    soup = BeautifulSoup(html or "", "html.parser", element_classes={Tag: _Tag})
    _sanitise(soup, result)
    if "<table" in (html or "").lower():
        _unwrap_layout_tables(soup)
    converted = _Converter(result).convert_soup(soup)
    result.markdown = escape_plain_text(_tidy(converted))
    return result
