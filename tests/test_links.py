"""Links and inline tags (extract), link resolution (Resolver) and generated links (link_to)."""

from __future__ import annotations

import posixpath
import re
import time
import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.conftest import corpus_files
from vaulttool.core.links.extract import _ANY, Link, Resolver, _extract, extract, link_to, name_key
from vaulttool.core.links.resolve import lone_wikilink


def one(md: str) -> Link:
    links, _ = extract(md)
    assert len(links) == 1, links
    return links[0]


def tags_of(md: str) -> list[str]:
    return extract(md)[1]


# ----------------------------------------------------------------------------------- link forms


@pytest.mark.parametrize(
    "md, kind, target, fragment, alias",
    [
        ("[[Note]]", "wikilink", "Note", "", ""),
        ("[[Note|alias]]", "wikilink", "Note", "", "alias"),
        ("[[Note#Heading]]", "wikilink", "Note", "Heading", ""),
        ("[[Note#Heading|alias]]", "wikilink", "Note", "Heading", "alias"),
        ("[[Note#^block1]]", "wikilink", "Note", "^block1", ""),
        ("[[Note#H1#H2]]", "wikilink", "Note", "H1#H2", ""),
        ("[[#Heading]]", "wikilink", "", "Heading", ""),
        ("[[folder/Note.md]]", "wikilink", "folder/Note.md", "", ""),
        ("[[ Note | spaced ]]", "wikilink", "Note", "", "spaced"),
        ("[[Note|a|b]]", "wikilink", "Note", "", "a|b"),
        ("[[Note\\|x]]", "wikilink", "Note", "", "x"),
        ("[[大模型笔记]]", "wikilink", "大模型笔记", "", ""),
        ("![[embed]]", "embed", "embed", "", ""),
        ("![[img.png|100]]", "embed", "img.png", "", "100"),
        ("![[Note#^b|c]]", "embed", "Note", "^b", "c"),
        ("[text](My%20note.md)", "markdown", "My note.md", "", "text"),
        ("[text](<My note.md>)", "markdown", "My note.md", "", "text"),
        ("[text](../up/Note.md#Sec%20One)", "markdown", "../up/Note.md", "Sec One", "text"),
        ("[text](%E5%A4%A7.md)", "markdown", "大.md", "", "text"),
        ("[text](中文.md)", "markdown", "中文.md", "", "text"),
        ("[text](a\\_b.md)", "markdown", "a_b.md", "", "text"),
        ("[text](#Local)", "markdown", "", "Local", "text"),
        ("[*em* `c`](Note.md)", "markdown", "Note.md", "", "*em* c"),
        ("![alt](img.png)", "embed", "img.png", "", "alt"),
        ("![](<my img.png>)", "embed", "my img.png", "", ""),
        ("[ext](https://example.com/a%20b#frag)", "markdown", "https://example.com/a%20b#frag", "", "ext"),
        ("[mail](mailto:me@example.com)", "markdown", "mailto:me@example.com", "", "mail"),
        ("![remote](https://example.com/x.png)", "embed", "https://example.com/x.png", "", "remote"),
        ("<https://example.com/#x>", "markdown", "https://example.com/#x", "", "https://example.com/#x"),
        ("[ref][r]\n\n[r]: Ref%20Note.md", "markdown", "Ref Note.md", "", "ref"),
        ("[r]\n\n[r]: <Other Note.md#S>", "markdown", "Other Note.md", "S", "r"),
    ],
)
def test_link_forms(md, kind, target, fragment, alias):
    link = one(md)
    assert (link.kind, link.target, link.fragment, link.alias) == (kind, target, fragment, alias)


def test_raw_is_the_source_text():
    text = "See [[Note|x]], ![a](b.png) and [t](u.md \"title\")."
    assert [l.raw for l in extract(text)[0]] == ["[[Note|x]]", "![a](b.png)", '[t](u.md "title")']


@pytest.mark.parametrize(
    "md",
    [
        "`[[code]] [x](y.md) #tag`",
        "``a `[[code]]` b``",
        "```\n[[fenced]] [x](y.md) #tag\n```",
        "~~~md\n[[fenced]]\n~~~",
        "    [[indented]] #tag",
        "<div>\n[[html]] #tag [x](y.md)\n</div>",
        '<a title="#tag [[x]]" href="[x](y.md)">text</a>',
        "[[]] [[ ]] [[|alias]] [[unclosed",
        "[not a link] [also](<>)",
        "https://example.com/#anchor and foo#bar",
        "\\[[escaped]] \\#escaped",
    ],
)
def test_nothing_in_code_html_or_non_links(md):
    assert extract(md) == ([], [])


