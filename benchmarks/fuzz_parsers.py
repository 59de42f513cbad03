"""The parsers under hostile input: the largest time per input over generated notes.

Every parsing entry point a run or a query meets (clip formats through the whole normaliser, front
matter, note info, links, the tagger's text preparation, tag expressions, search queries) is given
generated inputs built to make regular expressions backtrack: clip templates of each format whose
title, sections, attributes and body are long runs of spaces, ``[``, ``<a``, ``#``, ``*``, ``|``,
backticks and the like, mixed with ordinary text. Each input runs in a worker process; one that takes
longer than ``--kill`` seconds is stopped and counted as a hang.

    nice -n 10 .venv/bin/python -m benchmarks.fuzz_parsers --n 10000 --max-kb 200

prints the largest time per input for each entry point (target: under 1 s), the slowest input's
shape, and the exceptions met (each is a bug of its own: a run names the note and goes on).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import random
import sys
import time
from collections import Counter

# -- inputs ---------------------------------------------------------------------------------------------

RUNS = [" ", "\t", "[", "]", "[[", "]]", "<a", "<a ", "<", ">", "#", "# ", "## ", "\n", "\r\n", "*", "**",
        "_", "`", "```", "~", "|", "(", ")", "](", "![", "http://x.y/", "-", "a", "中", ":", '"', "'", "=",
        "&", "&#", ";", "\\", "/", "!", "%", "^", "{", "}", "$", "\u200b", "> ", "- ", "1. ", "---\n",
        "**URL**: ", "<br>", "</a>", "<span class=\"surl-text\">", "#话题#", "@", "[a](", "[[a|", "[[a#",
        "tag:", "OR ", "-x ", "\"q", "(a ", "a/b", "*x*"]
WORDS = ["模型", "推理", "价格", "开源", "model", "price", "the", "Qwen2.5", "C++", "数据", "训练", "AI"]


def _run(rnd: random.Random, budget: int) -> str:
    piece = rnd.choice(RUNS)
    n = max(1, min(budget // max(1, len(piece)), int(math.exp(rnd.uniform(0, math.log(max(2, budget)))))))
    return piece * n


def body(rnd: random.Random, size: int) -> str:
    """``size`` characters or so: long runs of one hostile piece between ordinary words."""
    out, used = [], 0
    while used < size:
        if rnd.random() < 0.4:
            s = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 12)))
        else:
            s = _run(rnd, size - used)
        out.append(s)
        used += len(s)
    return "".join(out)[:size]


def _line(rnd, size):
    return body(rnd, size).replace("\n", " ")


TEMPLATES = {
    "ai-info": lambda r, n: (f"# {_line(r, n // 8)}\n\n**URL**: https://weibo.com/1/X\n\n## 原始摘要{_line(r, n // 8)}\n\n"
                             f"{body(r, n // 2)}\n\n## AI 摘要\n\n{body(r, n // 8)}\n\n## 元数据\n\n"
                             f"- **来源**: {_line(r, n // 16)}\n- **保存时间**: 2025-04-01T01:31:59Z\n"),
    "simpread": lambda r, n: ("> 本文由 [简悦 SimpRead](http://ksria.com/simpread/) 转码，原文地址 [x](https://x.org/a)\n\n"
                              f"# {_line(r, n // 4)}\n\n{body(r, 3 * n // 4)}"),
    "webclipper": lambda r, n: (f'---\ntitle: "{_line(r, n // 8).replace(chr(34), "")}"\nsource: "https://x.org/a"\n'
                                f"created: 2025-01-01\ntags:\n  - clippings\n---\n{body(r, 7 * n // 8)}"),
    "cubox": lambda r, n: (f"---\nid: 1\ncubox_url: https://cubox.pro/c/1\nurl: https://x.org/a\n---\n"
                           f"# {_line(r, n // 4)}\n\n{body(r, 3 * n // 4)}"),
    "markdownload": lambda r, n: (f"# {_line(r, n // 4)}\n\n> ## Excerpt\n> {_line(r, n // 8)}\n\n---\n"
                                  f"{body(r, 5 * n // 8)}"),
    "front matter": lambda r, n: f"---\n{body(r, n // 2)}\n---\n{body(r, n // 2)}",
    "plain": lambda r, n: body(r, n),
    "own note": lambda r, n: f"# {_line(r, n // 2)}\n\n{body(r, n // 2)}",
}


def generate(rnd: random.Random, max_size: int) -> tuple[str, str]:
    """(template name, text) of a size drawn log-uniformly up to ``max_size`` characters."""
    size = int(math.exp(rnd.uniform(math.log(16), math.log(max_size))))
    name = rnd.choice(list(TEMPLATES))
    return name, TEMPLATES[name](rnd, size)


# -- the entry points -----------------------------------------------------------------------------------


def entry_points() -> dict:
    from tests.helpers import normalise_bytes
    from vaulttool.core.frontmatter import split
    from vaulttool.core.links.extract import extract
    from vaulttool.core.noteinfo import read_note
    from vaulttool.core.query import exprparse, search
    from vaulttool.core.tags import segment

    def tag_expr(text):
        try:
            exprparse.parse(text[:2000])  # (the command line's length)
        except exprparse.TagExprError:
            pass

    def search_query(text):
        try:
            search.to_fts(search.parse(text[:2000]), lambda w: False)
        except search.SearchQueryError:
            pass

    return {
        "normalise": lambda t: normalise_bytes("clip.md", t.encode("utf-8", "surrogatepass")),
        "front matter": split,
        "note info": lambda t: read_note("note.md", t),
        "links": extract,
        "tagger text": segment.prepare,
        "tag expression": tag_expr,
        "search query": search_query,
    }


def _worker(conn) -> None:
    points = entry_points()
    while True:
        text = conn.recv()
        if text is None:
            return
        times, errors = {}, {}
        for name, fn in points.items():
            t0 = time.perf_counter()
            try:
                fn(text)
            except Exception as exc:  # noqa: BLE001 - counted, reported as bugs of their own
                errors[name] = f"{type(exc).__name__}: {str(exc)[:120]}"
            times[name] = time.perf_counter() - t0
        conn.send((times, errors))


class Worker:
    """A process that runs every entry point on one input at a time; a hang kills and replaces it."""

    def __init__(self):
        self._ctx = mp.get_context("spawn")
        self._start()

    def _start(self):
        self.conn, child = self._ctx.Pipe()
        self.proc = self._ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()

    def run(self, text: str, kill_after: float):
        """(times by entry point, errors by entry point), or None when it took over ``kill_after`` s."""
        self.conn.send(text)
        if not self.conn.poll(kill_after + 30):  # (the first call also imports the parsers)
            self.proc.kill()
            self.proc.join()
            self._start()
            return None
        return self.conn.recv()

    def close(self):
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--max-kb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--kill", type=float, default=20.0, help="seconds after which an input counts as a hang")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this long (0: never); says how many ran")
    args = ap.parse_args(argv)
    rnd = random.Random(args.seed)
    worker = Worker()
    worst: dict[str, tuple[float, str, int]] = {}
    total = Counter()
    errors: Counter = Counter()
    examples: dict[str, str] = {}
    hangs = []
    slow = 0
    t_start = time.monotonic()
    try:
        done = 0
        for i in range(args.n):
            if args.max_minutes and time.monotonic() - t_start > 60 * args.max_minutes:
                break
            done += 1
            shape, text = generate(rnd, int(args.max_kb * 1024))
            got = worker.run(text, args.kill)
            if got is None:
                hangs.append((shape, len(text), text[:80]))
                continue
            times, errs = got
            if max(times.values()) >= 1.0:
                slow += 1
            for name, t in times.items():
                total[name] += t
                if t > worst.get(name, (0.0, "", 0))[0]:
                    worst[name] = (t, shape, len(text))
            for name, e in errs.items():
                key = f"{name}: {e.split(':')[0]}"
                errors[key] += 1
                examples.setdefault(key, f"{shape}, {len(text)} chars: {e}")
            if (i + 1) % 1000 == 0:
                print(f"{i + 1} inputs, {time.monotonic() - t_start:.0f} s", file=sys.stderr, flush=True)
    finally:
        worker.close()
    print(f"{done} of {args.n} inputs up to {args.max_kb:g} KB (seed {args.seed}, {time.monotonic() - t_start:.0f} s); hangs (> {args.kill:g} s): {len(hangs)}; "
          f"inputs with an entry point >= 1 s: {slow}")
    print(f"{'entry point':<16} {'max s':>8} {'mean ms':>8}  slowest input")
    for name, (t, shape, size) in sorted(worst.items(), key=lambda kv: -kv[1][0]):
        print(f"{name:<16} {t:8.3f} {1000 * total[name] / max(1, done):8.2f}  {shape}, {size} chars")
    for key, n in errors.most_common():
        print(f"exception x{n}: {examples[key]}")
    for h in hangs:
        print(f"hang: {h}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"n": done, "max_kb": args.max_kb, "seed": args.seed, "hangs": hangs, "slow_inputs": slow,
                       "worst": {k: {"seconds": v[0], "shape": v[1], "chars": v[2]} for k, v in worst.items()},
                       "errors": dict(errors)}, fh, ensure_ascii=False, indent=1)
    return 1 if hangs or slow else 0


if __name__ == "__main__":
    sys.exit(main())
