"""SIGKILL and race trials: kill ``vaulttool reindex`` (and ``vaulttool watch`` in a burst of new clips)
at random moments on a copy of part of the clip corpus, race a writer process against the normaliser, and
check after every trial that nothing was lost.

    python benchmarks/crash_trials.py --trials 200 --watch-trials 50 --races 100
    python benchmarks/crash_trials.py --trials 20 --watch-trials 5 --races 5 --base 60 --new 24   # a quick look
    python benchmarks/crash_trials.py --trials 0 --watch-trials 0 --pinpoint 0 --races 0 --swap-races 40 --immutable 6

The last runs only the trials of ``benchmarks/attack_trials.py``: long-name swap-back races and clips
made immutable or append-only.

Prints one line per trial and a summary (trials, failures, bytes lost, where the kills landed); ``--json
FILE`` writes the figures. ``tests/test_crash.py`` and ``tests/test_races.py`` run the same trials, fewer
of them, with the recovery run in the test process; docs/reliability.md has the published figures.

One kill trial:

1. A vault is reset from a saved state: ``--base`` clips already normalised and indexed, notes of the
   user's own, an attachment, and ``--new`` raw clips dropped in since. One clip of each set holds git
   merge-conflict markers: vaulttool must refuse it, by name, on every run.
2. ``python -m vaulttool --vault V -v reindex`` starts and is killed with SIGKILL after a random delay, or
   right after its k-th output line, or as soon as its first temp file appears (so kills land while it
   reads, while it stages the new bytes, while it replaces notes and while it writes pages). A watch
   trial starts ``watch``, drops the new clips in, and kills it the same way. A pinpoint trial kills a
   reindex at a chosen point of its code (see PINPOINT).
3. The vault as the kill left it: every note is byte-identical to its original or to what an
   uninterrupted run wrote (the uninterrupted run is made once, on another copy, and its renames are
   followed through ``.vaulttool/originals/manifest.jsonl``); every rewritten clip's original bytes are in
   ``.vaulttool/originals``; no file Obsidian would show appeared (temp files are dot-names); every page is
   the old or the new one; the index passes ``PRAGMA integrity_check`` and holds the state before the run
   or after it, nothing in between.
4. The next run (the recovery run) completes, naming only the known bad files; no temp file is left; every
   clip is normalised and its original kept; and the index equals the one a fresh ``reindex --full``
   builds on a copy of the vault without its index (notes, tags, topics, links, terms, attachments and
   pages tables; and the pages folder byte for byte).

"Bytes lost" counts the bytes of every note that is found neither in the vault nor in the originals.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("VAULTTOOL_CORPUS", ROOT.parent / "shared" / "corpus" / "ai-info-clips"))
STATE = ".vaulttool"
PAGES = "_index"
TMP_SUFFIX = ".vaulttool-tmp"
CONFIG = "[watch]\nquiet = 0\nsettle = 0.2\n"
_CONFLICT = re.compile(rb"^(<{7}|>{7})(?: |$)", re.M)


def digest(data: bytes) -> str:
    """The digest the manifest records (BLAKE2b, 16 bytes, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def log(msg: str) -> None:
    print(f"[crash {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def scratch_root(preferred: str | None = None) -> Path:
    """Where trial vaults go: ``preferred``, else /dev/shm when it exists (a process kill does not depend
    on fsync, and tmpfs keeps 200 trials short), else the system temp folder."""
    if preferred:
        return Path(preferred)
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return Path(tempfile.gettempdir())


# ------------------------------------------------------------------------------------- the vault seen


@dataclass
class Files:
    notes: dict[str, bytes] = field(default_factory=dict)  # visible *.md outside the pages folder
    pages: dict[str, bytes] = field(default_factory=dict)  # visible files under the pages folder
    other: dict[str, bytes] = field(default_factory=dict)  # other visible files (attachments)
    hidden: dict[str, bytes] = field(default_factory=dict)  # dot-named files outside .vaulttool (temp files)


def scan(vault: Path) -> Files:
    out = Files()
    for dirpath, dirnames, filenames in os.walk(vault):
        rel_dir = os.path.relpath(dirpath, vault)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        if rel_dir == STATE or rel_dir.startswith(STATE + "/") or rel_dir.startswith(".obsidian"):
            dirnames[:] = []
            continue
        for name in filenames:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except FileNotFoundError:
                continue
            hidden = any(part.startswith(".") for part in rel.split("/"))
            if hidden:
                out.hidden[rel] = data
            elif rel.startswith(PAGES + "/"):
                out.pages[rel] = data
            elif name.lower().endswith(".md"):
                out.notes[rel] = data
            else:
                out.other[rel] = data
    return out


def manifest(vault: Path) -> list[dict]:
    """The originals manifest (a line cut short by a kill is skipped, as vaulttool skips it)."""
    path = vault / STATE / "originals" / "manifest.jsonl"
    out = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and {"path", "new_path", "hash", "new_hash"} <= set(entry):
            out.append(entry)
    return out


def blob(vault: Path, h: str) -> bytes | None:
    try:
        return (vault / STATE / "originals" / h[:2] / h).read_bytes()
    except OSError:
        return None


def temp_files(vault: Path) -> list[str]:
    """Every temp file anywhere in the vault (hidden folders included)."""
    out = []
    for dirpath, _dirs, filenames in os.walk(vault):
        out.extend(os.path.relpath(os.path.join(dirpath, n), vault) for n in filenames if n.endswith(TMP_SUFFIX))
    return out


# ------------------------------------------------------------------------------------------- the index

_DUMP = {
    "notes": "SELECT path, name_key, title, props, size, mtime_ns, hash, created, site, source, url_key, kind,"
             " description, error FROM notes",
    "tags": "SELECT n.path, t.key, t.tag, t.pos FROM note_tags t JOIN notes n ON n.id = t.note_id",
    "topics": "SELECT n.path, t.topic FROM note_topics t JOIN notes n ON n.id = t.note_id",
    "links": "SELECT n.path, l.line, l.kind, l.raw, l.target, l.fragment, l.alias, l.target_key, l.context,"
             " l.status, l.resolved FROM links l JOIN notes n ON n.id = l.note_id",
    "terms": "SELECT n.path, t.term FROM note_terms t JOIN notes n ON n.id = t.note_id",
    "files": "SELECT path FROM files",
    "pages": "SELECT path, hash FROM pages",
}


@dataclass
class IndexState:
    exists: bool
    integrity: str = ""
    tables: dict[str, list] = field(default_factory=dict)

    def same(self, other: "IndexState") -> bool:
        return self.tables == other.tables

    def without_mtime(self) -> "IndexState":
        tables = dict(self.tables)
        tables["notes"] = sorted((r[:5] + r[6:] for r in tables.get("notes", [])), key=repr)
        return IndexState(self.exists, self.integrity, tables)

    def mtimes(self) -> dict[str, int]:
        return {r[0]: r[5] for r in self.tables.get("notes", [])}

    def differences(self, other: "IndexState", limit: int = 3) -> list[str]:
        out = []
        for name in _DUMP:
            a, b = set(self.tables.get(name, [])), set(other.tables.get(name, []))
            if a != b:
                only_a = [repr(r)[:160] for r in sorted(a - b, key=repr)[:limit]]
                only_b = [repr(r)[:160] for r in sorted(b - a, key=repr)[:limit]]
                out.append(f"{name}: {len(a - b)} rows only here {only_a}; {len(b - a)} only there {only_b}")
        return out


def read_index(vault: Path, *, scratch: Path | None = None) -> IndexState:
    """The content of ``vault``'s index, read from a copy of the database and its WAL (the way SQLite
    would find them after a crash), after ``PRAGMA integrity_check``."""
    db = vault / STATE / "index.db"
    if not db.exists():
        return IndexState(False)
    tmp = Path(tempfile.mkdtemp(prefix="index-", dir=scratch))
    try:
        for suffix in ("", "-wal"):
            src = Path(f"{db}{suffix}")
            if src.exists():
                shutil.copyfile(src, tmp / f"index.db{suffix}")
        conn = sqlite3.connect(tmp / "index.db")
        try:
            try:
                integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                return IndexState(True, f"unreadable: {exc}")
            known = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            tables = {}
            for name, sql in _DUMP.items():
                needs = {"notes", "note_tags" if name == "tags" else "note_topics" if name == "topics" else
                         "note_terms" if name == "terms" else name}
                if not needs <= known:
                    tables[name] = []
                    continue
                rows = conn.execute(sql).fetchall()
                tables[name] = sorted(rows, key=repr)
            return IndexState(True, integrity, tables)
        finally:
            conn.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------- running


@dataclass
class RunResult:
    rc: int
    failed: list[str]  # "path: reason" of every file the run named as failed
    text: str = ""
    seconds: float = 0.0


def vaulttool_cmd(vault: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "vaulttool", "--vault", str(vault), *args]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class CliRunner:
    """Runs ``python -m vaulttool`` as a user would."""

    name = "cli"

    def reindex(self, vault: Path, *, full: bool = False, timeout: float = 900) -> RunResult:
        t0 = time.monotonic()
        p = subprocess.run(vaulttool_cmd(vault, "reindex", *(["--full"] if full else [])), cwd=ROOT,
                           env=child_env(), capture_output=True, text=True, timeout=timeout)
        failed = [line[len("failed: "):] for line in p.stderr.splitlines() if line.startswith("failed: ")]
        return RunResult(p.returncode, failed, p.stdout + p.stderr, time.monotonic() - t0)


class ApiRunner:
    """Runs a reindex in this process through vaulttool's use-case API (jieba stays loaded: much faster
    for the recovery and reference runs of many trials). Exit code as the CLI would give it."""

    name = "api"

    def __init__(self):
        self.lock = threading.Lock()  # one run in this process at a time

    def reindex(self, vault: Path, *, full: bool = False, timeout: float = 0) -> RunResult:
        from vaulttool.errors import LockError
        from vaulttool.usecases.reindex import reindex
        from vaulttool.usecases.report import Reporter
        from vaulttool.usecases.session import open_session

        t0 = time.monotonic()
        with self.lock:
            try:
                session = open_session(vault, "reindex")
            except LockError as exc:
                return RunResult(1, [], str(exc), time.monotonic() - t0)
            with session:
                summary = reindex(session, Reporter(), full=full, jobs=1)
        failed = [f"{path}: {reason}" for path, reason in summary.failed]
        return RunResult(1 if failed else 0, failed, summary.line(), time.monotonic() - t0)


class Victim:
    """A vaulttool process whose output lines are collected (with their time) as it runs, to be killed."""

    def __init__(self, vault: Path, *args: str, cmd: list[str] | None = None):
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(cmd or vaulttool_cmd(vault, "-v", *args), cwd=ROOT, env=child_env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.p.stdout:
            with self.cond:
                self.lines.append((time.monotonic() - self.t0, line.rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, pred, count: int = 1, timeout: float = 60.0) -> bool:
        """Wait until ``count`` lines satisfy ``pred`` (False if the process ended or time ran out)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                if sum(1 for _, line in self.lines if pred(line)) >= count:
                    return True
                if self.p.poll() is not None and not self.reader.is_alive():
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))

    def kill(self) -> int:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
        rc = self.p.wait()
        self.reader.join(10)
        return rc

    def stop(self, sig=signal.SIGTERM, timeout: float = 60) -> int:
        if self.p.poll() is None:
            self.p.send_signal(sig)
        rc = self.p.wait(timeout)
        self.reader.join(10)
        return rc

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


def _is_action(line: str, action: str) -> bool:
    """``normalised x`` (reindex -v) or ``12:00:00 normalised x`` (watch)."""
    parts = line.split(" ", 2)
    return bool(parts) and (parts[0] == action or (len(parts) > 1 and parts[1] == action))


# ----------------------------------------------------------------------------------------- scenario


def pick_clips(corpus: Path, n_base: int, n_new: int, seed: int = 7) -> tuple[list[Path], list[Path]]:
    """``n_base`` and ``n_new`` clips spread over the corpus; exactly one of each set holds merge-conflict
    markers (a file every run must refuse by name)."""
    files = sorted(corpus.rglob("*.md"))
    files = [f for f in files if f.name not in ("SOURCE.md",)]
    bad = [f for f in files if _CONFLICT.search(f.read_bytes())]
    good = [f for f in files if f not in set(bad)]
    rnd = random.Random(seed)
    chosen = rnd.sample(good, n_base + n_new - 2) if n_base + n_new - 2 <= len(good) else good
    base = sorted(chosen[: n_base - 1] + bad[:1])
    new = sorted(chosen[n_base - 1 :] + bad[1:2])
    return base, new


def own_notes(new_clips: list[Path]) -> dict[str, bytes]:
    """Notes of the user's own: never rewritten, indexed, linking to clips and to each other."""
    stems = [p.stem for p in new_clips[:2]]
    return {
        "Notes/Reading list.md": (f"# Reading list\n\nTo read: [[{stems[0]}]] and [[{stems[-1]}]]; plans in "
                                  "[[Plans]].\n\n#reading\n").encode("utf-8"),
        "Notes/Plans.md": ("---\ntitle: Plans\ntags: [plans, 大模型]\ncreated: 2025-04-01\n---\n"
                           "See [[Reading list]] and ![[diagram.png]].\n\n- 试试 [[不存在的笔记]]\n").encode("utf-8"),
        "Notes/diagram.png": b"\x89PNG\r\n\x1a\n" + bytes(range(64)),
    }


def _put(root: Path, rel: str, data: bytes, mtime_ns: int | None = None) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def _copy_clip(src: Path, corpus: Path, dest_root: Path) -> str:
    rel = src.relative_to(corpus).as_posix()
    dest = dest_root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    return rel


def copy_vault(src: Path, dest: Path, *, index: bool = True) -> None:
    """Copy a vault, times kept to the nanosecond (the index compares them)."""
    if dest.exists():
        shutil.rmtree(dest)
    skip = {"index.db", "index.db-wal", "index.db-shm", "lock", "lock.flock"}

    def ignore(folder, names):
        if index or Path(folder).name != STATE:
            return set()
        return {n for n in names if n in skip}

    shutil.copytree(src, dest, symlinks=True, ignore=ignore)


@dataclass
class Reference:
    """What an uninterrupted run makes of the same vault."""

    files: Files
    index: IndexState  # without mtimes (they differ between copies)
    renamed: dict[str, str]  # clip path before -> after (every clip the run rewrote)
    lines: list[tuple[float, str]]  # the -v output of the run, with times
    seconds: float


@dataclass
class Slot:
    """A vault folder where trials run one after another, with the saved states it is reset from."""

    dir: Path

    @property
    def vault(self) -> Path:
        return self.dir / "vault"

    @property
    def fresh(self) -> Path:
        return self.dir / "fresh"

    def reset(self, state: str) -> None:
        copy_vault(self.dir / state, self.vault)


@dataclass
class Scenario:
    work: Path
    slots: list[Slot]
    base_clips: list[str]
    new_clips: list[str]
    new_sources: dict[str, Path]  # new clip rel -> corpus file
    bad: set[str]  # the files every run must name as failed
    own: set[str]  # the user's own notes (never written)
    before: Files | None = None  # the vault before a reindex trial (state "base")
    before_index: IndexState | None = None
    base0: Files | None = None  # before a watch trial's burst (state "base0")
    ref: Reference | None = None
    corpus: Path = CORPUS
    manifest_len: int = 0  # manifest entries of the saved states (kept by the base run)
    fresh_ref: IndexState | None = None  # a fresh --full index of the uninterrupted run's files (no mtimes)
    fresh_ref_pages: dict[str, bytes] = field(default_factory=dict)  # and the pages it writes

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def build(work: Path, corpus: Path = CORPUS, *, n_base: int = 60, n_new: int = 24, slots: int = 2,
          seed: int = 7, runner=None) -> Scenario:
    """Saved states in every slot: ``base0`` (the base clips normalised and indexed by a ``reindex``),
    ``base`` (plus the new raw clips); the reference: one uninterrupted ``reindex`` from ``base``; and a
    fresh ``reindex --full`` of the reference's files, which must equal the reference's own index."""
    runner = runner or CliRunner()
    work.mkdir(parents=True, exist_ok=True)
    base_src, new_src = pick_clips(corpus, n_base, n_new, seed)
    stage = work / "stage"
    (stage / ".obsidian").mkdir(parents=True)
    _put(stage, f"{STATE}/config.toml", CONFIG.encode())
    base_rels = [_copy_clip(p, corpus, stage) for p in base_src]
    own = own_notes(new_src)
    for rel, data in own.items():
        _put(stage, rel, data, mtime_ns=1_743_465_600_000_000_000)
    new_rels = [p.relative_to(corpus).as_posix() for p in new_src]
    sc = Scenario(work, [Slot(work / f"slot-{k}") for k in range(slots)], base_rels, new_rels,
                  dict(zip(new_rels, new_src)),
                  {rel for rel, p in zip(base_rels + new_rels, base_src + new_src) if _CONFLICT.search(p.read_bytes())},
                  {r for r in own if r.endswith(".md")}, corpus=corpus)
    first = sc.slots[0]
    first.dir.mkdir(parents=True, exist_ok=True)
    copy_vault(stage, first.vault)
    made = CliRunner().reindex(first.vault)
    if made.rc not in (0, 1):
        raise RuntimeError(f"building the base state failed: {made.text[-2000:]}")
    copy_vault(first.vault, first.dir / "base0")
    for rel in sc.new_clips:
        _copy_clip(sc.new_sources[rel], corpus, first.vault)
    copy_vault(first.vault, first.dir / "base")
    for slot in sc.slots[1:]:
        # The same vault in another folder. The index names the folder it was made for (an index
        # from elsewhere is rebuilt); the copy's index is told its new folder, as a run there records it.
        for state in ("base0", "base"):
            copy_vault(first.dir / state, slot.dir / state)
            conn = sqlite3.connect(slot.dir / state / STATE / "index.db")
            with conn:
                conn.execute("UPDATE meta SET value = ? WHERE key = 'root'",
                             (os.path.realpath(slot.vault),))
            conn.close()
    sc.ref = reference(first)
    sc.before = scan(first.dir / "base")
    sc.before_index = read_index(first.dir / "base", scratch=work).without_mtime()
    sc.base0 = scan(first.dir / "base0")
    sc.manifest_len = len(manifest(first.dir / "base"))
    copy_vault(first.vault, first.fresh, index=False)
    fresh = runner.reindex(first.fresh, full=True)
    if fresh.rc not in (0, 1):
        raise RuntimeError(f"the fresh --full run failed: {fresh.text[-2000:]}")
    sc.fresh_ref = read_index(first.fresh, scratch=work).without_mtime()
    sc.fresh_ref_pages = scan(first.fresh).pages
    if not sc.fresh_ref.same(sc.ref.index):
        raise AssertionError("the index of an uninterrupted run differs from a fresh --full index of its files: "
                             + "; ".join(sc.ref.index.differences(sc.fresh_ref)))
    if sc.fresh_ref_pages != sc.ref.files.pages:
        raise AssertionError("the pages of an uninterrupted run differ from those of a full build")
    return sc


def reference(slot: Slot) -> Reference:
    slot.reset("base")
    before = scan(slot.vault)
    victim = Victim(slot.vault, "reindex")
    rc = victim.p.wait(900)
    victim.reader.join(10)
    if rc not in (0, 1):
        raise RuntimeError(f"the reference run failed ({rc}): {victim.text()[-3000:]}")
    files = scan(slot.vault)
    renamed = {}
    digests = {digest(b): rel for rel, b in before.notes.items()}
    for e in manifest(slot.vault):
        if e["path"] in before.notes and digests.get(e["hash"]) == e["path"]:
            renamed[e["path"]] = e["new_path"]
    ref = Reference(files, read_index(slot.vault, scratch=slot.dir).without_mtime(), renamed, victim.lines,
                    victim.lines[-1][0] if victim.lines else time.monotonic() - victim.t0)
    return ref


# ------------------------------------------------------------------------------------------- checks


@dataclass
class Outcome:
    kind: str  # "reindex" or "watch"
    mode: str  # how the kill was timed
    delay: float  # seconds from start to the kill
    phase: str = ""  # where it landed: reading, staging, writing, pages, committed
    rc: int = 0  # the victim's exit status (-9: killed)
    problems: list[str] = field(default_factory=list)
    bytes_lost: int = 0
    temps_left: int = 0  # temp files the kill left (removed by the recovery run)
    done_before_kill: int = 0  # clips already normalised when the kill landed
    half_renamed: int = 0  # clips replaced but not yet renamed (the next run's journal finishes them)
    differs_from_ref: int = 0  # notes the recovery run wrote differently from the uninterrupted run
    seconds: float = 0.0

    def line(self) -> str:
        state = "ok" if not self.problems else f"FAILED ({len(self.problems)})"
        return (f"{self.kind:<7} {self.mode:<7} kill at {self.delay:5.2f} s  phase {self.phase:<9} "
                f"done {self.done_before_kill:>3}  half {self.half_renamed}  temps {self.temps_left:>2}  "
                f"lost {self.bytes_lost} B  "
                f"diff-ref {self.differs_from_ref:>2}  {state}")


def check_after_kill(sc: Scenario, vault: Path, before: Files, out: Outcome, *, strict_ref: bool,
                     before_index: IndexState | None) -> None:
    """The vault as the kill left it (see the module docstring). ``strict_ref``: compare with the bytes of
    the uninterrupted run (a reindex trial; a watch run may batch the clips differently)."""
    ref = sc.ref
    now = scan(vault)
    entries = manifest(vault)
    by_digest: dict[str, list[str]] = {}
    for rel, data in now.notes.items():
        by_digest.setdefault(digest(data), []).append(rel)
    accounted: set[str] = set()
    problems = out.problems

    for rel, data in before.notes.items():
        h = digest(data)
        mine = [e for e in entries if e["path"] == rel and e["hash"] == h]
        if not mine:
            if now.notes.get(rel) == data:
                accounted.add(rel)
                continue
            problems.append(f"{rel}: changed or gone, and no original was kept")
            if h not in by_digest:
                out.bytes_lost += len(data)
            continue
        kept = blob(vault, h)
        if kept != data:
            problems.append(f"{rel}: rewritten but its original is not in .vaulttool/originals")
        e = mine[-1]
        if now.notes.get(rel) == data and not (e["new_path"] != rel and e["new_path"] in now.notes
                                                and digest(now.notes[e["new_path"]]) == e["new_hash"]):
            accounted.add(rel)  # staged, not replaced yet
            continue
        at = [p for p in (rel, e["new_path"]) if p in now.notes and digest(now.notes[p]) == e["new_hash"]]
        if not at:
            problems.append(f"{rel}: neither its original bytes nor the bytes vaulttool recorded "
                            f"({e['new_path']}) are in the vault")
            if kept != data and h not in by_digest:
                out.bytes_lost += len(data)
            continue
        if rel in now.notes and rel not in at and now.notes[rel] != data:
            problems.append(f"{rel}: holds bytes that are neither the original nor the normalised note")
        accounted.update(at)
        out.done_before_kill += 1
        if at == [rel] and e["new_path"] != rel:
            out.half_renamed += 1
        if strict_ref and ref is not None:
            want = ref.renamed.get(rel)
            if want != e["new_path"]:
                problems.append(f"{rel}: renamed to {e['new_path']}, the uninterrupted run renamed it to {want}")
            elif now.notes[at[0]] != ref.files.notes.get(want):
                problems.append(f"{rel}: normalised bytes differ from the uninterrupted run's {want}")
    for rel in sorted(set(now.notes) - accounted):
        problems.append(f"{rel}: a note that is neither an original nor a normalised clip")
    if now.other != before.other:
        changed = sorted(set(now.other) ^ set(before.other)) or sorted(
            r for r in now.other if now.other[r] != before.other.get(r))
        problems.append(f"visible files other than notes appeared or changed: {changed[:3]}")
    for rel in now.hidden:
        if rel in before.hidden:
            continue
        if not (rel.rsplit("/", 1)[-1].startswith(".") and rel.endswith(TMP_SUFFIX)):
            problems.append(f"{rel}: an unexpected hidden file")
    out.temps_left = len(temp_files(vault))
    if strict_ref and ref is not None:
        for rel, data in now.pages.items():
            if data != before.pages.get(rel) and data != ref.files.pages.get(rel):
                problems.append(f"{rel}: a page that is neither the old one nor the new one")
    else:
        for rel, data in now.pages.items():
            if data != before.pages.get(rel) and not (data.startswith(b"---\ngenerated_by: vaulttool\n")
                                                      and data.endswith(b"\n")):
                problems.append(f"{rel}: a page that is not a whole generated page")
    idx = read_index(vault, scratch=vault.parent).without_mtime()
    if idx.exists and idx.integrity != "ok":
        problems.append(f"index damaged by the kill: {idx.integrity}")
    elif strict_ref and ref is not None and before_index is not None:
        if not (idx.same(before_index) or idx.same(ref.index)):
            problems.append("the index holds neither the state before the run nor the state after it: "
                            + "; ".join(idx.differences(before_index)))


def classify(out: Outcome, victim: Victim, vault: Path, sc: Scenario) -> str:
    if out.rc != -signal.SIGKILL:
        return "committed"
    lines = [line for _, line in victim.lines]
    if any(_is_action(line, "page") for line in lines) or any(line.startswith("scanned ") for line in lines):
        return "pages"
    if any(_is_action(line, "normalised") for line in lines) or out.done_before_kill:
        return "writing"
    if out.temps_left or len(manifest(vault)) > sc.manifest_len:
        return "staging"
    return "reading"


def check_recovery(sc: Scenario, slot: Slot, before: Files, result: RunResult, runner, out: Outcome) -> None:
    """The recovery run and the vault it leaves (see the module docstring)."""
    vault = slot.vault
    problems = out.problems
    if result.rc not in (0, 1):
        problems.append(f"recovery run exited with {result.rc}: {result.text[-1500:]}")
    named = [f for f in result.failed if not any(f.startswith(b + ": ") for b in sc.bad)]
    if named:
        problems.append(f"recovery run failed on files that are not known bad: {named[:3]}")
    for b in sc.bad:
        if not any(f.startswith(b + ": ") for f in result.failed):
            problems.append(f"recovery run did not name the bad file {b}")
    if (result.rc == 1) != bool(result.failed):
        problems.append(f"exit code {result.rc} does not match {len(result.failed)} failed files")
    left = temp_files(vault)
    if left:
        problems.append(f"temp files left after the recovery run: {left[:3]}")
    if (vault / STATE / "journal.jsonl").exists():
        problems.append("the rename journal is still there after the recovery run")
    now = scan(vault)
    entries = manifest(vault)
    ref = sc.ref
    accounted = set()
    for rel, data in before.notes.items():
        h = digest(data)
        if rel in sc.bad or rel in sc.own or rel not in ref.renamed:
            if now.notes.get(rel) != data:
                problems.append(f"{rel}: a note vaulttool must not write was changed")
                if h not in {digest(d) for d in now.notes.values()}:
                    out.bytes_lost += len(data)
            accounted.add(rel)
            continue
        mine = [e for e in entries if e["path"] == rel and e["hash"] == h]
        if not mine:
            problems.append(f"{rel}: not normalised by the recovery run")
            if now.notes.get(rel) != data:
                out.bytes_lost += len(data)
            continue
        e = mine[-1]
        if blob(vault, h) != data:
            problems.append(f"{rel}: its original is not kept")
            out.bytes_lost += len(data)
        got = now.notes.get(e["new_path"])
        if got is None or digest(got) != e["new_hash"]:
            problems.append(f"{rel}: the normalised note {e['new_path']} is missing or not what was written")
            continue
        accounted.add(e["new_path"])
        if got != ref.files.notes.get(e["new_path"]):
            out.differs_from_ref += 1
    extra = sorted(set(now.notes) - accounted)
    if extra:
        problems.append(f"notes nobody accounts for after recovery: {extra[:3]}")
    if set(now.notes) != set(ref.files.notes):
        problems.append(f"after recovery the notes are not those of the uninterrupted run: "
                        f"{sorted(set(now.notes) ^ set(ref.files.notes))[:4]}")
    # The index equals a fresh --full index of the same files. When the files are the uninterrupted
    # run's, that index is known (made once in build()): compare with it, and compare each note's
    # recorded mtime with the file's. Otherwise build one on a copy of the vault.
    mine_idx = read_index(vault, scratch=slot.dir)
    if mine_idx.integrity != "ok":
        problems.append(f"index after recovery: {mine_idx.integrity}")
        return
    if now.notes == ref.files.notes and now.other == ref.files.other and sc.fresh_ref is not None:
        fresh_idx, fresh_pages = sc.fresh_ref, sc.fresh_ref_pages
        stale = [p for p, m in mine_idx.mtimes().items() if (vault / p).stat().st_mtime_ns != m]
        if stale:
            problems.append(f"the index records mtimes the files do not have: {stale[:3]}")
        mine_idx = mine_idx.without_mtime()
    else:
        copy_vault(vault, slot.fresh, index=False)
        fresh = runner.reindex(slot.fresh, full=True)
        if fresh.rc not in (0, 1):
            problems.append(f"the fresh --full run failed: {fresh.text[-800:]}")
        fresh_idx, fresh_pages = read_index(slot.fresh, scratch=slot.dir), scan(slot.fresh).pages
    if not mine_idx.same(fresh_idx):
        problems.append("the index after recovery differs from a fresh --full index: "
                        + "; ".join(mine_idx.differences(fresh_idx)))
    if fresh_pages != now.pages:
        diff = sorted(set(fresh_pages) ^ set(now.pages)) or sorted(
            p for p in now.pages if now.pages[p] != fresh_pages.get(p))
        problems.append(f"pages after recovery differ from a full build: {diff[:3]}")


# ------------------------------------------------------------------------------------------- trials


# How kills are timed, cycled over the trials so that every phase is hit: after a random delay
# ("time"), right after the k-th "normalised" or "page" line ("line"/write, "line"/page, "line"/either),
# or as soon as the first temp file appears, i.e. while the batch is being staged ("staging").
SCHEDULE = [("time", None), ("line", "write"), ("staging", None), ("line", "page"), ("time", None),
            ("line", "write"), ("line", "page"), ("staging", None), ("time", None), ("line", None)]
WATCH_SCHEDULE = [("time", None), ("line", "write")]


def reindex_trial(sc: Scenario, slot: Slot, rnd: random.Random, runner, mode: str = "time",
                  target: str | None = None) -> Outcome:
    t_start = time.monotonic()
    ref = sc.ref
    slot.reset("base")
    victim = Victim(slot.vault, "reindex")
    acts = [(t, line) for t, line in ref.lines if _is_action(line, "normalised") or _is_action(line, "page")]
    if mode == "line" and acts:
        writes = [i for i, (_, line) in enumerate(acts) if _is_action(line, "normalised")]
        pages = [i for i, (_, line) in enumerate(acts) if _is_action(line, "page")]
        pool = writes if target == "write" else pages if target == "page" else writes + pages
        k = 1 + rnd.choice(pool or writes + pages)
        victim.wait_line(lambda line: _is_action(line, "normalised") or _is_action(line, "page"), k, timeout=120)
        time.sleep(rnd.uniform(0, 0.004))
    elif mode == "staging":
        # as soon as the first temp file appears beside a new clip (the batch is being staged)
        folders = sorted({(slot.vault / rel).parent for rel in sc.new_clips})
        deadline = time.monotonic() + 120
        while victim.p.poll() is None and time.monotonic() < deadline:
            if any(n.endswith(TMP_SUFFIX) for f in folders for n in os.listdir(f)):
                break
            time.sleep(0.0005)
        time.sleep(rnd.uniform(0, 0.02))
    else:
        mode = "time"
        time.sleep(max(0.0, victim.t0 + rnd.uniform(0.05, ref.seconds) - time.monotonic()))
    delay = time.monotonic() - victim.t0
    out = Outcome("reindex", mode, delay)
    out.rc = victim.kill()
    return _check_and_recover(sc, slot, victim, runner, out, t_start)


def _check_and_recover(sc: Scenario, slot, victim, runner, out: Outcome, t_start: float) -> Outcome:
    """After a reindex was killed: check what it left, run the recovery, check what that leaves."""
    check_after_kill(sc, slot.vault, sc.before, out, strict_ref=True, before_index=sc.before_index)
    out.phase = classify(out, victim, slot.vault, sc)
    result = runner.reindex(slot.vault)
    check_recovery(sc, slot, sc.before, result, runner, out)
    out.seconds = time.monotonic() - t_start
    return out


def watch_trial(sc: Scenario, slot: Slot, rnd: random.Random, runner, mode: str = "time",
                target: str | None = None, window: float = 3.0) -> Outcome:
    """``watch`` running; the new clips dropped in as a burst; SIGKILL at a random moment after."""
    t_start = time.monotonic()
    slot.reset("base0")
    victim = Victim(slot.vault, "watch")
    try:
        if not victim.wait_line(lambda line: "watching " in line, timeout=120):
            raise RuntimeError(f"watch did not start: {victim.text()[-2000:]}")
        for rel in sc.new_clips:  # the burst: a clipper saving one clip after another
            _copy_clip(sc.new_sources[rel], sc.corpus, slot.vault)
        burst_end = time.monotonic()
        n_clips = len(sc.ref.renamed)
        if mode == "line" and n_clips:
            k = rnd.randint(1, n_clips)
            victim.wait_line(lambda line: _is_action(line, "normalised"), k, timeout=120)
            time.sleep(rnd.uniform(0, 0.004))
        else:
            mode = "time"
            time.sleep(rnd.uniform(0.0, window))
        out = Outcome("watch", mode, time.monotonic() - burst_end)
    finally:
        rc = victim.kill()
    out.rc = rc
    before = scan_before_watch(sc)
    check_after_kill(sc, slot.vault, before, out, strict_ref=False, before_index=None)
    out.phase = classify(out, victim, slot.vault, sc)
    result = runner.reindex(slot.vault)
    check_recovery(sc, slot, before, result, runner, out)
    out.seconds = time.monotonic() - t_start
    return out


def scan_before_watch(sc: Scenario) -> Files:
    """The notes a watch trial starts from: base0 plus the burst (the burst is written before the kill)."""
    before = Files(dict(sc.base0.notes), dict(sc.base0.pages), dict(sc.base0.other), dict(sc.base0.hidden))
    for rel in sc.new_clips:
        before.notes[rel] = sc.new_sources[rel].read_bytes()
    return before


# A kill at an exact point of the run: vaulttool's own code, with one function wrapped so that the process
# sends itself SIGKILL when it is called (the n-th time). The kill is as real as any other; only its moment
# is chosen.
PINPOINT = r"""
import importlib, os, signal, sys
vault, point = sys.argv[1], sys.argv[2]
seen = {"n": 0}
importlib.import_module("vaulttool.usecases.reindex")  # and what it imports

def wrap(real, nth):
    def wrapper(*args, **kwargs):
        seen["n"] += 1
        if seen["n"] >= nth:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return wrapper

def die_at_method(module, cls, name, nth=1):
    owner = getattr(importlib.import_module(module), cls)
    setattr(owner, name, wrap(getattr(owner, name), nth))

def die_at_function(module, name, nth=1):
    # wherever the function was imported by name
    real = getattr(importlib.import_module(module), name)
    wrapper = wrap(real, nth)
    for mod in list(sys.modules.values()):
        if getattr(mod, name, None) is real:
            setattr(mod, name, wrapper)

if point == "keeping-originals":        # the 5th clip's original about to be kept
    die_at_method("vaulttool.vault.originals", "Originals", "keep", 5)
elif point == "staging":                # the 5th clip's new bytes about to be written beside it
    die_at_method("vaulttool.vault.files", "Vault", "stage", 5)
elif point == "before-sync":            # every clip of the batch staged, nothing made durable or replaced
    die_at_function("vaulttool.vault.files", "sync")
elif point == "before-rename":          # the first clip replaced, its rename not done (the journal's case)
    die_at_method("vaulttool.vault.files", "Vault", "rename")
elif point == "between-replaces":       # some clips replaced, the others staged
    die_at_method("vaulttool.vault.files", "Vault", "commit", 4)
elif point == "writing-pages":          # the 5th page written, new or rewritten (a run adds few new ones)
    die_at_method("vaulttool.usecases.pagebuild.write", "PageWriter", "written", 5)
elif point == "index-commit":           # all files written, the index transaction about to commit
    die_at_method("vaulttool.index.store", "Store", "commit")
else:
    raise SystemExit(f"unknown point {point}")
sys.argv = ["vaulttool", "--vault", vault, "-v", "reindex"]
from vaulttool.cli import main
main()
"""
POINTS = ["keeping-originals", "staging", "before-sync", "before-rename", "between-replaces", "writing-pages",
          "index-commit"]


def pinpoint_trial(sc: Scenario, slot: Slot, point: str, runner) -> Outcome:
    """A reindex killed at ``point`` (see PINPOINT), checked like any other kill trial."""
    t_start = time.monotonic()
    slot.reset("base")
    victim = Victim(slot.vault, cmd=[sys.executable, "-c", PINPOINT, str(slot.vault), point])
    try:
        victim.p.wait(300)
    except subprocess.TimeoutExpired:
        pass
    out = Outcome("pinned", point, 0.0)
    out.rc = victim.kill()
    out.delay = time.monotonic() - victim.t0
    if out.rc != -signal.SIGKILL:  # the point moved in the code: this trial would test nothing
        out.problems.append(f"the run never reached the point {point!r} (exit {out.rc}): {victim.text()[-500:]}")
    return _check_and_recover(sc, slot, victim, runner, out, t_start)


def run_kill_trials(sc: Scenario, n_reindex: int, n_watch: int, runner, *, seed: int = 1,
                    points: list[str] = (), progress=None) -> list[Outcome]:
    """``n_reindex`` + ``n_watch`` trials over the scenario's slots, one thread per slot (the victims of
    two slots run side by side; an in-process runner serialises the recovery runs itself)."""
    window = sc.ref.seconds + 0.5  # watch kills: spread over about as long as a run takes
    jobs = [("reindex", *SCHEDULE[i % len(SCHEDULE)]) for i in range(n_reindex)]
    jobs += [("watch", *WATCH_SCHEDULE[i % len(WATCH_SCHEDULE)]) for i in range(n_watch)]
    jobs += [("pinned", point, None) for point in points]
    random.Random(seed).shuffle(jobs)
    results: list[Outcome] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(slot: Slot, k: int) -> None:
        rnd = random.Random(seed * 1000 + k)
        while True:
            with lock:
                if not jobs or errors:
                    return
                kind, mode, target = jobs.pop()
            try:
                if kind == "reindex":
                    out = reindex_trial(sc, slot, rnd, runner, mode, target)
                elif kind == "pinned":
                    out = pinpoint_trial(sc, slot, mode, runner)
                else:
                    out = watch_trial(sc, slot, rnd, runner, mode, target, window=window)
            except BaseException as exc:  # an error of the harness itself stops the trials
                with lock:
                    errors.append(exc)
                return
            with lock:
                results.append(out)
                if progress:
                    progress(len(results), out)

    threads = [threading.Thread(target=worker, args=(slot, k)) for k, slot in enumerate(sc.slots)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


# ------------------------------------------------------------------------------------------- races

# The writer: a separate process editing clips the way users and tools do, each write leaving a unique
# marker line, and reporting the last bytes it wrote to each clip (what must survive).
WRITER = r"""
import json, os, random, sys, time
paths, mode, duration, seed, out = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rnd = random.Random(seed)
base = {p: open(p, "rb").read() for p in paths}   # the raw clips as they were dropped in
print("ready", flush=True)
last = dict(base)
markers = {p: [] for p in paths}   # the writes that must all be there (since the last whole-file write)
writes = 0
deadline = time.monotonic() + duration
while time.monotonic() < deadline:
    p = rnd.choice(paths)
    writes += 1
    marker = f"用户的第{writes}次修改 marker-{seed}-{writes}"
    line = f"\n{marker}\n".encode("utf-8")
    if mode == "append":
        # a clipper saving a clip in chunks: the whole clip again (truncating), then parts appended,
        # reopening the file for each part, with short pauses
        with open(p, "wb") as fh:
            fh.write(base[p])
        last[p], markers[p] = base[p], []
        for _ in range(rnd.randint(1, 4)):
            time.sleep(rnd.uniform(0.0, 0.01))
            with open(p, "ab") as fh:
                fh.write(line)
            last[p] += line
            markers[p].append(marker)
            writes += 1
            marker = f"用户的第{writes}次修改 marker-{seed}-{writes}"
            line = f"\n{marker}\n".encode("utf-8")
    elif mode == "rewrite":     # truncate and write the whole note, as most editors save
        data = base[p] + line
        with open(p, "wb") as fh:
            fh.write(data)
        last[p], markers[p] = data, [marker]
    else:                       # "rename": write a temp file and rename it over the note (atomic save)
        data = base[p] + line
        tmp = os.path.join(os.path.dirname(p), f".{os.path.basename(p)}.{writes}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, p)
        last[p], markers[p] = data, [marker]
    time.sleep(rnd.uniform(0.0005, 0.02))
json.dump({"last": {p: last[p].decode("utf-8") for p in paths}, "markers": markers, "writes": writes},
          open(out, "w"))
"""


def race_clip(n: int, body: str) -> tuple[str, bytes]:
    """A Web Clipper clip whose title is its file name, so normalising it keeps the path (the writer
    keeps writing to the same note) and HTML in the body for the normaliser to convert."""
    name = f"race-{n:02d}"
    text = (f'---\ntitle: "{name}"\nsource: "https://example.org/race/{n}"\ncreated: 2025-04-0{1 + n % 9}\n'
            f'tags:\n  - "clippings"\n---\n<p>{body}</p>\n')
    return f"{name}.md", text.encode("utf-8")


def corpus_bodies(corpus: Path, n: int) -> list[str]:
    files = sorted(corpus.rglob("*.md"))
    out = []
    for f in files[:: max(1, len(files) // (n * 3))]:
        text = f.read_text(encoding="utf-8", errors="replace")
        if _CONFLICT.search(text.encode()):
            continue
        m = re.search(r"## 原始摘要\s*\n(.*?)(?:\n## |\Z)", text, re.S)
        if m and len(m.group(1)) > 40:
            out.append(m.group(1).strip()[:600])
        if len(out) == n:
            break
    while len(out) < n:
        out.append(f"第{len(out)}条：推理成本一年下降了十倍。<b>开源</b>模型功不可没。")
    return out


@dataclass
class RaceOutcome:
    mode: str
    writes: int = 0
    passes: int = 0
    normalised: int = 0  # rewrites vaulttool did during and after the writes
    refused: int = 0  # "changed while being processed" refusals
    problems: list[str] = field(default_factory=list)
    bytes_lost: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        state = "ok" if not self.problems else f"FAILED ({len(self.problems)})"
        return (f"race    {self.mode:<7} writes {self.writes:>4}  passes {self.passes:>3}  normalised "
                f"{self.normalised:>3}  refused {self.refused:>3}  lost {self.bytes_lost} B  {state}")


def race_vault(vault: Path, corpus: Path, clips: int, *, fresh: bool = True) -> list[str]:
    """``clips`` raw clips in ``vault`` (paths returned); a new vault unless ``fresh`` is false. quiet = 0:
    nothing but the content check stands between a writer and the normaliser."""
    if fresh:
        if vault.exists():
            shutil.rmtree(vault)
        (vault / ".obsidian").mkdir(parents=True)
        _put(vault, f"{STATE}/config.toml", CONFIG.encode())
    paths = []
    for n, body in enumerate(corpus_bodies(corpus, clips)):
        rel, data = race_clip(n, body)
        _put(vault, rel, data)
        paths.append(str(vault / rel))
    return paths


def start_writer(paths: list[str], mode: str, duration: float, seed: int, report: Path) -> subprocess.Popen:
    """The writer process, once it has read the clips as they are (it rewrites them from that)."""
    p = subprocess.Popen([sys.executable, "-c", WRITER, json.dumps(paths), mode, str(duration), str(seed),
                          str(report)], stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "ready":
        p.kill()
        raise RuntimeError("the writer did not start")
    return p


def check_race(vault: Path, mode: str, report: dict) -> tuple[list[str], int]:
    """(problems, bytes lost) once the writer is done and the normaliser has caught up: append: every
    part appended since the clip was last written whole is in a note; rewrite and rename: each clip's last
    write is; the note holding it is normalised, from exactly that version (or is that version, when it
    was normalised already); every rewritten version's original is kept."""
    problems, lost = [], 0
    notes = scan(vault).notes
    texts = {rel: data.decode("utf-8", "replace") for rel, data in notes.items()}
    entries = manifest(vault)
    for path, markers in report["markers"].items():
        rel = os.path.relpath(path, vault)
        wanted = markers if mode == "append" else markers[-1:]
        last = report["last"][path].encode("utf-8")
        for marker in wanted:
            holders = [r for r, t in texts.items() if marker in t]
            if not holders:
                problems.append(f"{rel}: the write {marker!r} is lost")
                lost += len(marker.encode("utf-8")) + 2
            elif not any("\nauto_tags:" in texts[r] for r in holders):
                problems.append(f"{rel}: the write {marker!r} survives but was never normalised")
        if markers and mode != "append" and last not in notes.values():
            # rewritten whole: the note holds exactly the last version, or what normalising it gave
            done = [e for e in entries if e["hash"] == digest(last)]
            if not done or not any(digest(n) == done[-1]["new_hash"] for n in notes.values()):
                problems.append(f"{rel}: neither the user's last version nor its normalised form is in the vault")
        elif markers and last in notes.values() and b"\nauto_tags:" not in last:
            problems.append(f"{rel}: the user's last version was never normalised")
        if not markers and rel in texts and "\nauto_tags:" not in texts[rel]:
            problems.append(f"{rel}: never normalised")
    for e in entries:
        if blob(vault, e["hash"]) is None:
            problems.append(f"{e['path']}: rewritten without its original kept")
    return problems, lost


def compare_with_fresh(vault: Path, fresh: Path, runner, scratch: Path) -> list[str]:
    """[] when ``vault``'s index equals the one a fresh --full run builds on a copy without an index."""
    copy_vault(vault, fresh, index=False)
    runner.reindex(fresh, full=True)
    a, b = read_index(vault, scratch=scratch), read_index(fresh, scratch=scratch)
    shutil.rmtree(fresh, ignore_errors=True)
    if a.integrity != "ok":
        return [f"index: {a.integrity}"]
    return [] if a.same(b) else ["index differs from a fresh --full index: " + "; ".join(a.differences(b))]


def race_trial(work: Path, corpus: Path, mode: str, seed: int, runner, *, clips: int = 6,
               duration: float = 2.5) -> RaceOutcome:
    """A writer process edits ``clips`` clips for ``duration`` seconds while reindex passes run back to
    back; then passes run until nothing is left to do; then :func:`check_race` and the index against a
    fresh --full index."""
    t0 = time.monotonic()
    out = RaceOutcome(mode)
    vault = work / f"race-{mode}-{seed}"
    paths = race_vault(vault, corpus, clips)
    result_file = work / f"race-{mode}-{seed}.json"
    writer = start_writer(paths, mode, duration, seed, result_file)
    try:
        while writer.poll() is None:
            r = runner.reindex(vault)
            out.passes += 1
            out.refused += sum("changed while being processed" in f for f in r.failed)
        for _ in range(6):
            r = runner.reindex(vault)
            out.passes += 1
            if not r.failed and r.rc == 0 and "normalised 0," in r.text:
                break
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait()
    if writer.returncode != 0:
        raise RuntimeError(f"the writer failed ({writer.returncode})")
    report = json.loads(result_file.read_text(encoding="utf-8"))
    out.writes = report["writes"]
    out.normalised = len(manifest(vault))
    out.problems, out.bytes_lost = check_race(vault, mode, report)
    out.problems += compare_with_fresh(vault, work / f"race-{mode}-{seed}-fresh", runner, work)
    shutil.rmtree(vault, ignore_errors=True)
    result_file.unlink(missing_ok=True)
    out.seconds = time.monotonic() - t0
    return out


# ------------------------------------------------------------------------------------------- report


def summarise(kills: list[Outcome], races: list[RaceOutcome]) -> dict:
    phases: dict[str, int] = {}
    for o in kills:
        phases[f"{o.kind}/{o.phase}"] = phases.get(f"{o.kind}/{o.phase}", 0) + 1
    return {
        "kill_trials": len(kills),
        "killed_while_running": sum(o.rc == -signal.SIGKILL for o in kills),
        "reindex_trials": sum(o.kind == "reindex" for o in kills),
        "watch_trials": sum(o.kind == "watch" for o in kills),
        "pinpoint_trials": sum(o.kind == "pinned" for o in kills),
        "kill_failures": sum(bool(o.problems) for o in kills),
        "bytes_lost": sum(o.bytes_lost for o in kills) + sum(r.bytes_lost for r in races),
        "phases": dict(sorted(phases.items())),
        "temps_left_by_kills": sum(o.temps_left for o in kills),
        "clips_done_before_kill": sum(o.done_before_kill for o in kills),
        "clips_replaced_not_renamed_at_kill": sum(o.half_renamed for o in kills),
        "recovery_differs_from_uninterrupted": sum(o.differs_from_ref for o in kills),
        "race_trials": len(races),
        "race_failures": sum(bool(r.problems) for r in races),
        "race_writes": sum(r.writes for r in races),
        "race_refusals": sum(r.refused for r in races),
        "problems": [p for o in kills for p in o.problems][:50] + [p for r in races for p in r.problems][:50],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=200, help="SIGKILL trials of reindex")
    ap.add_argument("--watch-trials", type=int, default=50, help="SIGKILL trials of watch in a burst")
    ap.add_argument("--pinpoint", type=int, default=12, help="reindex kills at chosen points (cycled over POINTS)")
    ap.add_argument("--races", type=int, default=100, help="writer-against-normaliser trials")
    ap.add_argument("--swap-races", type=int, default=20,
                    help="long-name swap-back races (half pinned, half a writer process; see attack_trials)")
    ap.add_argument("--immutable", type=int, default=4, help="runs over clips made immutable or append-only (chattr)")
    ap.add_argument("--base", type=int, default=240, help="clips normalised and indexed before each trial")
    ap.add_argument("--new", type=int, default=40, help="raw clips each trial's run normalises")
    ap.add_argument("--slots", type=int, default=2, help="trials run side by side")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", help="scratch folder (default: /dev/shm when present)")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--runner", choices=["cli", "api"], default="cli",
                    help="how the recovery and fresh --full runs of kill trials run (cli: whole processes); "
                         "race passes always run in this process (many short passes against the writer)")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each problem")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    runner = CliRunner() if args.runner == "cli" else ApiRunner()
    work = Path(tempfile.mkdtemp(prefix="vaulttool-crash-", dir=scratch_root(args.dir)))
    t0 = time.monotonic()
    kills: list[Outcome] = []
    races: list[RaceOutcome] = []
    attacks = []
    try:
        if args.trials or args.watch_trials or args.pinpoint:
            log(f"building the scenario in {work}: {args.base} clips normalised, {args.new} new, "
                f"{args.slots} slots")
            sc = build(work, corpus, n_base=args.base, n_new=args.new, slots=args.slots, seed=args.seed,
                       runner=runner)
            sc.corpus = corpus
            log(f"reference run: {len(sc.ref.renamed)} clips normalised in {sc.ref.seconds:.2f} s")

            def progress(n, out):
                print(f"{n:>4} {out.line()}  {out.seconds:.1f} s", flush=True)
                if args.verbose:
                    for p in out.problems:
                        print(f"       {p}", flush=True)

            points = [POINTS[i % len(POINTS)] for i in range(args.pinpoint)]
            kills = run_kill_trials(sc, args.trials, args.watch_trials, runner, seed=args.seed, points=points,
                                    progress=progress)
        modes = ["append", "rewrite", "rename"]
        passes = runner if isinstance(runner, ApiRunner) else ApiRunner()
        for i in range(args.races):
            r = race_trial(work, corpus, modes[i % 3], args.seed * 1000 + i, passes)
            races.append(r)
            print(f"{i + 1:>4} {r.line()}  {r.seconds:.1f} s", flush=True)
            if args.verbose:
                for p in r.problems:
                    print(f"       {p}", flush=True)
        if args.swap_races or args.immutable:
            try:
                from benchmarks.attack_trials import run_attack_trials
            except ImportError:  # run as a script: the project root is not on the path
                sys.path.insert(0, str(ROOT))
                from benchmarks.attack_trials import run_attack_trials

            def show(n, o):
                print(f"{n:>4} {o.line()}  {o.seconds:.1f} s", flush=True)
                if args.verbose:
                    for p in o.problems:
                        print(f"       {p}", flush=True)

            attacks = run_attack_trials(work, args.swap_races, args.immutable, args.seed, progress=show)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = summarise(kills, races)
    figures["attack_trials"] = {kind: sum(o.kind == kind for o in attacks) for kind in
                                ("swap pinned", "swap writer", "immutable")}
    figures["attack_skipped"] = sum("skipped" in o.detail for o in attacks)
    figures["attack_failures"] = sum(bool(o.problems) for o in attacks)
    figures["bytes_lost"] += sum(o.bytes_lost for o in attacks)
    figures["problems"] += [p for o in attacks for p in o.problems][:50]
    figures["seconds"] = round(time.monotonic() - t0, 1)
    figures["command"] = " ".join(["python", "benchmarks/crash_trials.py", *(argv if argv is not None else sys.argv[1:])])
    figures["scratch"] = str(scratch_root(args.dir))
    figures["base_clips"], figures["new_clips"], figures["runner"] = args.base, args.new, args.runner
    print(json.dumps({k: v for k, v in figures.items() if k != "problems"}, ensure_ascii=False, indent=2))
    if figures["problems"]:
        print("problems (first ones):", *figures["problems"][:20], sep="\n  ")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if (figures["kill_failures"] or figures["race_failures"] or figures["attack_failures"]
                 or figures["bytes_lost"]) else 0


if __name__ == "__main__":
    sys.exit(main())
