"""Where one `vaulttool reindex` spends its time and memory: wall time and peak RSS of each phase.

    python benchmarks/phases.py --vault VAULT [reindex options...]

Runs `vaulttool --vault VAULT reindex ...` in this process with four use-case functions wrapped, and a
thread sampling VmRSS every 20 ms. Prints, for each phase (reading and analysing the notes, normalising
the clips, resolving links, building the pages, and what comes before and after), its wall time and the
largest RSS seen while it ran. A diagnostic, not a benchmark: the figures in benchmarks/README.md are
whole-process runs of the real command (`python -m benchmarks`). Run it on a copy: it writes to VAULT.
Worker processes (used for large runs) are not sampled: their work shows as the main process waiting.
"""

from __future__ import annotations

import sys
import threading
import time


def _rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def main(argv: list[str]) -> int:
    from vaulttool.cli import main as cli_main
    from vaulttool.usecases import indexing
    from vaulttool.usecases.pagebuild import build as pages
    from vaulttool.usecases import run as runmod

    phase = ["start"]
    order: list[str] = ["start"]
    peak: dict[str, int] = {}
    spent: dict[str, float] = {}
    t0 = time.perf_counter()
    mark = [t0]

    def switch(name: str) -> None:
        now = time.perf_counter()
        spent[phase[0]] = spent.get(phase[0], 0.0) + now - mark[0]
        mark[0] = now
        phase[0] = name
        if name not in order:
            order.append(name)

    def sample() -> None:
        while True:
            r, p = _rss_mb(), phase[0]
            if r > peak.get(p, 0):
                peak[p] = r
            time.sleep(0.02)

    def wrap(owner, attr: str, label: str) -> None:
        fn = getattr(owner, attr)

        def wrapped(*args, **kwargs):
            switch(label)
            try:
                return fn(*args, **kwargs)
            finally:
                switch(f"after {label}")

        setattr(owner, attr, wrapped)

    wrap(runmod.Run, "read_all", "read + analyse")
    wrap(runmod.Run, "normalise_pending", "normalise clips")
    wrap(indexing, "relink", "resolve links")
    wrap(pages, "rebuild_pages", "build pages")
    threading.Thread(target=sample, daemon=True).start()
    sys.argv = ["vaulttool", *argv[:2], "reindex", *argv[2:]]
    code = 0
    try:
        cli_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    time.sleep(0.03)
    switch("end")
    total = time.perf_counter() - t0
    print(f"{'phase':<24} {'wall':>8} {'peak RSS':>9}", file=sys.stderr)
    for name in order:
        if name in spent and not (name.startswith("after ") and spent[name] < 0.005):
            print(f"{name:<24} {spent[name]:>7.2f}s {peak.get(name, 0):>6} MB", file=sys.stderr)
    print(f"{'total':<24} {total:>7.2f}s {max(peak.values(), default=0):>6} MB", file=sys.stderr)
    return code


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "--vault":
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
