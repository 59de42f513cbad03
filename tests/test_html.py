"""HTML → Markdown conversion, HTML detection and plain-text escaping."""

from __future__ import annotations

import html as htmllib
import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, corpus_files
from vaulttool.core.clip.html import (
    HtmlConversion,
    escape_plain_text,
    html_to_markdown,
    looks_like_html,
)
from vaulttool.core.clip import weibo
from vaulttool.core.clip.urls import unwrap_redirect

GOLDEN = FIXTURES / "html"
GOLDEN_NAMES = sorted(p.stem for p in GOLDEN.glob("*.html"))

# a tag left in the output: "<" + letter or "/", not escaped, not a "](<url>)" destination
_TAG_LEFT = re.compile(r"(?<!\\)<[a-zA-Z/]")
_DEST = re.compile(r"\]\(<[^<>\n]*>")
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def tags_left(markdown: str) -> list[str]:
    return _TAG_LEFT.findall(_DEST.sub("](", markdown))


def visible(markdown: str) -> str:
    """The Markdown with escapes undone and all whitespace removed (for 'text survives')."""
    return re.sub(r"\s+", "", _UNESCAPE.sub(r"\1", markdown))


def inserted_only_backslashes(before: str, after: str) -> bool:
    """True when ``after`` is ``before`` with some backslashes inserted."""
    i = 0
    for ch in after:
        if i < len(before) and ch == before[i]:
            i += 1
        elif ch != "\\":
            return False
    return i == len(before)


# --------------------------------------------------------------------------- golden files


def test_there_are_enough_golden_fixtures():
    assert len(GOLDEN_NAMES) >= 10
    for name in GOLDEN_NAMES:
        assert (GOLDEN / f"{name}.md").is_file(), name


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden(name):
    conv = html_to_markdown((GOLDEN / f"{name}.html").read_text(encoding="utf-8"))
    expected = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    assert conv.markdown + "\n" == expected
    meta = GOLDEN / f"{name}.json"
    if meta.is_file():
        for key, value in json.loads(meta.read_text(encoding="utf-8")).items():
            assert getattr(conv, key) == value, key
    assert tags_left(conv.markdown) == []
    assert escape_plain_text(conv.markdown) == conv.markdown
    assert not re.search(r"[ \t]$", conv.markdown, re.M)
    assert "\n\n\n" not in conv.markdown


# --------------------------------------------------------------------------- rules, one by one


def test_hashtag_anchor_becomes_escaped_text():
    conv = html_to_markdown(
        '<a href="https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23AI%23">'
        '<span class="surl-text">#AI#</span></a>好')
    assert conv.markdown == "\\#AI#好"
    assert conv.hashtags == ["AI"]
    assert conv.links == []


def test_desktop_hashtag_search_is_a_hashtag_too():
    conv = html_to_markdown('<a href="https://s.weibo.com/weibo?q=%23%E5%A4%A7%E6%A8%A1%E5%9E%8B%23">#大模型#</a>')
    assert conv.markdown == "\\#大模型#"
    assert conv.hashtags == ["大模型"]


def test_icon_detection():
    soup = BeautifulSoup('<span class="url-icon"><img src="a"></span><img style="width:1em" src="b">'
                         '<img style="width: 1rem;height: 1rem" src="c"><img style="width: 30em" src="d">'
                         '<img src="e">', "html.parser")
    assert [weibo.is_icon_image(i) for i in soup.find_all("img")] == [True, True, True, False, False]


def test_hashtag_search_link_with_other_text_stays_a_link():
    href = "https://m.weibo.cn/search?containerid=231522type%3D1"
    conv = html_to_markdown(f'<a href="{href}">搜索</a>')
    assert conv.markdown == f"[搜索]({href})"
    assert conv.hashtags == []


