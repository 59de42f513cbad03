"""Recall and precision of ``vaulttool search`` against a substring match, on a reindexed corpus copy.

    python benchmarks/search_recall.py [--corpus PATH] [--seed 20] [--han 320] [--latin 60]
                                       [--symbols 30] [--cli 30] [--keep]

The corpus is copied to a temporary folder and ``vaulttool reindex`` (a whole process) normalises and
indexes the copy. The truth is computed from the copy's files by this script alone, without the
search's code: a note's text is its title, its tags and its body (front matter left out).

- Han words (2-4 characters, each held by 5 to 800 notes): half drawn from jieba's words of the
  notes, half random character n-grams at random places (they cross word boundaries, where
  segmentation breaks searches). Truth: the word is a substring of the text, or of the text
  converted to simplified Chinese by OpenCC (phrase-aware ``t2s``).
- English words (3+ letters, in 5 to 800 notes) and terms with symbols (``C++``, ``GPT-4o``, ``o3-mini``,
  ``.NET``-like forms drawn from the notes, in 2 to 800 notes). Truth: the term in any case, with no ASCII
  letter or digit right before or after it.
- 30 traditional spellings (OpenCC ``s2t`` of drawn Han words that change): truth as for the simplified word.
- 30 pinyin queries (15 in full, 15 by initials of words of 3-4 characters: two letters such as ``sj``
  stand for hundreds of words; pypinyin's most common reading of drawn jieba words):
  recall over the notes holding the word; precision: a hit holds a word the search expanded the pinyin
  to, and that word reads as the query by pypinyin's readings.

Every query runs in process through the same use-case the CLI calls (``--all-copies``, no limit), and
``--cli`` of them again as whole processes (``vaulttool search WORD --all-copies --limit 100000 --format
json``): their paths must be the same. Words are split into a dev half and a held-out half by the seed;
both are reported. Prints a Markdown report; the figures go to ``benchmarks/.work/search_recall.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = Path(os.environ.get("VAULTTOOL_CORPUS", ROOT.parent / "shared" / "corpus" / "ai-info-clips"))
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_SYMBOL = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z][A-Za-z0-9]*(?:[-.+#][A-Za-z0-9]+)+|[A-Za-z]+\+\+|\.[A-Z][A-Za-z]+)"
                     r"(?![A-Za-z0-9])")
_ENGLISH = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])")


def vaulttool() -> list[str]:
    exe = Path(sys.executable).parent / "vaulttool"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "vaulttool"]


def load_texts(vault: Path) -> dict[str, str]:
    """path -> title, tags and body of every note the index holds (generated pages left out)."""
    import sqlite3

    from vaulttool.core.frontmatter import split

    conn = sqlite3.connect(vault / ".vaulttool" / "index.db")
    out = {}
    for path, title, tags in conn.execute("SELECT path, title, tag_list FROM notes WHERE kind != 'page'"):
        text = (vault / path).read_text(encoding="utf-8", errors="replace")
        sp = split(text)
        body = text[sp.body_start:] if sp.status == "ok" else text
        out[path] = "\n".join((title, tags.replace("\x1f", " "), body))
    conn.close()
    return out


def latin_holds(term: str):
    pat = re.compile(("(?<![A-Za-z0-9])" if term[0].isalnum() else "") + re.escape(term)
                     + ("(?![A-Za-z0-9])" if term[-1].isalnum() else ""), re.I)
    return lambda text: pat.search(text) is not None


def draw(texts: dict[str, str], simplified: dict[str, str], rng: random.Random, n_han: int, n_latin: int,
         n_symbols: int) -> dict[str, list[str]]:
    import jieba

    jieba.setLogLevel(60)
    paths = sorted(texts)
    bodies = [texts[p] for p in paths]
    words: set[str] = set()
    for text in rng.sample(bodies, min(600, len(bodies))):
        words.update(w for w in jieba.cut(text) if _HAN.fullmatch(w) and 2 <= len(w) <= 4)
    grams: set[str] = set()
    while len(grams) < 3000:
        runs = _HAN.findall(rng.choice(bodies))
        runs = [r for r in runs if len(r) >= 2]
        if not runs:
            continue
        run = rng.choice(runs)
        k = rng.randint(2, min(4, len(run)))
        i = rng.randrange(0, len(run) - k + 1)
        grams.add(run[i : i + k])

    def han_df(w: str) -> int:
        return sum(1 for p in paths if w in texts[p] or w in simplified[p])

    def pick(pool: set[str], n: int, df, lo: int, hi: int) -> list[str]:
        out = []
        for w in rng.sample(sorted(pool), len(pool)):
            if lo <= df(w) <= hi:
                out.append(w)
                if len(out) >= n:
                    break
        return out

    han_words = pick(words, n_han // 2, han_df, 5, 800)
    han_grams = pick(grams - set(han_words), n_han - len(han_words), han_df, 5, 800)
    english: set[str] = set()
    symbols: set[str] = set()
    for text in bodies:
        english.update(m.group(0).lower() for m in _ENGLISH.finditer(text))
        symbols.update(m.group(0) for m in _SYMBOL.finditer(text))
    lat = pick(english, n_latin, lambda w: sum(map(latin_holds(w), bodies)), 5, 800)
    sym = [s for s in ("C++", "GPT-4o", "o3-mini", ".NET") if any(map(latin_holds(s), bodies))]
    sym += pick({s for s in symbols if s.lower() not in {x.lower() for x in sym}}, n_symbols - len(sym),
                lambda w: sum(map(latin_holds(w), bodies)), 2, 800)
    return {"han_word": han_words, "han_gram": han_grams, "latin": lat, "symbol": sym}


def score(found: set[str], truth: set[str]) -> tuple[float, float]:
    recall = len(found & truth) / len(truth) if truth else 1.0
    precision = len(found & truth) / len(found) if found else (1.0 if not truth else 0.0)
    return recall, precision


def summarise(rows: list[dict]) -> dict:
    if not rows:
        return {}
    rec = [r["recall"] for r in rows]
    pre = [r["precision"] for r in rows]
    return {"n": len(rows), "mean_recall": round(sum(rec) / len(rec), 4), "min_recall": round(min(rec), 4),
            "below_099_recall": sum(1 for x in rec if x < 0.99), "mean_precision": round(sum(pre) / len(pre), 4),
            "min_precision": round(min(pre), 4), "below_099_precision": sum(1 for x in pre if x < 0.99)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--han", type=int, default=320)
    ap.add_argument("--latin", type=int, default=60)
    ap.add_argument("--symbols", type=int, default=30)
    ap.add_argument("--cli", type=int, default=30, help="queries run again as whole processes")
    ap.add_argument("--vault", type=Path, help="an already reindexed copy to use (not deleted)")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    import opencc
    from pypinyin import Style, lazy_pinyin, pinyin

    scratch = Path(tempfile.mkdtemp(prefix="search-recall-"))
    if args.vault:
        vault = args.vault
    else:
        if not args.corpus.is_dir():
            print(f"no corpus at {args.corpus} (give --corpus or VAULTTOOL_CORPUS)", file=sys.stderr)
            return 2
        vault = scratch / "vault"
        shutil.copytree(args.corpus, vault)
        (vault / ".vaulttool").mkdir(exist_ok=True)
        t = time.perf_counter()
        run = subprocess.run([*vaulttool(), "--vault", str(vault), "reindex"], capture_output=True, text=True)
        print(f"reindex of the copy: {time.perf_counter() - t:.1f} s, exit {run.returncode}: "
              f"{run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-300:]}", file=sys.stderr)
    try:
        texts = load_texts(vault)
        t2s = opencc.OpenCC("t2s")
        simplified = {p: t2s.convert(t) for p, t in texts.items()}
        rng = random.Random(args.seed)
        drawn = draw(texts, simplified, rng, args.han, args.latin, args.symbols)

        from vaulttool.usecases.search import search
        from vaulttool.usecases.session import open_reader

        session = open_reader(vault)

        def run_query(q: str, pinyin_mode: bool = False, info: dict | None = None) -> set[str]:
            hits = search(session.store, q, limit=100000, all_copies=True, read_body=session.body_of,
                          pinyin=pinyin_mode, info=info)
            return {h["path"] for h in hits}

        def han_truth(w: str) -> set[str]:
            return {p for p in texts if w in texts[p] or w in simplified[p]}

        results: dict[str, list[dict]] = {}
        timings = []
        for kind, words in drawn.items():
            for w in words:
                truth = han_truth(w) if kind.startswith("han") else {p for p in texts if latin_holds(w)(texts[p])}
                t = time.perf_counter()
                found = run_query(f'"{w}"' if kind == "symbol" and " " in w else w)
                timings.append(time.perf_counter() - t)
                r, p = score(found, truth)
                results.setdefault(kind, []).append({"word": w, "truth": len(truth), "found": len(found),
                                                     "recall": round(r, 4), "precision": round(p, 4)})
        s2t = opencc.OpenCC("s2t")
        pool = [w for w in drawn["han_word"] + drawn["han_gram"] if s2t.convert(w) != w]
        for w in rng.sample(pool, min(30, len(pool))):
            trad = s2t.convert(w)
            truth = han_truth(w)
            r, p = score(run_query(trad), truth)
            results.setdefault("traditional", []).append({"word": trad, "simplified": w, "truth": len(truth),
                                                          "recall": round(r, 4), "precision": round(p, 4)})

        def reads(word: str, typed: str, initials: bool) -> bool:
            options = pinyin(word, style=Style.NORMAL, heteronym=True)
            if initials:  # a reading's first letter, or zh/ch/sh as typists write them
                options = [{r[0] for r in o} | {r[:2] for r in o if r[:2] in ("zh", "ch", "sh")} for o in options]
            ends = {0}
            for opts in options:
                ends = {e + len(o) for e in ends for o in opts if typed.startswith(o, e)}
            return len(typed) in ends

        longer = [w for w in drawn["han_word"] if len(w) >= 3]
        full_pool = rng.sample(drawn["han_word"], min(15, len(drawn["han_word"])))
        initials_pool = rng.sample([w for w in longer if w not in full_pool], min(15, len(longer)))
        for i, w in enumerate(full_pool + initials_pool):
            initials = i >= len(full_pool)
            typed = "".join(lazy_pinyin(w, style=Style.FIRST_LETTER if initials else Style.NORMAL))
            info: dict = {}
            found = run_query(typed, True, info)
            expanded = [x for x in info.get("pinyin", {}).get(typed, [])
                        if reads(x, typed, initials) or reads(x, typed, not initials)]
            truth = han_truth(w)
            good = {p for p in found if any(x in texts[p] or x in simplified[p] for x in expanded)}
            recall = len(found & truth) / len(truth) if truth else 1.0
            precision = len(good) / len(found) if found else 0.0
            results.setdefault("pinyin", []).append({"word": typed, "han": w, "initials": initials,
                                                     "truth": len(truth), "found": len(found),
                                                     "recall": round(recall, 4), "precision": round(precision, 4),
                                                     "expanded": info.get("pinyin", {}).get(typed, [])[:5]})
        # whole processes for a sample: the CLI must answer as the use-case does
        cli_rows = []
        sample = rng.sample([w for ws in drawn.values() for w in ws], min(args.cli, sum(map(len, drawn.values()))))
        for w in sample:
            t = time.perf_counter()
            out = subprocess.run([*vaulttool(), "--vault", str(vault), "search", w, "--all-copies", "--limit",
                                  "100000", "--format", "json"], capture_output=True, text=True)
            wall = time.perf_counter() - t
            cli = {h["path"] for h in json.loads(out.stdout or "[]")}
            cli_rows.append({"word": w, "same": cli == run_query(w), "wall_s": round(wall, 3)})
        session.close()

        split_rng = random.Random(args.seed + 1)
        report = {"seed": args.seed, "notes": len(texts), "kinds": {}, "cli": cli_rows}
        lines = [f"search recall on {len(texts)} notes (seed {args.seed}); dev / held-out halves split by seed", "",
                 "| set | half | words | mean recall | min recall | words < 0.99 recall | mean precision |"
                 " min precision | words < 0.99 precision |", "|---|---|---|---|---|---|---|---|---|"]
        for kind, rows in results.items():
            order = rows[:]
            split_rng.shuffle(order)
            halves = {"dev": order[: len(order) // 2], "held-out": order[len(order) // 2 :]}
            report["kinds"][kind] = {"rows": rows, **{h: summarise(rs) for h, rs in halves.items()}}
            for h, rs in halves.items():
                s = summarise(rs)
                if s:
                    lines.append(f"| {kind} | {h} | {s['n']} | {s['mean_recall']:.4f} | {s['min_recall']:.4f} | "
                                 f"{s['below_099_recall']} | {s['mean_precision']:.4f} | {s['min_precision']:.4f} | "
                                 f"{s['below_099_precision']} |")
        worst = sorted((r for rows in results.values() for r in rows), key=lambda r: (min(r["recall"], r["precision"])))
        lines += ["", "worst words: " + ", ".join(f"{r['word']} (r {r['recall']}, p {r['precision']})" for r in worst[:8])]
        same = sum(1 for r in cli_rows if r["same"])
        walls = sorted(r["wall_s"] for r in cli_rows)
        lines.append(f"whole-process CLI: {same} of {len(cli_rows)} answers equal to the in-process use-case; "
                     f"median wall {walls[len(walls) // 2] if walls else 0:.3f} s")
        timings.sort()
        lines.append(f"in-process query (all copies, snippets, no limit): median {timings[len(timings) // 2] * 1000:.1f} ms")
        print("\n".join(lines))
        work = ROOT / "benchmarks" / ".work"
        work.mkdir(exist_ok=True)
        (work / "search_recall.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        bad = [r for rows in results.values() for r in rows if r["recall"] < 0.99 or r["precision"] < 0.99]
        return 0 if not bad else 1
    finally:
        if not args.keep and not args.vault:
            shutil.rmtree(scratch, ignore_errors=True)
        elif args.keep:
            print(f"kept {scratch}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
