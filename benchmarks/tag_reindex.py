"""Cold reindex of the corpus with tags as a vocabulary, against an earlier checkout, in the same run.

    python benchmarks/tag_reindex.py --old PATH [--rounds N] [--corpus PATH] [--kill-after S]

Each round copies the corpus twice into a temporary folder (one copy per version) and runs a whole
``vaulttool reindex -q`` process on each, alternating which goes first; the medians and their ratio
are printed. On the new version's last copy it then runs ``retag --dry-run`` (how many clips a retag
right after a cold reindex would rewrite: goal 0), and a cold run killed after ``--kill-after``
seconds and run again, whose tags are compared with the clean run's, note by note. Finally the time of
``vaulttool query --tag`` by an alias (whole processes, median of 5). Run it under ``nice``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ai-info-clips"


def _copy(corpus: Path, dest: Path) -> Path:
    shutil.copytree(corpus, dest, ignore=shutil.ignore_patterns("LICENSE", "SOURCE.md"))
    return dest


def _run(code_root: Path, vault: Path, *args: str, timeout: float | None = None) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(code_root))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-P", "-m", "vaulttool.cli", "--vault", str(vault), *args], env=env,
                         capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - start, (out.stdout.strip() or out.stderr.strip()).splitlines()[-1:]


def _tags(root: Path) -> dict[str, tuple]:
    from vaulttool.core.frontmatter import split

    out = {}
    for p in root.rglob("*.md"):
        if ".vaulttool" in p.parts or "_index" in p.parts:
            continue
        d = split(p.read_text(encoding="utf-8")).data
        out[p.relative_to(root).as_posix()] = (tuple(d.get("tags") or ()), tuple(d.get("auto_tags") or ()))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="a checkout of the earlier commit")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=2, help="0: only the checks on one cold run of now")
    parser.add_argument("--kill-after", type=float, default=25.0)
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {"before": [], "now": []}
    with tempfile.TemporaryDirectory(prefix="tag-reindex-") as tmp:
        base = Path(tmp)
        last_new = None
        for r in range(args.rounds):
            order = [("before", args.old), ("now", ROOT)]
            if r % 2:
                order.reverse()
            for name, code in order:
                vault = _copy(args.corpus, base / f"{name}-{r}")
                seconds, line = _run(code, vault, "reindex", "-q")
                times[name].append(seconds)
                print(f"round {r + 1}, {name}: {seconds:.1f} s  {line}", flush=True)
                if name == "now":
                    if last_new is not None:
                        shutil.rmtree(last_new)
                    last_new = vault
                else:
                    shutil.rmtree(vault)
        if args.rounds:
            med = {k: statistics.median(v) for k, v in times.items()}
            print(f"\ncold reindex, median of {args.rounds}: before {med['before']:.1f} s, now {med['now']:.1f} s, "
                  f"ratio {med['now'] / med['before']:.2f}")
        else:
            last_new = _copy(args.corpus, base / "now")
            seconds, line = _run(ROOT, last_new, "reindex", "-q")
            print(f"cold reindex, now: {seconds:.1f} s  {line}")
        _s, line = _run(ROOT, last_new, "retag", "--dry-run")
        print(f"retag --dry-run right after the cold reindex: {line[0] if line else '?'}")
        killed = _copy(args.corpus, base / "killed")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.Popen([sys.executable, "-P", "-m", "vaulttool.cli", "--vault", str(killed), "reindex", "-q"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(args.kill_after)
        proc.kill()
        proc.wait()
        _run(ROOT, killed, "reindex", "-q")
        a, b = _tags(last_new), _tags(killed)
        same = sum(1 for k in a if a[k] == b.get(k))
        print(f"killed after {args.kill_after:.0f} s and run again: {same} of {len(a)} notes with the clean run's "
              f"tags ({len(set(a) ^ set(b))} paths differ)")
        q: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(5):  # the same index, read by each version (the earlier one ignores the aliases)
            for name, code in (("before", args.old), ("now", ROOT)):
                s, _line = _run(code, last_new, "query", "--tag", "NVIDIA", "--format", "paths")
                q[name].append(s)
        qb, qn = statistics.median(q["before"]), statistics.median(q["now"])
        print(f"query --tag NVIDIA, whole process, median of 5: before {qb * 1000:.0f} ms, now {qn * 1000:.0f} ms "
              f"(ratio {qn / qb:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