def test_super_topic_keeps_link_and_name():
    href = "https://m.weibo.cn/p/index?extparam=x&containerid=100808abc"
    conv = html_to_markdown(
        f'<a href="{href.replace("&", "&amp;")}"><span class="url-icon">'
        '<img style="width: 1rem;height: 1rem" src="https://n.sinaimg.cn/super.png"></span>'
        '<span class="surl-text">人工智能</span></a>')
    assert conv.markdown == f"[人工智能]({href})"
    assert conv.super_topics == ["人工智能"]
    assert conv.images == []


def test_br_is_a_newline_without_trailing_spaces():
    conv = html_to_markdown("a  <br>b<br><br><br><br>c<br>")
    assert conv.markdown == "a\nb\n\nc"


def test_br_inside_table_cell_is_a_space():
    conv = html_to_markdown("<table><tr><th>h</th></tr><tr><td>x<br>y</td></tr></table>")
    assert "| x y |" in conv.markdown


def test_unsafe_links_keep_their_text():
    for href in ("javascript:alert(1)", "vbscript:x", "data:text/html,<b>x</b>", "file:///etc/passwd",
                 "java\tscript:alert(1)"):
        conv = html_to_markdown(f'<a href="{htmllib.escape(href)}">文字</a>')
        assert conv.markdown == "文字", href
        assert conv.links == []
        assert conv.dropped and conv.dropped[0].startswith("unsafe link"), href


def test_event_attributes_and_scripts_are_recorded():
    conv = html_to_markdown('<p onclick="x()" ONLOAD="y()">t<script>bad()</script></p>')
    assert conv.markdown == "t"
    assert conv.dropped == ["<p onclick>", "<p onload>", "<script>"]


def test_escaping_of_emphasis_characters():
    md = html_to_markdown("__init__() snake_case 5050*1960 _a_").markdown
    assert md == "\\_\\_init\\_\\_() snake_case 5050\\*1960 \\_a\\_"


def test_escaping_keeps_author_lists_and_escapes_headings():
    md = html_to_markdown("- a<br>- b<br>1. c<br># d<br>###### e<br>####### f<br>#g").markdown
    assert md == "- a\n- b\n1. c\n\\# d\n\\###### e\n####### f\n#g"


def test_tag_looking_text_is_escaped():
    md = html_to_markdown("&lt;think&gt;推理&lt;/think&gt; 与 a &lt; b、x&lt;3").markdown
    assert md == "\\<think>推理\\</think> 与 a < b、x<3"


def test_link_with_space_or_parenthesis_is_wrapped():
    conv = html_to_markdown('<a href="https://e.com/a b">x</a> <a href="https://e.com/(c)">y</a>')
    assert conv.markdown == "[x](<https://e.com/a b>) [y](<https://e.com/(c)>)"


def test_empty_link_text_becomes_the_url():
    assert html_to_markdown('<a href="https://e.com/x_y"></a>').markdown == \
        "[https://e.com/x_y](https://e.com/x_y)"


def test_link_text_never_spans_lines():
    md = html_to_markdown('<a href="https://e.com/v">第一行<br><br><p>第二段</p></a>').markdown
    assert md == "[第一行 第二段](https://e.com/v)"


def test_video_without_fallback_and_with_src():
    conv = html_to_markdown('<video src="https://e.com/v.mp4" poster="https://e.com/p.jpg"></video>')
    assert conv.markdown == "![](https://e.com/p.jpg)\n\n[https://e.com/v.mp4](https://e.com/v.mp4)"
    assert conv.images == ["https://e.com/p.jpg"]
    assert conv.links == ["https://e.com/v.mp4"]


def test_comments_and_processing_instructions_vanish():
    assert html_to_markdown("<?xml version='1.0'?><!-- hidden -->shown<!DOCTYPE html>").markdown == "shown"


def test_empty_input():
    conv = html_to_markdown("")
    assert conv == HtmlConversion(markdown="")


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize("text", [
    "a<br>b", "x<br/>y", '<a href="https://e.com">e</a>', '<img src="x.png">', "<p>para</p>",
    '<span class="surl-text">x</span>', "<div>x</div>", '<video controls="controls"></video>',
    "text</p>", "<hr>",
])
def test_looks_like_html_true(text):
    assert looks_like_html(text)


