"""Turn an :class:`Outcome` into the results section of ``benchmarks/README.md`` (between markers)."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import time
from pathlib import Path

from benchmarks.harness import ROOT, Result, fmt_s
from benchmarks.suite import Outcome

START = "<!-- results:start -->"
END = "<!-- results:end -->"


def markers(key: str) -> tuple[str, str]:
    """The markers of one results block: the full run's block has none of its own; any other run (quick,
    ``--only``, other sizes) gets a block of its own keyed by its options, replaced when run again."""
    if not key:
        return START, END
    return f"<!-- results:start {key} -->", f"<!-- results:end {key} -->"


TARGETS = {  # (result key, size or None for the corpus) -> (limit in seconds, text)
    ("warm reindex", None): (0.3, "≤ 0.3 s"),
    ("warm reindex", 50_000): (3.0, "≤ 3 s at 50k"),
    ("query --tag (common)", 50_000): (0.1, "≤ 100 ms at 50k"),
    ("query --tag (rare)", 50_000): (0.1, "≤ 100 ms at 50k"),
    ("search 强化学习", 50_000): (0.15, "≤ 150 ms at 50k"),
    ("search 模型", 50_000): (0.15, "≤ 150 ms at 50k"),
}
RSS_LIMIT_MB = 200  # at 50k notes, every command
JIEBA_RATIO = 1.3

CORPUS_ROWS = ["cold reindex", "cold reindex --jobs 1", "warm reindex", "reindex --full", "reindex --full, no pages",
               "reindex, pages folder deleted", "reindex after 1 new clip", "tags", "query --tag (common)", "query --tag (rare)", "backlinks", "show",
               "search 强化学习", "search 模型", "related"]
SCALE_COLS = ["cold reindex", "warm reindex", "query --tag (common)", "query --tag (rare)", "tags", "backlinks",
              "show", "search 强化学习", "search 模型", "related", "reindex, pages folder deleted", "reindex after 1 new clip",
              "cold reindex, normalised notes"]


def machine() -> str:
    cores = os.cpu_count() or 0
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    return f"{cores} cores{f' ({model})' if model else ''}, {mem or 'RAM unknown'}, {platform.system()} {platform.release()}"


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head or 'unknown'}{' (with uncommitted changes)' if dirty else ''}"


def _range(r: Result) -> str:
    if r.min is None:
        return "–"
    return f"{fmt_s(r.min)} – {fmt_s(r.max)}"


def _rss(r: Result | None) -> str:
    return f"{r.rss_mb:.0f} MB" if r is not None and r.rss_mb is not None else "–"


def _cell(r: Result | None) -> str:
    if r is None:
        return "–"
    if r.skipped:
        return "skipped"
    if r.median is None:
        return "**failed**"
    return fmt_s(r.median)


def _status(r: Result) -> str:
    if r.skipped:
        return f"skipped: {r.skipped}"
    if r.median is None:
        return f"**failed** ({r.error})"
    return ""


def _slope(t1: float, t2: float, n1: int, n2: int) -> float:
    return math.log(t2 / t1) / math.log(n2 / n1)


class Report:
    def __init__(self, out: Outcome, argv: list[str]):
        self.out = out
        self.argv = argv
        self.key = " ".join(a for a in argv if a != "--no-readme")
        self.start, self.end = markers(self.key)
        self.misses: list[str] = []
        self.lines: list[str] = []

    def w(self, line: str = "") -> None:
        self.lines.append(line)

    def render(self) -> str:
        out = self.out
        plan = out.plan
        self.w(self.start)
        self.w("<!-- written by `python -m benchmarks`: edits between these markers are overwritten -->")
        self.w()
        self.w("## Results" + (f" of `python -m benchmarks {self.key}`" if self.key else ""))
        self.w()
        mode = "quick" if plan.quick else ("full" if not self.key else "partial")
        cmd = " ".join(["python -m benchmarks", *self.argv])
        self.w(f"Produced by `{cmd}` ({mode} run) on {time.strftime('%Y-%m-%d %H:%M %Z')} in "
               f"{out.seconds / 60:.1f} min.  ")
        self.w(f"Machine: {machine()}. Python {platform.python_version()}. Commit {commit()}. "
               f"Load average at start / end: {' / '.join(out.load) or '?'} (the machine is shared: CPU time "
               f"is shown next to wall time where it helps).  ")
        self.w("Each figure: median of the whole-process runs shown (n), with min – max; peak RSS is the largest "
               "`ru_maxrss` of those runs. Vault paths in commands are temporary copies: `$CORPUS` is a copy of "
               "the 3,697 clips (`$CORPUS_SAMPLE`: every 8th clip, in `--quick`), `$SYN10000` a synthetic vault of 10,000 notes (`python -m benchmarks.synth "
               f"--notes 10000 --seed {plan.seed}`).")
        self.w()
        self.floors()
        self.corpus()
        self.peers()
        self.scaling()
        self.external()
        self.summary()
        self.w(self.end)
        return "\n".join(self.lines) + "\n"

    # -- sections ---------------------------------------------------------------------------------
    def floors(self) -> None:
        out = self.out
        if not out.floors and out.jieba is None:
            return
        self.w("### Floors (the least any tool pays)")
        self.w()
        self.w("| what | median | min – max | n | peak RSS | command |")
        self.w("|---|---|---|---|---|---|")
        for key, r in out.floors.items():
            self.w(f"| {key} | {_cell(r)} | {_range(r)} | {len(r.ok_runs)} | {_rss(r)} | `{r.display}` |")
        j = out.jieba
        if j is not None:
            extra = j.extra or {}
            detail = ""
            if extra.get("chars"):
                detail = (f" ({extra['clips']:,} clips, {extra['chars']:,} characters: read {extra['read_s']:.2f} s, "
                          f"jieba import + dictionary {extra['init_s']:.2f} s, cut {extra['cut_s']:.2f} s = "
                          f"{extra['chars_per_s'] / 1000:,.0f}k chars/s)")
            self.w(f"| jieba.cut over the text vaulttool tokenises{detail} | {_cell(j)} | {_range(j)} | "
                   f"{len(j.ok_runs)} | {_rss(j)} | `{j.display}` |")
            if j.median is None:
                self.misses.append(f"jieba floor: {_status(j)}")
        self.w()

    def corpus(self) -> None:
        vb = self.out.corpus
        if vb is None:
            return
        sample = self.out.plan.quick
        if sample:
            self.w(f"### A sample of the corpus ({self.out.corpus_clips:,} clips: every 8th, `--quick`)")
            self.w()
            self.w("The targets are for the whole corpus: a `--quick` run shows the figures without judging them, "
                   "except the ratio to jieba.cut over the same sample.")
        else:
            self.w(f"### The corpus copy ({self.out.corpus_clips:,} clips)")
        self.w()
        self.w("| benchmark | median | min – max | n | CPU | peak RSS | target | result | command |")
        self.w("|---|---|---|---|---|---|---|---|---|")
        jieba = self.out.jieba.median if self.out.jieba else None
        floor = self.out.floors.get("import sqlite3, click")
        for key in CORPUS_ROWS:
            r = vb.results.get(key)
            if r is None:
                continue
            target, verdict = "", _status(r)
            if key.startswith("cold reindex") and r.median and jieba:
                ratio = r.median / jieba
                target = f"≤ {JIEBA_RATIO} × jieba.cut"
                verdict = f"{ratio:.2f} × jieba.cut: " + ("met" if ratio <= JIEBA_RATIO else "**missed**")
                jcpu = self.out.jieba.cpu if self.out.jieba else None
                if jcpu and r.cpu:
                    verdict += f" (CPU time: {r.cpu / jcpu:.2f} ×)"
                if ratio > JIEBA_RATIO:
                    self.misses.append(f"corpus {key}: {fmt_s(r.median)} = {ratio:.2f} × jieba.cut "
                                       f"({fmt_s(jieba)}), target ≤ {JIEBA_RATIO}")
            lim = TARGETS.get((key, None))
            if lim and r.median is not None and not sample:
                target = lim[1]
                ok = r.median <= lim[0]
                verdict = "met" if ok else "**missed**"
                if not ok:
                    self.misses.append(f"corpus {key}: {fmt_s(r.median)}, target {lim[1]}")
            if key.startswith(("query", "tags", "backlinks", "show", "search", "related")) and r.median and floor \
                    and floor.median:
                verdict = (verdict + "; " if verdict else "") + f"{fmt_s(r.median - floor.median)} above the import floor"
            if r.failed and r.median is not None:
                verdict += f"; some runs failed ({r.error})"
            if r.median is None and not r.skipped:
                self.misses.append(f"corpus {key}: {r.error}")
            note = f" ({r.note})" if r.note else ""
            self.w(f"| {key}{note} | {_cell(r)} | {_range(r)} | {len(r.ok_runs)} | {fmt_s(r.cpu)} | {_rss(r)} | "
                   f"{target} | {verdict} | `{r.display}` |")
        self.w()
        derived = []
        cold = vb.results.get("cold reindex")
        summ = cold.extra.get("summary", {}) if cold else {}
        if cold and cold.median and summ:
            derived.append(f"normalise throughput (cold reindex: {summ.get('normalised', 0):,} clips normalised, "
                           f"{summ.get('indexed', 0):,} indexed, {summ.get('failed', 0)} failed): "
                           f"**{summ.get('normalised', 0) / cold.median:,.0f} clips/s** of whole-process wall time, "
                           f"peak {_rss(cold)}; its own summary says {summ.get('seconds', 0):.2f} s inside the process")
            if summ.get("failed"):
                files = cold.extra.get("failed_files", [])
                shown = "; ".join(f"`{f}`" for f in files[:8]) + (" ..." if len(files) > 8 else "")
                self.misses.append(f"corpus cold reindex: {summ['failed']} files failed (the run still completed): "
                                   f"{shown}")
        full, nopages = vb.results.get("reindex --full"), vb.results.get("reindex --full, no pages")
        if full and nopages and full.median and nopages.median:
            share = full.median - nopages.median
            derived.append(f"page rebuild share of `reindex --full`: {fmt_s(share)} "
                           f"({share / full.median:.0%}), from the two rows above")
        warm, scratch = vb.results.get("warm reindex"), vb.results.get("reindex, pages folder deleted")
        if warm and scratch and warm.median and scratch.median:
            derived.append(f"full page build (all pages written): {fmt_s(scratch.median - warm.median)} "
                           f"(pages folder deleted minus warm reindex; "
                           f"{scratch.extra.get('summary', {}).get('pages_written', '?')} pages written)")
        new = vb.results.get("reindex after 1 new clip")
        if new and new.median:
            derived.append(f"one new clip, normalised + indexed + affected pages rebuilt: {fmt_s(new.median)}")
        if vb.counts:
            c = vb.counts
            derived.append(f"index after the cold run: {c.get('notes', '?'):,} notes, {c.get('tags', '?')} distinct tags "
                           f"({c.get('tag_pairs', '?')} note-tag pairs), {c.get('topics', '?')} topics, "
                           f"{c.get('links', '?')} links, index {c.get('index_mb', 0):.1f} MB")
        for d in derived:
            self.w(f"- {d}")
        if derived:
            self.w()

    def peers(self) -> None:
        if not self.out.peers:
            return
        self.w("### Side by side: what each tool found, and what it cost")
        self.w()
        self.w("| vault | tool | wall | peak RSS | notes | tags (CJK) | note-tag pairs | most common tag | "
               "wikilinks | links to existing notes | notes with backlinks |")
        self.w("|---|---|---|---|---|---|---|---|---|---|---|")
        for p in self.out.peers:
            r: Result | None = p.get("result")
            f = p.get("found") or {}
            if r is not None and r.skipped:
                self.w(f"| {p['vault']} | {p['tool']} | skipped: {r.skipped} | | | | | | | | |")
                continue
            if r is not None and r.median is None:
                self.w(f"| {p['vault']} | {p['tool']} | **failed** ({r.error}) | | | | | | | | |")
                continue
            top = f"`{f.get('top_tag')}` ({f.get('top_tag_notes')})" if f.get("top_tag") is not None else "–"
            self.w(f"| {p['vault']} | {p['tool']} | {_cell(r)} (n={len(r.ok_runs) if r else 0}) | {_rss(r)} | "
                   f"{_n(f.get('notes'))} | {_n(f.get('tags'))} ({_n(f.get('cjk_tags'))}) | {_n(f.get('tag_pairs'))} | "
                   f"{top} | {_n(f.get('wikilinks'))} | {_n(f.get('wikilinks_to_existing'))} | "
                   f"{_n(f.get('notes_with_backlinks'))} |")
        self.w()
        self.w("obsidiantools: `Vault(path).connect().gather()` in its own virtualenv "
               "(`benchmarks/peer_obsidiantools.py`); it reads the notes and builds its graph, but does not "
               "rewrite or tag them. vaulttool's cold reindex also normalises the raw clips, derives tags with "
               "jieba and writes the pages. For vaulttool, \"links to existing notes\" counts every resolved "
               "link (wikilinks and Markdown links).")
        self.w()

    def scaling(self) -> None:
        out = self.out
        if not out.scaling and not out.scaling_skipped:
            return
        self.w("### Scaling (synthetic vaults generated from the corpus)")
        self.w()
        cols = [c for c in SCALE_COLS if any(c in vb.results for vb in out.scaling.values())]
        if not cols:
            for n, why in sorted(out.scaling_skipped.items()):
                self.w(f"- {n:,} notes: skipped: {why}")
            self.w()
            return
        self.w("| notes | " + " | ".join(cols) + " |")
        self.w("|---|" + "---|" * len(cols))
        for n in sorted(set(out.scaling) | set(out.scaling_skipped)):
            if n in out.scaling_skipped:
                self.w(f"| {n:,} | skipped: {out.scaling_skipped[n]} |" + " |" * (len(cols) - 1))
                continue
            vb = out.scaling[n]
            cells = []
            for c in cols:
                r = vb.results.get(c)
                if r is None:
                    cells.append("–")
                    continue
                cell = _cell(r)
                if r.median is not None:
                    cell += f" ({len(r.ok_runs)}×, {_rss(r)})"
                cells.append(cell)
                self.check_target(c, n, r)
            self.w(f"| {n:,} | " + " | ".join(cells) + " |")
        self.w()
        self.w("Each cell: median wall time (runs, peak RSS). Cold runs at 50k and 100k are run once each (they "
               "are long). \"reindex after 1 new clip\": one raw clip dropped into the indexed vault.")
        self.w()
        # growth: log-log slope between consecutive sizes (1 = linear)
        sizes = sorted(n for n, vb in out.scaling.items())
        rows = []
        for c in cols:
            pts = [(n, out.scaling[n].results[c].median) for n in sizes
                   if c in out.scaling[n].results and out.scaling[n].results[c].median]
            # a run that timed out gives a lower bound on the growth from the last size measured
            bound = next(((n, r.runs[-1].wall) for n in sizes if pts and n > pts[-1][0]
                          for r in [out.scaling[n].results.get(c)] if r is not None and r.runs and r.runs[-1].timeout),
                         None)
            if len(pts) < 2 and not bound:
                continue
            parts, worst = [], 0.0
            for (n1, t1), (n2, t2) in zip(pts, pts[1:]):
                s = _slope(t1, t2, n1, n2)
                worst = max(worst, s)
                parts.append(f"{_k(n1)}→{_k(n2)}: {s:.2f}")
            if bound:
                (n1, t1), (n2, t2) = pts[-1], bound
                s = _slope(t1, t2, n1, n2)
                worst = max(worst, s)
                parts.append(f"{_k(n1)}→{_k(n2)}: ≥ {s:.2f} (timed out after {t2:.0f} s)")
            per_note = ", ".join(f"{_k(n)}: {t / n * 1000:.2f} ms" for n, t in pts)
            if worst > 1.15:
                verdict = "**superlinear**"
                self.misses.append(f"scaling {c}: grows faster than linear (log-log slope up to {worst:.2f}; "
                                   f"per note {per_note}{'; ' + parts[-1] if bound else ''})")
            elif worst >= 0.75:
                verdict = "linear"
            elif worst >= 0.3:
                verdict = "sublinear (a fixed start-up cost is a large share)"
            else:
                verdict = "flat (start-up dominates)"
            rows.append(f"| {c} | {'; '.join(parts)} | {per_note} | {verdict} |")
        if rows:
            self.w("Growth: slope of log(time) against log(notes) between sizes (1.0 = linear; above 1.15 is "
                   "flagged), and time per note.")
            self.w()
            self.w("| benchmark | slope | per note | verdict |")
            self.w("|---|---|---|---|")
            for row in rows:
                self.w(row)
            self.w()
        mem = []
        for n in sizes:
            vb = out.scaling[n]
            peaks = [(k, r.rss_mb) for k, r in vb.results.items() if r.rss_mb is not None]
            if not peaks:
                continue
            k, worst = max(peaks, key=lambda kv: kv[1])
            mem.append(f"{n:,} notes: largest peak {worst:.0f} MB ({k})")
            if n >= 50_000:
                for key, mb in peaks:
                    if mb > RSS_LIMIT_MB:
                        self.misses.append(f"memory at {n:,}: {key} peaked at {mb:.0f} MB, target ≤ {RSS_LIMIT_MB} MB")
        if mem:
            self.w(f"Peak memory (target ≤ {RSS_LIMIT_MB} MB at 50k): " + "; ".join(mem) + ".")
            self.w()
        growing = []
        for c in cols:
            pts = [(n, out.scaling[n].results[c].rss_mb) for n in sizes
                   if c in out.scaling[n].results and out.scaling[n].results[c].rss_mb]
            if len(pts) >= 2 and pts[-1][1] > 1.5 * pts[0][1] and pts[-1][1] > 100:
                growing.append(f"{c}: " + " → ".join(f"{mb:.0f} MB at {_k(n)}" for n, mb in pts))
        if growing:
            self.w("Peak memory that grows with the vault: " + "; ".join(growing) + ".")
            self.w()
            for g in growing:
                self.misses.append(f"memory grows with the vault: {g}")
        gen = ", ".join(f"{_k(n)} in {s:.1f} s" for n, s in sorted(out.synth_seconds.items()))
        if gen:
            self.w(f"Generating the vaults (`benchmarks/synth.py`, not part of any figure): {gen}.")
            self.w()
        counts = []
        for n in sizes:
            c = out.scaling[n].counts
            if c:
                counts.append(f"{_k(n)}: {_n(c.get('notes'))} notes, {_n(c.get('tags'))} tags, "
                              f"{_n(c.get('links'))} links of which {_n(c.get('wikilinks'))} wikilinks "
                              f"({_n(c.get('links_resolved'))} links resolved), "
                              f"index {c.get('index_mb', 0):.0f} MB")
        if counts:
            self.w("What the index held: " + "; ".join(counts) + ".")
            self.w()

    def check_target(self, key: str, n: int, r: Result) -> None:
        lim = TARGETS.get((key, n))
        if lim and r.median is not None and r.median > lim[0]:
            self.misses.append(f"{key} at {n:,} notes: {fmt_s(r.median)}, target {lim[1]}")
        if r.median is None and not r.skipped:
            self.misses.append(f"{key} at {n:,} notes: {r.error}")

    def external(self) -> None:
        for name, r in self.out.external.items():
            self.w(f"### {name.replace('_', ' ')} (`{r.display}`)")
            self.w()
            if r.median is None:
                self.w(f"**failed** ({r.error})")
                self.misses.append(f"{name}: {r.error}")
            else:
                self.w(f"Wall time {fmt_s(r.median)}, peak {_rss(r)}. Its output:")
                self.w()
                body = r.ok_runs[-1].stdout.strip()
                self.w(body if "|" in body else "```\n" + body + "\n```")
            self.w()

    def summary(self) -> None:
        self.w("### Missed targets and failures")
        self.w()
        items = self.misses + self.out.notes
        skipped = [r for r in self.out.results if r.skipped]
        items += [f"{r.name}: skipped ({r.skipped})" for r in skipped]
        if not items:
            self.w("None.")
        for item in items:
            self.w(f"- {item}")
        self.w()


def _n(x) -> str:
    if x is None:
        return "–"
    return f"{x:,}" if isinstance(x, int) else str(x)


def _k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def write_readme(text: str, readme: Path, key: str = "") -> None:
    """Put ``text`` (a results block) in place of the block with the same markers, or after the others."""
    start, end = markers(key)
    current = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    if start + "\n" in current and end in current:
        head, rest = current.split(start + "\n", 1)
        _, tail = rest.split(end, 1)
        new = head + text.rstrip("\n") + tail
    else:
        new = current.rstrip("\n") + "\n\n" + text
    readme.write_text(new, encoding="utf-8")
