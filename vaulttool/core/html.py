"""HTML → Obsidian-ready Markdown, and escaping for text that is already Markdown.

``html_to_markdown`` is built on markdownify with a converter subclass that knows
Weibo's post HTML (see ``weibo``): hashtag anchors become escaped text, super
topics keep their link, ``sinaurl`` redirects are unwrapped, icons vanish (emoticons
leave their ``[alt]``), ``<video>`` keeps its poster and fallback text. Active
content (``<script>``, ``<iframe>``, ``on*`` attributes, ``javascript:`` URLs ...)
is removed and listed in ``dropped``.

Escaping rules for text nodes: ``*`` always; ``_`` unless between two letters or
digits; ``#`` of ``#话题#`` and of heading-like ``# `` at a line start; ``<`` before a
letter, ``/``, ``!`` or ``?``; ``](`` and ``[[``; ``~~``; a backslash before ASCII
punctuation, space or line end; whole lines of ``---`` / ``===`` (setext underlines). Line-initial ``-``,
``+``, ``>`` and ``1.`` are left alone: authors write lists and quotes with them.
Bare URLs in text are never escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Declaration, NavigableString, ProcessingInstruction, Tag
from markdownify import MarkdownConverter, chomp
from markdownify import should_remove_whitespace_inside as inside
from markdownify import should_remove_whitespace_outside as outside

from . import weibo
from .urls import is_safe_url, unwrap_redirect

__all__ = ["HtmlConversion", "html_to_markdown", "looks_like_html", "escape_plain_text"]

# --------------------------------------------------------------------------- HTML detection

HTML_ELEMENTS = frozenset("""
a abbr address area article aside audio b bdi bdo blockquote body br button canvas caption
center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed
fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img
input ins kbd label legend li link main map mark meta meter nav noscript object ol optgroup
option output p picture pre progress q rp rt ruby s samp script section select small source
span strong style sub summary sup table tbody td template textarea tfoot th thead time title tr
track u ul var video wbr
""".split())
VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9\-]*)((?:\s[^<>]*?)?)\s*(/?)>")
_ATTR_VALUE = re.compile(r"""[A-Za-z_:][\w:.\-]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_CLOSER = re.compile(r"</([A-Za-z][A-Za-z0-9\-]*)\s*>")


def _closers(text: str) -> frozenset[str]:
    return frozenset(m.group(1).lower() for m in _CLOSER.finditer(text))


def _is_real_tag(m: re.Match, closers: frozenset[str]) -> bool:
    closing, name, attrs, selfclose = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
    if name not in HTML_ELEMENTS:
        return False
    if closing or name in VOID_ELEMENTS:
        return True
    if _ATTR_VALUE.search(attrs):
        return True
    if selfclose or attrs.strip():
        return False
    return name in closers


def looks_like_html(text: str) -> bool:
    """True when ``text`` holds real HTML markup: a void element (``<br>``, ``<img ...>``),
    a known element with ``name=value`` attributes, a closing tag of a known element, or an
    opening tag that is closed later. Prose such as ``<circle>``, ``<think>`` or ``a < b``
    is not HTML."""
    if "<" not in text:
        return False
    closers = _closers(text)
    return any(_is_real_tag(m, closers) for m in _TAG.finditer(text))


# --------------------------------------------------------------------------- escaping

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
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")


def _split_fences(text: str) -> list[tuple[bool, str]]:
    """(is_code, chunk) pieces; fenced code blocks are kept whole."""
    pieces: list[tuple[bool, str]] = []
    buf: list[str] = []
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
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
    closers = _closers(text)

    def repl(m: re.Match) -> str:
        kind = m.lastgroup
        if kind == "hashtag":
            tok = m.group(0)
            return tok if tok.startswith("\\") else "\\" + tok
        if kind == "lt":
            tag = _TAG.match(m.string, m.start())
            if tag and _is_real_tag(tag, closers):
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


def _escape_node(text: str, in_cell: bool = False) -> str:
    """Escape a text node of HTML for Markdown (rules in the module docstring)."""

    def repl(m: re.Match) -> str:
        kind = m.lastgroup
        tok = m.group(0)
        if kind == "url":
            return tok
        if kind == "hashtag":
            return "\\#" + _escape_node(tok[1:-1], in_cell) + "#"
        if kind == "tilde":
            return "\\~" * len(tok)
        if kind == "pipe":
            return "\\|" if in_cell else tok
        if kind == "bs":
            return "\\\\"
        return "\\" + tok

    return _NODE.sub(repl, text)


# --------------------------------------------------------------------------- converter

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
            text = _escape_node(text, in_cell=bool(parent_tags & {"td", "th"}))
        if "pre" not in parent_tags:
            if outside(el.previous_sibling) or (inside(el.parent) and not el.previous_sibling):
                text = text.lstrip(" ")
            elif text.startswith(" ") and _after_break(el):
                text = text.lstrip(" ")
            if outside(el.next_sibling) or (inside(el.parent) and not el.next_sibling):
                text = text.rstrip()
        return text

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
                return prefix + text + suffix
        if not is_safe_url(href):
            self._drop(f"unsafe link: {href[:100]}")
            return prefix + text + suffix
        href = unwrap_redirect(href)
        if weibo.is_super_topic(href) and text:
            _add(self.result.super_topics, _WS.sub(" ", el.get_text()).strip())
        if not text:
            text = _escape_node(href)
        _add(self.result.links, href)
        return f"{prefix}[{_bracket_text(text)}]({_dest(href)}{_title(el)}){suffix}"

    def convert_img(self, el, text, parent_tags):
        alt = _WS.sub(" ", el.get("alt") or "").strip()
        if weibo.is_icon_image(el):
            if not alt:
                return ""
            alt = _escape_node(alt)
            following = el.find_next(string=True)
            if following is not None and str(following).lstrip().startswith(("(", "[")):
                alt = _escape_brackets(alt, "]")
            return alt
        src = (el.get("src") or "").strip()
        if not src or src.startswith("data:image/gif") or src.startswith("data:image/svg"):
            src = next((el[a].strip() for a in _LAZY_SRC if el.get(a)), src)
        if not src:
            return _escape_node(alt)
        if not is_safe_url(src):
            self._drop(f"unsafe image: {src[:100]}")
            return _escape_node(alt)
        _add(self.result.images, src)
        return f"![{_bracket_text(_escape_node(alt))}]({_dest(src)}{_title(el)})"

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
                parts.append(f"[{_escape_node(src)}]({_dest(src)})")
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
        return ""


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
        m = _FENCE.match(line)
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
    soup = BeautifulSoup(html or "", "html.parser")
    _sanitise(soup, result)
    converted = _Converter(result).convert_soup(soup)
    result.markdown = escape_plain_text(_tidy(converted))
    return result