@pytest.mark.parametrize("text", [
    "plain text", "a < b and c > d", "SVG 的 <circle> 和 <rect>", "模型先输出 <think> 再回答",
    "<label> 单独出现", "x<10 且 y>5", "<<<<<<< HEAD", "泛型 List<String>", "if a <b and c> d", "",
])
def test_looks_like_html_false(text):
    assert not looks_like_html(text)


# --------------------------------------------------------------------------- plain text


@pytest.mark.parametrize("text, expected", [
    ("话题#大模型#很热", "话题\\#大模型#很热"),
    ("#a##b#", "\\#a#\\#b#"),
    ("C# 和 F# 语言", "C# 和 F# 语言"),
    ("## 标题\n正文", "## 标题\n正文"),
    ("#标签 不闭合", "#标签 不闭合"),
    ("输出 <think> 与 <circle r=1/>", "输出 \\<think> 与 \\<circle r=1/>"),
    ("真 HTML <br> 与 <p>段</p> 不动", "真 HTML <br> 与 <p>段</p> 不动"),
    ("代码 `<think> #a#` 不动", "代码 `<think> #a#` 不动"),
    ("```\n#a# <x>\n```\n#b#", "```\n#a# <x>\n```\n\\#b#"),
    ("```\ncode line\n```\n<p>段</p> 与 <think>", "```\ncode line\n```\n<p>段</p> 与 \\<think>"),
    ("[链接](https://e.com/#a#b) 与 https://e.com/#c#d", "[链接](https://e.com/#a#b) 与 https://e.com/#c#d"),
    ("<https://e.com> 自动链接", "<https://e.com> 自动链接"),
    ("数学 $a<b$ 不动", "数学 $a<b$ 不动"),
    ("已转义 \\#a# 与 \\<x>", "已转义 \\#a# 与 \\<x>"),
    ("a\nb\r\nc\n", "a\nb\r\nc\n"),
])
def test_escape_plain_text(text, expected):
    assert escape_plain_text(text) == expected
    assert escape_plain_text(expected) == expected


# --------------------------------------------------------------------------- properties

_WORDS = st.text(
    alphabet=st.sampled_from(list("abcXYZ019 中文话题模型，。_*#<>[]()~|\\`$!-+=.&\"'")),
    min_size=1, max_size=12,
)
_URL = st.builds(
    lambda host, path: f"https://{host}.example.com/{path}".strip(),
    st.sampled_from(["a", "www", "img", "x-y"]),
    st.text(alphabet=st.sampled_from(list("abc_-.~/?=&%#() 19")), max_size=16),
)
_HASHTAG = st.text(alphabet=st.sampled_from(list("abAI模型大会-. 2")), min_size=1, max_size=8).filter(
    lambda s: s.strip() and not s.startswith(" "))


