"""Score derived tags on the clip corpus (issue 3).

    python benchmarks/tag_quality.py [--corpus PATH] [--limit N] [--show N]

Gold tags are the post authors' own Weibo hashtags ``#x#`` and super topics (2–12 characters). They are
removed from the text before tagging. The text of a clip is its title, its AI summary and its raw summary
with HTML stripped. One entry per unique URL (arXiv ``v1``/``v2`` merged; other URLs as written); the
first clip of a URL in path order is kept. Document frequencies are counted over those entries.

Compared in the same run: vaulttool's tagger and ``jieba.analyse.extract_tags(text, topK=5)``.

Columns: hit@5 (below); diversity = distinct tags / all tags; the most common tag and the share of notes
carrying it; the share of distinct tags used by at least two notes; stable = mean Jaccard similarity of
the tags of a URL's first clip and of its next clip with a different text (same document frequencies);
tags/note; tags/s (tokenising, counting document frequencies and choosing; jieba's start-up excluded).

hit@5: a note scores a hit if any of its tags matches any gold tag: equal strings, or one containing the
other with the shorter at least 3 characters, after NFKC + lower case; averaged over notes with gold.
"""

from __future__ import annotations

import argparse
import html
import logging
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vaulttool.core.tags.tagger import Tagger  # noqa: E402
from vaulttool.core.tags.rules import TagConfig  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ai-info-clips"

_SECTION = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_URL_LINE = re.compile(r"^\*\*URL\*\*:\s*(\S+)", re.MULTILINE)
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/([0-9]{4}\.[0-9]{4,5})(?:v\d+)?", re.IGNORECASE)
_SUPER_TOPIC = re.compile(
    r'<a [^>]*containerid=100808[^"]*"[^>]*>(?:<span class="url-icon">.*?</span>)?'
    r'<span class="surl-text">([^<]*)</span></a>',
    re.DOTALL,
)
_HASHTAG = re.compile(r"#(?=\S)([^#\n<>]{1,80}?)(?<=\S)#")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def url_key(url: str) -> str:
    m = _ARXIV.search(url)
    return f"arxiv:{m.group(1)}" if m else url


def strip_html(raw: str) -> str:
    return html.unescape(_TAG.sub("", _BR.sub("\n", raw)))


def gold_ok(name: str) -> bool:
    return 2 <= len(name) <= 12


def parse_clip(text: str) -> dict | None:
    """Title, URL, raw summary (HTML) and AI summary of one clip of the corpus."""
    first = text.split("\n", 1)[0]
    title = first[2:].strip() if first.startswith("# ") else ""
    m = _URL_LINE.search(text)
    if not m:
        return None
    sections: dict[str, str] = {}
    marks = list(_SECTION.finditer(text))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        sections[mark.group(1)] = text[mark.end() : end].strip()
    return {
        "title": title,
        "url": m.group(1),
        "raw": sections.get("原始摘要", ""),
        "ai": sections.get("AI 摘要", ""),
    }


def make_entry(clip: dict) -> dict:
    """Gold tags and the text with them removed."""
    raw = clip["raw"]
    gold: list[str] = []
    for m in _SUPER_TOPIC.finditer(raw):
        gold.append(html.unescape(m.group(1)).strip())
    raw = _SUPER_TOPIC.sub(" ", raw)
    raw_text = strip_html(raw)
    for part in (clip["title"], raw_text):
        gold.extend(m.group(1).strip() for m in _HASHTAG.finditer(part))
    gold = [g for g in dict.fromkeys(gold) if gold_ok(g)]

    def remove_gold(s: str) -> str:
        return _HASHTAG.sub(lambda m: " " if gold_ok(m.group(1).strip()) else m.group(0), s)

    return {
        "url": clip["url"],
        "gold": gold,
        "title": remove_gold(clip["title"]),
        "description": remove_gold(clip["ai"]),
        "body": remove_gold(raw_text),
    }


def load_entries(corpus: Path, limit: int | None = None) -> tuple[list[dict], list[dict | None]]:
    """One entry per unique URL (its first clip in path order) and, for each, the URL's next clip
    whose text differs (``None`` when the URL was clipped once): the stability check."""
    entries: dict[str, dict] = {}
    again: dict[str, dict] = {}
    for path in sorted(corpus.rglob("*.md")):
        if path.name in ("SOURCE.md", "README.md"):
            continue
        clip = parse_clip(path.read_text(encoding="utf-8", errors="replace"))
        if clip is None:
            continue
        key = url_key(clip["url"])
        if key not in entries:
            entries[key] = make_entry(clip)
        elif key not in again:
            entry = make_entry(clip)
            first = entries[key]
            if (entry["title"], entry["description"], entry["body"]) != (
                first["title"], first["description"], first["body"]
            ):
                again[key] = entry
    keys = list(entries)[:limit] if limit else list(entries)
    return [entries[k] for k in keys], [again.get(k) for k in keys]


# ----------------------------------------------------------------------------- scoring


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower()


def matches(tag: str, gold: str) -> bool:
    a, b = _norm(tag), _norm(gold)
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 3 and short in long_


