"""Races: a user (a separate writer process) editing clips while vaulttool normalises them, and two
vaulttool processes on one vault.

The writer appends to clips (reopening them, as a clipper saving in chunks does), rewrites them whole (as
editors save) or saves them atomically (temp file and rename), each write leaving a unique marker line;
``reindex`` passes run back to back meanwhile, with ``quiet = 0`` so that nothing but vaulttool's content
check stands between the two. The user's last write must survive in full and be normalised on a later
pass, and the index must then equal a fresh ``--full`` index. The same with ``watch`` running.
``benchmarks/crash_trials.py --races 100`` runs many more of these.

Some moments cannot be hit on purpose by a real writer (a save landing right between two system calls of
vaulttool); for those the test does the real file system change at that moment from inside the run and
says so.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import crash_trials as ct
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """Reindex passes in this process, jieba loaded once beforehand (so passes are short and many)."""
    r = ct.ApiRunner()
    warm = tmp_path_factory.mktemp("warm")
    (warm / "n.md").write_text("# 预热\n\n加载分词词典。\n", encoding="utf-8")
    r.reindex(warm)
    return r


def cli(vault: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(ct.vaulttool_cmd(vault, *args), cwd=ROOT, env=ct.child_env(), capture_output=True,
                          text=True, timeout=timeout)


def configure(vault: Path) -> None:
    (vault / ".obsidian").mkdir(parents=True, exist_ok=True)
    (vault / ".vaulttool").mkdir(exist_ok=True)
    (vault / ".vaulttool" / "config.toml").write_text(ct.CONFIG, encoding="utf-8")


# -- a writer against reindex and watch ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["append", "rewrite", "rename"])
def test_last_write_survives_a_writer_racing_reindex(tmp_path, corpus_dir, runner, mode):
    out = ct.race_trial(tmp_path, corpus_dir, mode, seed=11, runner=runner, clips=5, duration=2.0)
    assert out.problems == [], out.problems
    assert out.bytes_lost == 0
    assert out.writes > 50 and out.passes > 3, out.line()  # the two really ran side by side
    assert out.normalised >= 5


def test_last_write_survives_a_writer_racing_watch(tmp_path, corpus_dir, runner):
    vault = tmp_path / "vault"
    configure(vault)
    watch = ct.Victim(vault, "watch")
    try:
        assert watch.wait_line(lambda line: "watching " in line, timeout=60), watch.text()
        paths = ct.race_vault(vault, corpus_dir, 4, fresh=False)  # clips arrive, and the user edits them
        reports = {"append": tmp_path / "append.json", "rewrite": tmp_path / "rewrite.json"}
        writers = [ct.start_writer(paths[:2], "append", 2.5, 21, reports["append"]),
                   ct.start_writer(paths[2:], "rewrite", 2.5, 22, reports["rewrite"])]
        for w in writers:
            assert w.wait(60) == 0
        loaded = {mode: json.loads(path.read_text(encoding="utf-8")) for mode, path in reports.items()}
        deadline = time.monotonic() + 40
        while True:  # until watch has caught up with the last writes
            problems = [p for mode, rep in loaded.items() for p in ct.check_race(vault, mode, rep)[0]]
            if not problems or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert problems == [], problems + [watch.text()[-3000:]]
    finally:
        rc = watch.stop(signal.SIGTERM)
    assert rc == 0, watch.text()[-2000:]
    assert ct.temp_files(vault) == []
    assert ct.compare_with_fresh(vault, tmp_path / "fresh", runner, tmp_path) == []


def test_save_between_read_and_replace_is_kept_and_normalised_later(tmp_path, monkeypatch):
    """The user saves the clip after vaulttool read it and before it replaces it (done for real, at that
    moment, from inside the run: right after the batch's sync): the save is kept, the clip is named as
    changed, and the next pass normalises the saved version."""
    from vaulttool.vault import files as vaultio
    from vaulttool.usecases.reindex import reindex
    from vaulttool.usecases.report import Reporter
    from vaulttool.usecases.session import open_session

    vault = tmp_path / "vault"
    configure(vault)
    clip = vault / "clip.md"
    clip.write_text(ct.race_clip(1, "第一版正文。")[1].decode(), encoding="utf-8")
    saved = ct.race_clip(1, "用户刚刚保存的第二版正文。")[1]
    real_sync = vaultio.sync

    def sync_then_user_saves():
        real_sync()
        clip.write_bytes(saved)

    for module in list(sys.modules.values()):  # wherever the batch's sync was imported by name
        if getattr(module, "sync", None) is real_sync:
            monkeypatch.setattr(module, "sync", sync_then_user_saves)
    with open_session(vault, "reindex") as session:
        summary = reindex(session, Reporter(), jobs=1)
    assert clip.read_bytes() == saved
    assert [p for p, _ in summary.failed] == ["clip.md"]
    assert "changed while being processed" in summary.failed[0][1]
    assert ct.temp_files(vault) == []
    monkeypatch.undo()
    with open_session(vault, "reindex") as session:
        summary = reindex(session, Reporter(), jobs=1)
    assert summary.failed == [] and summary.normalised == 1
    entry = ct.manifest(vault)[-1]
    assert entry["hash"] == ct.digest(saved)
    assert "用户刚刚保存的第二版正文。" in (vault / entry["new_path"]).read_text(encoding="utf-8")


WRITER_HOLDING = r"""
import sys, time
path = sys.argv[1]
fh = open(path, "a", encoding="utf-8")   # a clipper (or `cmd >> note.md`) keeping the file open
fh.write(sys.argv[2]); fh.flush()
print("written", flush=True)
sys.stdin.readline()                      # ... pauses (a slow page, a network stall) ...
fh.write(sys.argv[3]); fh.flush()         # ... and writes the rest
fh.close()
print("done", flush=True)
"""


def test_writer_holding_the_clip_open_keeps_its_later_writes(tmp_path, runner):
    vault = tmp_path / "vault"
    configure(vault)
    first = ct.race_clip(2, "前半部分正文。")[1].decode()
    rest = "\n后半部分：用户仍在写入的内容 marker-held-42。\n"
    p = subprocess.Popen([sys.executable, "-c", WRITER_HOLDING, str(vault / "race-02.md"), first, rest],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "written"
        runner.reindex(vault)  # normalises the clip while the writer still has it open
        p.stdin.write("go\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "done"
    finally:
        p.kill()
        p.wait()
    runner.reindex(vault)
    texts = [q.read_text(encoding="utf-8") for q in vault.rglob("*.md") if ".vaulttool" not in q.parts]
    assert any("marker-held-42" in t for t in texts), "the writer's second write is gone"


def test_rename_never_replaces_a_file_created_at_the_last_moment(tmp_path, monkeypatch):
    """Another program creates the clip's new name right after vaulttool checked it was free (done for
    real, at that moment, from inside the run: the check is wrapped)."""
    from vaulttool.vault import files as vaultio
    from vaulttool.usecases.reindex import reindex
    from vaulttool.usecases.report import Reporter
    from vaulttool.usecases.session import open_session

    vault = tmp_path / "vault"
    configure(vault)
    # a clip of the corpus format: named after its title (its own name is the pipeline's, with `_`)
    (vault / "Fresh_Title.md").write_text("# Fresh Title\n\n**URL**: https://example.com/x\n\n## 原始摘要\n\n"
                                          "Body <b>x</b>\n", encoding="utf-8")
    theirs = b"# Fresh Title\n\nWritten by the user a moment ago.\n"
    target = vault / "Fresh Title.md"
    real_lexists = os.path.lexists

    def lexists_then_someone_creates(path):
        exists = real_lexists(path)
        if not exists and Path(path) == target:
            target.write_bytes(theirs)  # the name was free when checked; now it is not
        return exists

    monkeypatch.setattr(vaultio.os.path, "lexists", lexists_then_someone_creates)
    with open_session(vault, "reindex") as session:
        reindex(session, Reporter(), jobs=1, pages=False)
    monkeypatch.undo()
    texts = [q.read_bytes() for q in vault.rglob("*.md") if ".vaulttool" not in q.parts]
    assert theirs in texts, "the file created under the new name was replaced"


# -- two vaulttool processes on one vault ----------------------------------------------------------------


def test_watch_holding_the_vault_refuses_reindex_naming_it_and_a_killed_holder_is_taken_over(tmp_path):
    vault = tmp_path / "vault"
    configure(vault)
    (vault / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    watch = ct.Victim(vault, "watch")
    try:
        assert watch.wait_line(lambda line: "watching " in line, timeout=60), watch.text()
        lock_before = (vault / ".vaulttool" / "lock").read_text()
        p = cli(vault, "reindex")
        assert p.returncode == 1, p.stderr
        assert "in use by `vaulttool watch`" in p.stderr and f"pid {watch.p.pid}" in p.stderr, p.stderr
        assert "Traceback" not in p.stderr
        held = json.loads((vault / ".vaulttool" / "lock").read_text())
        assert held["pid"] == watch.p.pid and held["started"] == json.loads(lock_before)["started"]
        assert watch.p.poll() is None, "the refused reindex disturbed the watch"
    finally:
        rc = watch.kill()
    assert rc == -signal.SIGKILL
    p = cli(vault, "reindex")
    assert p.returncode == 0, p.stderr
    assert f"took over a stale lock left by `vaulttool watch` (pid {watch.p.pid}" in p.stderr
    assert not (vault / ".vaulttool" / "lock").exists()


def test_second_reindex_while_one_runs_is_refused_and_each_clip_normalised_once(tmp_path, corpus_dir):
    vault = tmp_path / "vault"
    paths = ct.race_vault(vault, corpus_dir, 8)
    first = subprocess.Popen(ct.vaulttool_cmd(vault, "reindex"), cwd=ROOT, env=ct.child_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = vault / ".vaulttool" / "lock"
    deadline = time.monotonic() + 60
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    second = cli(vault, "reindex")
    still_running = first.poll() is None
    out, err = first.communicate(timeout=120)
    if not still_running and second.returncode == 0:
        pytest.skip("the first run finished before the second one started")
    assert first.returncode == 0, err
    assert second.returncode == 1, second.stderr
    assert f"in use by `vaulttool reindex` (pid {first.pid}" in second.stderr
    entries = ct.manifest(vault)
    assert sorted(e["path"] for e in entries) == sorted(os.path.relpath(p, vault) for p in paths)


def test_stale_lock_of_a_killed_reindex_is_taken_over(tmp_path):
    vault = tmp_path / "vault"
    configure(vault)
    lock = vault / ".vaulttool" / "lock"
    p = subprocess.Popen(ct.vaulttool_cmd(vault, "reindex"), cwd=ROOT, env=ct.child_env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not lock.exists() and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.001)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    if not lock.exists():
        pytest.skip("the run finished before it could be killed holding the lock")
    assert json.loads(lock.read_text())["pid"] == p.pid
    r = cli(vault, "reindex")
    assert r.returncode == 0, r.stderr
    assert f"took over a stale lock left by `vaulttool reindex` (pid {p.pid}" in r.stderr


def test_stale_lock_whose_pid_now_belongs_to_another_program_is_taken_over(tmp_path):
    import socket

    vault = tmp_path / "vault"
    configure(vault)
    other = subprocess.Popen(["sleep", "60"])  # what the killed watcher's pid became
    try:
        then = time.time() - 3600
        (vault / ".vaulttool" / "lock").write_text(json.dumps({
            "host": socket.gethostname(), "pid": other.pid, "command": "watch", "started": then,
            "refreshed": then}), encoding="utf-8")
        r = cli(vault, "reindex")
    finally:
        other.kill()
        other.wait()
    assert r.returncode == 0, r.stderr


# -- a save landing between vaulttool's last check and its replace -------------------------------------------
# The moment is a few system calls wide; the test makes the save, for real, right before the exchange
# (the exchange is wrapped), then lets the real exchange run.


def _vault_with_note(tmp_path, text: bytes):
    from vaulttool.config import Config
    from vaulttool.vault.files import Vault, digest

    root = tmp_path / "vault"
    root.mkdir()
    (root / "clip.md").write_bytes(text)
    vault = Vault(root, Config())
    data, st = vault.read("clip.md")
    return vault, root / "clip.md", digest(data), st


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name != "clip.md")


@pytest.mark.parametrize("save", ["append", "rewrite same size", "atomic rename"])
def test_a_save_landing_just_before_the_replace_is_kept(tmp_path, monkeypatch, save):
    from vaulttool.vault import files as vaultio
    from vaulttool.vault.files import ChangedUnderUs

    original = b"# clip\n\nfirst version\n"
    vault, note, expected, st = _vault_with_note(tmp_path, original)
    theirs = {"append": original + b"appended by the user\n", "rewrite same size": b"# clip\n\nfirst VERSION\n",
              "atomic rename": b"# clip\n\nsaved by an editor that renames\n"}[save]
    real_exchange = vaultio.exchange
    saved = []

    def save_then_exchange(a, b):
        if Path(b) == note and not saved:  # once: the swap back is not raced
            saved.append(1)
            if save == "append":
                with open(note, "ab") as fh:
                    fh.write(b"appended by the user\n")
            elif save == "rewrite same size":
                note.write_bytes(theirs)
            else:
                side = note.with_name(".editor-save.tmp")
                side.write_bytes(theirs)
                os.rename(side, note)
        return real_exchange(a, b)

    monkeypatch.setattr(vaultio, "exchange", save_then_exchange)
    tmp = vault.stage("clip.md", b"---\ntitle: clip\n---\nnormalised\n")
    with pytest.raises(ChangedUnderUs, match="saved again at the moment it was replaced"):
        vault.commit("clip.md", tmp, expected, st)
    assert note.read_bytes() == theirs
    assert _leftovers(note.parent) == []


@pytest.mark.parametrize("has_exchange", [True, False])
def test_replace_without_a_race_leaves_only_the_new_bytes(tmp_path, monkeypatch, has_exchange):
    from vaulttool.vault import files as vaultio
    vault, note, expected, st = _vault_with_note(tmp_path, b"# clip\n\nbody\n")
    if not has_exchange:  # a file system without RENAME_EXCHANGE: os.replace after the check
        monkeypatch.setattr(vaultio, "exchange", lambda a, b: False)
    tmp = vault.stage("clip.md", b"new bytes\n")
    vault.commit("clip.md", tmp, expected, st)
    assert note.read_bytes() == b"new bytes\n"
    assert _leftovers(note.parent) == []


def test_a_second_save_during_the_swap_back_is_kept_beside_the_note(tmp_path, monkeypatch):
    """Two saves in a row hit both exchanges: the first is put back, the second kept under a visible name."""
    from vaulttool.vault import files as vaultio
    from vaulttool.vault.files import ChangedUnderUs

    vault, note, expected, st = _vault_with_note(tmp_path, b"# clip\n\nv1\n")
    real_exchange = vaultio.exchange
    calls = []

    def save_then_exchange(a, b):
        calls.append(1)
        side = note.with_name(".editor-save.tmp")
        side.write_bytes(f"# clip\n\nsave {len(calls)}\n".encode())
        os.rename(side, note)
        return real_exchange(a, b)

    monkeypatch.setattr(vaultio, "exchange", save_then_exchange)
    tmp = vault.stage("clip.md", b"normalised\n")
    with pytest.raises(ChangedUnderUs):
        vault.commit("clip.md", tmp, expected, st)
    assert len(calls) == 2
    assert note.read_bytes() == b"# clip\n\nsave 1\n"
    kept = note.parent / "clip (saved while vaulttool wrote it).md"
    assert kept.read_bytes() == b"# clip\n\nsave 2\n"
    assert _leftovers(note.parent) == [kept.name]