@st.composite
def _fragment(draw):
    kind = draw(st.sampled_from(["text", "text", "link", "img", "br", "hashtag", "redirect", "bold",
                                 "emoticon", "icon_link", "para", "quote", "video"]))
    if kind in ("para", "quote"):
        words = draw(_WORDS)
        tag = "p" if kind == "para" else "blockquote"
        return f"<{tag}>{htmllib.escape(words, quote=False)}<br>x</{tag}>", [words], [], []
    if kind == "video":
        poster, url = draw(_URL), draw(_URL)
        return (f'<video controls="controls" poster="{htmllib.escape(poster)}"><source src="https://v.cdn/x.mp4">'
                f'<p>视频无法显示，请前往<a href="{htmllib.escape(url)}">微博视频</a>观看。</p></video>',
                ["视频无法显示，请前往", "微博视频", "观看。"], [url], [poster])
    if kind == "text":
        words = draw(_WORDS)
        return htmllib.escape(words, quote=False), [words], [], []
    if kind == "link":
        url, words = draw(_URL), draw(_WORDS)
        return f'<a href="{htmllib.escape(url)}">{htmllib.escape(words, quote=False)}</a>', [words], [url], []
    if kind == "img":
        url = draw(_URL)
        return f'<img src="{htmllib.escape(url)}">', [], [], [url]
    if kind == "br":
        return "<br>" * draw(st.integers(1, 4)), [], [], []
    if kind == "hashtag":
        name = draw(_HASHTAG)
        href = "https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23x%23"
        return (f'<a href="{htmllib.escape(href)}"><span class="surl-text">#{htmllib.escape(name)}#</span></a>',
                [f"#{name}#"], [], [])
    if kind == "redirect":
        url, words = draw(_URL), draw(_WORDS)
        href = "https://weibo.cn/sinaurl?u=" + quote(url, safe="")
        return f'<a href="{htmllib.escape(href)}">{htmllib.escape(words, quote=False)}</a>', [words], [url], []
    if kind == "bold":
        words = draw(_WORDS)
        return f"<b>{htmllib.escape(words, quote=False)}</b>", [words], [], []
    if kind == "emoticon":
        return ('<span class="url-icon"><img alt="[good]" src="https://h5.sinaimg.cn/e.png" '
                'style="width:1em; height:1em;"></span>', ["[good]"], [], [])
    url, words = draw(_URL), draw(_WORDS)
    return (f'<a href="{htmllib.escape(url)}"><span class="url-icon"><img style="width: 1rem;height: 1rem" '
            f'src="https://h5.sinaimg.cn/icon.png"></span><span class="surl-text">'
            f"{htmllib.escape(words, quote=False)}</span></a>", [words], [url], [])


@settings(max_examples=300, deadline=None)
@given(st.lists(_fragment(), min_size=1, max_size=12))
def test_property_nothing_lost_no_tag_left(fragments):
    source = "".join(f[0] for f in fragments)
    conv = html_to_markdown(source)
    md = conv.markdown
    assert tags_left(md) == [], md
    assert not re.search(r"[ \t]$", md, re.M)
    assert "\n\n\n" not in md
    seen = visible(md)
    for _, texts, links, images in fragments:
        for text in texts:
            assert re.sub(r"\s+", "", text) in seen, (text, md)
        for url in links:
            assert url in conv.links
            assert f"]({url})" in md or f"](<{url}>)" in md, (url, md)
        for url in images:
            assert url in conv.images
            assert f"]({url})" in md or f"](<{url}>)" in md, (url, md)
    assert "icon.png" not in md and "e.png" not in md and "v.cdn" not in md
    assert escape_plain_text(md) == md


