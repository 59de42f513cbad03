"""Generated pages (vaulttool.pages.render + vaulttool.usecases.pagebuild.build): golden pages, links that resolve,
ownership of the pages folder, no churn, and incremental builds equal to full ones (hypothesis)."""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.conftest import FIXTURES
from vaulttool.config import load as load_config
from vaulttool.core.filenames import is_safe_name
from vaulttool.core.links.resolve import Resolver
from vaulttool.core.noteinfo import read_note
from vaulttool.core.tags.rules import tag_key
from vaulttool.pages import duplicates as pagesduplicates
from vaulttool.pages import render as pagesrender
from vaulttool.pages.render import Layout, escape, has_marker, note_rel, tag_rel
from vaulttool.usecases.indexing import Changes
from vaulttool.usecases.pagebuild import links as pagelinks
from vaulttool.usecases.pagebuild import query as pagequery
from vaulttool.usecases.pagebuild import render as pagerender
from vaulttool.usecases.pagebuild.build import rebuild_pages
from vaulttool.usecases.reindex import reindex
from vaulttool.usecases.report import Reporter, Summary
from vaulttool.usecases.session import open_session
from vaulttool.vault.files import Vault

PAGES_FIXTURES = FIXTURES / "pages"
FIXTURE_VAULT = PAGES_FIXTURES / "vault"

# ------------------------------------------------------------------------------------- helpers


def configure(root: Path, **settings_) -> None:
    lines = [f"{k} = {json.dumps(v)}" for k, v in settings_.items()] + ["[watch]", "quiet = 0"]
    (root / ".vaulttool").mkdir(parents=True, exist_ok=True)
    (root / ".vaulttool" / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(root: Path, *, full: bool = False):
    reporter = Reporter()
    with open_session(root, "reindex") as session:
        summary = reindex(session, reporter, full=full)
    assert not summary.failed, summary.failed
    return summary, reporter


def page_files(root: Path, folder: str = "_index") -> dict[str, bytes]:
    base = root / folder
    if not base.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def mtimes(root: Path, folder: str = "_index") -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in (root / folder).rglob("*.md")}


def fixture_vault(tmp_path: Path, **settings_) -> Path:
    """A copy of the fixture vault; unless told otherwise, in the portable style with a page for
    every tag (what most tests here look at: the lists of notes)."""
    settings_.setdefault("page_style", "portable")
    settings_.setdefault("tag_page_min", 1)
    root = tmp_path / "vault"
    shutil.copytree(FIXTURE_VAULT, root)
    configure(root, **settings_)
    return root


