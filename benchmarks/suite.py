"""Every benchmark of the project, in the order they run, with the time budget that keeps a full run
under 15 minutes on 2 cores (``--quick`` under 2).

Groups (``--only``): floors, jieba, corpus, peers, tag_quality, watch_latency, scaling.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import synth
from benchmarks.harness import (BENCH, CORPUS, PYTHON, Result, Runner, Spec, copy_corpus, copy_vault, corpus_clips,
                                drop_index, index_counts, loadavg, log, vaulttool_cmd)
from benchmarks.peers import run_obsidiantools
from benchmarks.vaultbench import Capabilities, VaultBench, fresh_copy

GROUPS = ["floors", "jieba", "corpus", "peers", "scaling", "tag_quality", "watch_latency"]
# arguments for the scripts others own: the watch benchmark's overflow run (20,000 files) alone would
# take longer than the whole budget, so the full run leaves it out (run the script alone for it)
EXTERNAL_ARGS = {"tag_quality": [], "watch_latency": ["--overflow", "0"]}
FULL_SIZES = [1000, 10_000, 50_000, 100_000]
QUICK_SIZES = [1000, 10_000]


@dataclass
class Plan:
    quick: bool = False
    sizes: list[int] = field(default_factory=lambda: list(FULL_SIZES))
    only: set[str] = field(default_factory=lambda: set(GROUPS))
    repeat: int | None = None  # overrides the "several runs" counts
    budget: float = 840.0  # seconds; 0 = no limit
    seed: int = 1
    keep: bool = False
    normalised: bool = False  # scaling vaults already normalised (index-only)
    no_readme: bool = False

    def reps(self, full: int, quick: int) -> int:
        if self.repeat is not None:
            return max(1, self.repeat)
        return quick if self.quick else full


class Budget:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.start = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def allows(self, estimate: float) -> bool:
        return self.seconds <= 0 or self.elapsed + estimate <= self.seconds

    def left(self) -> float:
        return self.seconds - self.elapsed if self.seconds > 0 else math.inf


@dataclass
class Outcome:
    """Everything the report needs."""

    plan: Plan
    caps: Capabilities
    results: list[Result] = field(default_factory=list)
    floors: dict[str, Result] = field(default_factory=dict)
    jieba: Result | None = None
    corpus: VaultBench | None = None
    peers: list[dict] = field(default_factory=list)
    scaling: dict[int, VaultBench] = field(default_factory=dict)
    scaling_skipped: dict[int, str] = field(default_factory=dict)
    synth_seconds: dict[int, float] = field(default_factory=dict)
    external: dict[str, Result] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    load: list[str] = field(default_factory=list)  # load average at the start and the end
    corpus_clips: int = 0
    corpus_label: str = "$CORPUS"


class Suite:
    def __init__(self, plan: Plan, runner: Runner, scratch: Path):
        self.plan = plan
        self.runner = runner
        self.scratch = scratch
        self.budget = Budget(plan.budget)
        self.caps = Capabilities.probe()
        self.out = Outcome(plan, self.caps)
        self.per_note_cold: float | None = None  # seconds per note of the largest cold run so far
        # --quick measures a sample of the corpus (every 8th clip) so that it stays within 2 minutes
        self.corpus_every = 8 if plan.quick else 1
        self.corpus_src = CORPUS
        self.corpus_label = "$CORPUS_SAMPLE" if plan.quick else "$CORPUS"
        self.corpus_clips = len(corpus_clips()[:: self.corpus_every])
        self.out.corpus_clips = self.corpus_clips
        self.out.corpus_label = self.corpus_label
        if plan.budget <= 0:
            runner.timeout = 6 * 3600.0  # no budget: only a hung run is stopped
        grace = 30.0 if plan.quick else 60.0
        runner.limit = lambda: max(60.0, self.budget.left() + grace)
        self.later: list[str] = []  # the groups after the one running
        runner.allow = lambda seconds: self.budget.allows(seconds + self.reserve)

    def run(self) -> Outcome:
        self.out.load.append(loadavg())
        if self.corpus_every > 1 and self.plan.only & {"jieba", "corpus"}:
            self.corpus_src = copy_corpus(self.scratch / "corpus-sample", every=self.corpus_every)
        if self.caps.error:
            self.out.notes.append(f"`vaulttool --help` failed: {self.caps.error}")
        steps = [("floors", self.floors), ("jieba", self.jieba), ("corpus", self.corpus), ("peers", self.peers),
                 ("scaling", self.scaling), ("tag_quality", self.tag_quality), ("watch_latency", self.watch_latency)]
        for i, (name, step) in enumerate(steps):
            if name not in self.plan.only:
                continue
            self.later = [later for later, _ in steps[i + 1:] if later in self.plan.only]
            if self.budget.left() < 20 and name not in ("tag_quality", "watch_latency"):
                self.out.notes.append(f"The {name} benchmarks were skipped: the time budget was spent "
                                      f"(run `python -m benchmarks --only {name} --budget 0`).")
                log(f"== {name}: skipped, budget spent")
                continue
            log(f"== {name} (elapsed {self.budget.elapsed:.0f} s)")
            try:
                step()
            except Exception as exc:  # one broken group must not lose the others' figures
                log(f"{name} broke: {exc!r}")
                self.out.notes.append(f"The {name} benchmarks broke off: {exc!r}")
        self.out.results = self.runner.results
        self.out.seconds = self.budget.elapsed
        self.out.load.append(loadavg())
        return self.out

    # -- floors --------------------------------------------------------------------------------
    def floors(self) -> None:
        n = self.plan.reps(10, 5)
        for key, code in (("python -c pass", "pass"), ("import sqlite3", "import sqlite3"),
                          ("import click", "import click"), ("import sqlite3, click", "import sqlite3, click")):
            self.out.floors[key] = self.runner.measure(f"floor {key}", [PYTHON, "-c", code], repeat=n,
                                                       display=f'python -c "{code}"')
        self.out.floors["vaulttool --version"] = self.runner.measure(
            "floor vaulttool --version", [*vaulttool_cmd(), "--version"], repeat=n, display="vaulttool --version")

    # -- jieba ---------------------------------------------------------------------------------
    def jieba_spec(self) -> Spec:
        return Spec("jieba.cut floor", [PYTHON, str(BENCH / "jieba_floor.py"), str(self.corpus_src)],
                    f"python benchmarks/jieba_floor.py {self.corpus_label}")

    def keep_jieba(self, res: Result) -> None:
        if res.ok_runs:
            try:
                res.extra = json.loads(res.ok_runs[-1].stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                pass
        self.out.jieba = res

    def jieba(self) -> None:
        if "corpus" in self.plan.only:
            return  # measured in turns with the corpus's cold reindex, so their ratio sees one load
        self.keep_jieba(self.runner.interleave([self.jieba_spec()], self.plan.reps(3, 1))[0])

    # -- the corpus copy -----------------------------------------------------------------------
    def corpus(self) -> None:
        """In order of importance: when the budget runs short, the later steps are the ones left out."""
        vault = self.scratch / "corpus"
        vb = VaultBench(self.runner, vault, self.corpus_label, self.caps)
        self.out.corpus = vb
        copy = lambda t: copy_corpus(t, self.corpus_src)  # noqa: E731
        with_jieba = "jieba" in self.plan.only
        if with_jieba:
            log("the jieba floor runs in turns with the cold reindex")
        vb.cold(self.plan.reps(3, 1), fresh_copy(copy, vault), note="fresh copy before each run, no index",
                alongside=[self.jieba_spec()] if with_jieba else [])
        if with_jieba:
            vb.alongside[0].note = "run in turns with the cold reindex"
            self.keep_jieba(vb.alongside[0])
        cold = vb.results["cold reindex"]
        if cold.median and cold.extra.get("summary", {}).get("scanned"):
            self.per_note_cold = cold.median / cold.extra["summary"]["scanned"]
        if not cold.ok_runs:
            vb.skip("warm reindex", ["reindex"], "cold reindex failed: no index to reuse")
            return
        vb.warm(self.plan.reps(5, 3))
        vb.reads(self.plan.reps(7, 3))
        big = cold.median or 60.0
        steps = [
            ("reindex after 1 new clip", ["reindex"], 5.0, lambda: vb.one_new_clip(self.plan.reps(3, 2))),
            ("reindex, pages folder deleted", ["reindex"], 0.3 * big, lambda: vb.pages_from_scratch(self.plan.reps(3, 1))),
            ("reindex --full", ["reindex", "--full"], 0.4 * big, lambda: vb.full(self.plan.reps(3, 1))),
            ("reindex --full, no pages", ["reindex", "--full"], None,
             lambda: vb.full_without_pages(self.plan.reps(3, 1))),
        ]
        if "--jobs" in self.caps.reindex_options:
            # the default already uses one worker per core (2 here): the variant is one process, the
            # setting to compare with the single-process jieba floor
            cold.note += "; default --jobs: one worker per core"
            steps.append(("cold reindex --jobs 1", ["reindex", "--jobs", "1"], big,
                          lambda: vb.cold(self.plan.reps(2, 1), fresh_copy(copy, vault), key="cold reindex --jobs 1",
                                          extra_args=("--jobs", "1"), note="one process; fresh copy before each run")))
        for key, args, estimate, step in steps:
            if estimate is None:  # as long as the --full run measured just before, or a guess
                full = vb.results.get("reindex --full")
                estimate = (full.median if full is not None and full.median else 0.4 * big) * 1.5
            if self.runner.allow(estimate):
                step()
            else:
                vb.skip(key, args, f"about {estimate:.0f} s: over the time budget (later groups keep "
                                   f"{self.reserve:.0f} s)")

    # -- peers ---------------------------------------------------------------------------------
    def peers(self) -> None:
        if self.plan.quick:
            self.out.notes.append("Peers are skipped in --quick.")
            return
        # obsidiantools on a raw copy of the corpus (what the user has before vaulttool touches it)
        estimate = 110  # measured: about 85 s for the corpus, plus installing it on a first run
        if not self.runner.allow(estimate):
            self.out.notes.append(f"obsidiantools on the corpus skipped: about {estimate} s, over the time budget.")
        else:
            raw = copy_corpus(self.scratch / "corpus-raw")
            res = run_obsidiantools(self.runner, raw, "$CORPUS_RAW")
            entry = {"vault": "corpus copy (3,697 raw clips)", "tool": "obsidiantools 0.11", "result": res,
                     "found": res.extra.get("found", {})}
            self.out.peers.append(entry)
            if self.out.corpus is not None:
                cold = self.out.corpus.results.get("cold reindex")
                self.out.peers.append({"vault": "corpus copy (3,697 raw clips)", "tool": "vaulttool reindex (cold)",
                                       "result": cold, "found": _vt_found(self.out.corpus.counts)})
            shutil.rmtree(raw, ignore_errors=True)
        # both on a synthetic vault with wikilinks (already normalised, so vaulttool only indexes)
        n = 1000
        estimate = 15 + (self.per_note_cold or 0.02) * n
        if not self.runner.allow(estimate):
            self.out.notes.append(f"The synthetic peer comparison ({n:,} notes) skipped: about {estimate:.0f} s, "
                                  f"over the time budget.")
            return
        src = self.scratch / "peer-syn-src"
        synth.generate(src, n, seed=self.plan.seed, normalised=True)
        vault = self.scratch / "peer-syn"
        vb = VaultBench(self.runner, vault, f"$SYN{n}_NORMALISED", self.caps, size=n)
        vb.cold(1, fresh_copy(lambda t: copy_vault(src, t), vault), key="cold reindex",
                note="already-normalised notes: index and pages only")
        counts = index_counts(vault)
        res = run_obsidiantools(self.runner, src, f"$SYN{n}_NORMALISED")
        self.out.peers.append({"vault": f"synthetic {n:,} notes (normalised, with wikilinks)",
                               "tool": "obsidiantools 0.11", "result": res, "found": res.extra.get("found", {})})
        self.out.peers.append({"vault": f"synthetic {n:,} notes (normalised, with wikilinks)",
                               "tool": "vaulttool reindex (cold)", "result": vb.results["cold reindex"],
                               "found": _vt_found(counts)})
        shutil.rmtree(vault, ignore_errors=True)
        shutil.rmtree(src, ignore_errors=True)

    # -- scripts others own ----------------------------------------------------------------------
    @property
    def reserve(self) -> float:
        """Seconds kept free for the later groups: the least each needs, for those that can still fit."""
        left, total = self.budget.left(), 0.0
        for group in self.later:
            need = self._minimum(group)
            if total + need <= left:
                total += need
        return total

    def _minimum(self, group: str) -> float:
        """The least time a group needs to give its main figures (kept free while earlier groups run)."""
        per_note = self.per_note_cold or 0.02
        if group == "peers":
            return 0.0 if self.plan.quick else 170.0  # obsidiantools on the corpus, the 1k synthetic pair
        if group == "scaling":
            n = min(self.plan.sizes) if self.plan.sizes else 0
            return per_note * n * 1.6 + 15 if n else 0.0
        if group == "tag_quality":
            return self._external_estimate(group) if self._will_run_external(group) else 0.0
        return 0.0

    def _will_run_external(self, name: str) -> bool:
        return name in self.plan.only and not self.plan.quick and (BENCH / f"{name}.py").exists()

    def _external_estimate(self, name: str) -> float:
        """Seconds the script should take, from what it does and the cost per note measured so far."""
        per_note = self.per_note_cold or 0.02
        if name == "watch_latency":  # catch-up over the corpus copy, 20 drops, a 500-clip burst
            return per_note * (3697 + 500) + 20 * 2.0 + 30
        return 40.0  # tag_quality: the tagger and jieba.analyse over 1,687 unique URLs

    def _external(self, name: str) -> None:
        script = BENCH / f"{name}.py"
        args = EXTERNAL_ARGS.get(name, [])
        shown = " ".join(["python", f"benchmarks/{name}.py", *args])
        if self.plan.quick:
            self.out.notes.append(f"`benchmarks/{name}.py` is skipped in --quick.")
            return
        if not script.exists():
            self.out.notes.append(f"`benchmarks/{name}.py` does not exist yet: skipped.")
            return
        estimate = self._external_estimate(name)
        if not self.budget.allows(estimate):
            self.out.notes.append(f"`{shown}` skipped: it would take about {estimate:.0f} s, "
                                  f"{max(0.0, self.budget.left()):.0f} s of the budget left (run it alone).")
            log(f"{name}: skipped (about {estimate:.0f} s, over the budget)")
            return
        timeout = min(900.0, max(60.0, self.budget.left() + 60))
        self.out.external[name] = self.runner.measure(name, [PYTHON, str(script), *args], repeat=1,
                                                      display=shown, timeout=timeout)

    def tag_quality(self) -> None:
        self._external("tag_quality")

    def watch_latency(self) -> None:
        self._external("watch_latency")

    # -- scaling -------------------------------------------------------------------------------
    def scaling(self) -> None:
        sizes = sorted(self.plan.sizes)
        reserve = self.reserve  # kept for tag_quality; the watch benchmark gets what is left
        for n in sizes:
            cold_reps = self.plan.reps(3, 1) if n <= 1000 else (self.plan.reps(2, 1) if n <= 10_000 else 1)
            if self.plan.repeat is not None and n <= 10_000:
                cold_reps = max(1, self.plan.repeat)
            per_note = self.per_note_cold or 0.005
            estimate = per_note * n * (cold_reps + 0.6) + n * 0.00035 + 15
            if not self.runner.allow(estimate):
                why = (f"would take about {estimate:.0f} s (cold reindex {per_note * 1000:.1f} ms/note), "
                       f"{self.budget.left() - reserve:.0f} s of the {self.plan.budget:.0f} s budget left; "
                       f"run `python -m benchmarks --only scaling --sizes {n} --budget 0`")
                self.out.scaling_skipped[n] = why
                log(f"scaling {n}: skipped ({why})")
                continue
            self.scale_one(n, cold_reps)

    def scale_one(self, n: int, cold_reps: int) -> None:
        norm = self.plan.normalised
        label = f"$SYN{n}" + ("_NORMALISED" if norm else "")
        vault = self.scratch / f"syn{n}"
        start = time.perf_counter()
        if cold_reps > 1:
            src = self.scratch / f"syn{n}-src"
            synth.generate(src, n, seed=self.plan.seed, normalised=norm)
            fresh = fresh_copy(lambda t: copy_vault(src, t), vault)
        else:
            src = None
            synth.generate(vault, n, seed=self.plan.seed, normalised=norm)
            fresh = lambda _i: drop_index(vault)  # noqa: E731 - generated straight into place, used once
        self.out.synth_seconds[n] = time.perf_counter() - start
        log(f"generated {n} notes in {self.out.synth_seconds[n]:.1f} s")
        vb = VaultBench(self.runner, vault, label, self.caps, size=n)
        self.out.scaling[n] = vb
        note = "fresh vault, no index" + ("; run once (long)" if cold_reps == 1 and n >= 50_000 else "")
        cold = vb.cold(cold_reps, fresh, note=note)
        if cold.median:
            self.per_note_cold = cold.median / n
        if cold.ok_runs:
            vb.warm(self.plan.reps(3, 2))
            vb.reads(self.plan.reps(5, 3))
            vb.pages_from_scratch(1 if n >= 50_000 else self.plan.reps(2, 1))
            vb.one_new_clip(self.plan.reps(2, 1))
        else:
            vb.skip("warm reindex", ["reindex"], "cold reindex failed: no index to reuse")
        shutil.rmtree(vault, ignore_errors=True)
        if src is not None:
            shutil.rmtree(src, ignore_errors=True)
        if not self.plan.quick and not norm and n <= 10_000:
            # the same vault already normalised: what indexing alone costs
            nsrc = self.scratch / f"syn{n}-norm"
            synth.generate(nsrc, n, seed=self.plan.seed, normalised=True)
            nvb = VaultBench(self.runner, nsrc, f"$SYN{n}_NORMALISED", self.caps, size=n)
            res = nvb.cold(1, lambda _i: drop_index(nsrc), key="cold reindex, normalised notes",
                           note="already-normalised notes: index and pages only")
            vb.results["cold reindex, normalised notes"] = res
            shutil.rmtree(nsrc, ignore_errors=True)


def _vt_found(counts: dict) -> dict:
    return {
        "notes": counts.get("notes"),
        "tags": counts.get("tags"),
        "cjk_tags": counts.get("cjk_tags"),
        "tag_pairs": counts.get("tag_pairs"),
        "wikilinks": counts.get("wikilinks"),
        "links": counts.get("links"),
        "wikilinks_to_existing": counts.get("links_resolved"),
        "notes_with_backlinks": counts.get("notes_with_backlinks"),
        "topics": counts.get("topics"),
    }
