"""``vaulttool watch`` with a real observer on real folders and a real index.

Short settle times (0.2 s) and ``quiet = 0`` keep the file fast; the subprocess tests run the real command
and send real signals. Clips are built from the corpus's summary format, each with its own URL and title.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT
from vaulttool.watch import watcher as watchmod
from vaulttool.vault.files import digest

SETTLE = 0.2

# watchdog warns from its own thread when a new folder's watch is added twice (a race it resolves itself)
pytestmark = pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")


# -- helpers ----------------------------------------------------------------------------------------
def make_vault(tmp_path: Path, **watch) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaulttool").mkdir()
    settings = {"settle": SETTLE, "quiet": 0, **watch}
    body = "\n".join(f"{k} = {v}" for k, v in settings.items())
    (root / ".vaulttool" / "config.toml").write_text(f"[watch]\n{body}\n", encoding="utf-8")
    return root


_CLIPS: list[str] = []


def clip_bytes(tag: str, n: int = 0) -> bytes:
    """A corpus clip made unique: its title starts with ``tag``, its URL ends with it."""
    if not _CLIPS:
        if not CORPUS.is_dir():
            pytest.skip(f"corpus not found at {CORPUS}")
        files = sorted(CORPUS.rglob("*.md"))
        texts = (f.read_text(encoding="utf-8") for f in files[:: max(1, len(files) // 300)])
        # clips holding merge-conflict markers are refused by design: not what these tests are about
        _CLIPS.extend(t for t in texts if not re.search(r"^(<<<<<<<|>>>>>>>|=======)", t, re.M))
    text = _CLIPS[n % len(_CLIPS)]
    text = re.sub(r"\A# [^\n]*", lambda m: f"# {tag} {m.group(0)[2:40]}", text, count=1)
    text = re.sub(r"^\*\*URL\*\*:.*$", f"**URL**: https://example.org/watch-test/{tag}", text, count=1, flags=re.M)
    return text.encode("utf-8")


def user_note(title: str) -> bytes:
    return f"My own thoughts on {title}.\n\nSee [[elsewhere]] and #reading\n".encode("utf-8")


def index(vault: Path) -> dict[str, dict]:
    db = vault / ".vaulttool" / "index.db"
    if not db.exists():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return {p: {"hash": h, "kind": k} for p, h, k in conn.execute("SELECT path, hash, kind FROM notes")}
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def index_files(vault: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{vault / '.vaulttool' / 'index.db'}?mode=ro", uri=True, timeout=5)
    try:
        # (not the generated _index/Clippings.base of the obsidian page style: the test counts its own files)
        return {p for (p,) in conn.execute("SELECT path FROM files") if not p.startswith("_index/")}
    finally:
        conn.close()


def originals(vault: Path) -> list[dict]:
    """What the normaliser rewrote: one manifest line per rewrite (path, hash of the bytes it read)."""
    m = vault / ".vaulttool" / "originals" / "manifest.jsonl"
    if not m.exists():
        return []
    return [json.loads(line) for line in m.read_text(encoding="utf-8").splitlines() if line.strip()]


def notes_with(vault: Path, needle: str, also: str = "") -> list[Path]:
    out = []
    for p in vault.rglob("*.md"):
        if ".vaulttool" in p.parts:
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            continue  # renamed under our feet: found again on the next look
        if needle in text and also in text:
            out.append(p)
    return out


def normalised_clip(vault: Path, tag: str) -> Path | None:
    found = notes_with(vault, f"watch-test/{tag}", also="auto_tags:")
    return found[0] if len(found) == 1 else None


def wait_for(pred, timeout: float = 10.0, what: str = "condition", log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.02)
    tail = "\n".join(line for line in log.text().splitlines() if not line.startswith("page"))[-3000:] if log else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tail}")


class Running:
    """``run_watch`` in a thread, its log lines collected with their time."""

    def __init__(self, vault: Path, **kw):
        self.vault = vault
        self.lines: list[tuple[float, str]] = []
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.code: int | None = None
        self.error: BaseException | None = None
        kw.setdefault("verbosity", 1)

        def target():
            try:
                self.code = watchmod.run_watch(vault, log=lambda line: self.lines.append((time.monotonic(), line)),
                                               stop_event=self.stop, ready=self.ready, **kw)
            except BaseException as exc:  # surfaced by the test
                self.error = exc

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()
        if not self.ready.wait(30):
            raise AssertionError(f"watcher did not start: {self.error!r} {self.text()}")

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def wait_line(self, pattern: str, timeout: float = 20.0) -> float:
        """Wait for a log line matching ``pattern`` and for the run it belongs to to finish."""
        rx = re.compile(pattern)

        def found():
            lines = list(self.lines)
            for i, (t, line) in enumerate(lines):
                if rx.search(line) and any(x.startswith("info: run: ") for _, x in lines[i:]):
                    return t
            return None

        return wait_for(found, timeout, what=f"a line matching {pattern!r}", log=self)

    def count(self, prefix: str) -> int:
        return sum(1 for _, line in self.lines if line.startswith(prefix))

    def close(self) -> int:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive(), "watcher did not stop"
        assert self.error is None, self.error
        return self.code


@pytest.fixture
def watch(request):
    started: list[Running] = []

    def start(vault: Path, **kw) -> Running:
        w = Running(vault, **kw)
        started.append(w)
        return w

    yield start
    for w in started:
        if w.thread.is_alive():
            assert w.close() == 0


def write_chunks(path: Path, data: bytes, parts: int, gap: float) -> float:
    """Write ``data`` in ``parts`` writes ``gap`` seconds apart; returns the time of the last write."""
    step = -(-len(data) // parts)
    with open(path, "wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i : i + step])
            fh.flush()
            last = time.monotonic()
            if i + step < len(data):
                time.sleep(gap)
    return last


# -- single notes --------------------------------------------------------------------------------------
def test_catch_up_then_single_drop_normalised_once_and_user_note_untouched(tmp_path, watch):
    vault = make_vault(tmp_path, lock_stale_seconds=4)
    mine = vault / "mine.md"
    mine.write_bytes(user_note("the catch-up"))
    mine_stat = mine.stat()
    (vault / "early.md").write_bytes(clip_bytes("wt-early", 1))
    w = watch(vault)
    assert normalised_clip(vault, "wt-early") is not None, "catch-up did not normalise the clip"
    assert index(vault)["mine.md"]["hash"] == digest(mine.read_bytes())
    lock = json.loads((vault / ".vaulttool" / "lock").read_text())
    assert lock["command"] == "watch" and lock["pid"] == os.getpid()

    data = clip_bytes("wt-single", 2)
    (vault / "dropped.md").write_bytes(data)
    w.wait_line(r"^normalised dropped\.md: ")
    path = normalised_clip(vault, "wt-single")
    assert path is not None
    rel = path.relative_to(vault).as_posix()
    wait_for(lambda: index(vault).get(rel, {}).get("hash") == digest(path.read_bytes()), what="the index")
    assert "dropped.md" not in index(vault)
    body = path.read_text(encoding="utf-8")
    assert body.startswith("---\n") and "auto_tags:" in body
    # our own write caused events: they must end in a no-op, not a second rewrite
    time.sleep(6 * SETTLE)
    assert [e["path"] for e in originals(vault) if "wt-single" in e.get("new_path", "") or e["path"] == "dropped.md"] \
        == ["dropped.md"]
    assert [e["hash"] for e in originals(vault) if e["path"] == "dropped.md"] == [digest(data)]
    assert sum("normalised dropped.md" in line for _, line in w.lines) == 1
    assert mine.read_bytes() == user_note("the catch-up") and mine.stat().st_mtime_ns == mine_stat.st_mtime_ns
    # the lock is refreshed while watching (every second with lock_stale_seconds = 4)
    refreshed = json.loads((vault / ".vaulttool" / "lock").read_text())["refreshed"]
    assert refreshed > lock["refreshed"]
    assert w.close() == 0
    assert not (vault / ".vaulttool" / "lock").exists()


def test_chunked_write_is_read_once_after_the_last_chunk(tmp_path, watch):
    vault = make_vault(tmp_path)
    w = watch(vault)
    data = clip_bytes("wt-chunked", 3)
    last = write_chunks(vault / "chunked.md", data, parts=6, gap=0.1)
    w.wait_line(r"^normalised chunked\.md: ")
    entries = [e for e in originals(vault) if e["path"] == "chunked.md"]
    assert [e["hash"] for e in entries] == [digest(data)], "read before it was complete, or more than once"
    first_action = min(t for t, line in w.lines if "chunked.md" in line and not line.startswith("event"))
    assert first_action >= last + SETTLE * 0.9


def test_atomic_save_temp_then_rename(tmp_path, watch):
    vault = make_vault(tmp_path)
    note = vault / "journal.md"
    note.write_bytes(user_note("version one"))
    w = watch(vault)
    assert "journal.md" in index(vault)
    # an editor's atomic save: a hidden temp file renamed over the note
    tmp = vault / ".journal.md.swp-123"
    tmp.write_bytes(user_note("version two"))
    os.replace(tmp, note)
    wait_for(lambda: index(vault).get("journal.md", {}).get("hash") == digest(user_note("version two")),
             what="the saved note in the index")
    # a clip arriving the same way (a sync tool's temp file) is normalised once, from its full bytes
    data = clip_bytes("wt-atomic", 4)
    tmp = vault / ".syncthing.incoming.md.tmp"
    tmp.write_bytes(data)
    os.rename(tmp, vault / "incoming.md")
    wait_for(lambda: normalised_clip(vault, "wt-atomic"), what="the atomically saved clip")
    assert [e["hash"] for e in originals(vault) if e["path"] == "incoming.md"] == [digest(data)]
    assert note.read_bytes() == user_note("version two")
    assert not any(p.startswith(".") for p in index(vault)), "a temp file was indexed"
    assert w.count("failed") == 0


def test_delete_and_rename_update_the_index(tmp_path, watch):
    vault = make_vault(tmp_path)
    (vault / "a.md").write_bytes(user_note("a"))
    (vault / "b.md").write_bytes(user_note("b"))
    w = watch(vault)
    assert {"a.md", "b.md"} <= set(index(vault))
    (vault / "a.md").unlink()
    os.rename(vault / "b.md", vault / "c.md")
    wait_for(lambda: set(index(vault)) == {"c.md"}, what="delete and rename in the index")
    assert index(vault)["c.md"]["hash"] == digest(user_note("b"))
    assert w.count("removed a.md") == 1 and w.count("removed b.md") == 1


def test_folder_moved_in_and_out(tmp_path, watch):
    vault = make_vault(tmp_path)
    outside = tmp_path / "outside" / "Reading"
    outside.mkdir(parents=True)
    for i in range(3):
        (outside / f"n{i}.md").write_bytes(user_note(f"folder note {i}"))
    (outside / "cover.png").write_bytes(b"\x89PNG fake")
    w = watch(vault)
    os.rename(outside, vault / "Reading")
    wanted = {f"Reading/n{i}.md" for i in range(3)}
    wait_for(lambda: wanted <= set(index(vault)), what="the moved-in folder's notes")
    assert "Reading/cover.png" in index_files(vault)
    os.rename(vault / "Reading", tmp_path / "outside" / "Gone")
    wait_for(lambda: not (wanted & set(index(vault))), what="the moved-out folder's notes to be dropped")
    assert "Reading/cover.png" not in index_files(vault)
    assert "rescan: folder deleted: Reading" in w.text()


# -- bursts and races ----------------------------------------------------------------------------------
def test_burst_of_200_processed_once_each_in_one_run(tmp_path, watch):
    vault = make_vault(tmp_path)
    w = watch(vault)
    datas = {}
    for i in range(200):
        datas[f"burst-{i:03d}.md"] = clip_bytes(f"wt-burst-{i:03d}", i)
        (vault / f"burst-{i:03d}.md").write_bytes(datas[f"burst-{i:03d}.md"])
    wait_for(lambda: len([e for e in originals(vault) if e["path"].startswith("burst-")]) >= 200, timeout=60,
             what="200 clips normalised", log=w)
    wait_for(lambda: sum(1 for r in index(vault).values() if r["kind"] == "clip") >= 200, timeout=60,
             what="the run to commit", log=w)
    time.sleep(5 * SETTLE)  # let the events of our own writes come and go
    entries = [e for e in originals(vault) if e["path"].startswith("burst-")]
    assert sorted(e["path"] for e in entries) == sorted(datas), "some clip was rewritten twice or missed"
    assert all(e["hash"] == digest(datas[e["path"]]) for e in entries)
    runs = [line for _, line in w.lines if line.startswith("info: run: ")]
    working = [line for line in runs if re.search(r"normalised [1-9]|indexed [1-9]|removed [1-9]|pages [1-9]", line)]
    assert len(working) == 1, runs  # one run for the burst: the pages are rebuilt once


USER_LINE = b"\nMy own line, typed right after the tool wrote.\n"


def test_user_edit_right_after_our_write_survives(tmp_path, watch):
    vault = make_vault(tmp_path)
    w = watch(vault)
    (vault / "race.md").write_bytes(clip_bytes("wt-race", 5))
    appended = None
    deadline = time.monotonic() + 20
    while appended is None and time.monotonic() < deadline:
        for p in notes_with(vault, "watch-test/wt-race"):
            try:
                if b"auto_tags:" not in p.read_bytes():
                    continue  # (opening it for writing without writing would itself be an event)
                fd = os.open(p, os.O_WRONLY | os.O_APPEND)  # never create: the rename may be under way
            except FileNotFoundError:
                continue
            with os.fdopen(fd, "ab") as fh:
                fh.write(USER_LINE)
            appended = p
            break
        time.sleep(0.001)
    assert appended is not None, "the clip was never normalised"

    def settled():  # (the append may have landed before the rename: look the note up again)
        found = notes_with(vault, "watch-test/wt-race")
        if len(found) != 1:
            return None
        try:
            data = found[0].read_bytes()
        except FileNotFoundError:
            return None
        rel = found[0].relative_to(vault).as_posix()
        return found[0] if data.endswith(USER_LINE) and index(vault).get(rel, {}).get("hash") == digest(data) else None

    path = wait_for(settled, timeout=10, what="the user's bytes in the index", log=w)
    time.sleep(4 * SETTLE)
    text = path.read_text(encoding="utf-8")
    assert text.endswith(USER_LINE.decode()) and "auto_tags:" in text
    assert index(vault)[path.relative_to(vault).as_posix()]["hash"] == digest(path.read_bytes())
    assert len([e for e in originals(vault) if e["path"] == "race.md"]) == 1


def test_file_still_being_written_when_a_run_starts_is_deferred(tmp_path, watch):
    vault = make_vault(tmp_path)
    w = watch(vault)
    (vault / "ready.md").write_bytes(user_note("a finished note"))
    data = clip_bytes("wt-slow", 6)
    # 20 writes 0.1 s apart: longer than the batch limit, so a run happens while this is half written
    last = write_chunks(vault / "slow.md", data, parts=20, gap=0.1)
    indexed_ready = [t for t, line in w.lines if line.startswith("indexed ready.md")]
    assert indexed_ready and indexed_ready[0] < last, "no run happened while the slow file was being written"
    wait_for(lambda: normalised_clip(vault, "wt-slow"), what="the slow clip")
    assert [e["hash"] for e in originals(vault) if e["path"] == "slow.md"] == [digest(data)]


def test_clip_appended_to_is_left_alone_until_quiet(tmp_path, watch):
    vault = make_vault(tmp_path, quiet=1.0)
    watch(vault)
    data = clip_bytes("wt-append", 7)
    text = data.decode("utf-8")
    cut = len(text) // 4
    parts = [text[:cut], text[cut : 2 * cut], text[2 * cut : 3 * cut], text[3 * cut :]]
    path = vault / "append.md"
    path.write_bytes(parts[0].encode("utf-8"))
    for part in parts[1:]:  # appended every 0.5 s: each settles, none is quiet for 1 s
        time.sleep(0.5)
        with open(path, "ab") as fh:
            fh.write(part.encode("utf-8"))
    wait_for(lambda: normalised_clip(vault, "wt-append"), timeout=15, what="the appended clip")
    assert [e["hash"] for e in originals(vault) if e["path"] == "append.md"] == [digest(data)]


# -- lost events and limits ------------------------------------------------------------------------
def test_too_many_folders_for_inotify_warns_and_suggests_polling(tmp_path, watch, monkeypatch):
    vault = make_vault(tmp_path)
    for i in range(6):
        (vault / f"f{i}").mkdir()
    monkeypatch.setattr(watchmod, "inotify_watch_limit", lambda: 4)  # the real limit cannot be lowered here
    w = watch(vault)
    warning = [line for _, line in w.lines if line.startswith("warning") and "max_user_watches" in line]
    assert warning and "--polling" in warning[0]
    (vault / "f3" / "n.md").write_bytes(user_note("deep"))
    wait_for(lambda: "f3/n.md" in index(vault), what="a note in a watched folder")


def test_polling_observer_sees_drop_and_delete(tmp_path, watch):
    vault = make_vault(tmp_path)
    w = watch(vault, polling=True)
    assert "polling" in w.text()
    (vault / "p.md").write_bytes(user_note("polled"))
    wait_for(lambda: "p.md" in index(vault), timeout=10, what="the polled note")
    (vault / "p.md").unlink()
    wait_for(lambda: "p.md" not in index(vault), timeout=10, what="the polled deletion")


# -- the real command: signals, lock, overflow ---------------------------------------------------------
def _command(vault: Path, *extra: str) -> list[str]:
    from vaulttool.cli import cli

    if "watch" in cli.commands:
        return [sys.executable, "-m", "vaulttool", "--vault", str(vault), "watch", *extra]
    return [sys.executable, "-m", "vaulttool.watch.watcher", "--vault", str(vault), *extra]


class Proc:
    def __init__(self, vault: Path, *extra: str):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.p = subprocess.Popen(_command(vault, *extra), cwd=ROOT, env=env, stderr=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stderr:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)

    def has(self, needle) -> bool:
        if isinstance(needle, re.Pattern):
            return any(needle.search(line) for line in self.lines)
        return any(needle in line for line in self.lines)

    def finish(self, timeout: float = 30) -> int:
        rc = self.p.wait(timeout)
        self.reader.join(5)
        return rc

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


@pytest.fixture
def proc():
    started: list[Proc] = []

    def start(vault: Path, *extra: str) -> Proc:
        p = Proc(vault, *extra)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


def test_sigterm_mid_burst_exits_cleanly(tmp_path, proc):
    vault = make_vault(tmp_path)
    p = proc(vault)
    wait_for(lambda: p.has("watching "), timeout=30, what=f"the watcher to start: {p.text()}")
    datas = {}
    for i in range(80):
        datas[f"t-{i:03d}.md"] = clip_bytes(f"wt-term-{i:03d}", i)
        (vault / f"t-{i:03d}.md").write_bytes(datas[f"t-{i:03d}.md"])
    wait_for(lambda: p.has(re.compile(r"^\S+ normalised t-")), timeout=60,
             what=f"the first clip to be normalised: {p.text()}")
    p.p.send_signal(signal.SIGTERM)
    assert p.finish(30) == 0, p.text()
    assert p.has("SIGTERM received: stopping after the note in hand") and not p.has("Ctrl-C again"), p.text()
    assert not list(vault.rglob("*.vaulttool-tmp")), "temp files left behind"
    assert not (vault / ".vaulttool" / "lock").exists(), "lock not released"
    assert not (vault / ".vaulttool" / "journal.jsonl").exists(), "a rename left half done"
    done = {m.group(1) for line in p.lines if (m := re.match(r"^\S+ normalised (t-\d+\.md): ", line))}
    assert 0 < len(done) < 80, f"SIGTERM did not land mid-burst: {len(done)} normalised"
    # each clip is either untouched or completely normalised, and the index matches the files
    for name, data in datas.items():
        if name in done:
            assert not (vault / name).exists(), name
            assert len(notes_with(vault, f"watch-test/wt-term-{name[2:5]}")) == 1
        else:
            assert (vault / name).read_bytes() == data, name
    rows = index(vault)
    assert all((vault / rel).exists() for rel in rows)
    from vaulttool.usecases.session import open_session

    open_session(vault, "test").close()  # the lock can be taken


def test_second_watcher_refuses_naming_the_holder(tmp_path, proc):
    vault = make_vault(tmp_path)
    first = proc(vault)
    wait_for(lambda: first.has("watching "), timeout=30, what=f"the first watcher: {first.text()}")
    second = proc(vault)
    rc = second.finish(30)
    assert rc != 0
    assert "in use by" in second.text() and f"pid {first.p.pid}" in second.text() and "watch" in second.text()
    assert first.p.poll() is None, "the first watcher must keep running"
    first.p.send_signal(signal.SIGINT)
    assert first.finish(30) == 0


def test_queue_overflow_triggers_a_rescan_that_finds_everything(tmp_path, proc):
    vault = make_vault(tmp_path)
    # the folder exists before the watcher starts, so its inotify watch is in place: a folder made
    # while the watcher is stopped would be walked when its creation event is read, and every file
    # in it found that way instead of through the (overflowing) queue
    many = vault / "attachments"
    many.mkdir()
    p = proc(vault, "-v")
    wait_for(lambda: p.has("watching "), timeout=30, what=f"the watcher to start: {p.text()}")
    try:
        limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    except OSError:
        limit = 16384
    os.kill(p.p.pid, signal.SIGSTOP)
    try:
        for i in range(limit // 2 + 1000):  # each file: created, modified, closed
            (many / f"a{i:05d}.txt").write_bytes(b"x")
        for i in range(5):  # created after the queue filled up: no event reaches the watcher
            (vault / f"late-{i}.md").write_bytes(user_note(f"late {i}"))
    finally:
        os.kill(p.p.pid, signal.SIGCONT)
    wait_for(lambda: {f"late-{i}.md" for i in range(5)} <= set(index(vault)), timeout=60,
             what=f"the notes whose events were lost: {p.text()[-2000:]}")
    # a run started by the events read before the overflow may find them first: the overflow is
    # still reported once the watcher reaches it in the queue
    wait_for(lambda: p.has("overflowed"), timeout=30, what=f"the overflow to be reported: {p.text()[-2000:]}")
    assert len(index_files(vault)) == limit // 2 + 1000
    p.p.send_signal(signal.SIGTERM)
    assert p.finish(30) == 0


def test_commands_beside_a_running_watcher(tmp_path, proc):
    """While watch holds the vault: readers and dry runs work, a plain reindex is refused, and restore
    asks the watcher for a turn through the lock (the watcher gives the vault and takes it back)."""
    vault = make_vault(tmp_path)
    (vault / "clip.md").write_bytes(clip_bytes("wt-turn", 3))
    raw = (vault / "clip.md").read_bytes()
    w = proc(vault, "-v")
    wait_for(lambda: w.has("watching "), timeout=30, what=f"the watcher to start: {w.text()}")
    clip = wait_for(lambda: normalised_clip(vault, "wt-turn"), timeout=30, what="the clip normalised", log=w)

    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(vault), *args],
                              capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)

    assert cli("query", "--tag", "*").returncode == 0
    assert cli("show", clip.name).returncode == 0
    dry = cli("reindex", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("dry run, nothing written: "), dry.stdout + dry.stderr
    refused = cli("reindex")
    assert refused.returncode == 1 and "in use by `vaulttool watch`" in refused.stderr
    restored = cli("restore", str(clip))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restored 1 of 1, failed 0" in restored.stdout, restored.stdout
    assert w.has("giving the vault to `vaulttool restore`") and w.p.poll() is None
    wait_for(lambda: w.has("took the vault back"), timeout=30, what="the watcher to take the vault back", log=w)
    back = [p for p in vault.glob("*.md") if p.read_bytes() == raw]
    assert len(back) == 1  # the raw clip is back, and the watcher leaves it as it is
    time.sleep(2 * SETTLE + 1)
    assert back[0].read_bytes() == raw
    assert not (vault / ".vaulttool" / "lock.wanted").exists()
    w.p.send_signal(signal.SIGTERM)
    assert w.finish(30) == 0
