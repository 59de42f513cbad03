"""Whole-process measurements: run a command several times, each from a fresh small wrapper process,
and keep wall times, peak memory and exit codes; medians with min and max.

Nothing here times Python functions in-process: every figure is the wall time of a command as a user
would start it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
WORK = BENCH / ".work"
CORPUS = Path(os.environ.get("VAULTTOOL_CORPUS", ROOT.parent / "shared" / "corpus" / "ai-info-clips"))
CHILD = BENCH / "_child.py"
PYTHON = sys.executable


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def vaulttool_cmd() -> list[str]:
    """How a user starts vaulttool: the console script when installed, else ``python -m vaulttool``."""
    script = Path(PYTHON).parent / "vaulttool"
    if script.exists():
        return [str(script)]
    return [PYTHON, "-m", "vaulttool"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("VAULTTOOL_VAULT", None)
    return env


@dataclass
class Run:
    wall: float
    rc: int
    maxrss_kb: int
    user: float
    sys: float
    timeout: bool
    stdout: str
    stderr: str
    ok: bool = True  # the run counts (exit 0, or an exit the benchmark accepts)


@dataclass
class Result:
    name: str
    display: str  # the command as shown in the report (temp paths replaced by names)
    runs: list[Run] = field(default_factory=list)
    note: str = ""  # anything the report should say next to the figure
    skipped: str = ""  # why it was not measured
    extra: dict = field(default_factory=dict)

    @property
    def ok_runs(self) -> list[Run]:
        return [r for r in self.runs if r.ok]

    @property
    def failed(self) -> bool:
        return bool(self.runs) and len(self.ok_runs) < len(self.runs)

    @property
    def error(self) -> str:
        for r in self.runs:
            if r.timeout:
                return f"timed out after {r.wall:.0f} s"
            if not r.ok:
                lines = [ln for ln in (r.stderr or r.stdout).strip().splitlines() if ln.strip()]
                tail = lines[-1] if lines else ""
                return f"exit {r.rc}: {tail[:300]}"
        return ""

    def walls(self) -> list[float]:
        return [r.wall for r in self.ok_runs]

    @property
    def median(self) -> float | None:
        w = self.walls()
        return statistics.median(w) if w else None

    @property
    def min(self) -> float | None:
        w = self.walls()
        return min(w) if w else None

    @property
    def max(self) -> float | None:
        w = self.walls()
        return max(w) if w else None

    @property
    def cpu(self) -> float | None:
        """Median CPU time (user + system) of the runs: less sensitive to a busy machine than wall time."""
        c = [r.user + r.sys for r in self.ok_runs]
        return statistics.median(c) if c else None

    @property
    def rss_mb(self) -> float | None:
        rs = [r.maxrss_kb for r in self.ok_runs]
        return max(rs) / 1024 if rs else None

    @property
    def last(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    def to_json(self) -> dict:
        return {"name": self.name, "command": self.display, "median": self.median, "min": self.min,
                "max": self.max, "runs": len(self.runs), "ok": len(self.ok_runs), "rss_mb": self.rss_mb, "cpu": self.cpu,
                "walls": self.walls(), "error": self.error, "note": self.note, "skipped": self.skipped,
                "extra": self.extra}


@dataclass
class Spec:
    """One command to measure."""

    name: str
    argv: list[str]
    display: str
    setup: Callable[[int], None] | None = None
    accept: Callable[[Run], bool] | None = None
    note: str = ""
    timeout: float | None = None


class Runner:
    def __init__(self, scratch: Path, timeout: float = 900.0):
        self.scratch = scratch
        self.timeout = timeout
        # the longest one run may take, asked before each run (the suite ties it to its time budget)
        self.limit: Callable[[], float] = lambda: self.timeout
        # whether one more run of about this many seconds fits (asked before every run after the first)
        self.allow: Callable[[float], bool] = lambda seconds: True
        self.count = 0
        self.results: list[Result] = []

    def measure(self, name: str, argv: Sequence[str], *, repeat: int = 5, display: str | None = None,
                setup: Callable[[int], None] | None = None, timeout: float | None = None,
                note: str = "", accept: Callable[[Run], bool] | None = None) -> Result:
        """Run ``argv`` ``repeat`` times (``setup(i)`` before each run, untimed). A run counts when it
        exits 0, or when ``accept(run)`` says so (e.g. ``reindex`` exiting 1 after naming files it could
        not read: the run itself was complete). The first run that does not count ends the series."""
        spec = Spec(name, list(argv), display or " ".join(argv), setup, accept, note, timeout)
        return self.interleave([spec], repeat)[0]

    def interleave(self, specs: list["Spec"], repeat: int) -> list[Result]:
        """Run several commands in turns (a, b, a, b, ...), so that a ratio between them is taken under
        the same load of the machine."""
        results = [Result(s.name, s.display, note=s.note) for s in specs]
        self.results.extend(results)
        for i in range(repeat):
            if i > 0 and not self.allow(sum(r.runs[-1].wall for r in results if r.runs)):
                for res in results:
                    res.note = (res.note + "; " if res.note else "") + f"{i} run{'s' if i > 1 else ''} only (time budget)"
                break
            for spec, res in zip(specs, results):
                if res.runs and not res.runs[-1].ok:
                    continue
                if spec.setup is not None:
                    try:
                        spec.setup(i)
                    except Exception as exc:  # a broken setup is reported like a failed run
                        res.runs.append(Run(0.0, -1, 0, 0, 0, False, "", f"setup failed: {exc!r}", ok=False))
                        continue
                run = self.once(spec.argv, timeout=min(spec.timeout or self.timeout, self.limit()))
                run.ok = not run.timeout and (run.rc == 0 or (spec.accept is not None and spec.accept(run)))
                for earlier in res.runs:  # only the last run's full output is kept (it may be megabytes)
                    earlier.stdout, earlier.stderr = earlier.stdout[-4000:], earlier.stderr[-4000:]
                res.runs.append(run)
        for res in results:
            status = f"{res.median:.3f} s (n={len(res.ok_runs)})" if res.median is not None else f"FAILED {res.error}"
            log(f"{res.name}: {status}")
        return results

    def once(self, argv: Sequence[str], *, timeout: float | None = None) -> Run:
        self.count += 1
        base = self.scratch / f"run{self.count:04d}"
        out, err, result = base.with_suffix(".out"), base.with_suffix(".err"), base.with_suffix(".json")
        wrapper = [PYTHON, str(CHILD), str(result), str(timeout or self.timeout), str(out), str(err), "--", *argv]
        subprocess.run(wrapper, cwd=ROOT, env=child_env(), check=False,
                       timeout=(timeout or self.timeout) + 60)
        try:
            data = json.loads(result.read_text())
        except (OSError, ValueError):
            data = {"wall": 0.0, "rc": -1, "maxrss_kb": 0, "user": 0, "sys": 0, "timeout": False}
        stdout = _read_tail(out)
        stderr = _read_tail(err)
        for p in (out, err, result):
            p.unlink(missing_ok=True)
        return Run(data["wall"], data["rc"], data["maxrss_kb"], data["user"], data["sys"], data["timeout"],
                   stdout, stderr, ok=data["rc"] == 0 and not data["timeout"])


def _read_tail(path: Path, limit: int = 64_000_000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - limit))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------ vaults


def corpus_clips(src: Path = CORPUS) -> list[Path]:
    return sorted(p for p in src.glob("*/*.md"))


def copy_corpus(target: Path, src: Path = CORPUS, every: int = 1) -> Path:
    """A copy of the corpus as a vault: its notes only (SOURCE.md and LICENSE left out), mtimes kept;
    with ``every`` > 1 only every n-th clip (a sample for ``--quick``)."""
    if target.exists():
        shutil.rmtree(target)
    if every <= 1:
        shutil.copytree(src, target, ignore=shutil.ignore_patterns("SOURCE.md", "LICENSE", ".*"))
        return target
    for path in corpus_clips(src)[::every]:
        dest = target / path.relative_to(src)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return target


def copy_vault(src: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(src, target, symlinks=True)
    return target


def drop_index(vault: Path) -> None:
    shutil.rmtree(vault / ".vaulttool", ignore_errors=True)


_SUMMARY = re.compile(r"scanned (\d+), normalised (\d+), indexed (\d+), removed (\d+), failed (\d+)"
                      r"(?:, pages (\d+) written)?.*?([\d.]+) s\s*$", re.M)


def parse_summary(text: str) -> dict:
    """The numbers of reindex's one-line summary (empty when the line is not there)."""
    m = None
    for m in _SUMMARY.finditer(text):
        pass
    if not m:
        return {}
    keys = ("scanned", "normalised", "indexed", "removed", "failed", "pages_written")
    out = {k: int(v) for k, v in zip(keys, m.groups()[:6]) if v is not None}
    out["seconds"] = float(m.group(7))
    return out


