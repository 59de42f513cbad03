"""A run that writes most of the index drops the index on terms and builds it again at its end: the
index it leaves must be the one a note-by-note run leaves."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

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
    for clip in corpus:  # raw clips, fewer than 50: without a bulk run their terms are looked up one by one
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


def _watch_the_store(monkeypatch) -> list:
    """Record, without changing what they do, when the run drops the terms index and how it asks for
    document frequencies: ("dropped", indexes left) after bulk_begin, ("df", all or some) per call."""
    from vaulttool.index.store import Store

    seen: list = []
    begin, doc_freq = Store.bulk_begin, Store.doc_freq

    def bulk_begin(self):
        begin(self)
        seen.append(("dropped", {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}))

    def counted_doc_freq(self, terms=None):
        seen.append(("df", "all" if terms is None else "some"))
        return doc_freq(self, terms)

    monkeypatch.setattr(Store, "bulk_begin", bulk_begin)
    monkeypatch.setattr(Store, "doc_freq", counted_doc_freq)
    return seen


def test_a_bulk_run_leaves_the_index_a_note_by_note_run_leaves(tmp_path, corpus_dir, monkeypatch):
    clips = [p for p in corpus_files() if "<<<<<<<" not in p.read_text(encoding="utf-8", errors="replace")][:6]
    seen = _watch_the_store(monkeypatch)
    reference = _vault(tmp_path / "reference", clips)
    assert CliRunner().invoke(cli, ["--vault", str(reference), "reindex"]).exit_code == 0  # 46 notes: no bulk
    assert not any(kind == "dropped" for kind, _ in seen) and ("df", "some") in seen and ("df", "all") not in seen
    seen.clear()
    root = _vault(tmp_path / "other", clips)
    monkeypatch.setattr(reindexmod, "BULK_MIN", 1)
    result = CliRunner().invoke(cli, ["--vault", str(root), "reindex"])
    assert result.exit_code == 0, result.output
    assert "normalised 6" in result.output
    dropped = [left for kind, left in seen if kind == "dropped"]
    assert len(dropped) == 1 and "note_terms_term" not in dropped[0] and "note_tags_key" in dropped[0]
    assert [x for x in seen if x[0] == "df"] == [("df", "all")]  # preloaded once, never looked up per clip
    got, want = _dump(root), _dump(reference)
    assert got == want
    assert "note_terms_term" in got["indexes"] and "USING COVERING INDEX note_terms_term" in got["plan"]
    # and a bulk --full run over it changes nothing
    assert CliRunner().invoke(cli, ["--vault", str(root), "reindex", "--full"]).exit_code == 0
    assert _dump(root) == want
    # a dry run never drops it (nothing it did is kept anyway)
    seen.clear()
    (root / "new.md").write_text("---\ntitle: 新\n---\n新的笔记。\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["--vault", str(root), "reindex", "--dry-run", "--full"]).exit_code == 0
    assert not any(kind == "dropped" for kind, _ in seen)


def test_a_rolled_back_bulk_run_keeps_its_index(vault):
    from vaulttool.index.store import Store

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


def test_a_written_clip_counts_once_in_live_document_frequencies(vault):
    """Counted live (no preloaded snapshot), a clip of the run that is written is in the index and no
    longer pending: once, with or without a source URL."""
    from vaulttool import config as configmod
    from vaulttool.core.model import NoteInfo
    from vaulttool.index.store import Store
    from vaulttool.usecases.normalising import VaultContext
    from vaulttool.vault.files import Vault

    store = Store.open(vault / ".vaulttool", vault)
    try:
        ctx = VaultContext(store, Vault(vault, configmod.load(vault)), None, set())
        ctx.add_pending(None, ["模型", "推理"], "a.md")
        ctx.add_pending("example.com/b", ["模型"], "b.md")
        assert ctx.doc_freq(["模型", "推理"]) == ({"模型": 2, "推理": 1}, 2)
        for rel, url, terms in (("a.md", None, ["模型", "推理"]), ("b.md", "example.com/b", ["模型"])):
            info = NoteInfo(path=rel, title=rel)
            info.url_key = url
            store.put_note(info, size=1, mtime_ns=1, hash=rel, name_key=rel, link_keys=[], contexts=[], terms=terms)
            ctx.written(url, rel)
            assert ctx.doc_freq(["模型", "推理"]) == ({"模型": 2, "推理": 1}, 2)
    finally:
        store.close()
