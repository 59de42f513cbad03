"""How fast ``vaulttool watch`` acts on dropped clips, on a copy of the corpus.

1. Latency: 20 clips dropped one by one; for each, the time from its last write to the moment a generated
   page lists it (falling back to the index when pages are not built). p50 / p95; target p95 <= 1.5 s.
2. Burst: 500 clips written at once: total time until all are normalised, each rewritten exactly once,
   and how many runs (page rebuilds) that took.
3. Overflow: the watcher is paused (SIGSTOP), 20,000 files are created, then it resumes (SIGCONT): the
   inotify queue overflows and every file must still end up in the index.

The watcher runs as a subprocess, exactly as a user starts it. Prints a Markdown table and the command.

    python benchmarks/watch_latency.py [--settle 0.5] [--quiet 0.5] [--drops 20] [--burst 500]
                                       [--overflow 20000] [--polling] [--keep] [--log FILE] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("VAULTTOOL_CORPUS", ROOT.parent / "shared" / "corpus" / "ai-info-clips"))
PYTHON = sys.executable


def log(msg: str) -> None:
    print(f"[watch_latency {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def watch_command(vault: Path, extra: list[str]) -> list[str]:
    sys.path.insert(0, str(ROOT))
    try:
        from vaulttool.cli import cli

        has_watch = "watch" in cli.commands
    except Exception:
        has_watch = False
    if has_watch:
        return [PYTHON, "-m", "vaulttool", "--vault", str(vault), "-v", "watch", *extra]
    return [PYTHON, "-m", "vaulttool.watch.watcher", "--vault", str(vault), "-v", *extra]


class Watcher:
    def __init__(self, vault: Path, extra: list[str]):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.argv = watch_command(vault, extra)
        self.started = time.monotonic()
        self.p = subprocess.Popen(self.argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.p.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def idle(self, quiet: float, longest: float) -> None:
        """Wait until the watcher is between runs (its last line closes a run or says there was nothing to
        run) and has logged nothing for ``quiet`` seconds."""
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            t, last = self.lines[-1] if self.lines else (self.started, "")
            between = re.search(r"run: scanned|catch-up: |match the index|watching ", last)
            if between and time.monotonic() - t >= quiet:
                return
            time.sleep(0.05)

    def run_seconds(self, since: float) -> list[float]:
        return [float(m.group(1)) for line in self.grep(r"run: scanned", since)
                if (m := re.search(r", ([0-9.]+) s$", line))]

    def has(self, needle: str, since: float = 0.0) -> bool:
        return any(needle in line for t, line in list(self.lines) if t >= since)

    def grep(self, pattern: str, since: float = 0.0) -> list[str]:
        rx = re.compile(pattern)
        return [line for t, line in list(self.lines) if t >= since and rx.search(line)]

    def peak_rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.p.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


def wait_for(pred, timeout: float, step: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return None


class Index:
    def __init__(self, vault: Path):
        self.db = vault / ".vaulttool" / "index.db"
        self.conn = None

    def query(self, sql: str, args=()) -> list:
        try:
            if self.conn is None:
                self.conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError:
            self.conn = None
            return []

    def clips_with(self, marker: str) -> int:
        rows = self.query("SELECT count(*) FROM notes WHERE kind = 'clip' AND (source LIKE ? OR title LIKE ?)",
                          (f"%/{marker}%", f"{marker}%"))
        return rows[0][0] if rows else 0

    def notes_under(self, prefix: str) -> int:
        rows = self.query("SELECT count(*) FROM notes WHERE path LIKE ?", (prefix + "%",))
        return rows[0][0] if rows else 0


class Pages:
    """Finds the first generated page that mentions a marker, reading only pages changed since a time."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.seen: dict[Path, int] = {}

    def exists(self) -> bool:
        return self.folder.is_dir() and any(self.folder.rglob("*.md"))

    def snapshot(self) -> None:
        self.seen = {p: p.stat().st_mtime_ns for p in self.folder.rglob("*.md")}

    def mentions(self, marker: str) -> bool:
        for p in self.folder.rglob("*.md"):
            try:
                m = p.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if self.seen.get(p) == m:
                continue
            try:
                if marker in p.read_text(encoding="utf-8"):
                    return True
            except (OSError, UnicodeDecodeError):
                continue
            self.seen[p] = m
        return False


