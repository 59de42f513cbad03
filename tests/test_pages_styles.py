"""The two page styles and the smaller pages: Bases that follow Obsidian's documented syntax, no links
to clips in the obsidian style, tag pages only for tags on tag_page_min notes, copies of one URL
counted once, month pages split under 200 KB, few pages rewritten by a new clip, and exclude-pages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.test_pages import _check_links, configure, fixture_vault, page_files, run
from vaulttool.cli import cli
from vaulttool.config import load as load_config
from vaulttool.core.links.resolve import Resolver
from vaulttool.core.noteinfo import read_note
from vaulttool.pages import render as pagesrender
from vaulttool.pages.bases import tag_base, to_yaml
from vaulttool.pages.basespec import check_base, expression_problems
from vaulttool.usecases.obsidian import exclude_pages
from vaulttool.usecases.pagebuild import render as pagerender
from vaulttool.vault.files import Vault

_BLOCK = re.compile(r"^```base\n(.*?)^```$", re.S | re.M)


def bases_in(pages: dict[str, bytes]) -> list[tuple[str, object]]:
    """Every base vaulttool wrote: the .base files and the ```base blocks of pages, parsed."""
    out = []
    for rel, data in pages.items():
        text = data.decode("utf-8")
        if rel.endswith(".base"):
            out.append((rel, yaml.safe_load(text)))
        for block in _BLOCK.findall(text):
            out.append((rel, yaml.safe_load(block)))
    return out


# -------------------------------------------------------------------------------------- Bases


@pytest.mark.parametrize("link_style", ["wikilink", "markdown"])
def test_every_base_follows_the_documented_syntax(tmp_path, link_style):
    root = fixture_vault(tmp_path, page_style="obsidian", tag_page_min=1, link_style=link_style)
    run(root)
    pages = page_files(root)
    bases = bases_in(pages)
    assert "_index/Clippings.base" in {rel for rel, _ in bases}
    assert len(bases) >= 1 + sum(1 for rel in pages if "/tags/" in rel)  # one block on every tag page
    for rel, base in bases:
        assert check_base(base) == [], rel
    views = {v["name"]: v for v in bases_in({"_index/Clippings.base": pages["_index/Clippings.base"]})[0][1]["views"]}
    assert {"Recent clips", "Covers", "By site", "By tag", "Untagged", "Copies of one URL"} <= set(views)
    assert views["Covers"]["type"] == "cards" and views["Covers"]["image"] == "note.image"
    for v in views.values():  # on the property vaulttool writes, never on file times
        assert v["sort"] == [{"property": "created", "direction": "DESC"}]
    assert not any("mtime" in json.dumps(b) or "ctime" in json.dumps(b) for _, b in bases)


def test_the_bases_check_finds_what_is_not_documented():
    good = {"filters": {"and": ['file.hasTag("a")']}, "views": [{"type": "table", "name": "T", "order": ["file.name"]}]}
    assert check_base(good) == []
    bad = {"filter": {}, "views": [{"type": "kanban", "name": "K", "sort": [{"property": "x", "direction": "UP"}],
                                    "columns": [], "filters": {"xor": ["a"]}}]}
    problems = check_base(bad)
    for expect in ("'filter'", "kanban", "UP", "'columns'", "xor"):
        assert any(expect in p for p in problems), expect
    assert expression_problems("file.hasTags(\"a\")")  # no such function
    assert expression_problems("note.x.explode()")
    assert expression_problems("file.modified > now()")  # no such file property
    assert expression_problems('file.hasTag("a"')  # unbalanced
    assert expression_problems('file.inFolder("x") && today() - "1d" < file.mtime') == []


def test_names_cannot_break_out_of_a_base():
    """Whatever a tag or the pages folder holds, the YAML reads back as the expressions written (a
    tag vaulttool writes is already clean; the base does not rely on it)."""
    for odd in ['q"x', "back\\slash", "a'b", "x: y", "- z", "#t", "{[", "新\n行"]:
        base = tag_base(odd, odd)
        back = yaml.safe_load("\n".join(to_yaml(base)))
        assert back == base and check_base(back) == [], odd
        assert back["filters"]["and"][-1] == "file.hasTag(" + json.dumps(odd, ensure_ascii=False) + ")"


# ----------------------------------------------------------------------- obsidian: no noise


def test_obsidian_pages_link_to_no_clip_but_the_backlink_pages(tmp_path):
    root = fixture_vault(tmp_path, page_style="obsidian", tag_page_min=1)
    (root / "Notes/Reading (conflicted copy 2025-05-04).md").write_text("---\ntitle: Reading\n---\nx\n",
                                                                        encoding="utf-8")
    run(root)
    vault = Vault(root, load_config(root))
    walk = vault.walk()
    resolver = Resolver([*walk.notes, *walk.files, *walk.pages])
    checked = 0
    for rel in sorted(walk.pages):
        if rel.startswith("_index/backlinks/") or rel == "_index/Backlinks.md":
            continue
        text = (root / rel).read_text(encoding="utf-8")
        if rel == "_index/Duplicates.md":  # the sync-conflict copies to resolve are named with links
            text = text.split("## Conflicts", 1)[0]
        for link in read_note(rel, text).links:
            status, target = resolver.resolve(link, rel)
            assert status == "ok" and target.startswith("_index/"), (rel, link)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("style", ["wikilink", "markdown"])
def test_every_link_resolves_in_the_obsidian_style(tmp_path, style):
    root = fixture_vault(tmp_path, page_style="obsidian", tag_page_min=2, link_style=style)
    run(root)
    assert _check_links(root, style) > 30


# --------------------------------------------------------------------- fewer, smaller pages


@pytest.mark.parametrize("page_style", ["obsidian", "portable"])
def test_tag_pages_only_from_tag_page_min_notes(tmp_path, page_style):
    root = fixture_vault(tmp_path, page_style=page_style, tag_page_min=2)
    run(root)
    pages = page_files(root)
    tag_pages = {rel for rel in pages if rel.startswith("_index/tags/")}
    assert tag_pages == {"_index/tags/rag.md", "_index/tags/ai.md", "_index/tags/阅读.md"}
    tags = pages["_index/Tags.md"].decode()
    rare = tags.split("## Rarer tags", 1)[1]
    assert "tag (1)" in rare and "x\\_y (1)" in rare and "[[" not in rare


def _clip(root: Path, rel: str, url: str, created: str, tags: list[str], title: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(f"---\ntitle: {json.dumps(title)}\nsource: {url}\ncreated: {created}\n"
                            f"tags: {json.dumps(tags)}\nauto_tags: []\n---\ntext\n", encoding="utf-8")


@pytest.mark.parametrize("page_style", ["obsidian", "portable"])
def test_copies_of_one_url_are_counted_once(tmp_path, page_style):
    root = tmp_path / "vault"
    root.mkdir()
    configure(root, page_style=page_style, tag_page_min=1)
    for i in range(4):
        _clip(root, f"Clippings/paper {i}.md", "https://arxiv.org/abs/1706.03762", f"2025-05-0{i + 1}", ["paper"],
              f"Paper {i}")
    _clip(root, "Clippings/other.md", "https://example.org/other", "2025-05-09", ["paper", "other"], "Other")
    run(root)
    pages = {k: v.decode() for k, v in page_files(root).items()}
    tag = pages["_index/tags/paper.md"]
    assert "2 notes tagged paper" in tag
    assert "[[_index/tags/paper|paper]] (2)" in pages["_index/Tags.md"]
    index = pages["_index/Index.md"]
    assert "2 notes (and 3 copies of a URL clipped before" in index
    if page_style == "portable":
        assert "[[paper 0|Paper 0]] · 4 copies" in index and "Paper 1" not in index
        assert "[[paper 0|Paper 0]] · 4 copies" in tag
    else:
        assert "https://arxiv.org/abs/1706.03762 · 4 copies" in pages["_index/Duplicates.md"]
    # the first copy goes: the next one is listed, with one copy less
    (root / "Clippings/paper 0.md").unlink()
    run(root)
    pages = {k: v.decode() for k, v in page_files(root).items()}
    if page_style == "portable":
        assert "[[paper 1|Paper 1]] · 3 copies" in pages["_index/Index.md"]
    assert "2 notes tagged paper" in pages["_index/tags/paper.md"]


def test_index_entries_are_compact(tmp_path):
    root = tmp_path / "vault"
    root.mkdir()
    configure(root, page_style="portable", tag_page_min=1)
    long = "这是第一句话，说明了这篇文章的主要内容。第二句话很长" + "很长" * 200
    (root / "a.md").write_text(f"---\ntitle: A\ncreated: 2025-05-01\ndescription: {long}\n"
                               "tags: [t1, t2, t3, t4, t5, t6]\n---\nx\n", encoding="utf-8")
    run(root)
    line = next(l for l in (root / "_index/Index.md").read_text(encoding="utf-8").splitlines() if l.startswith("- [[a"))
    assert line.count("_index/tags/") == 3 and "t4" not in line
    assert line.endswith("— 这是第一句话，说明了这篇文章的主要内容。")
    # a long title: the file name when it is a short form of it, else the title shortened
    long_title = "一个很长的标题" * 10
    (root / "一个很长的标题一个很.md").write_text(f"---\ntitle: {long_title}\ncreated: 2025-05-02\n---\n", encoding="utf-8")
    (root / ("长名" * 40 + ".md")).write_text(f"---\ntitle: {long_title}!\ncreated: 2025-05-03\n---\n", encoding="utf-8")
    run(root)
    index = (root / "_index/Index.md").read_text(encoding="utf-8")
    assert "- [[一个很长的标题一个很]]" in index
    assert f"|{long_title[:49]}…]]" in index


def test_month_pages_are_split_under_200_kb(tmp_path, monkeypatch):
    root = tmp_path / "vault"
    root.mkdir()
    configure(root, page_style="portable", index_page_limit=10, tag_page_min=1)
    title = "一个很长的标题" * 12
    desc = "一段很长的描述，没有句号" * 40
    for i in range(450):
        day = 1 + i % 28
        (root / "n" / f"{day:02d}").mkdir(parents=True, exist_ok=True)
        (root / "n" / f"{day:02d}" / f"note {i}.md").write_text(
            f"---\ntitle: {title} {i}\ncreated: 2025-05-{day:02d}T{i % 24:02d}:{i % 60:02d}:00\n"
            f"site: {'site' * 10}.example.com\ndescription: {desc}\ntags: [长标签一号{i % 7}, 长标签二号{i % 5},"
            f" 长标签三号{i % 3}, x]\n---\nx\n", encoding="utf-8")
    run(root)
    pages = page_files(root)
    months = sorted(rel for rel in pages if rel.startswith("_index/Index/"))
    assert months == ["_index/Index/2025-05 part 2.md", "_index/Index/2025-05 part 3.md", "_index/Index/2025-05.md"]
    assert max(len(v) for v in pages.values()) < 200_000
    listed = [l for rel in months for l in pages[rel].decode().splitlines() if l.startswith("- [[")]
    assert len(listed) == 450 and len(set(listed)) == 450
    # the newest notes are on the last part: a new one rewrites that part only (and the overviews)
    (root / "n" / "28" / "new.md").write_text("---\ntitle: New\ncreated: 2025-05-28T23:59:00\ntags: [x]\n---\n",
                                              encoding="utf-8")
    _, reporter = run(root)
    written = {p for a, p, d in reporter.events if a == "page"}
    assert written == {"_index/Index/2025-05 part 3.md", "_index/Index.md", "_index/Tags.md", "_index/tags/x.md"}


# ----------------------------------------------------------------------------------- churn


@pytest.mark.parametrize("page_style", ["obsidian", "portable"])
def test_a_new_clip_rewrites_few_pages_and_a_second_run_none(tmp_path, page_style):
    root = fixture_vault(tmp_path, page_style=page_style, tag_page_min=2, index_page_limit=4)
    run(root)
    _clip(root, "Clippings/new.md", "https://example.org/new", "2025-05-04", ["RAG"], "New clip")
    _, reporter = run(root)
    written = {p for a, p, d in reporter.events if a == "page"}
    if page_style == "portable":
        assert written == {"_index/Index.md", "_index/Index/2025-05.md", "_index/Tags.md", "_index/tags/rag.md"}
    else:  # the counts on the index, the tags page and the tag's page
        assert written == {"_index/Index.md", "_index/Tags.md", "_index/tags/rag.md"}
    summary, _ = run(root)
    assert summary.pages_written == 0 and summary.pages_removed == 0


# ---------------------------------------------------------------------------- exclude-pages


def _vault(tmp_path: Path) -> Vault:
    root = tmp_path / "vault"
    root.mkdir(exist_ok=True)
    configure(root)
    return Vault(root, load_config(root))


def test_exclude_pages_adds_only_its_key(tmp_path):
    vault = _vault(tmp_path)
    app = vault.root / ".obsidian" / "app.json"
    app.parent.mkdir()
    app.write_text('{"alwaysUpdateLinks": true, "attachmentFolderPath": "附件", "userIgnoreFilters": ["T/"]}',
                   encoding="utf-8")
    assert exclude_pages(vault, dry_run=True).status == "would add"
    assert json.loads(app.read_text(encoding="utf-8"))["userIgnoreFilters"] == ["T/"]
    assert exclude_pages(vault).status == "added"
    assert json.loads(app.read_text(encoding="utf-8")) == {"alwaysUpdateLinks": True, "attachmentFolderPath": "附件",
                                                            "userIgnoreFilters": ["T/", "_index/"]}
    before = app.read_bytes()
    assert exclude_pages(vault).status == "already" and app.read_bytes() == before
    assert not [p for p in app.parent.iterdir() if p.name != "app.json"]  # no temp file left


def test_exclude_pages_creates_the_file_when_obsidian_has_none(tmp_path):
    vault = _vault(tmp_path)
    assert exclude_pages(vault).status == "added"
    assert json.loads((vault.root / ".obsidian/app.json").read_text(encoding="utf-8")) == {
        "userIgnoreFilters": ["_index/"]}


@pytest.mark.parametrize("content", ['{"userIgnoreFilters": ["a/",]}', "[1, 2]", '{"userIgnoreFilters": "a/"}',
                                     "\xff\xfe{}"])
def test_exclude_pages_never_touches_a_file_it_cannot_read(tmp_path, content):
    vault = _vault(tmp_path)
    app = vault.root / ".obsidian" / "app.json"
    app.parent.mkdir()
    app.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode("utf-8"))
    before = app.read_bytes()
    result = exclude_pages(vault)
    assert result.status == "refused" and "app.json" in result.message and "Excluded files" in result.message
    assert app.read_bytes() == before
    out = CliRunner().invoke(cli, ["--vault", str(vault.root), "exclude-pages"])
    assert out.exit_code == 1 and "Traceback" not in out.output and app.read_bytes() == before


def test_reindex_with_exclude_pages(tmp_path):
    vault = _vault(tmp_path)
    (vault.root / "a.md").write_text("---\ntitle: A\ntags: [x]\n---\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["--vault", str(vault.root), "reindex", "--exclude-pages"])
    assert out.exit_code == 0, out.output
    assert json.loads((vault.root / ".obsidian/app.json").read_text(encoding="utf-8"))["userIgnoreFilters"] == [
        "_index/"]


def test_the_base_goes_with_the_obsidian_style_even_after_the_index_is_made_afresh(tmp_path):
    root = fixture_vault(tmp_path, page_style="obsidian")
    run(root)
    assert (root / "_index/Clippings.base").exists()
    for name in ("index.db", "index.db-wal", "index.db-shm"):
        (root / ".vaulttool" / name).unlink(missing_ok=True)
    configure(root, page_style="portable")
    run(root)
    assert not (root / "_index/Clippings.base").exists()
    # but a .base file the user put there stays
    (root / "_index/Clippings.base").write_text("views:\n  - type: table\n    name: Mine\n", encoding="utf-8")
    _, reporter = run(root, full=True)
    assert (root / "_index/Clippings.base").read_text(encoding="utf-8").startswith("views:")
