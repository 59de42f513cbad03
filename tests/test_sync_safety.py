"""Living beside Obsidian and sync tools: own notes never written, clips touched once and only when
quiet, one writer per vault, a synced-in index never trusted, conflict copies recognised."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from vaulttool.errors import LockError
from vaulttool.vault.lock import VaultLock
from vaulttool.usecases.reindex import reindex
from vaulttool.usecases.report import Reporter
from vaulttool.usecases.session import open_session

CLIP = ("# 大模型推理成本下降\n\n**URL**: https://weibo.com/123/{slug}\n\n## 原始摘要\n\n"
        "推理成本一年下降了十倍。<br>开源模型功不可没。\n\n## AI 摘要\n\n推理成本快速下降。\n\n## 元数据\n\n"
        "- **来源**: ArXiv\n- **类型**: 论文\n- **保存时间**: 2025-04-01T01:31:59Z\n- **目录日期**: 2025-04-01\n")


def configure(root: Path, quiet: float = 0) -> None:
    (root / ".vaulttool").mkdir(exist_ok=True)
    (root / ".vaulttool" / "config.toml").write_text(f"[watch]\nquiet = {quiet}\n", encoding="utf-8")


def run(root: Path):
    reporter = Reporter()
    with open_session(root, "reindex") as session:
        return reindex(session, reporter), reporter


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in root.rglob("*.md") if ".vaulttool" not in p.parts and "_index" not in p.parts}


def test_own_notes_and_normalised_clips_are_never_written(vault):
    configure(vault)
    (vault / "Notes").mkdir()
    (vault / "Notes" / "mine.md").write_text("# Mine\n\nNo front matter, [[a link]], #tag.\n", encoding="utf-8")
    (vault / "Notes" / "web.md").write_text(
        '---\ntitle: "x"\nsource: "https://example.com"\ncreated: 2025-01-01\nauto_tags: []\n---\nbody <b>html</b>\n',
        encoding="utf-8")
    (vault / "clip.md").write_text(CLIP.format(slug="A1"), encoding="utf-8")
    run(vault)
    before = snapshot(vault)
    assert before["Notes/mine.md"][0].startswith(b"# Mine")
    assert b"<b>html</b>" in before["Notes/web.md"][0]  # a normalised clip is not touched again
    for _ in range(2):
        summary, _ = run(vault)
        assert summary.normalised == 0
    assert snapshot(vault) == before


def test_clip_being_appended_to_is_left_until_quiet_then_normalised_once(vault):
    configure(vault, quiet=1.0)
    clip = vault / "clip.md"
    clip.write_text(CLIP.format(slug="B2"), encoding="utf-8")
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            with open(clip, "a", encoding="utf-8") as fh:
                fh.write("追加的一行。\n")
            time.sleep(0.3)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        summary, reporter = run(vault)
    finally:
        stop.set()
        thread.join()
    assert summary.normalised == 0
    assert any(e[0] == "skipped" and "still changing" in e[2] for e in reporter.events)
    assert clip.read_text(encoding="utf-8").startswith("# 大模型")  # untouched while being written
    written = clip.read_bytes()
    time.sleep(1.1)
    summary, _ = run(vault)
    assert summary.normalised == 1
    new = next(vault.glob("*.md")).read_text(encoding="utf-8")
    assert new.startswith("---\n") and new.count("追加的一行。") == written.decode().count("追加的一行。")
    summary, _ = run(vault)
    assert summary.normalised == 0


def test_second_writer_refused_naming_the_holder(vault):
    configure(vault)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from vaulttool.vault.lock import VaultLock; "
        f"lock = VaultLock(Path({str(vault / '.vaulttool')!r}), 'watch'); lock.acquire(); "
        "print('held', flush=True); time.sleep(30)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockError) as err:
            open_session(vault, "reindex")
        assert f"pid {holder.pid}" in str(err.value) and "vaulttool watch" in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed: its lock is stale on this host and is taken over
    with open_session(vault, "reindex") as session:
        assert "took over a stale lock" in session.note


def test_lock_from_another_device_is_respected_until_stale(vault):
    configure(vault)
    state = vault / ".vaulttool"
    now = time.time()
    (state / "lock").write_text(json.dumps({"host": "laptop-elsewhere", "pid": 4242, "command": "watch",
                                            "started": now, "refreshed": now}), encoding="utf-8")
    with pytest.raises(LockError) as err:
        VaultLock(state, "reindex", stale_after=120).acquire()
    assert "laptop-elsewhere" in str(err.value)
    (state / "lock").write_text(json.dumps({"host": "laptop-elsewhere", "pid": 4242, "command": "watch",
                                            "started": now - 500, "refreshed": now - 300}), encoding="utf-8")
    lock = VaultLock(state, "reindex", stale_after=120)
    assert "took over" in lock.acquire()
    assert json.loads((state / "lock").read_text())["host"] == socket.gethostname()
    lock.release()
    assert not (state / "lock").exists()


def test_index_from_another_host_is_rebuilt(vault):
    configure(vault)
    (vault / "clip.md").write_text(CLIP.format(slug="C3"), encoding="utf-8")
    run(vault)
    db = vault / ".vaulttool" / "index.db"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value='other-device' WHERE key='host'")
    conn.execute("DELETE FROM notes")  # what the other device knew is not what is here
    conn.commit()
    conn.close()
    with open_session(vault, "reindex") as session:
        assert "another host (other-device)" in session.note
        summary = reindex(session, Reporter())
    assert summary.indexed == 1
    with open_session(vault, "reindex") as session:
        assert session.note == ""
        assert session.store.conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 1


@pytest.mark.parametrize("scheme", [
    "{}.sync-conflict-20250401-101010-ABCDEF7.md",
    "{} (conflicted copy 2025-04-01).md",
    "{} 2.md",
    "{} (Conflicted copy 202504011010).md",
])
def test_conflict_copies_recognised_not_normalised_not_duplicates(vault, scheme):
    configure(vault)
    (vault / "clip.md").write_text(CLIP.format(slug="D4"), encoding="utf-8")
    run(vault)
    original = next(p for p in vault.glob("*.md"))
    copy = scheme.format(original.stem)
    shutil.copy2(original, vault / copy)
    raw = vault / "raw 2.md"  # an unnormalised copy too: must not be normalised as a new clip
    (vault / "raw.md").write_text(CLIP.format(slug="E5"), encoding="utf-8")
    raw.write_text(CLIP.format(slug="E5"), encoding="utf-8")
    summary, reporter = run(vault)
    warnings = {e[1]: e[2] for e in reporter.events if e[0] == "warning"}
    assert "sync conflict copy of" in warnings[copy]
    assert "raw 2.md" in warnings
    assert (vault / "raw 2.md").read_text(encoding="utf-8").startswith("# 大模型")  # not normalised
    assert summary.normalised == 1  # raw.md itself
    page = (vault / "_index" / "Duplicates.md").read_text(encoding="utf-8")
    assert "Conflict" in page and copy.replace(".md", "") in page