def corpus_clips(n: int) -> list[str]:
    """``n`` clips spread over the corpus (not the few holding merge-conflict markers: refused by design)."""
    files = sorted(CORPUS.rglob("*.md"))
    step = max(1, len(files) // max(1, n + 10))
    texts = (f.read_text(encoding="utf-8") for f in files[::step])
    return [t for t in texts if not re.search(r"^(<<<<<<<|>>>>>>>|=======)", t, re.M)][:n]


def make_clip(text: str, marker: str) -> bytes:
    """A corpus clip made new: its title starts with ``marker`` and its URL ends with it."""
    text = re.sub(r"\A# [^\n]*", lambda m: f"# {marker} {m.group(0)[2:60]}", text, count=1)
    text = re.sub(r"^\*\*URL\*\*:.*$", f"**URL**: https://example.org/bench/{marker}", text, count=1, flags=re.M)
    return text.encode("utf-8")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settle", type=float, default=0.5, help="[watch] settle written to the vault (s)")
    ap.add_argument("--quiet", type=float, default=0.5, help="[watch] quiet written to the vault (s)")
    ap.add_argument("--drops", type=int, default=20)
    ap.add_argument("--burst", type=int, default=500)
    ap.add_argument("--overflow", type=int, default=20_000)
    ap.add_argument("--polling", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp vault")
    ap.add_argument("--log", type=Path, help="write the watcher's log (without page lines) to this file")
    ap.add_argument("--quick", action="store_true", help="500 corpus clips, 10 drops, burst 100, overflow 8000")
    args = ap.parse_args(argv)
    if args.quick:
        args.drops, args.burst, args.overflow = min(args.drops, 10), min(args.burst, 100), min(args.overflow, 8000)
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}; set VAULTTOOL_CORPUS", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="vt-watch-bench-"))
    vault = work / "vault"
    t = time.monotonic()
    if args.quick:
        for f in sorted(CORPUS.rglob("*.md"))[:500]:
            dest = vault / f.relative_to(CORPUS)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
    else:
        shutil.copytree(CORPUS, vault, ignore=shutil.ignore_patterns("LICENSE", "SOURCE.md"))
    for p in vault.rglob("*.md"):
        p.chmod(0o644)
    n_corpus = sum(1 for _ in vault.rglob("*.md"))
    (vault / ".obsidian").mkdir()
    (vault / ".vaulttool").mkdir()
    (vault / ".vaulttool" / "config.toml").write_text(
        f"[watch]\nsettle = {args.settle}\nquiet = {args.quiet}\n", encoding="utf-8")
    log(f"copied {n_corpus} clips in {time.monotonic() - t:.1f} s to {vault}")
    rows: list[tuple[str, str, str]] = []
    extra = ["--polling"] if args.polling else []
    w = Watcher(vault, extra)
    code = 0
    try:
        if not wait_for(lambda: w.has("watching ") or w.p.poll() is not None, timeout=1800, step=0.05) \
                or w.p.poll() is not None:
            log("the watcher did not start:\n" + "\n".join(line for _, line in w.lines[-30:]))
            return 1
        catch_up = next(t for t, line in w.lines if "watching " in line) - w.started
        summary = (w.grep(r"catch-up: ") or ["?"])[-1]
        rows.append((f"catch-up on start ({n_corpus} corpus clips)", f"{catch_up:.1f} s",
                     summary.split("catch-up: ", 1)[-1]))
        log(f"catch-up {catch_up:.1f} s: {summary}")
        index = Index(vault)
        pages = Pages(vault / "_index")
        use_pages = pages.exists()
        time.sleep(2 * args.settle)  # let the events of the catch-up's own writes come and go
        w.idle(quiet=2 * args.settle, longest=600)

        # 1. latency ---------------------------------------------------------------------------
        texts = corpus_clips(args.drops + args.burst)
        latencies: list[float] = []
        missed = 0
        since = time.monotonic()
        for i in range(args.drops):
            w.idle(quiet=2 * args.settle, longest=60)  # one at a time: not queued behind the last one's runs
            marker = f"benchlat{i:03d}"
            data = make_clip(texts[i], marker)
            if use_pages:
                pages.snapshot()
            (vault / f"drop-{i:03d}.md").write_bytes(data)
            t0 = time.monotonic()
            found = wait_for((lambda: pages.mentions(marker)) if use_pages else (lambda: index.clips_with(marker)),
                             timeout=30)
            if found:
                latencies.append(time.monotonic() - t0)
            else:
                missed += 1
        runs = w.run_seconds(since)
        if latencies:
            p50, p95 = statistics.median(latencies), pct(latencies, 0.95)
            target = "≤ 1.5 s " + ("met" if p95 <= 1.5 else "NOT met")
            where = "a generated page lists it" if use_pages else "the index has it normalised (no pages yet)"
            rows.append((f"drop → {where}, p50 ({len(latencies)} drops)", f"{p50:.2f} s",
                         f"min {min(latencies):.2f}, max {max(latencies):.2f}"))
            rows.append((f"drop → {where}, p95", f"{p95:.2f} s", target))
            if runs:
                rows.append(("of which one reindex run (median)", f"{statistics.median(runs):.2f} s",
                             f"{len(runs)} runs for {args.drops} drops (each drop: its run, then a re-check of "
                             "what was written)"))
            log(f"latency p50 {p50:.2f} s, p95 {p95:.2f} s")
        if missed:
            rows.append(("drops never seen within 30 s", str(missed), "should be 0"))
            code = 1

        # 2. burst -----------------------------------------------------------------------------
        if args.burst:
            w.idle(quiet=2 * args.settle, longest=60)
            before = {json.dumps(e) for e in _originals(vault)}
            since = time.monotonic()
            t0 = time.monotonic()
            for i in range(args.burst):
                (vault / f"burst-{i:04d}.md").write_bytes(make_clip(texts[args.drops + i], f"benchburst{i:04d}"))
            written = time.monotonic() - t0
            done = wait_for(lambda: index.clips_with("benchburst") >= args.burst, timeout=1800, step=0.05)
            total = time.monotonic() - t0
            time.sleep(3 * args.settle)
            new = [e for e in _originals(vault) if json.dumps(e) not in before and e["path"].startswith("burst-")]
            paths = [e["path"] for e in new]
            runs = [line for line in w.grep(r"run: scanned", since)
                    if re.search(r"normalised [1-9]|indexed [1-9]|removed [1-9]", line)]
            rows.append((f"burst of {args.burst} clips: all normalised", f"{total:.1f} s" if done else "not all",
                         f"written in {written:.2f} s; {args.burst / total:.0f} clips/s"))
            rows.append(("burst: rewrites per clip", f"{len(paths)} rewrites, {len(set(paths))} clips",
                         "each once" if len(paths) == len(set(paths)) == args.burst else "NOT each once"))
            rows.append(("burst: runs (page rebuilds)", str(len(runs)), "1 expected"))
            if not done or len(paths) != args.burst:
                code = 1
            log(f"burst {total:.1f} s, {len(paths)} rewrites, {len(runs)} run(s)")

        # 3. overflow --------------------------------------------------------------------------
        if args.overflow and not args.polling:
            folder = vault / "flood"
            folder.mkdir()
            time.sleep(1.0)  # the watcher must be watching the folder before the flood (new folders are
            w.idle(quiet=2 * args.settle, longest=60)  # scanned when their watch is added: nothing lost)
            since = time.monotonic()
            os.kill(w.p.pid, signal.SIGSTOP)
            try:
                t0 = time.monotonic()
                for i in range(args.overflow):
                    (folder / f"n{i:05d}.md").write_text(f"Flood note {i}.\n", encoding="utf-8")
                created = time.monotonic() - t0
            finally:
                os.kill(w.p.pid, signal.SIGCONT)
            t0 = time.monotonic()
            done = wait_for(lambda: index.notes_under("flood/") >= args.overflow, timeout=1800, step=0.1)
            total = time.monotonic() - t0
            overflowed = w.has("overflowed", since)
            rows.append((f"overflow: {args.overflow} files created while paused ({created:.1f} s)",
                         f"{total:.1f} s" if done else f"{index.notes_under('flood/')} indexed",
                         ("queue overflow seen, " if overflowed else "no overflow reported, ")
                         + ("all indexed" if done else "NOT all indexed")))
            if not done:
                code = 1
            log(f"overflow: all indexed in {total:.1f} s (overflow seen: {overflowed})")
        rss = w.peak_rss_mb()
        if rss:
            rows.append(("watcher peak RSS", f"{rss:.0f} MB", ""))

        # stop ---------------------------------------------------------------------------------
        t0 = time.monotonic()
        w.p.send_signal(signal.SIGTERM)
        rc = w.p.wait(120)
        rows.append(("SIGTERM → exit", f"{time.monotonic() - t0:.2f} s", f"exit code {rc}"))
        leftovers = list(vault.rglob("*.vaulttool-tmp"))
        if rc != 0 or leftovers or (vault / ".vaulttool" / "lock").exists():
            code = 1
    finally:
        if w.p.poll() is None:
            w.p.kill()
            w.p.wait()
        if args.log:
            args.log.write_text("\n".join(line for _, line in w.lines if " page " not in line) + "\n",
                                encoding="utf-8")
        if args.keep:
            log(f"vault kept in {vault}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    shown = " ".join(["python benchmarks/watch_latency.py", *(argv if argv is not None else sys.argv[1:])]).strip()
    print(f"### `vaulttool watch` (settle {args.settle:g} s, quiet {args.quiet:g} s"
          f"{', polling' if args.polling else ', inotify'})\n")
    print("| measure | value | note |")
    print("|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    print(f"\nWatcher: `{' '.join(w.argv).replace(str(vault), '$VAULT').replace(PYTHON, 'python')}`  ")
    print(f"Command: `{shown}`")
    return code


def _originals(vault: Path) -> list[dict]:
    m = vault / ".vaulttool" / "originals" / "manifest.jsonl"
    if not m.exists():
        return []
    out = []
    for line in m.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


if __name__ == "__main__":
    sys.exit(main())
