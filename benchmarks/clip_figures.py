"""Figures for clip recognition, renames and titles, over the real corpus, the golden cases of every
format and a vault's own notes (all copied to a temporary vault first; nothing is written in place).

    .venv/bin/python benchmarks/clip_figures.py [--corpus ../shared/corpus/ai-info-clips]

Prints, per format: notes recognised, renamed, where their titles came from; for the corpus format,
how many titles vaulttool changed and why; and the links not kept as links.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vaulttool.core.clip import formats  # noqa: E402
from vaulttool.core.frontmatter import split  # noqa: E402
from vaulttool.core.textio import decode  # noqa: E402

TITLE_FROM = {
    "web-clipper": "its `title` property",
    "markdownload": "`title` property, else the `# Title` line",
    "cubox": "the `# Title` line",
    "simpread": "the file name",
    "readwise": "`Full Title` of `## Metadata`",
    "omnivore": "its `title` property, else the `# Title` line",
    "ai-info": "the `# title` line, cleaned",
}
REASONS = [
    ("hashtag marks #话题#", re.compile(r"#[^#\n]{1,60}#")),
    ("repost chain //@ or - 转发 @", re.compile(r"//@|\s-\s转发\s*@")),
    ("网页链接 anchor text", re.compile(r"网页链接")),
    ("the cut's trailing ...", re.compile(r"(?:\.{3}|…)\s*$")),
    ("HTML entities", re.compile(r"&(?:[A-Za-z]+|#\d+);")),
    ("emoticon codes [..]", re.compile(r"\[[\u4e00-\u9fff\w]{1,8}\]")),
]


def build(work: Path, corpus: Path) -> Path:
    from tests.test_normalise_golden import CASES, rel_of

    root = work / "vault"
    shutil.copytree(corpus, root, ignore=shutil.ignore_patterns("LICENSE", "SOURCE.md"))
    shutil.copytree(ROOT / "tests" / "fixtures" / "own-notes", root / "Own")
    for case in CASES:
        target = root / "Fixtures" / case.parent.name / rel_of(case)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(case, target)
    (root / ".obsidian").mkdir()
    (root / ".vaulttool").mkdir()
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    return root


def main() -> int:
    from vaulttool.usecases.reindex import reindex
    from vaulttool.usecases.report import Reporter
    from vaulttool.usecases.session import open_session

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "ai-info-clips"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = build(Path(tmp), Path(args.corpus))
        before = {}
        for p in root.rglob("*.md"):
            rel = p.relative_to(root).as_posix()
            text = decode(p.read_bytes()).text
            sp = split(text)
            fmt = formats.detect(text, sp, rel)
            weak = sp.status == "ok" and formats.weak_evidence(sp.data, rel)
            before[rel] = (fmt or ("own (weak evidence)" if weak else "own"), text)
        with open_session(root, "reindex") as session:
            summary = reindex(session, Reporter(), jobs=2)
        moves = {}
        for line in (root / ".vaulttool" / "originals" / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            moves[entry["path"]] = entry["new_path"]
        seen: Counter = Counter()
        written: Counter = Counter()
        renamed: Counter = Counter()
        changed: Counter = Counter()
        why: Counter = Counter()
        examples: dict[str, list] = defaultdict(list)
        for rel, (fmt, text) in before.items():
            group = "corpus" if not rel.startswith(("Own/", "Fixtures/")) else "fixtures/own"
            seen[(fmt, group)] += 1
            if rel not in moves:
                continue
            written[(fmt, group)] += 1
            if moves[rel] != rel:
                renamed[(fmt, group)] += 1
            if fmt == "ai-info" and group == "corpus":
                raw = text.split("\n", 1)[0][2:].strip()
                new = str(split(decode((root / moves[rel]).read_bytes()).text).data.get("title", ""))
                if new != raw:
                    changed["titles changed"] += 1
                    for name, rx in REASONS:
                        if rx.search(raw):
                            why[name] += 1
                            if len(examples[name]) < 2:
                                examples[name].append((raw[:70], new[:70]))
                else:
                    changed["titles as they were"] += 1
        print("| format | set | recognised | written | renamed | title from |")
        print("| --- | --- | --- | --- | --- | --- |")
        for (fmt, group), n in sorted(seen.items()):
            print(f"| {fmt} | {group} | {n} | {written[(fmt, group)]} | {renamed[(fmt, group)]} | "
                  f"{TITLE_FROM.get(fmt, '-')} |")
        print()
        print(f"corpus ai-info titles: {dict(changed)}")
        for name, _ in REASONS:
            print(f"  {name}: {why[name]} titles; e.g. {examples[name][:1]}")
        print(f"links not kept as links: {summary.links_dropped}")
        print(f"run: {summary.line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