def from_scratch(root: Path, scratch: Path) -> dict[str, bytes]:
    """The pages a first, full run gives on a copy of ``root`` (without its index and pages)."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(root, scratch, ignore=lambda d, names: [n for n in names if n in ("_index", ".vaulttool")])
    (scratch / ".vaulttool").mkdir()
    shutil.copy(root / ".vaulttool" / "config.toml", scratch / ".vaulttool" / "config.toml")
    run(scratch)
    return page_files(scratch)


def warnings(reporter: Reporter) -> dict[str, str]:
    return {path: detail for action, path, detail in reporter.events if action == "warning"}


# -------------------------------------------------------------------------------- golden pages


GOLDEN = [
    ("portable-wikilink", {}),
    ("portable-markdown-months", {"link_style": "markdown", "index_page_limit": 4}),
    ("obsidian-wikilink", {"page_style": "obsidian", "tag_page_min": 2}),
    ("obsidian-markdown", {"page_style": "obsidian", "tag_page_min": 2, "link_style": "markdown"}),
]


@pytest.mark.parametrize("name, settings_", GOLDEN)
def test_golden_pages(tmp_path, name, settings_):
    root = fixture_vault(tmp_path, **settings_)
    summary, _ = run(root)
    got = page_files(root)
    golden = PAGES_FIXTURES / f"golden-{name}"
    if os.environ.get("VAULTTOOL_UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        for rel, data in got.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
    want = {p.relative_to(golden).as_posix(): p.read_bytes() for p in sorted(golden.rglob("*")) if p.is_file()}
    assert sorted(got) == sorted(want)
    for rel in want:
        assert got[rel].decode() == want[rel].decode(), rel
    assert summary.pages_written == len(got)


def test_fixture_pages_show_what_the_vault_holds(tmp_path):
    root = fixture_vault(tmp_path)
    run(root)
    pages = {k: v.decode() for k, v in page_files(root).items()}
    # one page per tag key: Rag, rag and RAG share one; ai/llm is nested
    assert "_index/tags/rag.md" in pages and "_index/tags/ai/llm.md" in pages
    assert "_index/tags/x y.md" in pages  # x_y: "_" as a space, as safe_stem writes it
    assert not any(re.search(r"/tags/.*[A-Z]", p) for p in pages)
    # backlinks of the two Ideas notes are two pages
    assert "_index/backlinks/Notes/Ideas.md" in pages and "_index/backlinks/Notes/Projects/Ideas.md" in pages
    reading = pages["_index/backlinks/Notes/Reading.md"]
    assert "[[Undated]]" in reading and "line 5: No created date" in reading  # context line, escaped
    assert reading.count("- [[Undated]]") == 1  # two links on one line: one context line
    overview = pages["_index/Backlinks.md"]
    assert "Missing note" in overview and "Nowhere.md" in overview and "链接笔记的缺失目标" in overview
    assert "## Ambiguous links" in overview and "- Same\n" in overview
    dup = pages["_index/Duplicates.md"]
    assert "1 URL clipped more than once (2 notes)" in dup
    month = pages["_index/Duplicates/2025-04.md"]  # the month of the first clip
    assert month.index("Attention Is All You Need (clipped again)") < month.index("[[Attention Is All You Need|2025-05-03]]")
    # every page: marker, notice, no tags of its own
    for rel, text in pages.items():
        assert text.startswith("---\ngenerated_by: vaulttool\ngenerated_page: "), rel
        assert "Generated by vaulttool" in text
        assert read_note(rel, text).tags == [], rel


# ------------------------------------------------------------------------------ links resolve


def _check_links(root: Path, style: str) -> int:
    """Every link of every page resolves, for the project's resolver and for a Markdown renderer;
    a link to a note shows the note's title; nothing in a page renders as HTML."""
    vault = Vault(root, load_config(root))
    walk = vault.walk()
    resolver = Resolver([*walk.notes, *walk.files, *walk.pages])
    with open_session(root, "check") as session:
        titles = dict(session.store.conn.execute("SELECT path, title FROM notes"))
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    checked = 0
    for rel in sorted(walk.pages):
        text = (root / rel).read_text(encoding="utf-8")
        info = read_note(rel, text)
        for link in info.links:
            status, target = resolver.resolve(link, rel)
            assert status == "ok", (rel, link)
            if target in titles:  # the title (in lists: shortened, or the file name); a copy's date on Duplicates pages
                shown, title = link.alias or link.target, " ".join(titles[target].split())
                stem = posixpath.basename(target)[:-3]
                assert (shown == title or (shown.endswith("…") and title.startswith(shown[:-1]))
                        or (len(title) > pagesrender.TITLE_CHARS and shown in (stem, posixpath.splitext(target)[0]))
                        or (rel.startswith("_index/Duplicates/") and re.fullmatch(r"\d{4}-\d\d-\d\d|no date", shown))), \
                    (rel, link)
            if style == "markdown":
                assert link.kind == "markdown", (rel, link)
            checked += 1
        rendered = md.render(text)
        for bad in ("<script", "<b>", "<i>", "<img"):
            assert bad not in rendered, (rel, bad)
        for href in re.findall(r'<a href="([^"]*)"', rendered):
            dest = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(html.unescape(href))))
            assert dest in walk.notes or dest in walk.pages or dest in walk.files, (rel, href)
            checked += 1
    return checked


@pytest.mark.parametrize("style", ["wikilink", "markdown"])
def test_every_link_in_every_page_resolves(tmp_path, style):
    root = fixture_vault(tmp_path, link_style=style, index_page_limit=4)
    run(root)
    assert _check_links(root, style) > 100


def test_links_to_notes_sharing_a_name_and_to_odd_titles(tmp_path):
    root = fixture_vault(tmp_path)
    # a note named like a tag page and one named like an overview page, at the root
    (root / "rag.md").write_text("---\ntitle: rag\ntags: [rag]\n---\nsee [[Reading]]\n", encoding="utf-8")
    (root / "Tags.md").write_text("---\ntitle: Tags\n---\nmy own tags note\n", encoding="utf-8")
    run(root)
    index = (root / "_index/Index.md").read_text(encoding="utf-8")
    assert "[[Ideas]]" in index and "[[Notes/Projects/Ideas|Ideas (projects)]]" in index
    # titles that would break a wikilink are written as escaped Markdown links
    assert "[\\]\\]\\<script\\>alert(1)\\</script\\>](../Clippings/Script.md)" in index
    assert "[a \\| b \\]\\] \\[c\\] \\#d \\^e](../Clippings/Pipes.md)" in index
    tag_page = (root / "_index/tags/rag.md").read_text(encoding="utf-8")
    assert "[[rag]]" in tag_page  # the note, not the tag page beside it
    assert "[[_index/Tags|Tags]]" in tag_page  # the page, not the note Tags.md
    assert _check_links(root, "wikilink") > 100


