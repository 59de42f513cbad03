"""Formats of their own (Readwise, Omnivore), duplicates only by URL, and clip machinery that never
becomes a tag."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.conftest import FIXTURES
from vaulttool.cli import cli
from vaulttool.core.clip.machinery import for_tagging
from vaulttool.core.frontmatter import split

OMNIVORE = (FIXTURES / "normalise" / "omnivore" / "wechat-source-name.md").read_text(encoding="utf-8")


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--vault", str(root), *args], catch_exceptions=False)


def _vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaulttool").mkdir()
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    return root


def test_a_source_that_names_a_site_is_no_url_for_duplicates(tmp_path):
    root = _vault(tmp_path)
    (root / "Omnivore").mkdir()
    for i, url in enumerate(["https://mp.weixin.qq.com/s/one", "https://mp.weixin.qq.com/s/two",
                             "https://mp.weixin.qq.com/s/one"]):
        text = OMNIVORE.replace("https://mp.weixin.qq.com/s/AbCdEf1234567890", url).replace(
            "3b1c6f9e-2a7d-4c61-9d0e-8f5a2b7c9e10", f"id-{i}")
        (root / "Omnivore" / f"note {i}.md").write_text(text, encoding="utf-8")
    result = invoke(root, "reindex")
    assert result.exit_code == 0, result.output
    data = {i: split((root / "Omnivore" / f"note {i}.md").read_text(encoding="utf-8")).data for i in range(3)}
    assert all(d["source"] == "微信公众号" for d in data.values())  # the user's own value stays
    assert "duplicate_of" not in data[0] and "duplicate_of" not in data[1]
    assert data[2]["duplicate_of"] == "[[note 0]]"  # the same page saved twice is still found


def test_machinery_is_out_of_the_text_the_tagger_sees():
    text = ("Intro ![](data:image/svg+xml,%3Csvg%20fill%3D%22none%22%20height%3D%2224%22%20width%3D%2224%22%3E) "
            "[Link️](https://cubox.pro/web/card/1) [Article-URL](https://a.example/x) "
            "content licensed CC BY-SA 4.0\nimageUrl: https://img.example/x.png\n[模型压缩](https://x.example)")
    out = for_tagging(text)
    for junk in ("3E", "3C", "20fill", "Link", "Article-URL", "BY-SA", "imageUrl", "2F", "3A"):
        assert junk not in out, junk
    assert "Intro" in out and "模型压缩" in out and "content licensed" in out


def test_machinery_never_becomes_a_tag(tmp_path):
    root = _vault(tmp_path)
    (root / "Cubox").mkdir()
    for i in range(4):
        body = "\n\n".join(
            f"> 第{i}{j}条标注：知识蒸馏把大模型的能力迁移到小模型。\n\n[Link️](https://cubox.pro/web/annotations/{i}{j})"
            for j in range(6))
        (root / "Cubox" / f"clip {i}-2025-03-2{i}.md").write_text(
            f"---\nid: {i}00\ncubox_url: https://cubox.pro/web/card/{i}\nurl: https://example.org/{i}\ntags:\n  - RSS\n---\n"
            f"# 知识蒸馏{i}\n\n[Article-URL](https://example.org/{i}) CC BY-SA 4.0\n\n"
            f"![](data:image/svg+xml,%3Csvg%20fill%3D%22none%22%3E)\n\n## Annotations\n\n{body}\n", encoding="utf-8")
    result = invoke(root, "reindex")
    assert result.exit_code == 0, result.output
    tags = invoke(root, "tags", "--format", "json").output
    for junk in ("Link", "Article-URL", "BY-SA", "3E", "3C", "20fill"):
        assert f'"{junk}"' not in tags, junk


def test_readwise_keeps_its_highlights_and_notes_as_they_were(tmp_path):
    root = _vault(tmp_path)
    src = FIXTURES / "normalise" / "readwise" / "article-export.md"
    (root / "Readwise" / "Articles").mkdir(parents=True)
    target = root / "Readwise" / "Articles" / "How Transformers Learn In-Context.md"
    target.write_bytes(src.read_bytes())
    assert invoke(root, "reindex").exit_code == 0
    text = target.read_text(encoding="utf-8")
    sp = split(text)
    assert sp.data["title"] == "How Transformers Learn In-Context"
    assert sp.data["source"] == "https://example.org/posts/in-context"
    assert text[sp.body_start:] == src.read_text(encoding="utf-8")  # the body, byte for byte


def test_the_first_heading_rule_never_looks_inside_code():
    from vaulttool.core.clip.titles import first_h1
    from vaulttool.core.noteinfo import read_note

    body = "```yaml\n# See https://pre-commit.com for more information\n```\n\n    # indented code\n\n# [Real](https://x.example) title\n"
    assert first_h1(body) == "[Real](https://x.example) title"
    assert read_note("Notes/x.md", body).title == "Real title"  # and as plain text
    assert first_h1("~~~\n# only code\n~~~\n") is None
