"""Run every benchmark and write the results into ``benchmarks/README.md``.

    python -m benchmarks [--quick] [--only GROUP[,GROUP]] [--sizes N[,N]] [--repeat N] [--budget S] [--keep]

Groups: floors, jieba, corpus, peers, tag_quality, watch_latency, scaling. A full run keeps within
15 minutes on 2 cores (``--budget``, default 840 s: a step that would not fit is skipped and the report
says so and how to run it alone); ``--quick`` within 2 (1k and 10k notes, fewer runs, no peers).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time

from benchmarks.harness import BENCH, CORPUS, WORK, Runner, log, make_scratch
from benchmarks.report import Report, write_readme
from benchmarks.suite import FULL_SIZES, GROUPS, QUICK_SIZES, Plan, Suite


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _size(value: str) -> int:
    v = value.strip().lower().replace("_", "")
    return int(float(v[:-1]) * 1000) if v.endswith("k") else int(v)


def parse(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer runs, no peers (under 2 min)")
    parser.add_argument("--only", action="append", default=[], metavar="GROUP",
                        help=f"run only these groups ({', '.join(GROUPS)}); repeat or separate with commas")
    parser.add_argument("--sizes", help="synthetic vault sizes for scaling, e.g. 1000,10k,50k")
    parser.add_argument("--repeat", type=int, help="runs per figure (long cold runs at 50k+ stay at one)")
    parser.add_argument("--budget", type=float, help="seconds the run may take (0: no limit); default 840, quick 110")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic vaults")
    parser.add_argument("--normalised", action="store_true",
                        help="scaling vaults already normalised (measures indexing without normalising)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary vaults")
    parser.add_argument("--no-readme", action="store_true", help="print the results instead of writing the README")
    args = parser.parse_args(argv)
    only = {g for item in args.only for g in _list(item)} or set(GROUPS)
    unknown = only - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    sizes = [_size(s) for s in _list(args.sizes)] if args.sizes else list(QUICK_SIZES if args.quick else FULL_SIZES)
    budget = args.budget if args.budget is not None else (110.0 if args.quick else 840.0)
    return Plan(quick=args.quick, sizes=sizes, only=only, repeat=args.repeat, budget=budget, seed=args.seed,
                keep=args.keep, no_readme=args.no_readme, normalised=args.normalised)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    plan = parse(argv)
    if not CORPUS.is_dir():
        print(f"the clip corpus is not at {CORPUS} (set VAULTTOOL_CORPUS)", file=sys.stderr)
        return 2
    scratch = make_scratch()
    log(f"scratch folder {scratch}; groups {', '.join(g for g in GROUPS if g in plan.only)}; "
        f"sizes {plan.sizes}; budget {plan.budget:.0f} s")
    runner = Runner(scratch / "runs")
    (scratch / "runs").mkdir()
    started = time.monotonic()
    try:
        outcome = Suite(plan, runner, scratch).run()
    finally:
        if not plan.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    report = Report(outcome, argv)
    text = report.render()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "last-results.json").write_text(json.dumps([r.to_json() for r in outcome.results], ensure_ascii=False,
                                                       indent=1), encoding="utf-8")
    if plan.no_readme:
        print(text)
    else:
        write_readme(text, BENCH / "README.md", report.key)
        log(f"results written to {BENCH / 'README.md'}")
    log(f"done in {time.monotonic() - started:.0f} s")
    failed = [r for r in outcome.results if r.median is None and not r.skipped]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