@pytest.mark.parametrize("settings_", [{}, {"link_style": "markdown", "index_page_limit": 4}])
def test_pages_built_a_part_at_a_time_are_the_same(tmp_path, monkeypatch, settings_):
    """A build reads and renders a part of the vault at a time (some tags, the backlinks of some
    notes) and keeps a bounded cache of links: parts of one tag or note and a cache of one link give
    the same pages, from scratch and when every page went missing."""
    root = fixture_vault(tmp_path, **settings_)
    (root / "rag.md").write_text("---\ntitle: rag\ntags: [rag]\n---\nsee [[Reading]]\n", encoding="utf-8")
    (root / "Tags.md").write_text("---\ntitle: Tags\n---\nsee [[Old.md]]\n", encoding="utf-8")
    (root / "Old.md").write_text("---\ntitle: Old\ntags: [rag]\n---\nsee [[Tags]]\n", encoding="utf-8")
    (root / "Notes" / "Old.md.md").write_text("---\ntitle: Older\ntags: [ai]\n---\nsee [[Old]]\n", encoding="utf-8")
    run(root)
    want = page_files(root)
    assert len(want) > 20
    monkeypatch.setattr(pagequery, "CHUNK", 1)
    monkeypatch.setattr(pagerender, "PART_NOTES", 1)
    monkeypatch.setattr(pagelinks, "LINK_CACHE", 1)
    assert from_scratch(root, tmp_path / "scratch") == want
    shutil.rmtree(root / "_index")
    run(root)
    assert page_files(root) == want


# ------------------------------------------------------------------------- no churn, ownership


def test_nothing_written_when_nothing_changed(tmp_path):
    root = fixture_vault(tmp_path)
    run(root)
    before, stamps = page_files(root), mtimes(root)
    summary, _ = run(root)
    assert summary.pages_written == 0 and summary.pages_removed == 0
    summary, _ = run(root, full=True)
    assert summary.pages_written == 0
    assert page_files(root) == before and mtimes(root) == stamps
    # one note's title changes: only the pages showing it are written
    path = root / "Notes/Undated.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Undated", "title: Undated!"), encoding="utf-8")
    summary, reporter = run(root)
    written = {p for a, p, d in reporter.events if a == "page"}
    assert "_index/backlinks/Notes/Reading.md" in written and "_index/tags/rag.md" in written
    assert "_index/Index.md" in written
    assert "_index/tags/ai.md" not in written and "_index/backlinks/Notes/Ideas.md" not in written
    after = mtimes(root)
    assert after["_index/tags/ai.md"] == stamps["_index/tags/ai.md"]
    assert after["_index/backlinks/Notes/Reading.md"] != stamps["_index/backlinks/Notes/Reading.md"]
    assert summary.pages_written == len(written)


def test_foreign_files_in_the_pages_folder_survive_and_are_reported(tmp_path):
    root = fixture_vault(tmp_path)
    mine = "# My tags\n\nhand-written, not generated\n"
    (root / "_index/tags").mkdir(parents=True)
    (root / "_index/Tags.md").write_text(mine, encoding="utf-8")  # where a page would go
    (root / "_index/tags/rag.md").write_text("---\ntitle: mine\n---\nmine too\n", encoding="utf-8")
    (root / "_index/README.md").write_text("my notes about the index\n", encoding="utf-8")
    summary, reporter = run(root)
    assert (root / "_index/Tags.md").read_text(encoding="utf-8") == mine
    assert (root / "_index/tags/rag.md").read_text(encoding="utf-8").endswith("mine too\n")
    warned = warnings(reporter)
    assert "not generated by vaulttool" in warned["_index/Tags.md"]
    assert "_index/tags/rag.md" in warned
    assert (root / "_index/Index.md").exists()  # the rest is built
    # a full run also names the foreign file that blocks nothing, and leaves it
    summary, reporter = run(root, full=True)
    assert "_index/README.md" in warnings(reporter) and (root / "_index/README.md").exists()
    # once the user's file goes, the page is generated in its place
    (root / "_index/Tags.md").unlink()
    run(root)
    assert has_marker((root / "_index/Tags.md").read_bytes())


