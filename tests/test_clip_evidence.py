"""A note is a clip only on strong evidence: own notes with source/created/url properties are never
written by reindex, `show` says why they were not taken for clips, and `normalise PATH` on them only
adds a missing `created`."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import FIXTURES
from vaulttool.cli import cli
from vaulttool.core.clip import formats
from vaulttool.core.frontmatter import split

OWN = FIXTURES / "own-notes"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(OWN, root)
    (root / ".obsidian").mkdir()
    (root / ".vaulttool").mkdir()
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.md")
            if not p.relative_to(root).as_posix().startswith(("_index/", ".vaulttool/"))}


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--vault", str(root), *args], catch_exceptions=False)


def test_the_fixture_holds_the_weak_evidence_it_is_about():
    with_url = 0
    for path in OWN.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        sp = split(text)
        rel = path.relative_to(OWN).as_posix()
        assert formats.detect(text, sp, rel) is None, rel
        if sp.status == "ok" and formats.weak_evidence(sp.data, rel):
            with_url += 1
    assert with_url >= 5


def test_reindex_writes_no_own_note_and_show_says_why(tmp_path):
    root = _copy(tmp_path)
    before = _snapshot(root)
    result = invoke(root, "reindex")
    assert result.exit_code == 0, result.output
    assert "normalised 0," in result.output
    after = _snapshot(root)
    assert {k: v for k, v in after.items() if k in before} == before  # byte for byte, no rename
    assert set(before) <= set(after)
    shown = invoke(root, "show", "Sources/Attention Is All You Need.md")
    assert "(note)" in shown.output
    assert "not a clip: has a URL property but no clipper's marker" in shown.output
    plain = invoke(root, "show", "Notes/no front matter.md")
    assert "not a clip" not in plain.output
    # a second run changes nothing either
    invoke(root, "reindex")
    assert {k: v for k, v in _snapshot(root).items() if k in before} == before


def test_normalise_path_on_own_notes_adds_only_a_missing_created(tmp_path):
    root = _copy(tmp_path)
    before = _snapshot(root)
    result = invoke(root, "normalise", *sorted(before))
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    after = _snapshot(root)
    assert set(after) >= set(before)
    for rel, old in before.items():
        new = after[rel]
        text = old.decode("utf-8")
        sp = split(text)
        if sp.status == "ok" and "created" in sp.data:
            assert new == old, rel
            continue
        added = new.decode("utf-8")
        nsp = split(added)
        assert nsp.status == "ok" and set(nsp.data) == set(sp.data if sp.status == "ok" else {}) | {"created"}, rel
        assert added[nsp.body_start:] == text[sp.body_start if sp.status == "ok" else 0:], rel


def test_a_clip_folder_is_strong_evidence(tmp_path):
    root = _copy(tmp_path)
    (root / "Clippings").mkdir()
    shutil.copyfile(root / "Reading" / "Why we sleep.md", root / "Clippings" / "Why we sleep.md")
    result = invoke(root, "reindex")
    assert result.exit_code == 0, result.output
    assert "normalised 1," in result.output
    assert "auto_tags" in (root / "Clippings" / "Why we sleep.md").read_text(encoding="utf-8")
    assert "auto_tags" not in (root / "Reading" / "Why we sleep.md").read_text(encoding="utf-8")


def test_the_clip_folders_setting_names_the_users_own(tmp_path):
    root = _copy(tmp_path)
    (root / ".vaulttool" / "config.toml").write_text('clip_folders = ["Reading"]\n[watch]\nquiet = 0\n',
                                                       encoding="utf-8")
    result = invoke(root, "reindex")
    assert result.exit_code == 0, result.output
    assert "normalised 1," in result.output
    assert "auto_tags" in (root / "Reading" / "Why we sleep.md").read_text(encoding="utf-8")
    assert "auto_tags" not in (root / "Sources" / "Attention Is All You Need.md").read_text(encoding="utf-8")


def test_in_clip_folder_rules():
    assert formats.in_clip_folder("Clippings/a.md")
    assert formats.in_clip_folder("2025/clippings/a.md")
    assert not formats.in_clip_folder("a.md")
    assert not formats.in_clip_folder("Clippings.md")
    assert formats.in_clip_folder("Web/Saved/a.md", ["web/saved"])
    assert not formats.in_clip_folder("Other/Web/Saved/a.md", ["web/saved"])
    assert not formats.in_clip_folder("Sources/a.md", [])


# ------------------------------------------------------------------------------------------ renames
def test_a_linked_clip_keeps_its_name_and_a_renamed_one_keeps_its_old_name(tmp_path):
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaulttool").mkdir()
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    clip = ("# Title: with a colon\n\n**URL**: https://arxiv.org/abs/2501.00001v1\n\n## 原始摘要\n\nText.\n\n"
            "## 元数据\n\n- **来源**: ArXiv\n")
    (root / "2025-03-20").mkdir()
    (root / "2025-03-20" / "Linked_clip_name.md").write_text(clip, encoding="utf-8")
    (root / "2025-03-20" / "Lonely_clip_name.md").write_text(clip.replace("00001", "00002"), encoding="utf-8")
    (root / "Mine.md").write_text("See [[Linked_clip_name]].\n", encoding="utf-8")
    result = invoke(root, "reindex")
    assert result.exit_code == 0, result.output
    assert (root / "2025-03-20" / "Linked_clip_name.md").exists()
    renamed = root / "2025-03-20" / "Title with a colon.md"
    assert renamed.exists() and not (root / "2025-03-20" / "Lonely_clip_name.md").exists()
    assert '  - "Lonely_clip_name"' in renamed.read_text(encoding="utf-8")


def test_a_clip_linked_from_another_clip_of_the_same_run_keeps_its_name(tmp_path):
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaulttool").mkdir()
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    (root / "2025-03-20").mkdir()
    (root / "2025-03-20" / "Target_name.md").write_text(
        "# Target title\n\n**URL**: https://arxiv.org/abs/2501.00003v1\n\n## 原始摘要\n\nText.\n", encoding="utf-8")
    (root / "Clippings").mkdir()
    (root / "Clippings" / "Linking clip.md").write_text(
        '---\nsource: "https://example.org/a"\ncreated: 2025-03-21\n---\nSee [[Target_name]].\n', encoding="utf-8")
    result = invoke(root, "reindex")
    assert result.exit_code == 0, result.output
    assert (root / "2025-03-20" / "Target_name.md").exists()
    assert "auto_tags" in (root / "2025-03-20" / "Target_name.md").read_text(encoding="utf-8")
