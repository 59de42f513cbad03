"""Nothing is written outside the vault through symlinks planted in ``.vaulttool/`` (a vault cloned,
shared or synced with someone else's ``.vaulttool/``): originals blobs, shard folders, the manifest,
the journal, ``restored.txt``, the lock and its temp file, ``.vaulttool/`` itself."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaulttool.cli import cli

CLIP = ("# 推理价格一年降了十倍\n\n**URL**: https://weibo.com/1/Xy\n\n## 原始摘要\n\n推理价格一年降了十倍。\n\n"
        "## AI 摘要\n\n推理价格快速下降。\n\n## 元数据\n\n- **来源**: ArXiv\n- **类型**: 论文\n"
        "- **保存时间**: 2025-04-01T01:31:59Z\n- **目录日期**: 2025-04-01\n")
SECRET = b"outside the vault: must never change\n"


def run(root: Path, *args):
    return CliRunner().invoke(cli, ["--vault", str(root), *args])


@pytest.fixture
def planted(tmp_path):
    root = tmp_path / "vault"
    state = root / ".vaulttool"
    state.mkdir(parents=True)
    (state / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    (root / "clip.md").write_text(CLIP, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    return root, state, outside


def _secret(outside: Path, name: str) -> Path:
    p = outside / name
    p.write_bytes(SECRET)
    return p


def _no_traceback(r):
    assert "Traceback" not in r.output and not (r.exception and not isinstance(r.exception, SystemExit)), \
        (r.output, r.exception)


def _blake(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@pytest.mark.parametrize("where", ["blob", "manifest.jsonl", "journal.jsonl", "lock temp", "lock.held",
                                   "lock.flock", "lock", "index.db"])
@pytest.mark.parametrize("content", [SECRET, b""], ids=["text", "empty"])  # empty: SQLite would take it
def test_a_planted_file_link_is_never_written_through(planted, where, content):
    root, state, outside = planted
    secret = _secret(outside, "secret")
    h = _blake(CLIP.encode())
    link = {"blob": state / "originals" / h[:2] / h, "manifest.jsonl": state / "originals" / "manifest.jsonl",
            "journal.jsonl": state / "journal.jsonl", "lock temp": state / f".lock.{os.getpid()}.tmp",
            "lock.held": state / "lock.held", "lock.flock": state / "lock.flock", "lock": state / "lock",
            "index.db": state / "index.db"}[where]
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, link)
    secret.write_bytes(content)
    r = run(root, "reindex")
    _no_traceback(r)
    assert secret.read_bytes() == content
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    if r.exit_code == 0:  # a link vaulttool may replace by its own file: the clip is normalised
        assert not (root / "clip.md").exists()
    else:  # one line naming the link
        assert ".vaulttool" in r.output and "link" in r.output


def test_restored_txt_linked_out_is_not_appended_to(planted):
    root, state, outside = planted
    assert run(root, "reindex").exit_code == 0
    [note] = [p for p in root.glob("*.md")]
    secret = _secret(outside, "restored")
    os.symlink(secret, state / "restored.txt")
    r = run(root, "restore", str(note))
    _no_traceback(r)
    assert secret.read_bytes() == SECRET
    assert "restored.txt" in r.output


@pytest.mark.parametrize("where", ["shard", "originals", "state"])
def test_a_planted_folder_link_is_refused_with_one_line(planted, where):
    root, state, outside = planted
    h = _blake(CLIP.encode())
    if where == "state":
        for p in state.iterdir():
            p.rename(outside / p.name)
        state.rmdir()
        os.symlink(outside, state)
    else:
        link = state / "originals" / h[:2] if where == "shard" else state / "originals"
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(outside, link)
    before = sorted(p.name for p in outside.iterdir())
    r = run(root, "reindex")
    _no_traceback(r)
    assert r.exit_code == 1
    assert "symlink" in r.output and ".vaulttool" in r.output
    assert sorted(p.name for p in outside.iterdir()) == before
    assert (root / "clip.md").read_text(encoding="utf-8") == CLIP  # not rewritten without its original


def test_a_hard_linked_manifest_is_not_appended_to(planted, tmp_path):
    root, state, outside = planted
    secret = _secret(outside, "manifest")
    (state / "originals").mkdir()
    os.link(secret, state / "originals" / "manifest.jsonl")
    r = run(root, "reindex")
    _no_traceback(r)
    assert secret.read_bytes() == SECRET
    assert r.exit_code == 1 and "manifest.jsonl" in r.output
