"""``restore`` finds a clip's original by its content history: after the user renamed or moved the
clip, after any number of retags (the raw clip comes back), with ``--force`` keeping the user's text
first (restorable in turn); a folder restores its clips; a missing path or a name vaulttool replaced
get accurate messages; ``--list`` names every clip kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_restore import CLIP
from vaulttool.cli import cli

RAW = "#大模型降价#推理价格一年降了十倍.md"
NORMALISED = "大模型降价 推理价格一年降了十倍.md"


def run(root: Path, *args):
    r = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit)), r.output
    return r


@pytest.fixture
def clip(vault):
    (vault / ".vaulttool").mkdir()
    (vault / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    (vault / RAW).write_text(CLIP, encoding="utf-8")
    (vault / "mine.md").write_text("# my own note\n", encoding="utf-8")
    assert run(vault, "reindex").exit_code == 0
    assert (vault / NORMALISED).exists()
    return vault


def retag(root: Path, max_tags: int) -> None:
    # (min_clips = 1: a vault of one clip has no term on three clips, so it would derive no tag to change)
    (root / ".vaulttool" / "config.toml").write_text(f"[watch]\nquiet = 0\n[tags]\nmax = {max_tags}\nmin_clips = 1\n",
                                                     encoding="utf-8")
    r = run(root, "retag")
    assert r.exit_code == 0 and "retagged 1" in r.output, r.output


def test_restore_after_the_user_moved_and_renamed_the_clip(clip):
    (clip / "Inbox").mkdir()
    moved = clip / "Inbox" / "renamed-by-me.md"
    os.rename(clip / NORMALISED, moved)
    r = run(clip, "restore", str(moved))
    assert r.exit_code == 0, r.output
    assert moved.read_text(encoding="utf-8") == CLIP  # put back where the user keeps it
    assert "in place (you renamed it" in r.output and not (clip / RAW).exists()


@pytest.mark.parametrize("retags", [1, 3])
def test_restore_gives_back_the_raw_clip_after_any_number_of_retags(clip, retags):
    for n in range(retags):
        retag(clip, [1, 3, 1][n])  # (the third writes the bytes the first wrote: the chain meets them twice)
    r = run(clip, "restore", str(clip / NORMALISED))
    assert r.exit_code == 0, r.output
    assert (clip / RAW).read_text(encoding="utf-8") == CLIP and not (clip / NORMALISED).exists()
    assert "the raw clip" in r.output


def test_force_keeps_the_users_text_as_an_original_and_says_where(clip):
    note = clip / NORMALISED
    mine = note.read_text(encoding="utf-8") + "\n我自己加的一行。\n"
    note.write_text(mine, encoding="utf-8")
    refused = run(clip, "restore", str(note))
    assert refused.exit_code == 1 and "edited since vaulttool wrote it" in refused.output
    r = run(clip, "restore", "--force", str(note))
    assert r.exit_code == 0, r.output
    assert (clip / RAW).read_text(encoding="utf-8") == CLIP
    [line] = [line for line in r.output.splitlines() if "your edited text is kept as" in line]
    kept = line.split("kept as ")[1].split(" ")[0]
    assert (clip / kept).read_text(encoding="utf-8") == mine
    # ... and it is restorable in turn: the edited text comes back, under its name
    again = run(clip, "restore", str(clip / RAW))
    assert again.exit_code == 0, again.output
    assert note.read_text(encoding="utf-8") == mine and not (clip / RAW).exists()


def test_a_folder_restores_its_clips_and_leaves_the_rest(clip):
    (clip / "sub").mkdir()
    os.rename(clip / NORMALISED, clip / "sub" / NORMALISED)
    os.rename(clip / "mine.md", clip / "sub" / "mine.md")
    r = run(clip, "restore", str(clip / "sub"))
    assert r.exit_code == 0, r.output
    assert "restored 1 of 1" in r.output
    assert (clip / "sub" / NORMALISED).read_text(encoding="utf-8") == CLIP
    assert (clip / "sub" / "mine.md").read_text(encoding="utf-8") == "# my own note\n"


def test_missing_paths_and_empty_folders_get_accurate_messages(clip):
    r = run(clip, "restore", str(clip / "no-such-note.md"))
    assert r.exit_code == 2 and "no such file or folder" in r.output
    # the raw clip's name, which vaulttool replaced: the clip it became is restored
    r = run(clip, "restore", str(clip / RAW))
    assert r.exit_code == 0, r.output
    assert (clip / RAW).read_text(encoding="utf-8") == CLIP
    (clip / "empty").mkdir()
    r = run(clip, "restore", str(clip / "empty"))
    assert r.exit_code == 1 and "is a folder without notes" in r.output
    r = run(clip, "restore", str(clip / "mine.md"))
    assert r.exit_code == 1 and "never rewrote it" in r.output


def test_list_names_every_clip_kept_and_where_it_is(clip):
    retag(clip, 1)
    r = run(clip, "restore", "--list")
    assert r.exit_code == 0, r.output
    [line] = r.output.splitlines()
    assert line.startswith(f"{NORMALISED}  <- {RAW}") and "2 rewrites" in line