def completed_reindex(run: Run) -> bool:
    """``reindex`` exits 1 when some files failed, after finishing the run and printing its summary."""
    return run.rc == 1 and bool(parse_summary(run.stdout + "\n" + run.stderr))


def failed_files(text: str) -> list[str]:
    """The ``failed: PATH: REASON`` lines of a reindex run."""
    return [ln[len("failed: "):] for ln in text.splitlines() if ln.startswith("failed: ")]


def index_counts(vault: Path) -> dict:
    """Counts read straight from the index (not timed): notes, tags, links by status. Best effort: the
    schema belongs to vaulttool, so missing tables give no figure rather than an error."""
    db = vault / ".vaulttool" / "index.db"
    out: dict = {}
    if not db.exists():
        return out
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error:
        return out
    queries = {
        "notes": "SELECT count(*) FROM notes",
        "tag_pairs": "SELECT count(*) FROM note_tags",
        "tags": "SELECT count(DISTINCT key) FROM note_tags",
        "cjk_tags": "SELECT count(DISTINCT key) FROM note_tags WHERE key GLOB '*[一-龥]*'",
        "topics": "SELECT count(DISTINCT topic) FROM note_topics",
        "links": "SELECT count(*) FROM links",
        "wikilinks": "SELECT count(*) FROM links WHERE kind = 'wikilink'",
        "internal_links": "SELECT count(*) FROM links WHERE status != 'external'",
        "links_resolved": "SELECT count(*) FROM links WHERE resolved IS NOT NULL",
        "notes_with_backlinks": "SELECT count(DISTINCT resolved) FROM links WHERE resolved IS NOT NULL",
        "duplicates": "SELECT count(*) FROM notes WHERE props LIKE '%duplicate_of%'",
    }
    for key, sql in queries.items():
        try:
            out[key] = conn.execute(sql).fetchone()[0]
        except sqlite3.Error:
            pass
    try:
        out["link_status"] = dict(conn.execute("SELECT status, count(*) FROM links GROUP BY status").fetchall())
    except sqlite3.Error:
        pass
    try:
        row = conn.execute("SELECT resolved, count(*) c FROM links WHERE resolved IS NOT NULL "
                           "GROUP BY resolved ORDER BY c DESC, resolved LIMIT 1").fetchone()
        if row:
            out["most_linked"], out["most_linked_count"] = row
    except sqlite3.Error:
        pass
    conn.close()
    try:
        out["index_mb"] = sum(p.stat().st_size for p in (vault / ".vaulttool").glob("index.db*")) / 1e6
    except OSError:
        pass
    return out


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def make_scratch() -> Path:
    base = Path(os.environ.get("VAULTTOOL_BENCH_TMP", tempfile.gettempdir()))
    return Path(tempfile.mkdtemp(prefix="vaulttool-bench-", dir=base))


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    if x < 1:
        return f"{x * 1000:.0f} ms"
    if x < 100:
        return f"{x:.2f} s"
    return f"{x:.0f} s"
