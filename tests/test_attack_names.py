"""Names that used to go silently wrong: a hard-linked clip, a note that is a symlink to a clip, and
a long run keeping its lock fresh."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from click.testing import CliRunner

from tests.test_restore import CLIP
from vaulttool.cli import cli


def run(root: Path, *args):
    r = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit)), r.output
    return r


def _vault(vault: Path) -> Path:
    (vault / ".vaulttool").mkdir()
    (vault / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    return vault


def notes_indexed(root: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(root / ".vaulttool" / "index.db")
    try:
        return sorted(r[0] for r in conn.execute("SELECT path FROM notes"))
    finally:
        conn.close()


def test_a_hard_linked_clip_is_one_note_and_is_not_split(vault):
    root = _vault(vault)
    (root / "a.md").write_text(CLIP, encoding="utf-8")
    os.link(root / "a.md", root / "b.md")
    for _ in range(2):  # twice: the second run changes nothing
        r = run(root, "reindex")
        assert "b.md: another name (a hard link) of a.md" in r.output
        assert "a.md" in r.output and "hard link" in r.output
        assert (root / "a.md").read_text(encoding="utf-8") == CLIP
        assert os.path.samefile(root / "a.md", root / "b.md")
        assert notes_indexed(root) == ["a.md"]


def test_a_clip_hard_linked_from_outside_the_vault_is_normalised(vault, tmp_path):
    root = _vault(vault)
    (root / "a.md").write_text(CLIP, encoding="utf-8")
    os.link(root / "a.md", tmp_path / "backup.md")  # a backup made with hard links (rsnapshot, cp -al)
    assert run(root, "reindex").exit_code == 0
    assert not (root / "a.md").exists()
    assert (tmp_path / "backup.md").read_text(encoding="utf-8") == CLIP  # the backup is not touched


def test_a_note_that_is_a_symlink_to_a_clip_is_named_and_not_indexed_twice(vault):
    root = _vault(vault)
    (root / "a.md").write_text(CLIP, encoding="utf-8")
    os.symlink("a.md", root / "alias.md")
    r = run(root, "reindex")
    assert r.exit_code == 0, r.output
    assert "alias.md: a symlink to a.md" in r.output
    assert len(notes_indexed(root)) == 1 and "alias.md" not in notes_indexed(root)


def test_a_held_lock_is_refreshed_while_the_run_goes_on(tmp_path):
    from vaulttool.vault.lock import VaultLock

    state = tmp_path / ".vaulttool"
    state.mkdir()
    lock = VaultLock(state, "reindex", stale_after=2.0)
    lock.acquire()
    try:
        first = json.loads((state / "lock").read_text())["refreshed"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # a long run: nothing calls refresh() by hand
            time.sleep(0.2)
            now = json.loads((state / "lock").read_text())["refreshed"]
            if now > first:
                break
        assert now > first
    finally:
        lock.release()
    assert not (state / "lock").exists()


import pytest  # noqa: E402


@pytest.mark.parametrize("name, problem", [
    ("con.txt note.md", "device name on Windows"),
    ("CON .txt.md", "device name on Windows"),
    ("COM¹.md", "device name on Windows"),
    ("CONIN$.md", "device name on Windows"),
    ("a\u0085b.md", "C1 control"),
    ("invoice\u202egpj.md", "bidirectional control"),
    ("zero\u200bwidth.md", "zero-width"),
    ("\ufeffbom.md", "byte order mark"),
    ("what? now.md", "Windows and Android refuse"),
])
def test_names_other_systems_refuse_or_hide_are_reported_once(vault, name, problem):
    root = _vault(vault)
    (root / name).write_text("# a note of my own\n", encoding="utf-8")
    (root / "fine.md").write_text("# another\n", encoding="utf-8")
    r = run(root, "reindex")
    assert r.exit_code == 0, r.output
    shown = name.replace("\x85", "\\x85")  # control characters are shown escaped, never sent to the terminal
    lines = [line for line in r.output.split("\n") if line.startswith("warning:") and "its name" in line]
    assert len(lines) == 1 and problem in lines[0] and shown in lines[0], r.output
    assert (root / name).read_text(encoding="utf-8") == "# a note of my own\n"  # left alone
    again = run(root, "reindex")
    assert "its name" not in again.output  # said when the note is new or changed, not every run


def test_ordinary_names_have_no_problem():
    from vaulttool.vault.portable import name_problems

    for name in ("大模型降价 推理价格一年降了十倍.md", "console.md", "com10.md", "Café — notes (2).md", "a.b.c.md"):
        assert name_problems(name) == [], name