def test_pages_of_gone_tags_and_notes_are_removed_if_ours(tmp_path):
    root = fixture_vault(tmp_path)
    run(root)
    assert (root / "_index/tags/idea/ai.md").exists() and (root / "_index/backlinks/Notes/Projects/Ideas.md").exists()
    # the user takes over one page by removing the marker
    adopted = root / "_index/tags/ai/llm.md"
    adopted.write_text(adopted.read_text(encoding="utf-8").replace("generated_by: vaulttool\n", ""), encoding="utf-8")
    (root / "Notes/Projects/Ideas.md").unlink()
    (root / "Clippings/Attention Is All You Need.md").unlink()
    (root / "Clippings/Attention again.md").unlink()
    summary, reporter = run(root)
    assert not (root / "_index/tags/idea/ai.md").exists()
    assert not (root / "_index/tags/idea").exists()  # emptied folder removed too
    assert not (root / "_index/backlinks/Notes/Projects/Ideas.md").exists()
    assert adopted.exists() and "_index/tags/ai/llm.md" in warnings(reporter)
    assert summary.pages_removed >= 3
    assert page_files(root) == {**from_scratch(root, tmp_path / "scratch"),
                                "_index/tags/ai/llm.md": adopted.read_bytes()}


def test_pages_deleted_or_edited_by_hand_are_put_back(tmp_path):
    root = fixture_vault(tmp_path)
    run(root)
    want = page_files(root)
    for rel in ("_index/backlinks/Notes/Reading.md", "_index/tags/ai/llm.md", "_index/Duplicates.md"):
        (root / rel).unlink()
    summary, _ = run(root)  # an incremental run: nothing changed in the notes
    assert summary.pages_written == 3 and page_files(root) == want
    edited = root / "_index/tags/rag.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "my addition\n", encoding="utf-8")
    run(root, full=True)  # a full run checks every page
    assert page_files(root) == want


def test_conflict_copies_are_listed_on_the_duplicates_page(tmp_path):
    root = fixture_vault(tmp_path)
    run(root)
    before = page_files(root)
    copy = root / "Notes/Reading (conflicted copy 2025-05-04).md"
    shutil.copy(root / "Notes/Reading.md", copy)
    run(root)
    text = (root / "_index/Duplicates.md").read_text(encoding="utf-8")
    assert "## Conflicts" in text
    assert "[[Reading (conflicted copy 2025-05-04)]] is a conflict copy of [[Reading]]" in text
    # the copy is not listed as a note, and its links are not backlinks
    after = page_files(root)
    assert {k for k in after if after[k] != before.get(k)} == {"_index/Duplicates.md"}
    assert after == from_scratch(root, tmp_path / "scratch")
    # a caller that does not look for conflicts keeps the list; one that finds none clears it
    with open_session(root, "reindex") as session:
        session.store.begin()
        rebuild_pages(session, Changes(), Reporter(), Summary(), walk_pages=session.vault.walk().pages)
        session.store.commit()
    assert (root / "_index/Duplicates.md").read_text(encoding="utf-8") == text
    copy.unlink()
    run(root)
    assert page_files(root) == before


def test_most_linked_notes_are_counted_by_linking_notes(tmp_path):
    root = tmp_path / "vault"
    configure(root)
    for i in range(130):  # note i links to the notes whose number divides it, some twice, one to itself
        links = [f"[[n{j}]] and [[n{j}]]" if j % 7 == 0 else f"[[n{j}]]" for j in range(1, i) if i % j == 0]
        body = "\n".join(links + ([f"[[n{i}]]"] if i % 5 == 0 else []))
        (root / f"n{i}.md").write_text(f"---\ntitle: n{i}\ntags: []\n---\n{body}\n", encoding="utf-8")
    run(root)
    text = (root / "_index/Backlinks.md").read_text(encoding="utf-8")
    shown = re.findall(r"^- \[\[(n\d+)\]\]: (\d+) notes? ", text, re.M)
    with open_session(root, "check") as session:
        pairs = session.store.conn.execute(
            "SELECT DISTINCT l.resolved, n.path FROM links l JOIN notes n ON n.id = l.note_id"
            " WHERE l.status = 'ok' AND l.resolved != n.path").fetchall()
    counts: dict[str, int] = {}
    for target, _ in pairs:
        counts[target[:-3]] = counts.get(target[:-3], 0) + 1
    want = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] + ".md"))[:50]
    assert [(name, int(n)) for name, n in shown] == want
    assert len(shown) == 50 and want[0] == ("n1", 128)