def test_nested_and_adjacent_wikilinks():
    links, _ = extract("[[A]][[B]] [[a [[C]] b]] [[D]]]")
    assert [l.target for l in links] == ["A", "B", "C", "D"]


def test_wikilink_in_markdown_link_text_and_table():
    md = "| a | b |\n|---|---|\n| [[Note\\|x]] | [[Other#H\\|y]] |\n"
    links = extract(md)[0]
    assert [(l.target, l.fragment, l.alias) for l in links] == [("Note", "", "x"), ("Other", "H", "y")]


# ------------------------------------------------------------------------------- line numbers

DOC = """# Title [[L1]]

- item [[L3]]
  continued [[L4]]
  > quote `code
  > span` [[L6]]

Para with `a code
span` then
[multi
line](L10.md) and [[L11]]

| a | b |
|---|---|
| [[L15]] | x |

Setext [[L17]]
---
> [[L19]]
"""


def test_lines_are_file_lines():
    links, _ = extract(DOC, first_line=5)
    got = [(l.target, l.line) for l in links]
    assert got == [
        ("L1", 5),
        ("L3", 7),
        ("L4", 8),
        ("L6", 10),
        ("L10.md", 14),
        ("L11", 15),
        ("L15", 19),
        ("L17", 21),
        ("L19", 23),
    ]
    lines = DOC.splitlines()
    for link in links:
        if "\n" not in link.raw:
            assert link.raw in lines[link.line - 5]


# ------------------------------------------------------------------------------------------ tags


@pytest.mark.parametrize(
    "md, tags",
    [
        ("#tag", ["tag"]),
        ("a #tag b", ["tag"]),
        ("#nested/tag/deep", ["nested/tag/deep"]),
        ("#大模型 和 #人工智能", ["大模型", "人工智能"]),
        ("#with-dash_and_underscore", ["with-dash_and_underscore"]),
        ("#1984 #y1984 #2024/q1", ["y1984", "2024/q1"]),
        ("#AI #ai #AI", ["AI", "ai"]),  # each spelling once, as written
        ("x#no (#no) [#no](n.md)", []),
        ("#标签，后面 #tag. #tag2, #tag3!", ["标签", "tag", "tag2", "tag3"]),
        ("#a#b", ["a", "b"]),
        ("\\#话题#", []),
        ("\\#话题#正文", []),
        ("#话题#", ["话题"]),
        ("#话题# 后文", ["话题"]),
        ("#话题#正文，后", ["话题", "正文"]),
        ("text\u3000#全角空格后", ["全角空格后"]),
        ("#🚀launch", ["🚀launch"]),
        ("#हिन्दी", ["हिन्दी"]),  # combining marks belong to the tag
        ("#𝕏平台", ["𝕏平台"]),
        ("# Heading\n## #inheading", ["inheading"]),
        ("[[Note#Heading]] [x](y.md#frag) <https://e.com/#x>", []),
        ("line one\n#second line", ["second"]),
        ("&#35;entity", []),
        ("<span>#spantag</span>", []),
    ],
)
def test_inline_tags(md, tags):
    assert tags_of(md) == tags


def test_tags_and_links_together():
    links, tags = extract("Read [[Paper]] #ai/llm and [x](y.md)\n\n```\n#not\n```\n#done")
    assert [l.target for l in links] == ["Paper", "y.md"]
    assert tags == ["ai/llm", "done"]


# --------------------------------------------------------------- the fast paths change nothing

_md_alphabet = st.sampled_from(
    list("ab #[]()!<>|\\`*_-\n:/.@")
    + ["[[", "]]", "](", "```", "    ", "http://x.y", "话题", "<br>", "\n\n", "| a |"]
    + ["\n> ", "\n>", "|---|", "- "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_md_alphabet, max_size=40).map("".join))
def test_prefilters_do_not_change_results(text):
    assert extract(text, 3) == _extract(text, 3, _ANY)


