"""Crash safety: ``vaulttool reindex`` and ``vaulttool watch`` killed with SIGKILL at random moments on a
copy of part of the clip corpus, and an index that is killed, truncated or damaged.

The trials are those of ``benchmarks/crash_trials.py`` (read its docstring for every check), fewer of
them: 38 kills of ``reindex`` (a vault of 200 normalised clips, own notes and an attachment, 12 raw clips
new; kills timed to land while it reads, stages, replaces notes and writes pages), 6 of ``watch`` (the 12
clips dropped in while it runs) and 7 of ``reindex`` at chosen points (keeping originals, staging, before
the batch's sync, between replacing a clip and renaming it, between two replaces, amid the pages, at the
index commit). After each kill the vault is checked as the kill left it, then a
recovery run (in this process, to keep the suite short; the script runs whole processes) and its result
against a fresh ``--full`` index. The trial vaults live on /dev/shm when it exists: a process kill does
not depend on fsync, and tmpfs keeps 52 trials within the time budget.

``VAULTTOOL_CRASH_SEED`` fixes the seed (printed with any failure).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks import crash_trials as ct

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

N_REINDEX, N_WATCH, POINTS = 38, 6, ct.POINTS
SEED = int(os.environ.get("VAULTTOOL_CRASH_SEED", random.randrange(1, 1 << 30)))


@pytest.fixture(scope="module")
def scenario(corpus_dir):
    work = Path(tempfile.mkdtemp(prefix="vaulttool-crash-", dir=ct.scratch_root()))
    runner = ct.ApiRunner()
    try:
        sc = ct.build(work, corpus_dir, n_base=200, n_new=12, slots=2, runner=runner, seed=SEED % 1000)
        yield sc, runner
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def trials(scenario):
    sc, runner = scenario
    return ct.run_kill_trials(sc, N_REINDEX, N_WATCH, runner, seed=SEED, points=POINTS)


def report(outcomes) -> str:
    lines = [f"seed {SEED} (VAULTTOOL_CRASH_SEED)"]
    for o in outcomes:
        lines.append(o.line())
        lines.extend(f"    {p}" for p in o.problems[:5])
    return "\n".join(lines)


def test_the_scenario_is_deterministic_and_its_index_equals_a_fresh_one(scenario):
    """What "the bytes a clean run produces" means: the uninterrupted run normalised every new clip but
    the bad one, and its index and pages equal those of a fresh --full run (checked in build())."""
    sc, _ = scenario
    assert len(sc.base_clips) + len(sc.new_clips) >= 200
    assert set(sc.ref.renamed) == set(sc.new_clips) - sc.bad
    assert len(sc.bad) == 2


def test_at_least_fifty_kills(trials):
    kinds = Counter(o.kind for o in trials)
    assert kinds == {"reindex": N_REINDEX, "watch": N_WATCH, "pinned": len(POINTS)}
    assert sum(o.rc == -9 for o in trials) >= 50, report([o for o in trials if o.rc != -9])


def test_after_every_kill_each_note_is_its_original_or_the_clean_runs_bytes(trials):
    bad = [o for o in trials if o.problems]
    assert not bad, report(bad)


def test_no_byte_is_lost(trials):
    assert sum(o.bytes_lost for o in trials) == 0, report([o for o in trials if o.bytes_lost])


def test_kills_landed_in_every_phase(scenario, trials):
    sc, _ = scenario
    phases = Counter(o.phase for o in trials if o.kind != "watch")
    for phase in ("reading", "staging", "writing", "pages"):
        assert phases[phase] >= 1, (phases, report(trials))
    assert any(o.done_before_kill and o.kind == "watch" for o in trials), report(trials)
    between = [o for o in trials if 0 < o.done_before_kill < len(sc.ref.renamed)]
    assert between, "no kill landed between two notes being replaced"


def test_a_rename_cut_short_by_a_kill_is_finished_by_the_next_run(trials):
    """Killed between replacing a clip and renaming it: the note holds its normalised bytes under the old
    name; the rename journal makes the next run finish the rename (checked by check_recovery)."""
    pinned = next(o for o in trials if o.kind == "pinned" and o.mode == "before-rename")
    assert pinned.half_renamed == 1, report([pinned])
    assert pinned.problems == []


def test_temp_files_left_by_kills_are_hidden_and_the_next_run_removes_them(trials):
    left = [o for o in trials if o.temps_left]
    assert left, "no kill left a temp file: the staging phase was never hit"
    assert not any("temp" in p or "hidden" in p or "neither an original" in p for o in trials for p in o.problems)


def test_the_index_survives_a_kill_mid_transaction(trials):
    """Killed while its transaction was open (everything but 'committed'), the index holds the state before
    the run, intact; a reindex trial checks both (PRAGMA integrity_check, then the tables)."""
    open_tx = [o for o in trials if o.kind != "watch" and o.phase in ("reading", "staging", "writing", "pages")]
    assert len(open_tx) >= 30
    assert not any("index" in p for o in open_tx for p in o.problems), report(open_tx)


# -- an index that is truncated or damaged ------------------------------------------------------------------


@pytest.fixture
def small(tmp_path, corpus_dir, scenario):
    """A vault of 12 corpus clips, normalised and indexed (in this process: jieba is loaded already)."""
    _, runner = scenario
    vault = tmp_path / "vault"
    (vault / ".vaulttool").mkdir(parents=True)
    (vault / ".vaulttool" / "config.toml").write_text(ct.CONFIG, encoding="utf-8")
    base, new = ct.pick_clips(corpus_dir, 6, 6, seed=3)
    for p in base + new:
        if not ct._CONFLICT.search(p.read_bytes()):
            dest = vault / p.relative_to(corpus_dir)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dest)
    assert runner.reindex(vault).rc == 0
    return vault, runner


def rebuilt_note(vault: Path) -> tuple[str, object]:
    """Run a reindex in this process; returns (what the user is told about the index, the summary): the
    session's note when the damage shows at open, or the run's warning when it shows in the middle."""
    from vaulttool.usecases.reindex import reindex
    from vaulttool.usecases.report import Reporter
    from vaulttool.usecases.session import open_session

    reporter = Reporter()
    with open_session(vault, "reindex") as session:
        note = session.note
        summary = reindex(session, reporter, jobs=1)
    told = [note] + [detail for action, _, detail in reporter.events if action == "warning"]
    return " | ".join(t for t in told if t), summary


def test_truncated_index_is_rebuilt(small, tmp_path):
    vault, runner = small
    db = vault / ".vaulttool" / "index.db"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    note, summary = rebuilt_note(vault)
    assert "rebuilding the index" in note and "corrupt" in note, note
    assert summary.failed == []
    assert ct.compare_with_fresh(vault, tmp_path / "fresh", runner, tmp_path) == []


def test_index_with_flipped_header_bytes_is_rebuilt(small, tmp_path):
    vault, runner = small
    db = vault / ".vaulttool" / "index.db"
    data = bytearray(db.read_bytes())
    for i in range(16, 100):
        data[i] ^= 0xA5
    db.write_bytes(bytes(data))
    note, summary = rebuilt_note(vault)
    assert "rebuilding the index" in note
    assert summary.failed == []
    assert ct.compare_with_fresh(vault, tmp_path / "fresh", runner, tmp_path) == []


def damage(vault: Path, table: str) -> None:
    """Overwrite the root page of ``table`` with garbage (what a bad sector or a torn sync leaves)."""
    db = vault / ".vaulttool" / "index.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * size : root * size] = bytes([0x55]) * size
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("table", ["notes", "note_tags", "files", "pages"])
def test_index_with_a_damaged_table_page_is_rebuilt(small, tmp_path, table):
    """A table every run reads: the damage shows during the run, which starts again on a new index."""
    vault, runner = small
    damage(vault, table)
    if table == "note_tags":  # read by a run that indexes a note (the obsidian style's pages list no tags)
        note = next(p for p in sorted(vault.rglob("*.md")) if not p.relative_to(vault).parts[0].startswith((".", "_")))
        note.write_text(note.read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
    told, summary = rebuilt_note(vault)
    assert "damaged" in told or "corrupt" in told, told
    assert "rebuild" in told, told
    assert summary.failed == []
    assert ct.compare_with_fresh(vault, tmp_path / "fresh", runner, tmp_path) == []


@pytest.mark.parametrize("command", ["query", "tags", "search"])
def test_reader_on_a_damaged_index_says_what_to_do(small, command):
    import json

    from vaulttool.cli import cli

    vault, _ = small
    top = json.loads(CliRunner().invoke(cli, ["--vault", str(vault), "tags", "--format", "json"]).output)[0]["tag"]
    args = {"query": ["query", "--tag", top], "tags": ["tags"], "search": ["search", top]}[command]
    assert CliRunner().invoke(cli, ["--vault", str(vault), *args]).exit_code == 0
    # the structure each command reads: `tags` counts from the tag index alone
    damage(vault, {"query": "note_tags", "tags": "note_tags_key", "search": "notes"}[command])
    r = CliRunner().invoke(cli, ["--vault", str(vault), *args])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code in (1, 2) and "reindex" in r.output, r.output


def test_following_the_readers_advice_on_a_damaged_index_works(small):
    import re

    from vaulttool.cli import cli

    vault, _ = small
    (vault / "Links to clips.md").write_text("# Links\n\nSee [[Reading list]].\n", encoding="utf-8")
    (vault / "Reading list.md").write_text("# Reading list\n\nSee [[Links to clips]].\n", encoding="utf-8")
    invoke = lambda *args: CliRunner().invoke(cli, ["--vault", str(vault), *args])  # noqa: E731
    assert invoke("reindex").exit_code == 0
    assert invoke("backlinks", "Reading list").exit_code == 0
    damage(vault, "links")
    r = invoke("backlinks", "Reading list")
    assert r.exit_code != 0
    advice = re.search(r"run `vaulttool ([^`]+)`", r.output)
    assert advice, r.output
    assert invoke(*advice.group(1).split()).exit_code == 0  # the user does what the message says
    r = invoke("backlinks", "Reading list")
    assert r.exit_code == 0 and "Links to clips.md" in r.output, r.output


def test_a_mark_left_by_a_reader_during_a_run_goes_with_the_index_that_run_rebuilds(small):
    """A reader can mark the index damaged while a writer is already running on it; when that writer
    meets the damage too and rebuilds the index, the mark goes with it (else the next run would
    throw the new index away and rebuild it all again)."""
    from vaulttool.index.store import DAMAGED_MARK, mark_damaged
    from vaulttool.usecases.session import open_session

    vault, _ = small
    with open_session(vault, "reindex") as session:
        mark_damaged(vault / ".vaulttool", "database disk image is malformed")
        session.store.reset("index was damaged (database disk image is malformed)")
    assert not (vault / ".vaulttool" / DAMAGED_MARK).exists()
    with open_session(vault, "reindex") as session:
        assert not session.store.rebuilt, session.store.rebuilt


def test_temp_files_a_kill_leaves_in_the_state_folder_are_removed(small):
    vault, runner = small
    state = vault / ".vaulttool"
    leftovers = [state / "originals" / "ab" / ".ab12cd34.4242.tmp", state / ".lock.4242.tmp"]
    for p in leftovers:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"half-written original" * 100)
    assert runner.reindex(vault).rc == 0
    assert [p for p in leftovers if p.exists()] == []


def test_manifest_line_cut_short_does_not_swallow_the_next_entry(small):
    from vaulttool.cli import cli

    vault, runner = small
    manifest = vault / ".vaulttool" / "originals" / "manifest.jsonl"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text[: len(text) - 20], encoding="utf-8")  # the last line cut short
    clip = vault / "late-clip.md"
    clip.write_text('---\ntitle: "late-clip"\nsource: "https://example.com/late"\ncreated: 2025-04-01\n'
                        'tags: [clippings]\n---\n'
                    "Body <b>late</b>.\n", encoding="utf-8")
    original = clip.read_bytes()
    assert runner.reindex(vault).rc == 0
    assert clip.read_bytes() != original
    r = CliRunner().invoke(cli, ["--vault", str(vault), "restore", str(clip)])
    assert r.exit_code == 0, r.output
    assert clip.read_bytes() == original