def test_settings_change_rebuilds_everything(tmp_path):
    root = fixture_vault(tmp_path)
    run(root)
    configure(root, link_style="markdown", page_style="portable", tag_page_min=1)
    summary, _ = run(root)
    pages = page_files(root)
    assert not any(b"[[" in v.split(b"\n---\n", 1)[1] for v in pages.values())
    assert pages == from_scratch(root, tmp_path / "scratch")
    # to the obsidian style and back: the base appears and goes, tag pages follow tag_page_min
    configure(root, page_style="obsidian", tag_page_min=2)
    run(root)
    pages = page_files(root)
    assert "_index/Clippings.base" in pages and "_index/tags/tag.md" not in pages
    assert pages == from_scratch(root, tmp_path / "scratch")
    configure(root, page_style="portable", tag_page_min=1)
    run(root)
    assert "_index/Clippings.base" not in page_files(root) and (root / "_index/tags/tag.md").exists()


# ------------------------------------------------------------------------------- page names


def test_tag_page_names_are_safe_and_one_per_key():
    lay = Layout("_index")
    assert lay.tag(tag_key("AI/LLM")) == lay.tag(tag_key("ai/llm")) == "_index/tags/ai/llm.md"
    assert lay.tag("x_y") == "_index/tags/x y.md"
    assert lay.tag("x__y") != lay.tag("x_y") and lay.tag("_x") != lay.tag("x")
    assert lay.tag("con") != "_index/tags/con.md"  # a Windows device name
    assert lay.note_backlinks("a/#b.md") != lay.note_backlinks("a/b.md")
    assert note_rel("Notes/Ideas.md") == "Notes/Ideas.md"


def _paths(names: list[str]) -> list[str]:
    return [n for n in names if all(seg not in ("", ".", "..") for seg in n.split("/"))]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("aA_-/é中😀xX1"), min_size=1, max_size=12), min_size=2, max_size=8),
       st.lists(st.text(st.sampled_from("aA_-/é中😀xX1 .#|:~"), min_size=1, max_size=12), min_size=2, max_size=8))
def test_tag_and_note_page_paths_are_safe_and_collision_free(tags, notes):
    keys = {tag_key(t) for t in _paths(tags)}
    paths = {tag_rel(k) for k in keys}
    assert len(paths) == len(keys)
    for p in paths:
        assert all(is_safe_name(seg + ".md") for seg in p.split("/"))
    notes = {n + ".md" for n in _paths(notes)}
    rels = {note_rel(n) for n in notes}
    assert len(rels) == len(notes)
    for r in rels:
        assert all(is_safe_name(seg if seg.endswith(".md") else seg + ".md") for seg in r.split("/"))


_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
def test_escaped_text_renders_as_the_text(text):
    md = MarkdownIt("commonmark", {"html": True})
    out = md.render("- x " + escape(text))
    shown = " ".join(_INVISIBLE.sub(" ", text).split())
    if not shown:
        assert out == "<ul>\n<li>x</li>\n</ul>\n"
        return
    want = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    assert out == f"<ul>\n<li>x {want}</li>\n</ul>\n"


# ----------------------------------------------------------------- incremental equals full


NAMES = ["Alpha", "alpha", "Beta", "Same", "Tags", "ai", "Index", "x]y"]
FOLDERS = ["", "A", "B/C", "tags"]
TAGS = ["ai", "AI", "ai/llm", "AI/LLM", "rag", "x_y", "idea/ai", "深度", "ai/llm/rag"]
DATES = [None, "2025-04-01", "2025-04-15", "2025-05-02", "2025-05-02T10:00:00", "2024-12-31"]
TITLES = [None, "Alpha", "A | b", "x]]<y>", "标题", "Same"]
LINKS = ["Alpha", "alpha", "Beta", "Same", "Tags", "ai", "Missing", "A/Alpha", "Alpha#Head", "Beta|alias",
         "B/C/Same", "x]y"]
URLS = [None, "https://e.com/1", "https://e.com/2"]