@settings(max_examples=200, deadline=None)
@given(st.lists(_md_alphabet, max_size=40).map("".join))
def test_single_line_links_are_on_their_line(text):
    links, _ = extract(text)
    lines = text.replace("\r\n", "\n").split("\n")
    for link in links:
        assert 1 <= link.line <= len(lines)
        if "\n" not in link.raw and "\\|" not in text:
            assert link.raw in lines[link.line - 1]


@pytest.mark.corpus
def test_corpus_lines_and_speed(corpus_dir):
    files = corpus_files()
    texts = [p.read_text(encoding="utf-8") for p in files if p.name != "SOURCE.md"]
    start = time.perf_counter()
    results = [extract(t) for t in texts]
    elapsed = time.perf_counter() - start
    n_links = n_tags = 0
    for text, (links, tags) in zip(texts, results):
        lines = text.splitlines()
        n_links += len(links)
        n_tags += len(tags)
        for link in links:
            assert link.raw in lines[link.line - 1]
        for tag in tags:
            assert not tag.isdecimal() and "#" not in tag
    assert n_links > 0 and n_tags > 1000
    # about 4,000 notes/s measured; a generous floor catches an accidental slow path
    assert len(texts) / elapsed > 500, f"{len(texts) / elapsed:.0f} notes/s"


# ------------------------------------------------------------------------------------ resolver

VAULT = [
    "Note.md",
    "Inbox/Note.md",
    "Projects/Alpha/Plan.md",
    "Archive/Plan.md",
    "A/Dup.md",
    "B/Dup.md",
    "Notes/Café.md",  # NFC on disk
    "attachments/img.png",
    "attachments/Diagram.PNG",
    "Deeps/sub/Target.md",
    "Other/sub/Target.md",
    "Other/x/Target.md",
    "Ideas.md",
    "Notes/Ideas.md",
]


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(VAULT)


def res(resolver: Resolver, target: str, source: str = "Inbox/Today.md", kind: str = "wikilink"):
    return resolver.resolve(Link(kind, target), source)


@pytest.mark.parametrize(
    "target, source, expected",
    [
        ("", "Inbox/Today.md", ("self", "Inbox/Today.md")),
        ("https://example.com", "x.md", ("unresolved", None)),  # a wikilink always names a file
        ("Note", "Other/x.md", ("ok", "Note.md")),  # from the root
        ("Note.md", "Other/x.md", ("ok", "Note.md")),
        ("note", "Other/x.md", ("ok", "Note.md")),  # case-insensitive
        ("Note", "Inbox/Today.md", ("ok", "Note.md")),  # not the note beside the source
        ("/Note", "Inbox/Today.md", ("ok", "Note.md")),  # "/" = from the root only
        ("/Inbox/Note", "x.md", ("ok", "Inbox/Note.md")),
        ("/Plan", "x.md", ("unresolved", None)),
        ("./Note", "Inbox/Today.md", ("ok", "Inbox/Note.md")),  # relative wikilinks
        ("../Archive/Plan", "Inbox/Today.md", ("ok", "Archive/Plan.md")),
        ("Inbox/Note", "x.md", ("ok", "Inbox/Note.md")),  # a path from the root
        ("Plan", "x.md", ("ok", "Archive/Plan.md")),  # the shortest path wins
        ("Dup", "x.md", ("ambiguous", None)),  # two equally short
        ("A/Dup", "x.md", ("ok", "A/Dup.md")),
        ("Dup", "B/y.md", ("ambiguous", None)),  # the source's folder does not count
        ("Target", "x.md", ("ok", "Other/x/Target.md")),
        ("sub/Target", "x.md", ("ambiguous", None)),  # Deeps/sub and Other/sub, equally short
        ("x/Target", "y.md", ("ok", "Other/x/Target.md")),  # folders as a path suffix
        ("Alpha/Plan", "y.md", ("ok", "Projects/Alpha/Plan.md")),
        ("Beta/Plan", "y.md", ("unresolved", None)),
        ("img.png", "Notes/x.md", ("ok", "attachments/img.png")),
        ("diagram.png", "Notes/x.md", ("ok", "attachments/Diagram.PNG")),
        ("img", "Notes/x.md", ("unresolved", None)),  # attachments need their extension
        ("Missing", "x.md", ("unresolved", None)),
        (unicodedata.normalize("NFD", "Café"), "x.md", ("ok", "Notes/Café.md")),
        ("Ideas", "x.md", ("ok", "Ideas.md")),
        ("Ideas", "Notes/x.md", ("ok", "Ideas.md")),
        ("Notes/Ideas", "Notes/x.md", ("ok", "Notes/Ideas.md")),
    ],
)
def test_resolve(resolver, target, source, expected):
    assert res(resolver, target, source) == expected