def stability(first: list[list[str]], second: list[list[str] | None]) -> float:
    """Mean Jaccard similarity of the tags of the two clips of each re-clipped URL."""
    scores = []
    for a, b in zip(first, second):
        if b is None:
            continue
        sa, sb = {_norm(t) for t in a}, {_norm(t) for t in b}
        scores.append(len(sa & sb) / len(sa | sb) if sa | sb else 1.0)
    return sum(scores) / len(scores) if scores else 0.0


def score(entries: list[dict], tags_per_entry: list[list[str]], seconds: float) -> dict:
    with_gold = [(e, t) for e, t in zip(entries, tags_per_entry) if e["gold"]]
    hits = sum(1 for e, tags in with_gold if any(matches(t, g) for t in tags for g in e["gold"]))
    all_tags = [_norm(t) for tags in tags_per_entry for t in tags]
    per_tag = Counter(t for tags in tags_per_entry for t in {_norm(x) for x in tags})
    n = len(entries)
    top, top_n = per_tag.most_common(1)[0] if per_tag else ("", 0)
    return {
        "hit": hits / len(with_gold) if with_gold else 0.0,
        "diversity": len(per_tag) / len(all_tags) if all_tags else 0.0,
        "top_share": top_n / n if n else 0.0,
        "top": top,
        "shared": sum(1 for c in per_tag.values() if c >= 2) / len(per_tag) if per_tag else 0.0,
        "per_note": len(all_tags) / n if n else 0.0,
        "rate": len(all_tags) / seconds if seconds else 0.0,
        "gold_notes": len(with_gold),
    }


def run_vaulttool(entries: list[dict], again: list[dict | None], config: TagConfig):
    """Tags of every entry (df over the entries, the vault's vocabulary built from them as
    ``reindex`` builds it), the time taken, and the tags of the second clips."""
    from vaulttool.core.tags.vocab import ALIAS_PREFIX, LOWER_PREFIX, Vocabulary

    tagger = Tagger(config)
    tagger.analyse("预热", "", "")  # loads jieba: not part of the timing
    start = time.perf_counter()
    analyses = [tagger.analyse(e["title"], e["description"], e["body"]) for e in entries]
    df: Counter[str] = Counter()
    for a in analyses:
        df.update(tagger.candidate_terms(a))
    declared = {t: n for t, n in df.items() if t.startswith((ALIAS_PREFIX, LOWER_PREFIX))}
    tagger.set_vocabulary(Vocabulary(declared, lambda keys: {k: df[k] for k in keys if k in df}, config.synonyms))
    tags = [tagger.choose(a, df, len(entries)) for a in analyses]
    seconds = time.perf_counter() - start
    second = [
        tagger.choose(tagger.analyse(e["title"], e["description"], e["body"]), df, len(entries)) if e else None
        for e in again
    ]
    return tags, seconds, second


# The tagger as it was (a checkout of an earlier commit, ``--old``), run in a child process on the same
# entries with the same steps (analyse all, count document frequencies once per entry, choose).
_OLD = r"""
import json, sys, time
from collections import Counter
sys.path.insert(0, sys.argv[1])
from vaulttool.core.tags.tagger import Tagger
entries = json.load(sys.stdin)
t = Tagger()
t.analyse("预热", "", "")
start = time.perf_counter()
an = [t.analyse(e["title"], e["description"], e["body"]) for e in entries]
df = Counter()
for a in an:
    df.update(t.candidate_terms(a))
tags = [t.choose(a, df, len(entries)) for a in an]
json.dump({"tags": tags, "seconds": time.perf_counter() - start}, sys.stdout, ensure_ascii=False)
"""


def run_old(entries: list[dict], old: Path):
    import json
    import subprocess

    payload = json.dumps([{k: e[k] for k in ("title", "description", "body")} for e in entries], ensure_ascii=False)
    out = subprocess.run([sys.executable, "-c", _OLD, str(old)], input=payload, capture_output=True, text=True,
                         check=True)
    got = json.loads(out.stdout)
    return got["tags"], got["seconds"]


_JIEBA = r"""
import json, logging, sys, time
import jieba, jieba.analyse
jieba.setLogLevel(logging.WARNING)
jieba.initialize()
jieba.analyse.extract_tags("预热", topK=5)
entries, again = json.load(sys.stdin)
ex = lambda e: jieba.analyse.extract_tags("\n".join((e["title"], e["description"], e["body"])), topK=5)
start = time.perf_counter()
tags = [ex(e) for e in entries]
seconds = time.perf_counter() - start
json.dump({"tags": tags, "seconds": seconds, "again": [ex(e) if e else None for e in again]}, sys.stdout)
"""


