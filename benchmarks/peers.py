"""Peers: the tool users would pick instead, run on the same vault copy in the same run.

obsidiantools 0.11 lives in its own virtualenv under ``benchmarks/.work/`` (created here on first use; not
a project dependency). If it cannot be installed (no network, a build error), the peer is skipped and
the reason goes into the report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import BENCH, WORK, Result, Runner, log

OBSIDIANTOOLS = "obsidiantools==0.11.0"
VENV = WORK / "obsidiantools-venv"


def ensure_obsidiantools() -> tuple[Path | None, str]:
    """The venv's python, or None and why not."""
    python = VENV / "bin" / "python"
    marker = VENV / ".installed"
    if python.exists() and marker.exists() and marker.read_text().strip() == OBSIDIANTOOLS:
        return python, ""
    WORK.mkdir(parents=True, exist_ok=True)
    log(f"creating {VENV} and installing {OBSIDIANTOOLS}")
    start = time.perf_counter()
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                               OBSIDIANTOOLS], capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"could not create its virtualenv: {exc}"
    if proc.returncode != 0:
        errors = [ln for ln in proc.stderr.splitlines() if "error" in ln.lower()] or proc.stderr.splitlines()
        return None, f"pip install {OBSIDIANTOOLS} failed: {(errors[-1] if errors else '').strip()[:300]}"
    marker.write_text(OBSIDIANTOOLS)
    log(f"installed {OBSIDIANTOOLS} in {time.perf_counter() - start:.0f} s")
    return python, ""


def run_obsidiantools(runner: Runner, vault: Path, label: str, repeat: int = 1) -> Result:
    python, why = ensure_obsidiantools()
    shown = f"benchmarks/.work/obsidiantools-venv/bin/python benchmarks/peer_obsidiantools.py {label}"
    if python is None:
        res = Result(f"obsidiantools {label}", shown, skipped=why)
        runner.results.append(res)
        log(f"obsidiantools: skipped ({why})")
        return res
    res = runner.measure(f"obsidiantools {label}", [str(python), str(BENCH / "peer_obsidiantools.py"), str(vault)],
                         repeat=repeat, display=shown,
                         note="`Vault(path).connect().gather()`" + (", run once (it is slow)" if repeat == 1 else ""))
    if res.ok_runs:
        try:
            res.extra["found"] = json.loads(res.ok_runs[-1].stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            res.note += "; its output could not be read"
    return res