@pytest.mark.parametrize(
    "target, source, expected",
    [
        ("https://example.com", "x.md", ("external", None)),
        ("mailto:a@b.c", "x.md", ("external", None)),
        ("//host/x", "x.md", ("external", None)),
        ("", "Inbox/Today.md", ("self", "Inbox/Today.md")),
        ("Note.md", "Inbox/Today.md", ("ok", "Note.md")),  # a path from the root wins
        ("./Note.md", "Inbox/Today.md", ("ok", "Inbox/Note.md")),
        ("Alpha/Plan.md", "Projects/Index.md", ("ok", "Projects/Alpha/Plan.md")),  # relative
        ("Alpha/Plan", "Projects/Index.md", ("ok", "Projects/Alpha/Plan.md")),
        ("Ideas.md", "Notes/x.md", ("ok", "Ideas.md")),
        ("../Note.md", "Inbox/Today.md", ("ok", "Note.md")),
        ("../Archive/Plan.md", "Inbox/Today.md", ("ok", "Archive/Plan.md")),
        ("../../Note.md", "Inbox/Today.md", ("unresolved", None)),  # above the vault root
        ("../Note.md", "Today.md", ("unresolved", None)),
        ("./Missing.md", "Inbox/Today.md", ("unresolved", None)),
        ("../attachments/img.png", "Notes/x.md", ("ok", "attachments/img.png")),
        ("sub/../Note.md", "Inbox/Today.md", ("ok", "Note.md")),
        ("./sub/../Note.md", "Inbox/Today.md", ("ok", "Inbox/Note.md")),
        ("Notes/Café.md", "x.md", ("ok", "Notes/Café.md")),
    ],
)
def test_resolve_markdown_relative(resolver, target, source, expected):
    assert res(resolver, target, source, "markdown") == expected


def test_external_embeds_and_extracted_links():
    r = Resolver(VAULT)
    links, _ = extract("![x](https://e.com/a.png) ![[https://e.com/a.png]] [y](https://e.com) [[Note]]")
    assert [r.resolve(l, "x.md") for l in links] == [
        ("external", None),
        ("unresolved", None),
        ("external", None),
        ("ok", "Note.md"),
    ]


def test_exact_spelling_wins_among_case_variants():
    r = Resolver(["Case.md", "case.md", "Other.md", "other.md"])
    assert r.resolve(Link("wikilink", "Case"), "x.md") == ("ok", "Case.md")
    assert r.resolve(Link("wikilink", "case"), "x.md") == ("ok", "case.md")
    assert r.resolve(Link("wikilink", "CASE"), "x.md") == ("ambiguous", None)


def test_incremental_add_and_remove():
    r = Resolver(["Inbox/Today.md"])
    link = Link("wikilink", "Later")
    assert r.resolve(link, "Inbox/Today.md") == ("unresolved", None)
    r.add("A/Later.md")
    assert r.resolve(link, "Inbox/Today.md") == ("ok", "A/Later.md")
    r.add("B/Later.md")
    assert r.resolve(link, "Inbox/Today.md") == ("ambiguous", None)
    r.add("Later.md")
    assert r.resolve(link, "Inbox/Today.md") == ("ok", "Later.md")
    assert r.candidates_for_name(name_key("later")) == ["A/Later.md", "B/Later.md", "Later.md"]
    r.remove("Later.md")
    r.remove("B/Later.md")
    r.remove("B/Later.md")  # removing twice is harmless
    assert r.resolve(link, "Inbox/Today.md") == ("ok", "A/Later.md")
    assert "A/Later.md" in r and "Later.md" not in r and len(r) == 2
    assert r.candidates_for_name("later") == ["A/Later.md"]


def test_name_key():
    assert name_key("Folder/My Note.md") == name_key("my note") == "my note"
    assert name_key("a/Img.PNG") == "img.png"
    assert name_key("Note.MD") == "note"
    assert name_key(unicodedata.normalize("NFD", "Café.md")) == name_key("CAFÉ")
    assert name_key("x/#话题#标题.md") == "#话题#标题"


# ------------------------------------------------------------------------------------- link_to