def run_jieba(entries: list[dict], again: list[dict | None]):
    """``jieba.analyse.extract_tags(text, topK=5)``, in a child process: jieba's own dictionary, without
    the words vaulttool adds to it."""
    import json
    import subprocess

    keep = ("title", "description", "body")
    payload = json.dumps([[{k: e[k] for k in keep} for e in entries],
                          [{k: e[k] for k in keep} if e else None for e in again]], ensure_ascii=False)
    out = subprocess.run([sys.executable, "-c", _JIEBA], input=payload, capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    return got["tags"], got["seconds"], got["again"]


def reuse(tags_per_entry: list[list[str]], min_clips: int = 3) -> float:
    """Share of the distinct tags that are on at least ``min_clips`` entries (unique URLs)."""
    per_tag = Counter(t for tags in tags_per_entry for t in {_norm(x) for x in tags})
    return sum(1 for c in per_tag.values() if c >= min_clips) / len(per_tag) if per_tag else 0.0


def write_sample(path: Path, entries: list[dict], tags: list[list[str]], n: int = 100, seed: int = 21) -> None:
    import random

    picked = sorted(random.Random(seed).sample(range(len(entries)), min(n, len(entries))))
    lines = [f"# Derived tags of {len(picked)} random unique clips (seed {seed})", "",
             "Rate each tag good / weak / junk (rules of issue 21). Made by "
             "`python benchmarks/tag_quality.py --sample FILE`.", ""]
    for k, i in enumerate(picked, 1):
        title = " ".join(entries[i]["title"].split())[:90]
        lines.append(f"{k}. {title}  \n   {entries[i]['url']}  \n   tags: {', '.join(tags[i]) or '(none)'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from benchmarks import tag_concepts

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N unique URLs")
    parser.add_argument("--show", type=int, default=0, help="print the tags of N sample notes")
    parser.add_argument("--no-baseline", action="store_true", help="skip jieba.analyse")
    parser.add_argument("--old", type=Path, help="a checkout of an earlier commit: its tagger in the same run")
    parser.add_argument("--sample", type=Path, help="write the tags of 100 random entries (see --seed) here")
    parser.add_argument("--seed", type=int, default=21,
                        help="seed of the --sample draw (21: the held-out sample that was rated; use another to read)")
    parser.add_argument("--concepts", action="store_true", help="one line per concept")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2

    entries, again = load_entries(args.corpus, args.limit)
    results, all_tags = {}, {}
    vt_tags, vt_seconds, vt_again = run_vaulttool(entries, again, TagConfig())
    results["vaulttool"] = score(entries, vt_tags, vt_seconds)
    results["vaulttool"]["stable"] = stability(vt_tags, vt_again)
    all_tags["vaulttool"] = vt_tags
    if args.old:
        old_tags, old_seconds = run_old(entries, args.old)
        results["vaulttool before"] = score(entries, old_tags, old_seconds)
        results["vaulttool before"]["stable"] = float("nan")
        all_tags["vaulttool before"] = old_tags
    if not args.no_baseline:
        jb_tags, jb_seconds, jb_again = run_jieba(entries, again)
        results["jieba.analyse top-5"] = score(entries, jb_tags, jb_seconds)
        results["jieba.analyse top-5"]["stable"] = stability(jb_tags, jb_again)
        all_tags["jieba.analyse top-5"] = jb_tags

    shown = " ".join(["python benchmarks/tag_quality.py"] + (argv if argv is not None else sys.argv[1:]))
    n_again = sum(1 for e in again if e)
    print(
        f"`{shown}`: {len(entries)} unique URLs, {results['vaulttool']['gold_notes']} with gold tags, "
        f"{n_again} clipped again with different text\n"
    )
    print(
        "| tagger | hit@5 | distinct tags | on ≥3 clips (reuse) | most common tag (share of notes) "
        "| stable (re-clips) | tags/note | tags/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        distinct = len({_norm(t) for ts in all_tags[name] for t in ts})
        print(
            f"| {name} | {r['hit']:.3f} | {distinct} | {reuse(all_tags[name]):.1%} | {r['top']} ({r['top_share']:.1%}) "
            f"| {r['stable']:.3f} | {r['per_note']:.2f} | {r['rate']:,.0f} |"
        )
    print("\n| tagger | concepts | mean recall | mean precision | on one tag | tags per concept |")
    print("|---|---|---|---|---|---|")
    per_concept = {}
    for name in [n for n in all_tags if n != "jieba.analyse top-5"]:
        for half, concepts in (("dev", tag_concepts.DEV), ("held out", tag_concepts.HELD_OUT)):
            rows = tag_concepts.evaluate(entries, all_tags[name], concepts)
            per_concept[name, half] = rows
            m = tag_concepts.summary(rows)
            print(f"| {name}, {half} | {m['concepts']} | {m['recall']:.2f} | {m['precision']:.2f} "
                  f"| {m['one_tag']:.0%} | {m['spread']:.1f} |")
    if args.concepts:
        for (name, half), rows in per_concept.items():
            print(f"\n{name}, {half}:")
            for r in rows:
                print(f"  {r['concept']}: about {r['about']}, naming {r['names']}, spread {r['spread']}, "
                      f"best {r['best']!r}: recall {r['recall']:.2f}, precision {r['precision']:.2f}")
    if args.sample:
        write_sample(args.sample, entries, vt_tags, seed=args.seed)
    if args.show:
        step = max(1, len(entries) // args.show)
        for e, tags in list(zip(entries, vt_tags))[::step][: args.show]:
            print(f"\n{e['url']}\n  gold: {e['gold']}\n  tags: {tags}\n  title: {e['title'][:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
