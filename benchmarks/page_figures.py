"""How many generated pages, how large, and how many a new clip rewrites, in each page style.

On a fresh copy of the corpus (never the corpus itself), with default settings but ``page_style``:

1. a cold ``reindex`` (``obsidian``, the default); then a copy of that vault set to ``portable`` and
   ``reindex``ed again (only the pages change);
2. per style: the generated files (count and bytes) against the notes (count and bytes, outside the
   pages folder and ``.vaulttool/``), and the largest page;
3. per style: one new clip (a corpus clip given a new URL and title, dated after every other clip)
   and ``reindex``: the pages written; then ``reindex`` again: the pages written (should be 0); then a
   re-clip of a URL already in the vault: the pages written.

Each ``reindex`` is a whole process (``python -m vaulttool --vault V reindex --format json``). Usage::

    nice -n 10 .venv/bin/python benchmarks/page_figures.py [--corpus PATH] [--tmp DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "ai-info-clips"


def reindex(vault: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(vault), "reindex", "--format", "json"],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise SystemExit(f"reindex failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def sizes(vault: Path, folder: str = "_index") -> dict:
    notes = n_bytes = pages = p_bytes = 0
    largest = (0, "")
    for dirpath, dirnames, filenames in os.walk(vault):
        rel = os.path.relpath(dirpath, vault)
        top = rel.split(os.sep)[0]
        if top == ".vaulttool":
            dirnames[:] = []
            continue
        for name in filenames:
            size = os.path.getsize(os.path.join(dirpath, name))
            if top == folder:
                pages += 1
                p_bytes += size
                largest = max(largest, (size, os.path.join(rel, name)))
            elif name.endswith(".md"):
                notes += 1
                n_bytes += size
    return {"notes": notes, "note_bytes": n_bytes, "pages": pages, "page_bytes": p_bytes,
            "pages_per_note": round(pages / notes, 4), "bytes_per_note_byte": round(p_bytes / n_bytes, 4),
            "largest_page": largest[1], "largest_page_bytes": largest[0]}


def configure(vault: Path, style: str) -> None:
    (vault / ".vaulttool").mkdir(exist_ok=True)
    (vault / ".vaulttool" / "config.toml").write_text(f'page_style = "{style}"\n', encoding="utf-8")


def raw_clip(corpus: Path) -> Path:
    """A corpus clip in its raw format (one with a **URL** line), the first in name order."""
    for path in sorted(corpus.rglob("*.md")):
        if path.name != "SOURCE.md" and "**URL**:" in path.read_text(encoding="utf-8", errors="replace"):
            return path
    raise SystemExit("no raw clip with a **URL** line in the corpus")


def new_clip(vault: Path, template: Path, n: int, same_url: bool) -> None:
    text = template.read_text(encoding="utf-8")
    if not same_url:
        lines = text.split("\n")
        lines[0] = f"# 新的剪藏 {n}：{lines[0].lstrip('# ')}"
        text = "\n".join(lines)
        text = text.replace("**URL**: ", f"**URL**: https://example.org/new-clip/{n}?from=", 1)
    text = re.sub(r"(保存时间\*\*: ).*", rf"\g<1>2099-01-0{n}T08:00:00Z", text, count=1)
    folder = vault / "2099-01-01"
    folder.mkdir(exist_ok=True)
    (folder / f"new clip {n}{' again' if same_url else ''}.md").write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--tmp", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vaulttool-pages-", dir=args.tmp))
    template = raw_clip(args.corpus)
    results = {}
    try:
        first = work / "obsidian"
        shutil.copytree(args.corpus, first, ignore=shutil.ignore_patterns("SOURCE.md"))
        configure(first, "obsidian")
        cold = reindex(first)
        second = work / "portable"
        shutil.copytree(first, second)
        configure(second, "portable")
        restyled = reindex(second)
        for style, vault, run in (("obsidian", first, cold), ("portable", second, restyled)):
            r = sizes(vault)
            r["first_run_pages_written"] = run["pages_written"]
            new_clip(vault, template, 1, same_url=False)
            r["new_clip_pages_written"] = reindex(vault)["pages_written"]
            r["second_run_pages_written"] = reindex(vault)["pages_written"]
            new_clip(vault, template, 2, same_url=True)
            r["reclip_pages_written"] = reindex(vault)["pages_written"]
            results[style] = r
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
