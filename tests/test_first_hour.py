"""What a new user meets in the first hour: every command with --help, with bad arguments and with bad
settings (never a traceback; exit 2; the message names the option, or the file and the key), `init`,
one rule for paths, dry runs, exact messages, and the README's settings matching the code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLE_VAULT, ROOT
from vaulttool import config as configmod
from vaulttool.cli import cli

COMMANDS = sorted(cli.commands)


def run(*args: str, cwd: Path | None = None, env: dict | None = None):
    """The CLI in this process; any exception other than the exit is a failure of the test."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=True, env=env, prog_name="vaulttool")
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"vaulttool {' '.join(args)} raised {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output, result.output
    return result


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def indexed(tmp_path) -> Path:
    root = tmp_path / "v"
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    for i in range(7):
        write(root, f"Notes/n{i}.md", f"""
            ---
            title: Note {i}
            created: 2025-04-0{i + 1}
            tags: [topic]
            ---
            Text {i}. {"[[n0]]" if i else ""}
            """)
    assert run("--vault", str(root), "reindex").exit_code == 0
    return root


def tree(root: Path, *, state: bool = True) -> dict[str, bytes]:
    """Every file's bytes; ``state=False`` leaves out .vaulttool/ (the index cache and the lock)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and (state or ".vaulttool" not in p.relative_to(root).parts)}


# ----------------------------------------------------------------------------------------- --help
@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(command):
    args = ["--help"] if command is None else [command, "--help"]
    result = run(*args)
    assert result.exit_code == 0 and result.output.startswith("Usage: vaulttool")
    if command:
        assert "--vault DIR" in result.output and "-q, --quiet" in result.output


# -------------------------------------------------------------------------------- bad arguments
BAD_ARGUMENTS = [
    (["nosuchcommand"], "No such command"),
    (["query", "--limit", "many"], "--limit"),
    (["query", "--limit", "-1"], "--limit"),
    (["query", "--since", "yesterday"], "--since"),
    (["query", "--until", "2025-13"], "--until"),
    (["query", "--sort", "size"], "--sort"),
    (["query", "--tag", "(a"], "tag expression"),
    (["query", "--format", "xml"], "--format"),
    (["query", "--bogus"], "--bogus"),
    (["tags", "--min-count", "0"], "--min-count"),
    (["tags", "--limit", "-3"], "--limit"),
    (["search"], "WORDS"),
    (["search", "x", "--limit", "lots"], "--limit"),
    (["show"], "NOTE"),
    (["show", "No such note"], "no such note"),
    (["backlinks", "No such note"], "no such note"),
    (["related", "No such note"], "no such note"),
    (["normalise"], "PATHS"),
    (["normalise", "Nowhere/x.md"], "Nowhere/x.md"),
    (["retag", "Nowhere"], "Nowhere"),
    (["restore"], "PATHS"),
    (["reindex", "--jobs", "1000"], "--jobs"),
    (["reindex", "--format", "yaml"], "--format"),
    (["watch", "--settle", "0"], "--settle"),
    (["watch", "--log-format", "xml"], "--log-format"),
    (["init", "not/a/folder/here"], "not a folder"),
]


@pytest.mark.parametrize("args, named", BAD_ARGUMENTS, ids=[" ".join(a) for a, _ in BAD_ARGUMENTS])
def test_bad_arguments_exit_2_naming_the_option(indexed, args, named):
    before = tree(indexed, state=False)
    result = run("--vault", str(indexed), *args)
    assert result.exit_code == 2, result.output
    assert named.lower() in result.output.lower(), result.output
    assert "Usage: vaulttool" in result.output
    if args[0] != "nosuchcommand":  # the usage shown is the command's own
        assert f"Usage: vaulttool {args[0]}" in result.output, result.output
    assert tree(indexed, state=False) == before


# --------------------------------------------------------------------------------- bad settings
BAD_SETTINGS = [
    ('[watch]\nsettle = "fast"\n', '[watch] settle = "fast": expected a number'),
    ('[tags]\nmax = "five"\n', '[tags] max = "five": expected a whole number'),
    ('index_page_limit = "x"\n', 'index_page_limit = "x": expected a whole number'),
    ("index_page_limit = 0\n", "index_page_limit = 0: expected a whole number from 1"),
    ("[watch]\nquiet = -1\n", "[watch] quiet = -1: expected a number from 0"),
    ('link_style = "html"\n', 'link_style = "html": expected one of "wikilink", "markdown"'),
    ('pages_folder = ".hidden"\n', 'pages_folder = ".hidden": must be a folder inside the vault'),
    ('ignore = "Templates"\n', "ignore = \"Templates\": expected a list of globs"),
    ("[tags]\nstopwords = [1, 2]\n", "[tags] stopwords = [1, 2]: expected a list of strings"),
    ("[tags]\nmaxx = 3\n", "unknown setting [tags] maxx (did you mean max?)"),
    ("pages = 3\n", "unknown setting pages"),
    ('[tags]\npages_folder = "x"\n', "pages_folder is read as [tags] pages_folder"),
    ('[tags]\nuserdict = "missing.txt"\n', '[tags] userdict = "missing.txt": no such file'),
    ('[tags.synonyms]\n大模型 = ["LLM"]\n', 'must be quoted: "大模型" = ...'),
    ("[tags.nesting]\na = 1\n", "[tags] nesting = a table: expected a table of tags"),
    ("watch = 3\n", "watch = 3: expected a table [watch]"),
    ("[watch\n", "not valid TOML"),
]


@pytest.mark.parametrize("text, message", BAD_SETTINGS, ids=[m for _, m in BAD_SETTINGS])
def test_bad_settings_exit_2_naming_file_and_key(indexed, text, message):
    cfg = indexed / ".vaulttool" / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    before = tree(indexed)
    for command in (["reindex"], ["query", "--tag", "topic"], ["tags"], ["search", "Text"], ["show", "n1"],
                    ["retag"], ["normalise", "Notes"], ["reindex", "--dry-run"], ["watch"]):
        result = run("--vault", str(indexed), *command)
        assert result.exit_code == 2, (command, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert lines and all(line.startswith(f"error: {cfg}: ") for line in lines), (command, result.output)
        assert message in result.output, (command, result.output)
        assert "Usage:" not in result.output  # the command was right: only the file is named
    assert tree(indexed) == before  # nothing written, the index included


def test_several_problems_are_all_named(indexed):
    cfg = indexed / ".vaulttool" / "config.toml"
    cfg.write_text('link_style = "x"\n[watch]\nsettle = "fast"\nquiet = "slow"\n', encoding="utf-8")
    result = run("--vault", str(indexed), "reindex")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f'error: {cfg}: link_style = "x": expected one of "wikilink", "markdown"',
        f'error: {cfg}: [watch] settle = "fast": expected a number from 0.05 to 60',
        f'error: {cfg}: [watch] quiet = "slow": expected a number from 0 to 3600',
    ]


def test_a_userdict_that_exists_is_accepted(indexed):
    (indexed / ".vaulttool" / "words.txt").write_text("具身智能 10 n\n", encoding="utf-8")
    (indexed / ".vaulttool" / "config.toml").write_text('[tags]\nuserdict = "words.txt"\n', encoding="utf-8")
    assert run("--vault", str(indexed), "reindex").exit_code == 0


def test_a_pages_folder_of_own_notes_is_refused(indexed):
    (indexed / ".vaulttool" / "config.toml").write_text('pages_folder = "Notes"\n', encoding="utf-8")
    before = tree(indexed / "Notes")
    result = run("--vault", str(indexed), "reindex")
    assert result.exit_code == 2
    assert 'pages_folder = "Notes" holds 7 notes vaulttool did not generate (e.g. Notes/n0.md)' in result.output
    assert tree(indexed / "Notes") == before


# -------------------------------------------------------------------------------- init, vaults
def test_a_writing_command_refuses_a_folder_that_is_not_a_vault(tmp_path):
    folder = tmp_path / "project"
    write(folder, "README.md", "# A project\n")
    write(folder, "docs/guide.md", "# Guide\n")
    before = tree(folder)
    env = {"VAULTTOOL_VAULT": None}
    for command in (["reindex"], ["normalise", "README.md"], ["retag"], ["query", "--tag", "x"]):
        result = run(*command, cwd=folder, env=env)
        assert result.exit_code == 2, result.output
        assert f"{folder} is not a vault" in result.output and "vaulttool init" in result.output
    assert tree(folder) == before and not (folder / ".vaulttool").exists()
    result = run("init", cwd=folder, env=env)
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"created   {folder}/.vaulttool/",
        f"created   {folder}/.vaulttool/config.toml",
        f"next: vaulttool --vault {folder} reindex   (settings: {folder}/.vaulttool/config.toml)",
    ]
    assert run("init", cwd=folder, env=env).output == f"{folder} is a vault already (nothing changed)\n"
    assert run("reindex", cwd=folder, env=env).exit_code == 0


def test_init_writes_every_setting_commented_at_its_default(tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    text = (tmp_path / ".vaulttool" / "config.toml").read_text(encoding="utf-8")
    assert configmod.load(tmp_path) == configmod.Config(source=tmp_path / ".vaulttool" / "config.toml")
    uncommented = "\n".join(line[2:].split("  # ")[0] if line.startswith("# ") and ("=" in line or "[" in line)
                            else line for line in text.splitlines() if not line.startswith("# vaulttool")
                            and not line.startswith("# Checked"))
    import tomllib

    values, problems = configmod.check(tomllib.loads(uncommented), tmp_path / "x.toml")
    assert problems == []
    assert set(values) == {s.key for s in configmod.SETTINGS}  # every setting is there, and valid


# ---------------------------------------------------------------------------------------- paths
def test_paths_are_read_from_the_current_folder_else_from_the_vault(tmp_path, indexed):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # from a folder outside the vault: vault-relative paths work for every command taking paths
    for command in (["normalise", "--dry-run", "Notes/n1.md"], ["show", "Notes/n1.md"],
                    ["backlinks", "Notes/n0.md"], ["related", "Notes/n1.md"]):
        result = run("--vault", str(indexed), *command, cwd=elsewhere)
        assert result.exit_code == 0, (command, result.output)
    result = run("--vault", str(indexed), "retag", "--dry-run", "Notes", cwd=elsewhere)  # found, holds no clip
    assert "failed: Notes: not a normalised clip" in result.output
    # from inside a folder of the vault: paths relative to it work too
    for command in (["normalise", "--dry-run", "n1.md"], ["show", "n1.md"], ["backlinks", "n0.md"]):
        result = run("--vault", str(indexed), *command, cwd=indexed / "Notes")
        assert result.exit_code == 0, (command, result.output)
    assert "Note 1" in run("--vault", str(indexed), "show", "n1.md", cwd=indexed / "Notes").output
    # neither: the message names both places
    result = run("--vault", str(indexed), "normalise", "n9.md", cwd=elsewhere)
    assert result.exit_code == 2
    assert (f"n9.md: no such file or folder, neither in the current folder ({elsewhere}) nor in the vault "
            f"({indexed})") in result.output
    # a file of the current folder outside the vault is refused as such
    (elsewhere / "x.md").write_text("x\n", encoding="utf-8")
    result = run("--vault", str(indexed), "normalise", "x.md", cwd=elsewhere)
    assert result.exit_code == 2 and f"x.md: not inside the vault {indexed}" in result.output


# ------------------------------------------------------------------------------- exact outputs
def test_dry_run_lines_and_summary(tmp_path):
    root = tmp_path / "v"
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    write(root, "Clippings/Raw clip.md", """
        ---
        title: "Mixture of experts, explained"
        source: "https://example.com/moe"
        created: 2025-04-02
        tags:
          - "clippings"
        ---
        A mixture of experts routes each token to a few experts.
        """)
    write(root, "Notes/mine.md", "# Mine\n\nMy own note.\n")
    result = run("--vault", str(root), "reindex", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # (a name the user or the clipper chose is kept: no rename)
    assert re.fullmatch(r"would normalise Clippings/Raw clip\.md  web-clipper clip; tags: clippings(, .+)?",
                        lines[0]), lines
    assert re.fullmatch(r"dry run, nothing written: scanned 2, would normalise 1, would index 1, would remove 0, "
                        r"failed 0, \d+\.\d\d s", lines[-1]), lines
    assert len(lines) == 2
    data = json.loads(run("--vault", str(root), "reindex", "--dry-run", "--format", "json").output)
    assert {k: data[k] for k in ("dry_run", "scanned", "normalised", "indexed", "failed")} == {
        "dry_run": True, "scanned": 2, "normalised": 1, "indexed": 1, "failed": []}
    assert not (root / ".vaulttool" / "index.db").exists() and not (root / "_index").exists()
    result = run("--vault", str(root), "reindex")
    assert re.fullmatch(r"scanned 2, normalised 1, indexed 1, removed 0, failed 0, pages \d+ written, \d+\.\d\d s\n",
                        result.output), result.output


def test_query_limit_says_how_many_there_are(indexed):
    result = run("--vault", str(indexed), "query", "--tag", "topic", "--limit", "5")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "5 of 7 notes"
    assert run("--vault", str(indexed), "query", "--tag", "topic").output.splitlines()[-1] == "7 notes"
    assert run("--vault", str(indexed), "query", "--tag", "topic", "--limit", "7").output.splitlines()[-1] == "7 notes"
    assert run("--vault", str(indexed), "query", "--tag", "nothing").output == "0 notes\n"


def test_empty_backlinks_say_so(indexed):
    result = run("--vault", str(indexed), "backlinks", "Notes/n3.md")
    assert result.exit_code == 0 and result.output == "no note links to Notes/n3.md\n"


def test_tags_min_count_and_limit(indexed):
    write(indexed, "Notes/extra.md", "---\ntags: [rare, topic]\n---\nx\n")
    run("--vault", str(indexed), "reindex")
    assert run("--vault", str(indexed), "tags", "--format", "json", "--min-count", "2").output.count('"tag"') == 1
    out = run("--vault", str(indexed), "tags", "--limit", "1").output
    assert out.splitlines()[1:] == ["8      topic"] or "topic" in out.splitlines()[-1]
    assert "rare" not in out


def test_quiet_and_verbose_after_the_command(indexed):
    def lines(*args):
        out = run("--vault", str(indexed), *args).output
        return re.sub(r"\d+\.\d\d s", "T s", out).splitlines()

    write(indexed, "Notes/new.md", "# New\n")
    after = lines("reindex", "-v")
    write(indexed, "Notes/new2.md", "# New 2\n")
    before = lines("-v", "reindex")
    assert after[0] == before[0] == "page       _index/Index.md  written"  # -v shows the pages written
    assert len(after) == len(before) == 2
    write(indexed, "Notes/new3.md", "# New 3\n")
    assert lines("reindex", "-q") == ["scanned 10, normalised 0, indexed 1, removed 0, failed 0, pages 1 written, T s"]


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path, monkeypatch):
    from vaulttool import cli as climod

    monkeypatch.setattr(climod, "PROGRESS_EVERY", 0.0)  # (time is what is mocked: a line per note)
    root = tmp_path / "v"
    (root / ".vaulttool").mkdir(parents=True)
    for i in range(210):
        write(root, f"n/{i:03}.md", f"# Note {i}\n")
    result = CliRunner().invoke(cli, ["--vault", str(root), "reindex"])
    assert result.exit_code == 0
    progress = [line for line in result.output.splitlines() if line.startswith("reading: ")]
    assert progress[0] == "reading: 1 of 210 (0 %)" and progress[-1] == "reading: 209 of 210 (99 %)"


def test_a_closed_stdout_fails_no_clip(tmp_path):
    root = tmp_path / "ev"
    shutil.copytree(EXAMPLE_VAULT, root)
    p = subprocess.run(f"{sys.executable} -m vaulttool --vault '{root}' reindex --dry-run | head -1",
                       shell=True, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.stdout.startswith("would normalise ")
    assert "internal error" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr


def test_watch_log_as_json_lines():
    from vaulttool.watch.runner import WatchLog

    lines: list[str] = []
    log = WatchLog(lines.append, 0, "jsonl")
    log("normalised", "Clippings/a.md", "ai-info clip")
    log("event", "x.md", "modified", level=2)  # below the verbosity: not logged
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert {k: entry[k] for k in ("action", "path", "detail")} == {
        "action": "normalised", "path": "Clippings/a.md", "detail": "ai-info clip"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", entry["time"])


# ------------------------------------------------------------------------- README against code
def _toml_blocks(text: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", text, re.S)


def _documented(block: str) -> dict[str, str]:
    """key (``section.name``) -> the value as written, from a commented TOML block of the docs."""
    out, section = {}, ""
    for line in block.splitlines():
        line = line.split("  #")[0].split(" #")[0].strip()
        if m := re.fullmatch(r"\[([\w.]+)\]", line):
            section = m.group(1)
        elif m := re.fullmatch(r'("?)([^"=]+)\1\s*=\s*(.+)', line):
            key = m.group(2).strip()
            if section in ("tags.synonyms", "tags.nesting"):
                out.setdefault(section, "table")
            else:
                out[f"{section}.{key}" if section else key] = m.group(3).strip()
    return out


def test_the_readme_settings_are_the_code_defaults():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = _documented(_toml_blocks(settings)[0])
    assert set(documented) == {s.key for s in configmod.SETTINGS}
    for s in configmod.SETTINGS:
        if s.kind in ("synonyms", "nesting"):
            continue
        shown = s.default if s.default not in ("", []) else s.example
        import tomllib

        assert tomllib.loads(f"x = {documented[s.key]}")["x"] == shown, s.key


def test_the_watch_guide_settings_are_the_code_defaults():
    import tomllib

    guide = (ROOT / "docs" / "watch.md").read_text(encoding="utf-8")
    for block in _toml_blocks(guide):
        for key, value in _documented(block).items():
            assert tomllib.loads(f"x = {value}")["x"] == configmod.BY_KEY[key].default, key


def test_the_readme_quick_start_is_make_demo_and_make_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```sh\n(.*?)```", quick, re.S)[0].split() == ["make", "demo", "make", "test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "skipped" in quick and "../shared" in quick  # says what runs without the corpus