PAGES_VAULT = [*VAULT, "_index/Index.md", "_index/tags/ai.md", "Notes/]]<script>.md"]
PAGES_VAULT += ["Clips/#X话题#标题.md"]


def follow(markdown: str, from_path: str, resolver: Resolver) -> tuple[str, str | None, Link]:
    links, tags = extract(markdown)
    assert len(links) == 1 and tags == [], (markdown, links, tags)
    status, path = resolver.resolve(links[0], from_path)
    return status, path, links[0]


@pytest.mark.parametrize(
    "path, from_path, text, expected",
    [
        ("Ideas.md", "_index/Index.md", None, "[[Ideas]]"),
        ("Notes/Ideas.md", "_index/Index.md", None, "[[Notes/Ideas]]"),
        ("Notes/Ideas.md", "_index/Index.md", "My ideas", "[[Notes/Ideas|My ideas]]"),
        ("Inbox/Note.md", "_index/Index.md", None, "[[Inbox/Note]]"),
        ("Projects/Alpha/Plan.md", "_index/Index.md", None, "[[Projects/Alpha/Plan]]"),
        ("Archive/Plan.md", "_index/Index.md", "Plan", "[[Plan]]"),
        ("attachments/img.png", "_index/Index.md", None, "[[img.png]]"),
        ("Notes/Café.md", "_index/Index.md", "Café: a title #x ^y", "[[Café|Café: a title #x ^y]]"),
    ],
)
def test_link_to_wikilink(path, from_path, text, expected):
    r = Resolver(PAGES_VAULT)
    out = link_to(path, r, from_path=from_path, text=text)
    assert out == expected
    status, got, link = follow(out, from_path, r)
    assert (status, got) == ("ok", path)
    if text:
        assert (link.alias or link.target) == text


def test_link_to_uses_the_path_when_the_name_is_not_enough():
    r = Resolver([*PAGES_VAULT, "Topics/ai.md"])
    # "_index/tags/ai.md" is longer, so [[ai]] leads to the note, not to the tag page
    assert link_to("Topics/ai.md", r, from_path="_index/tags/ai.md") == "[[ai]]"
    assert link_to("_index/tags/ai.md", r, from_path="Index.md") == "[[_index/tags/ai]]"
    r.add("Other/ai.md")  # now two equally short: the name is ambiguous
    out = link_to("Topics/ai.md", r, from_path="_index/tags/ai.md")
    assert out == "[[Topics/ai]]"
    assert follow(out, "_index/tags/ai.md", r)[:2] == ("ok", "Topics/ai.md")
    r.add("topics/AI.md")  # a case variant: the exact spelling still wins
    assert follow(link_to("Topics/ai.md", r), "Index.md", r)[:2] == ("ok", "Topics/ai.md")
    assert follow(link_to("topics/AI.md", r), "Index.md", r)[:2] == ("ok", "topics/AI.md")


@pytest.mark.parametrize(
    "path, text",
    [
        ("Notes/]]<script>.md", "]]<script>"),  # name and title that would end the link
        ("Notes/Ideas.md", "a|b"),  # a pipe would split the alias (and a table)
        ("Notes/Ideas.md", "[论文] *bold* `code` <b>x</b> &amp; $x$ %%c%% ==h== ~~s~~"),
        ("Clips/#X话题#标题.md", None),  # "#" in a name: [[#X...]] would be a heading link
        ("Clips/#X话题#标题.md", "#X话题#标题"),
    ],
)
def test_link_to_falls_back_to_markdown_for_what_a_wikilink_cannot_hold(path, text):
    r = Resolver(PAGES_VAULT)
    out = link_to(path, r, from_path="_index/tags/ai.md", text=text)
    assert out.startswith("[") and not out.startswith("[[")
    status, got, link = follow(out, "_index/tags/ai.md", r)
    assert (status, got) == ("ok", path)
    shown = text if text is not None else posixpath.basename(path)[:-3]
    assert link.alias == shown
    html = MarkdownIt("commonmark", {"html": True}).render(out)
    assert "<script>" not in html and "<b>" not in html and html.count("<a ") == 1
    assert "<em>" not in html and "<code>" not in html