_PLAIN_ALPHABET = st.sampled_from(list("ab 中文#<>/\\`$[]()\n-*_:.") + ["https://e.com/", "<br>", "</p>", "<p>", "```\n", "](", "\r\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PLAIN_ALPHABET, max_size=40).map("".join))
def test_property_escape_plain_text_idempotent(text):
    once = escape_plain_text(text)
    assert escape_plain_text(once) == once
    assert inserted_only_backslashes(text, once)
    assert once.count("\n") == text.count("\n")


# --------------------------------------------------------------------------- the real corpus


def _weibo_raw_summaries() -> list[tuple[Path, str]]:
    items = []
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        m = re.search(r"^\*\*URL\*\*: *(\S+)", text, re.M)
        if not m or "weibo.com" not in m.group(1) or "## 原始摘要" not in text:
            continue
        raw = text.split("## 原始摘要", 1)[1].split("## AI 摘要", 1)[0].strip()
        items.append((path, raw))
    return items


@pytest.mark.corpus
def test_corpus_weibo_summaries(corpus_dir, record_property):
    items = _weibo_raw_summaries()
    assert len(items) > 2000
    start = time.perf_counter()
    results = [html_to_markdown(raw) for _, raw in items]
    ms_per_clip = (time.perf_counter() - start) * 1000 / len(items)
    record_property("ms_per_clip", round(ms_per_clip, 3))
    print(f"\nhtml_to_markdown: {len(items)} Weibo summaries, {ms_per_clip:.2f} ms/clip")

    failures: list[str] = []
    n_links = n_images = n_hashtags = 0
    for (path, raw), conv in zip(items, results):
        md = conv.markdown
        if tags_left(md):
            failures.append(f"{path.name}: tags left {tags_left(md)[:3]}")
        if re.search(r"\]\(\s*\n|\[[^\]\n]*\n[^\]]*\]\(http", md):
            failures.append(f"{path.name}: link broken across lines")
        if re.search(r"[ \t]$", md, re.M):
            failures.append(f"{path.name}: trailing spaces")
        if escape_plain_text(md) != md:
            failures.append(f"{path.name}: escape_plain_text changes the output")
        soup = BeautifulSoup(raw, "html.parser")
        for a in soup.find_all("a", href=True):
            if weibo.is_hashtag_search(a["href"]) and weibo.hashtag_name(a.get_text()):
                n_hashtags += 1
                continue
            target = unwrap_redirect(a["href"].strip())
            n_links += 1
            if target not in conv.links or (f"]({target}" not in md and f"](<{target}" not in md):
                failures.append(f"{path.name}: link lost {target}")
        for img in soup.find_all("img", src=True):
            parent = img.parent
            if parent.name == "span" and "url-icon" in (parent.get("class") or []):
                continue
            n_images += 1
            if img["src"] not in md:
                failures.append(f"{path.name}: image lost {img['src']}")
        seen = visible(md)
        for string in soup.find_all(string=True):
            if string.parent.name in ("script", "style"):
                continue
            if re.sub(r"\s+", "", str(string)) not in seen:
                failures.append(f"{path.name}: text lost {str(string)[:40]!r}")
                break
    print(f"checked {n_links} links, {n_images} images, {n_hashtags} hashtag anchors")
    assert n_links > 3000 and n_images > 5000 and n_hashtags > 3000
    assert failures == [], failures[:10]


@pytest.mark.corpus
def test_corpus_plain_sections_escape_idempotently(corpus_dir):
    changed = 0
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        if "## AI 摘要" not in text:
            continue
        ai = text.split("## AI 摘要", 1)[1].split("## 元数据", 1)[0]
        once = escape_plain_text(ai)
        assert escape_plain_text(once) == once, path.name
        assert inserted_only_backslashes(ai, once), path.name
        changed += once != ai
        url = re.search(r"^\*\*URL\*\*: *(\S*)", text, re.M)
        if url and "arxiv.org" in url.group(1):
            raw = text.split("## 原始摘要", 1)[1].split("## AI 摘要", 1)[0]
            assert not looks_like_html(raw), path.name
    assert changed > 0


def test_fast_find_parent_finds_what_bs4_finds():
    """The converter's tags answer ``find_parent(name)`` by walking up; bs4's own search must agree on
    every element (pre inside pre, prefixed names, the document itself) and for other kinds of search."""
    from bs4 import BeautifulSoup, Tag

    from vaulttool.core.clip.html import _Tag

    html = ("<div><pre><code>a<pre>b<span>c</span></pre></code></pre><p>d<svg:pre><b>e</b></svg:pre></p>"
            "<ul><li class='x'><pre>f</pre></li></ul></div>text")
    fast = BeautifulSoup(html, "html.parser", element_classes={Tag: _Tag})
    slow = BeautifulSoup(html, "html.parser")
    pairs = list(zip(fast.descendants, slow.descendants))
    assert len(pairs) > 15 and all(isinstance(f, _Tag) for f, _ in pairs if isinstance(f, Tag))

    def where(el):
        return None if el is None else (el.name, str(el)[:40])

    for name in ("pre", "code", "div", "li", "svg:pre", "[document]", "nope"):
        for f, s in pairs:
            assert where(f.find_parent(name)) == where(s.find_parent(name))
    for f, s in pairs:  # other searches go to bs4
        assert where(f.find_parent("li", class_="x")) == where(s.find_parent("li", class_="x"))
        assert where(f.find_parent(["pre", "li"])) == where(s.find_parent(["pre", "li"]))
