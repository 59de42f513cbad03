"""The command line, end to end on real vaults: exact outputs, exit codes, error messages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLE_VAULT
from vaulttool.cli import cli


def note(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--vault", str(root), *args], catch_exceptions=False)


@pytest.fixture
def small(vault):
    """Three normalised notes with tags and links, and the index built."""
    (vault / ".vaulttool").mkdir()
    (vault / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    note(vault, "a/Alpha.md", """
        ---
        title: Alpha
        created: 2025-04-01
        tags: [ai/llm, 大模型]
        source: https://arxiv.org/abs/2501.00001v1
        site: arXiv
        auto_tags: []
        ---
        Alpha links to [[Beta]] and [[Gamma#Part]].
        """)
    note(vault, "b/Beta.md", """
        ---
        title: Beta
        created: 2025-04-02
        tags: [AI, robots]
        auto_tags: []
        ---
        Beta links back to [[Alpha|the first]].
        ```
        [[Alpha]] in code is not a link
        ```
        """)
    note(vault, "Gamma.md", """
        ---
        title: Gamma
        created: 2025-03-30
        tags: [robots]
        ---
        # Part
        Nothing but [[Missing note]].
        """)
    result = invoke(vault, "reindex")
    assert result.exit_code == 0, result.output
    return vault


def test_reindex_summary_line(small):
    result = invoke(small, "reindex")
    assert result.exit_code == 0
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("scanned 3, normalised 0, indexed 0, removed 0, failed 0, pages 0 written, ")
    assert line.endswith(" s")


def test_query_paths_nested_and_case_insensitive(small):
    assert invoke(small, "query", "--tag", "ai", "--format", "paths").output == "b/Beta.md\na/Alpha.md\n"
    assert invoke(small, "query", "--tag", "AI/*", "--format", "paths").output == "a/Alpha.md\n"
    assert invoke(small, "query", "--tag", "robots, -ai", "--format", "paths").output == "Gamma.md\n"
    assert invoke(small, "query", "--tag", "robots", "--tag", "ai", "--format", "paths").output == "b/Beta.md\n"
    assert invoke(small, "query", "--tag", "大模型 OR robots", "--sort", "title", "--format", "paths").output == \
        "a/Alpha.md\nb/Beta.md\nGamma.md\n"


def test_query_filters_sort_limit(small):
    out = invoke(small, "query", "--since", "2025-04-01", "--sort", "created", "--format", "paths").output
    assert out == "a/Alpha.md\nb/Beta.md\n"
    out = invoke(small, "query", "--until", "2025-04-01", "--format", "paths").output
    assert out == "a/Alpha.md\nGamma.md\n"
    assert invoke(small, "query", "--site", "ARXIV", "--format", "paths").output == "a/Alpha.md\n"
    assert invoke(small, "query", "--sort", "-title", "--limit", "1", "--format", "paths").output == "Gamma.md\n"


def test_query_json_schema(small):
    data = json.loads(invoke(small, "query", "--tag", "ai/llm", "--format", "json").output)
    assert data == [{"path": "a/Alpha.md", "title": "Alpha", "tags": ["ai/llm", "大模型"], "created": "2025-04-01",
                     "source": "https://arxiv.org/abs/2501.00001v1", "site": "arXiv", "description": ""}]
    lines = invoke(small, "query", "--tag", "robots", "--format", "jsonl").output.splitlines()
    assert [json.loads(x)["path"] for x in lines] == ["b/Beta.md", "Gamma.md"]


def _as_schema_4(root: Path) -> None:
    """Make the index what vaulttool wrote before schema 5 (no tag_list column on notes)."""
    import sqlite3

    conn = sqlite3.connect(root / ".vaulttool" / "index.db")
    conn.execute("ALTER TABLE notes DROP COLUMN tag_list")
    conn.execute("PRAGMA user_version=4")
    conn.commit()
    conn.close()


def test_query_on_an_index_older_than_the_tag_list_column(small):
    """A reader cannot upgrade the index: on a schema-4 index it reads the tags from note_tags."""
    commands = [("query", "--tag", "robots"), ("query", "--tag", "robots", "--format", "json"),
                ("search", "links", "--format", "json")]
    want = [invoke(small, *cmd).output for cmd in commands]
    _as_schema_4(small)
    got = [invoke(small, *cmd).output for cmd in commands]
    assert got == want
    assert [n["tags"] for n in json.loads(got[2])] == [["ai/llm", "大模型"], ["AI", "robots"]]
    assert "AI, robots" in got[0] and '"robots"' in got[1]


def test_upgrade_to_schema_5_fills_the_tag_list_in_order(small):
    import sqlite3

    _as_schema_4(small)
    assert invoke(small, "reindex").exit_code == 0  # a writer runs the migration
    conn = sqlite3.connect(small / ".vaulttool" / "index.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 5
    rows = dict(conn.execute("SELECT path, tag_list FROM notes"))
    conn.close()
    assert rows == {"a/Alpha.md": "ai/llm\x1f大模型", "b/Beta.md": "AI\x1frobots", "Gamma.md": "robots"}
    data = json.loads(invoke(small, "query", "--tag", "ai", "--format", "json").output)
    assert [n["tags"] for n in data] == [["AI", "robots"], ["ai/llm", "大模型"]]


def test_query_table(small):
    result = invoke(small, "query", "--tag", "robots")
    assert result.output.splitlines()[:3] == [
        "created     title  tags        path",
        "2025-04-02  Beta   AI, robots  b/Beta.md",
        "2025-03-30  Gamma  robots      Gamma.md",
    ]


def test_tags_counts(small):
    assert invoke(small, "tags").output.splitlines() == [
        "count  tag", "2      robots", "1      AI", "1      ai/llm", "1      大模型"]
    data = json.loads(invoke(small, "tags", "--sort", "name", "--format", "json").output)
    assert [d["tag"] for d in data] == ["AI", "ai/llm", "robots", "大模型"]


def test_tags_leave_out_a_generated_page_found_outside_the_pages_folder(small):
    # a page moved out of the pages folder is indexed (as a page), but its tags are no note's
    note(small, "old pages/robots.md", """
        ---
        generated_by: vaulttool
        tags: [robots, moved-page-tag]
        ---
        # robots
        """)
    assert invoke(small, "reindex").exit_code == 0
    assert invoke(small, "tags").output.splitlines() == [
        "count  tag", "2      robots", "1      AI", "1      ai/llm", "1      大模型"]
    assert invoke(small, "query", "--tag", "moved-page-tag", "--format", "paths").output == ""


def test_backlinks_and_show(small):
    data = json.loads(invoke(small, "backlinks", "Alpha", "--format", "json").output)
    assert data["note"] == "a/Alpha.md"
    assert [(b["path"], b["line"], b["link"]) for b in data["backlinks"]] == [("b/Beta.md", 7, "[[Alpha|the first]]")]
    data = json.loads(invoke(small, "show", "Gamma", "--format", "json").output)
    assert [(link["raw"], link["status"]) for link in data["links"]] == [("[[Missing note]]", "unresolved")]
    assert [b["path"] for b in data["backlinks"]] == ["a/Alpha.md"]


@pytest.mark.parametrize("args, message", [
    (["query", "--tag", "ai or robots"], "Error:"),
    (["query", "--tag", "(ai"], "Error:"),
    (["query", "--since", "yesterday"], "--since wants a date"),
    (["query", "--sort", "size"], "--sort is one of"),
    (["backlinks", "Nope"], "no such note: Nope"),
])
def test_usage_errors_exit_2(small, args, message):
    result = invoke(small, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_vault_option_also_after_the_command_name(small, tmp_path, monkeypatch):
    """``vaulttool query --vault DIR`` works as ``vaulttool --vault DIR query``, and wins over the
    group's option and over VAULTTOOL_VAULT."""
    before = invoke(small, "query", "--tag", "ai", "--format", "paths").output
    other = tmp_path / "elsewhere"
    other.mkdir()
    after = CliRunner().invoke(cli, ["query", "--vault", str(small), "--tag", "ai", "--format", "paths"])
    assert after.exit_code == 0 and after.output == before == "b/Beta.md\na/Alpha.md\n"
    both = CliRunner().invoke(cli, ["--vault", str(other), "query", "--vault", str(small), "--tag", "ai"])
    assert both.exit_code == 0 and "2 notes" in both.output
    monkeypatch.setenv("VAULTTOOL_VAULT", str(other))
    env = CliRunner().invoke(cli, ["tags", "--vault", str(small)])
    assert env.exit_code == 0 and env.output == invoke(small, "tags").output
    fresh = tmp_path / "fresh"
    note(fresh, "n.md", "---\ntitle: N\ntags: [x]\n---\nbody\n")
    ran = CliRunner().invoke(cli, ["reindex", "--vault", str(fresh)])
    assert ran.exit_code == 0, ran.output
    assert (fresh / ".vaulttool" / "index.db").is_file() and not (other / ".vaulttool").exists()


def test_query_without_index_is_a_clear_usage_error(vault):
    result = invoke(vault, "query", "--tag", "x")
    assert result.exit_code == 2
    assert "no index" in result.output and "vaulttool reindex" in result.output


def test_failed_file_exits_1_and_is_named(small):
    note(small, "broken.md", "---\ntitle: 'unclosed\n---\n# Title\n\n**URL**: https://example.com\n")
    (small / "bin.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = CliRunner().invoke(cli, ["--vault", str(small), "reindex"])
    assert result.exit_code == 1
    assert "failed: bin.md: left untouched: binary content" in result.output
    assert "failed: broken.md: left untouched: broken YAML" in result.output
    assert "failed 2" in result.output
    again = CliRunner().invoke(cli, ["--vault", str(small), "reindex"])
    assert again.exit_code == 1  # still broken: still named, still exit 1
    assert "failed: broken.md" in again.output and "failed 2" in again.output


def test_example_vault_reindex_and_normalise_diff(tmp_path):
    root = tmp_path / "ev"
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns(".vaulttool"))
    (root / ".vaulttool").mkdir()
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    clip = next((root / "Inbox").glob("Speculative*.md"))
    before = clip.read_bytes()
    diff = invoke(root, "normalise", "--diff", str(clip))
    assert diff.exit_code == 0
    assert "+title: \"Speculative Decoding, Explained With a Kitchen Analogy\"" in diff.output
    assert clip.read_bytes() == before  # --diff writes nothing
    result = CliRunner().invoke(cli, ["--vault", str(root), "reindex"])
    assert result.exit_code == 1  # the example vault carries one broken note on purpose
    assert "属性写坏了的笔记.md" in result.output
    assert "normalised 13" in result.output


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".vaulttool" not in p.relative_to(root).parts}


@pytest.mark.parametrize("first", [True, False])
def test_reindex_dry_run_writes_nothing_in_the_vault(tmp_path, first):
    """--dry-run says what a run would do and writes no note, page or folder: on a vault never indexed
    and on one whose clips changed since its last run."""
    root = tmp_path / "ev"
    shutil.copytree(EXAMPLE_VAULT, root, ignore=shutil.ignore_patterns(".vaulttool"))
    (root / ".vaulttool").mkdir()
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    if not first:
        assert CliRunner().invoke(cli, ["--vault", str(root), "reindex"]).exit_code == 1  # its broken note
        shutil.copytree(EXAMPLE_VAULT / "Inbox", root / "Inbox again")  # raw clips again, new names
    before = _tree(root)
    result = CliRunner().invoke(cli, ["--vault", str(root), "reindex", "--dry-run"])
    assert result.exit_code == 1 and "would normalise " in result.output
    assert result.output.splitlines()[-1].startswith("dry run, nothing written: scanned ")
    assert _tree(root) == before
    assert first == (not (root / ".vaulttool" / "index.db").exists())  # the index is not created either
    assert first == (not (root / "_index").exists())


def test_python_dash_m_and_version():
    out = subprocess.run([sys.executable, "-m", "vaulttool", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("vaulttool, version ")


def test_query_does_not_import_heavy_modules(small):
    code = ("import sys; from vaulttool.cli import cli; "
            f"cli(['--vault', {str(small)!r}, 'query', '--tag', 'ai', '--format', 'paths'], standalone_mode=False); "
            "heavy = [m for m in ('jieba', 'markdown_it', 'ruamel.yaml', 'markdownify', 'bs4', 'watchdog') "
            "if m in sys.modules]; print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr
