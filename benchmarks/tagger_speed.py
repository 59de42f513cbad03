"""The tagger against its floor: ``Tagger.analyse`` vs ``jieba.cut`` over exactly the same text, whole processes.

    python benchmarks/tagger_speed.py [--corpus PATH] [--runs N] [--limit N]

Each clip of the corpus (every one, duplicates too, as ``reindex`` reads them) gives the three fields
the tagger analyses: its title, its AI summary and its raw summary with HTML tags stripped (``<br>`` as
a line break, entities decoded), as ``benchmarks/jieba_floor.py`` reads them. Three kinds of process
run over them, each started afresh, interleaved, ``--runs`` times:

* ``jieba.cut``: import jieba, load its dictionary, ``list(jieba.cut(text))`` (HMM on, as the tagger)
  of each clip's fields joined by line breaks: the floor of issue #4;
* ``analyse``: import the tagger, load jieba, ``Tagger.analyse(title, description, body)`` of each clip;
* ``analyse+choose``: the same, then the document frequencies and ``Tagger.choose`` for every clip (what
  a cold reindex does with the tags).

Reported: the median (min–max) of the whole process's wall time and CPU time (user + system, from
``wait4``), and the CPU time of the start-up (imports, dictionary) and of the work alone (measured inside
the child); each kind's ratio to ``jieba.cut``: the ratio of the medians, and the median of the ratios
of the whole-process CPU times of runs started back to back. The machine is shared and noisy: CPU times
wander less than wall times, and only ratios from the same run compare, never absolute times across
runs. A child prints what it found (tokens, terms, tags), so that speed is never bought by doing less.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ai-info-clips"
KINDS = ("jieba.cut", "analyse", "analyse+choose")

_SECTION = re.compile(r"^## (.+?)[ \t]*$", re.MULTILINE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clip_fields(text: str) -> tuple[str, str, str]:
    """Title, AI summary, raw summary (HTML tags stripped) of a clip: the text of jieba_floor.py."""
    first = text.split("\n", 1)[0]
    title = first[2:].strip() if first.startswith("# ") else ""
    sections: dict[str, str] = {}
    marks = list(_SECTION.finditer(text))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        sections[mark.group(1)] = text[mark.end() : end].strip()
    raw = html.unescape(_TAG.sub("", _BR.sub("\n", sections.get("原始摘要", ""))))
    return title, sections.get("AI 摘要", ""), raw


def read_corpus(corpus: Path, limit: int | None) -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(corpus.rglob("*.md")):
        rel = path.relative_to(corpus).parts
        if path.name in ("SOURCE.md", "README.md") or any(p.startswith(".") for p in rel):
            continue
        out.append(clip_fields(path.read_text(encoding="utf-8", errors="replace")))
        if limit and len(out) >= limit:
            break
    return out


# ----------------------------------------------------------------------------- one process


def child(kind: str, corpus: Path, limit: int | None) -> int:
    clock = time.process_time
    t0 = clock()
    notes = read_corpus(corpus, limit)
    t1 = clock()
    found: dict[str, int] = {"clips": len(notes), "chars": sum(len(a) + len(b) + len(c) + 2 for a, b, c in notes)}
    if kind == "jieba.cut":
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        t2 = clock()
        cut = jieba.cut
        found["tokens"] = sum(len(list(cut("\n".join(note)))) for note in notes)
    else:
        sys.path.insert(0, str(ROOT))
        from vaulttool.core.tags.tagger import Tagger

        tagger = Tagger()
        tagger._j()  # imports jieba, loads its dictionary and the POS table
        t2 = clock()
        analyses = [tagger.analyse(*note) for note in notes]
        found["terms"] = sum(len(a["terms"]) for a in analyses)
        found["search_words"] = sum(a["search"].count(" ") + 1 for a in analyses if a["search"])
        if kind == "analyse+choose":
            from collections import Counter

            df: Counter[str] = Counter()
            for a in analyses:
                df.update(tagger.candidate_terms(a))
            found["tags"] = sum(len(tagger.choose(a, df, len(analyses))) for a in analyses)
    t3 = clock()
    print(json.dumps({"read_cpu_s": t1 - t0, "startup_cpu_s": t2 - t1, "work_cpu_s": t3 - t2, **found}))
    return 0


# ----------------------------------------------------------------------------- the parent


def run_child(kind: str, corpus: Path, limit: int | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--corpus", str(corpus)]
    if limit:
        cmd += ["--limit", str(limit)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"{kind} failed ({status}): {' '.join(cmd)}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime)
    return result


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="only the first N clips")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of " + ", ".join(KINDS))
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    if args.child:
        return child(args.child, args.corpus, args.limit)
    kinds = [k for k in args.kinds.split(",") if k]
    if kinds[0] != "jieba.cut" or any(k not in KINDS for k in kinds):
        parser.error(f"--kinds must start with jieba.cut and name only {', '.join(KINDS)}")

    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    for i in range(args.runs):
        # Rotate the order, so that no kind always runs first (or always right after another).
        for kind in kinds[i % len(kinds) :] + kinds[: i % len(kinds)]:
            runs[kind].append(run_child(kind, args.corpus, args.limit))
            print(f"run {i + 1}/{args.runs} {kind}: {runs[kind][-1]['wall_s']:.2f} s", file=sys.stderr)

    shown = " ".join(["python benchmarks/tagger_speed.py"] + (argv if argv is not None else sys.argv[1:]))
    floor = runs["jieba.cut"]
    first = floor[0]
    print(f"`{shown}`: {first['clips']} clips, {first['chars']:,} characters, {args.runs} runs of each, medians (min–max)\n")
    print("| process | wall s | CPU s | start-up CPU s | work CPU s | wall ratio | CPU ratio | work CPU ratio "
          "| paired CPU ratio | found |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        rs = runs[kind]
        cols = [_fmt([r[m] for r in rs]) for m in ("wall_s", "cpu_s", "startup_cpu_s", "work_cpu_s")]
        ratios = [
            statistics.median(r[m] for r in rs) / statistics.median(r[m] for r in floor)
            for m in ("wall_s", "cpu_s", "work_cpu_s")
        ]
        paired = statistics.median(r["cpu_s"] / f["cpu_s"] for r, f in zip(rs, floor))
        found = ", ".join(f"{k} {rs[0][k]:,}" for k in ("tokens", "terms", "search_words", "tags") if k in rs[0])
        print(f"| {kind} | {' | '.join(cols)} | {ratios[0]:.2f} | {ratios[1]:.2f} | {ratios[2]:.2f} | {paired:.2f} "
              f"| {found} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
