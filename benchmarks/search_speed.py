"""Speed and size of search at scale, next to a baseline vaulttool in the same run.

    python benchmarks/search_speed.py [--notes 50000] [--baseline-src DIR] [--repeat 7] [--keep | --reuse DIR]

A synthetic vault of ``--notes`` already-normalised notes (``benchmarks/synth.py --normalised``) is
indexed cold by a whole ``vaulttool reindex`` process, and then ``vaulttool search`` runs as whole
processes: a two-character word held by most notes (``模型``), a longer one (``强化学习``), a rare
two-character word (held by a few notes, picked from the vault) and a Latin word, each ``--repeat``
times (median, min, max). ``--baseline-src DIR``: a folder holding another version's ``vaulttool``
package (e.g. ``git archive <commit> vaulttool | tar -x -C DIR``), run on its own copy of the same vault
in turns with this one (reindex, then the searches), for the ratios. Wall time and CPU time
(user + system, from ``wait4``) of each process; the size of ``index.db`` after the cold reindex.
"""

from __future__ import annotations

import argparse
import json
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


def run(argv: list[str], src: Path, cwd: Path) -> tuple[float, float, int, str]:
    """(wall s, cpu s, exit code, stdout) of one whole process running vaulttool from ``src``."""
    env = dict(os.environ, PYTHONPATH=str(src))
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "vaulttool", *argv], cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read() if p.stdout else ""
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status), out


def rare_word(vault: Path) -> str:
    """A two-character Han word held by 2 to 20 notes of the vault: bigrams seen once in a sample of
    the notes, then counted over all of them."""
    import re
    from collections import Counter

    files = sorted(vault.rglob("*.md"))
    counts: Counter[str] = Counter()
    for f in files[::25]:
        text = f.read_text(encoding="utf-8", errors="replace")
        counts.update({text[m.start() : m.start() + 2] for m in re.finditer(r"(?=[\u4e00-\u9fff]{2})", text)})
    once = sorted(w for w, n in counts.items() if n == 1)[:: max(1, len(counts) // 400)][:60]
    held: Counter[str] = Counter()
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        held.update(w for w in once if w in text)
    for word in once:
        if 2 <= held[word] <= 20:
            return word
    return min(once, key=lambda w: held[w]) if once else "宇树"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline-src", type=Path)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", type=Path, help="a folder kept by an earlier run (--keep): its indexed vaults "
                    "are searched again, nothing is generated or reindexed")
    args = ap.parse_args()
    from benchmarks.synth import generate

    scratch = args.reuse or Path(tempfile.mkdtemp(prefix="search-speed-", dir=os.environ.get("VAULTTOOL_BENCH_TMP")))
    cwd = scratch  # not the project folder: `python -m vaulttool` would import the package from there
    try:
        base = scratch / "vault"
        if not args.reuse:
            t = time.perf_counter()
            generate(base, args.notes, args.seed, normalised=True)
            print(f"generated {args.notes} notes in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        versions = {"this": ROOT}
        if args.baseline_src:
            versions["baseline"] = args.baseline_src.resolve()
        vaults = {}
        for name in versions:
            v = scratch / f"vault-{name}"
            if not args.reuse:
                shutil.copytree(base, v)
                (v / ".vaulttool").mkdir(exist_ok=True)
            vaults[name] = v
        results: dict[str, dict] = {name: {} for name in versions}
        for name, src in versions.items():
            if args.reuse:
                size = (vaults[name] / ".vaulttool" / "index.db").stat().st_size
                results[name]["cold reindex"] = {"wall_s": 0, "cpu_s": 0, "exit": 0, "index_mb": round(size / 1e6, 1)}
                continue
            wall, cpu, code, _ = run(["--vault", str(vaults[name]), "reindex"], src, cwd)
            size = (vaults[name] / ".vaulttool" / "index.db").stat().st_size
            results[name]["cold reindex"] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "exit": code,
                                             "index_mb": round(size / 1e6, 1)}
            print(f"{name}: cold reindex {wall:.1f} s (cpu {cpu:.1f} s), index {size / 1e6:.1f} MB", file=sys.stderr)
        rare = rare_word(base)
        words = {"common 2-char (模型)": "模型", "longer (强化学习)": "强化学习", f"rare 2-char ({rare})": rare,
                 "Latin (model)": "model"}
        for label, word in words.items():
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
            found = {}
            for _ in range(args.repeat):
                for name, src in versions.items():  # in turns, so both see the same load
                    wall, cpu, code, out = run(["--vault", str(vaults[name]), "search", word, "--format", "json"],
                                               src, cwd)
                    samples[name].append((wall, cpu))
                    try:
                        found[name] = len(json.loads(out))
                    except ValueError:
                        found[name] = f"exit {code}"
            for name, s in samples.items():
                walls = [w for w, _ in s]
                results[name][label] = {"median_ms": round(statistics.median(walls) * 1000, 1),
                                        "min_ms": round(min(walls) * 1000, 1), "max_ms": round(max(walls) * 1000, 1),
                                        "cpu_ms": round(statistics.median(c for _, c in s) * 1000, 1),
                                        "hits": found.get(name)}
        lines = [f"search at {args.notes} notes (synthetic, normalised, seed {args.seed}); load "
                 f"{os.getloadavg()[0]:.2f}", "", "| figure | " + " | ".join(versions) + " |",
                 "|---|" + "---|" * len(versions)]
        c = results["this"]["cold reindex"]
        lines.append("| cold reindex | " + " | ".join(
            f"{results[n]['cold reindex']['wall_s']} s (cpu {results[n]['cold reindex']['cpu_s']} s)" for n in versions) + " |")
        lines.append("| index.db | " + " | ".join(f"{results[n]['cold reindex']['index_mb']} MB" for n in versions) + " |")
        for label in words:
            lines.append(f"| search {label} | " + " | ".join(
                f"{results[n][label]['median_ms']} ms ({results[n][label]['min_ms']}–{results[n][label]['max_ms']}, "
                f"cpu {results[n][label]['cpu_ms']} ms, {results[n][label]['hits']} hits)" for n in versions) + " |")
        if "baseline" in results and not args.reuse:
            b = results["baseline"]["cold reindex"]
            lines.append(f"\nratios this/baseline: cold reindex wall {c['wall_s'] / b['wall_s']:.2f}, cpu "
                         f"{c['cpu_s'] / b['cpu_s']:.2f}; index size {c['index_mb'] / b['index_mb']:.2f}")
        print("\n".join(lines))
        work = ROOT / "benchmarks" / ".work"
        work.mkdir(exist_ok=True)
        (work / "search_speed.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        return 0
    finally:
        if args.keep or args.reuse:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