def _note_text(data) -> str:
    title = data.draw(st.sampled_from(TITLES))
    created = data.draw(st.sampled_from(DATES))
    tags = data.draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True))
    links = data.draw(st.lists(st.sampled_from(LINKS), max_size=3))
    url = data.draw(st.sampled_from(URLS))
    clip = data.draw(st.booleans())
    head = ["---"]
    if title is not None:
        head.append(f"title: {json.dumps(title, ensure_ascii=False)}")
    if url and clip:  # (a note with a source and a date would be a raw Web Clipper clip, normalised)
        head.append(f"source: {url}")
    if created:
        head.append(f"created: {created}")
    head.append(f"tags: {json.dumps(tags, ensure_ascii=False)}")
    if clip:
        head.append("auto_tags: []")
    head.append("---")
    body = [f"line {i}: see [[{link}]] here" for i, link in enumerate(links)]
    return "\n".join(head + body) + "\n"


class _Clock:
    """Distinct, increasing mtimes, so that every edit is seen whatever the file system's granularity."""

    def __init__(self):
        self.ns = 1_700_000_000 * 10**9

    def stamp(self, path: Path) -> None:
        self.ns += 10**9
        os.utime(path, ns=(self.ns, self.ns))


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_incremental_build_equals_full_build(monkeypatch, data):
    """In both styles, with tags crossing tag_page_min, copies of one URL coming and going and months
    split in parts (two notes a part here), a run's incremental build writes what a full one would."""
    monkeypatch.setattr(pagerender, "MONTH_PART", 2)
    monkeypatch.setattr(pagesrender, "MONTH_PART", 2)
    monkeypatch.setattr(pagesduplicates, "DUPLICATE_PART", 2)
    with tempfile.TemporaryDirectory() as tmp:
        root, scratch, clock = Path(tmp) / "vault", Path(tmp) / "scratch", _Clock()
        root.mkdir()
        configure(root, index_page_limit=3, page_style=data.draw(st.sampled_from(["obsidian", "portable"])),
                  tag_page_min=data.draw(st.integers(1, 3)))
        notes: set[str] = set()
        for _ in range(data.draw(st.integers(2, 4))):  # a starting vault
            rel = posixpath.join(data.draw(st.sampled_from(FOLDERS)), data.draw(st.sampled_from(NAMES)) + ".md")
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(_note_text(data), encoding="utf-8")
            clock.stamp(root / rel)
            notes.add(rel)
        run(root)
        for _ in range(data.draw(st.integers(1, 4))):
            # what is there now (the normaliser may have renamed a note that looked like a raw clip)
            notes = {p.relative_to(root).as_posix() for p in root.rglob("*.md")
                     if p.relative_to(root).parts[0] not in ("_index", ".vaulttool")}
            op = data.draw(st.sampled_from(["add", "edit", "edit", "delete", "rename", "file"]))
            if op in ("edit", "delete", "rename") and not notes:
                op = "add"
            if op == "add":
                rel = posixpath.join(data.draw(st.sampled_from(FOLDERS)), data.draw(st.sampled_from(NAMES)) + ".md")
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(_note_text(data), encoding="utf-8")
                clock.stamp(root / rel)
                notes.add(rel)
            elif op == "edit":
                rel = data.draw(st.sampled_from(sorted(notes)))
                (root / rel).write_text(_note_text(data), encoding="utf-8")
                clock.stamp(root / rel)
            elif op == "delete":
                rel = data.draw(st.sampled_from(sorted(notes)))
                (root / rel).unlink()
                notes.discard(rel)
            elif op == "rename":
                rel = data.draw(st.sampled_from(sorted(notes)))
                new = posixpath.join(data.draw(st.sampled_from(FOLDERS)), data.draw(st.sampled_from(NAMES)) + ".md")
                if (root / new).exists():
                    continue
                (root / new).parent.mkdir(parents=True, exist_ok=True)
                os.rename(root / rel, root / new)
                notes.discard(rel)
                notes.add(new)
            else:  # an attachment whose name is a note's name (no extension) appears or goes
                rel = posixpath.join(data.draw(st.sampled_from(FOLDERS)), data.draw(st.sampled_from(["alpha", "ai"])))
                if (root / rel).exists():
                    (root / rel).unlink()
                else:
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    (root / rel).write_bytes(b"x")
            run(root)
            assert page_files(root) == from_scratch(root, scratch)
