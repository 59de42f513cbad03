"""The vaulttool commands measured on one vault (the corpus copy or a synthetic vault).

Each function runs whole ``vaulttool`` processes through the :class:`Runner` and returns its results.
The vault paths in the shown commands are replaced by a name (``$CORPUS``, ``$SYN50000``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from benchmarks.harness import (CORPUS, PYTHON, ROOT, Result, Runner, Spec, child_env, completed_reindex,
                                drop_index, failed_files, index_counts, log, parse_summary, vaulttool_cmd)


@dataclass
class Capabilities:
    """What this vaulttool offers (read from its ``--help``), so that benchmarks of commands that do not
    exist yet are skipped with a message instead of failing."""

    commands: set[str] = field(default_factory=set)
    reindex_options: set[str] = field(default_factory=set)
    error: str = ""

    @classmethod
    def probe(cls) -> "Capabilities":
        caps = cls()
        try:
            top = subprocess.run([*vaulttool_cmd(), "--help"], capture_output=True, text=True, env=child_env(),
                                 cwd=ROOT, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            caps.error = str(exc)
            return caps
        if top.returncode != 0:
            lines = (top.stderr or top.stdout).strip().splitlines()
            caps.error = lines[-1] if lines else f"vaulttool --help exited {top.returncode}"
            return caps
        in_commands = False
        for line in top.stdout.splitlines():
            if line.strip().lower().startswith("commands:"):
                in_commands = True
                continue
            if in_commands and line.startswith("  ") and line.strip():
                caps.commands.add(line.split()[0])
        if "reindex" in caps.commands:
            sub = subprocess.run([*vaulttool_cmd(), "reindex", "--help"], capture_output=True, text=True,
                                 env=child_env(), cwd=ROOT, timeout=60)
            caps.reindex_options = {w.rstrip(",") for w in sub.stdout.split() if w.startswith("--")}
        return caps


class VaultBench:
    """Measures on one vault folder. ``label`` names it in the report (``$CORPUS``)."""

    def __init__(self, runner: Runner, vault: Path, label: str, caps: Capabilities, *, size: int | None = None):
        self.runner = runner
        self.vault = vault
        self.label = label
        self.caps = caps
        self.size = size
        self.vt = vaulttool_cmd()
        self.results: dict[str, Result] = {}
        self.alongside: list[Result] = []
        self.counts: dict = {}
        self.picks: dict = {}

    # -- helpers --------------------------------------------------------------------------------
    def cmd(self, *args: str) -> tuple[list[str], str]:
        argv = [*self.vt, "--vault", str(self.vault), *args]
        shown = " ".join(["vaulttool", "--vault", self.label, *(_quote(a) for a in args)])
        return argv, shown

    def measure(self, key: str, args: list[str], repeat: int, **kw) -> Result:
        argv, shown = self.cmd(*args)
        res = self.runner.measure(f"{self.label} {key}", argv, repeat=repeat, display=shown, **kw)
        self.results[key] = res
        return res

    def skip(self, key: str, args: list[str], reason: str) -> Result:
        _, shown = self.cmd(*args)
        res = Result(f"{self.label} {key}", shown, skipped=reason)
        self.runner.results.append(res)
        self.results[key] = res
        log(f"{self.label} {key}: skipped ({reason})")
        return res

    # -- reindex --------------------------------------------------------------------------------
    def reindex(self, key: str, args: list[str], repeat: int, *, setup: Callable[[int], None] | None = None,
                note: str = "", alongside: Sequence[Spec] = ()) -> Result:
        """A ``reindex`` run; exit 1 after a complete run (some files failed) still gives a figure, and
        the failed files are kept for the report. ``alongside``: commands run in turns with it (a
        baseline), whose results land in ``self.alongside``."""
        argv, shown = self.cmd(*args)
        spec = Spec(f"{self.label} {key}", argv, shown, setup, completed_reindex, note)
        res, *self.alongside = self.runner.interleave([spec, *alongside], repeat)
        self.results[key] = res
        if res.last:
            text = res.last.stdout + "\n" + res.last.stderr
            res.extra["summary"] = parse_summary(text)
            res.extra["failed_files"] = failed_files(text)
        return res

    def cold(self, repeat: int, fresh: Callable[[int], None], key: str = "cold reindex",
             extra_args: tuple[str, ...] = (), note: str = "", alongside: Sequence[Spec] = ()) -> Result:
        """``reindex`` on a vault without an index whose clips are all new; ``fresh(i)`` lays the vault
        out anew before each run (not timed)."""
        return self.reindex(key, ["reindex", *extra_args], repeat, setup=fresh, note=note, alongside=alongside)

    def warm(self, repeat: int) -> Result:
        return self.reindex("warm reindex", ["reindex"], repeat)

    def full(self, repeat: int) -> Result:
        return self.reindex("reindex --full", ["reindex", "--full"], repeat)

    def full_without_pages(self, repeat: int) -> Result:
        """The same ``--full`` run with the page step turned off (through the reindex use-case, as a whole
        process: :mod:`benchmarks.drive`), so the difference is what rendering the pages costs."""
        argv = [PYTHON, "-m", "benchmarks.drive", "--vault", str(self.vault), "reindex", "--full", "--no-pages"]
        shown = f"python -m benchmarks.drive --vault {self.label} reindex --full --no-pages"
        res = self.runner.measure(f"{self.label} reindex --full, no pages", argv, repeat=repeat, display=shown,
                                  accept=completed_reindex)
        self.results["reindex --full, no pages"] = res
        return res

    def pages_from_scratch(self, repeat: int) -> Result:
        """``reindex`` after the pages folder was deleted: nothing else changed, every page is rendered
        and written again (the full page build)."""
        folder = self.vault / "_index"

        def setup(_i: int) -> None:
            shutil.rmtree(folder, ignore_errors=True)

        return self.reindex("reindex, pages folder deleted", ["reindex"], repeat, setup=setup,
                            note="every page written anew")

    def one_new_clip(self, repeat: int) -> Result:
        """``reindex`` after one new clip arrived (a different clip each run): normalise one, index it,
        rebuild only the pages it touches."""
        clips = sorted(CORPUS.glob("*/*.md"))
        sources = clips[:: max(1, len(clips) // 50)]

        def setup(i: int) -> None:
            src = sources[(i * 7) % len(sources)]
            text = src.read_text(encoding="utf-8")
            first, rest = text.split("\n", 1)
            stamp = f"{int(time.time() * 1000) % 10_000_000}-{i}"
            text = f"{first} 新到{stamp}\n{rest}".replace("**URL**: ", f"**URL**: https://example.org/new/{stamp}?from=", 1)
            path = self.vault / "Inbox" / f"new clip {stamp}.md"
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            past = time.time() - 600  # arrived ten minutes ago: past the tool's "still being written" wait
            os.utime(path, (past, past))

        return self.reindex("reindex after 1 new clip", ["reindex"], repeat, setup=setup)

    # -- reads ----------------------------------------------------------------------------------
    def reads(self, repeat: int) -> None:
        """``tags``, ``query --tag`` (a common and a rare tag), ``backlinks``, ``show``, ``search``."""
        self.counts = index_counts(self.vault)
        tags_res = self.measure("tags", ["tags", "--format", "json"], repeat)
        tag_list = []
        if tags_res.ok_runs:
            try:
                tag_list = json.loads(tags_res.ok_runs[-1].stdout)
            except ValueError as exc:
                tags_res.note = f"its output is not JSON ({exc})"
        if tag_list:
            self.counts["tags_listed"] = len(tag_list)
            self.counts["tag_pairs_listed"] = sum(int(t.get("count", 0)) for t in tag_list)
            by_count = sorted(tag_list, key=lambda t: (-int(t.get("count", 0)), t.get("tag", "")))
            common = by_count[0]
            rare = min(by_count, key=lambda t: (abs(int(t.get("count", 0)) - 5), t.get("tag", "")))
            self.picks["common_tag"] = (common["tag"], common["count"])
            self.picks["rare_tag"] = (rare["tag"], rare["count"])
            res = self.measure("query --tag (common)", ["query", "--tag", common["tag"]], repeat,
                               note=f"tag `{common['tag']}`: {common['count']} notes")
            res.extra["tag"], res.extra["notes"] = common["tag"], common["count"]
            res = self.measure("query --tag (rare)", ["query", "--tag", rare["tag"]], repeat,
                               note=f"tag `{rare['tag']}`: {rare['count']} notes")
            res.extra["tag"], res.extra["notes"] = rare["tag"], rare["count"]
        else:
            reason = "no tag to query: " + (tags_res.error or tags_res.note or "the vault has no tags")
            self.skip("query --tag (common)", ["query", "--tag", "X"], reason)
            self.skip("query --tag (rare)", ["query", "--tag", "X"], reason)
        note = self.counts.get("most_linked") or self.first_note()
        if note:
            self.picks["note"] = note
            linked = self.counts.get("most_linked_count")
            res = self.measure("backlinks", ["backlinks", note], repeat,
                               note=f"most-linked note ({linked} links)" if linked else "")
            if "show" in self.caps.commands:
                self.measure("show", ["show", note], repeat)
            if "related" in self.caps.commands:
                self.measure("related", ["related", note], repeat)
        else:
            self.skip("backlinks", ["backlinks", "NOTE"], "no note in the index")
        if "search" in self.caps.commands:
            for word in ("强化学习", "模型"):
                self.measure(f"search {word}", ["search", word], repeat)
        else:
            self.skip("search 强化学习", ["search", "强化学习"], "`vaulttool search` does not exist yet")

    def first_note(self) -> str | None:
        import sqlite3

        db = self.vault / ".vaulttool" / "index.db"
        if not db.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            row = conn.execute("SELECT path FROM notes ORDER BY path LIMIT 1").fetchone()
            conn.close()
            return row[0] if row else None
        except sqlite3.Error:
            return None


def _quote(arg: str) -> str:
    return f"'{arg}'" if any(c in arg for c in " #|*?()[]<>&;") else arg


def fresh_copy(src_copy: Callable[[Path], Path], target: Path) -> Callable[[int], None]:
    """A setup step: lay ``target`` out anew (by ``src_copy``) with no index."""

    def setup(_i: int) -> None:
        if target.exists():
            shutil.rmtree(target)
        src_copy(target)
        drop_index(target)

    return setup
