"""A run that writes most of the index drops the index on terms and builds it again at its end: the
index it leaves must be the one a note-by-note run leaves."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import corpus_files
from vaulttool.cli import cli
from vaulttool.usecases import reindex as reindexmod

TOPICS = ["大模型推理加速", "机器人操作", "强化学习奖励模型", "多模态检索增强生成", "语音合成与识别"]


def _vault(root: Path, corpus: list[Path]) -> Path:
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    for i in range(40):
        topic = TOPICS[i % len(TOPICS)]
        (root / f"n{i:02d}.md").write_text(
            f"---\ntitle: 笔记 {i} {topic}\ntags: [t{i % 3}]\n---\n{topic}的研究进展：第 {i} 篇讨论{TOPICS[(i + 1) % 5]}。\n"
            f"See [[n{(i + 1) % 40:02d}]].\n", encoding="utf-8")
    for clip in corpus:  # raw clips: fewer than 50, so tags need the document frequencies preloaded
        shutil.copy(clip, root / clip.name)
    return root


def _dump(root: Path) -> dict:
    conn = sqlite3.connect(root / ".vaulttool" / "index.db")
    try:
        return {
            "terms": conn.execute("SELECT n.path, t.term FROM note_terms t JOIN notes n ON n.id = t.note_id"
                                  " ORDER BY 1, 2").fetchall(),
            "tags": conn.execute("SELECT n.path, t.key, t.tag, t.pos FROM note_tags t JOIN notes n ON n.id = t.note_id"
                                 " ORDER BY 1, 2").fetchall(),
            "indexes": sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")),
            "plan": " ".join(r[3] for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT note_id FROM note_terms WHERE term = '机器人'")),
        }
    finally:
        conn.close()


@pytest.mark.parametrize("bulk_min", [1, 10**9])
def test_a_bulk_run_leaves_the_index_a_note_by_note_run_leaves(tmp_path, corpus_dir, monkeypatch, bulk_min):
    clips = [p for p in corpus_files() if "<<<<<<<" not in p.read_text(encoding="utf-8", errors="replace")][:6]
    reference = _vault(tmp_path / "reference", clips)
    assert CliRunner().invoke(cli, ["--vault", str(reference), "reindex"]).exit_code == 0  # 46 notes: no bulk
    root = _vault(tmp_path / "other", clips)
    monkeypatch.setattr(reindexmod, "BULK_MIN", bulk_min)
    result = CliRunner().invoke(cli, ["--vault", str(root), "reindex"])
    assert result.exit_code == 0, result.output
    assert "normalised 6" in result.output
    got, want = _dump(root), _dump(reference)
    assert got == want
    assert "note_terms_term" in got["indexes"] and "USING COVERING INDEX note_terms_term" in got["plan"]
    # and a bulk --full run over it changes nothing
    assert CliRunner().invoke(cli, ["--vault", str(root), "reindex", "--full"]).exit_code == 0
    assert _dump(root) == want


def test_a_rolled_back_bulk_run_keeps_its_index(vault):
    from vaulttool.store import Store

    store = Store.open(vault / ".vaulttool", vault)
    try:
        store.begin()
        store.bulk_begin()
        assert store.bulk
        store.rollback()
        assert not store.bulk
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "note_terms_term" in names
        store.begin()
        store.bulk_begin()
        store.bulk_end()  # builds it again: no "index already exists" from the rolled-back run
        store.commit()
        names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "note_terms_term" in names and not store.bulk
    finally:
        store.close()