@pytest.mark.parametrize(
    "path, from_path, expected",
    [
        ("Notes/Ideas.md", "Index.md", "[Ideas](Notes/Ideas.md)"),
        ("Notes/Ideas.md", "_index/tags/ai.md", "[Ideas](../../Notes/Ideas.md)"),
        ("Notes/Ideas.md", "Notes/Index.md", "[Ideas](./Ideas.md)"),  # "Ideas.md" is a root note
        ("Inbox/Note.md", "Inbox/Index.md", "[Note](./Note.md)"),
        ("Projects/Alpha/Plan.md", "Projects/Index.md", "[Plan](Alpha/Plan.md)"),
        (
            "My Note (draft) 100%.md",
            "_index/Index.md",
            "[My Note (draft) 100\\%](../My%20Note%20%28draft%29%20100%25.md)",
        ),
        ("Clips/#X话题#标题.md", "Index.md", "[\\#X话题\\#标题](Clips/%23X话题%23标题.md)"),
        ("a:b ^c|d.md", "Index.md", "[a:b \\^c\\|d](./a%3Ab%20%5Ec%7Cd.md)"),
        ("全角\u3000空格.md", "Index.md", "[全角\u3000空格](全角%E3%80%80空格.md)"),
    ],
)
def test_link_to_markdown_style(path, from_path, expected):
    r = Resolver([*PAGES_VAULT, path])
    out = link_to(path, r, style="markdown", from_path=from_path)
    assert out == expected
    assert follow(out, from_path, r)[:2] == ("ok", path)
    # what GitHub does: the href, decoded, relative to the page's folder
    html = MarkdownIt("commonmark").render(out)
    href = html.split('href="', 1)[1].split('"', 1)[0]
    assert posixpath.normpath(posixpath.join(posixpath.dirname(from_path), unquote(href))) == path


def test_link_to_rejects_unknown_style():
    with pytest.raises(ValueError):
        link_to("Ideas.md", Resolver(["Ideas.md"]), style="html")


_name_chars = st.sampled_from(
    list("aB1 _-.()#|^[]%&:'!话题")
    + ["Café", unicodedata.normalize("NFD", "é"), "\u3000", "\n", "*", "<b>", "`", "\\"]
)
_names = st.lists(_name_chars, min_size=1, max_size=8).map("".join)
_folders = st.sampled_from(["", "A/", "A/b/", "B/", "_index/", "#h/", "x:y/"])


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.tuples(_folders, _names), min_size=1, max_size=6),
    from_path=st.sampled_from(["Index.md", "_index/Index.md", "_index/tags/x.md", "A/Page.md"]),
    style=st.sampled_from(["wikilink", "markdown"]),
    title=st.one_of(st.none(), _names),
)
def test_link_to_always_resolves_to_the_note(names, from_path, style, title):
    paths = {folder + name.strip() + ".md" for folder, name in names if name.strip(" .")}
    assume(paths)
    r = Resolver(sorted(paths))
    for path in sorted(paths):
        out = link_to(path, r, style=style, from_path=from_path, text=title)
        links, _ = extract(out)
        assert len(links) == 1, out
        assert r.resolve(links[0], from_path) == ("ok", path), out
        if title is not None and title.strip():
            assert (links[0].alias or links[0].target) == re.sub(r"\s*[\r\n]\s*", " ", title).strip(), out


_segments = st.sampled_from(["", ".", "..", "a", "Note", "NOTE", " x", "x ", "a#b", "a|b", "a^b", "a:b", "[x]",
                             "b\\c", "%%", "Café", unicodedata.normalize("NFD", "Café"), "ß", "SS", "x.md",
                             "y.MD", "话题", "\u3000", "ﬁ", "/"])


@settings(max_examples=500, deadline=None)
@given(
    segments=st.lists(_segments, min_size=1, max_size=4),
    ext=st.sampled_from([".md", ".MD", ".Md", ".md.md", ".MD.md", ".png", ""]),
    text=st.one_of(st.none(), st.lists(_name_chars, max_size=6).map("".join)),
)
def test_lone_wikilink_is_what_link_to_writes_for_a_note_alone(segments, ext, text):
    """The shortcut page builds take for a note no other file shares a name with."""
    path = "/".join(segments) + ext
    got = lone_wikilink(path, text)
    want = link_to(path, Resolver([path]), style="wikilink", from_path="", text=text)
    if got is None:  # left to link_to: not a note, a name ending .md.md, or a segment _join would change
        full = path[:-3]
        assert path[-3:].lower() != ".md" or full[-3:].lower() == ".md" or {"", ".", ".."} & set(full.split("/"))
        return
    assert got == (want if want.startswith("[[") else "")
