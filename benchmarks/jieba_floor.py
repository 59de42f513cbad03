"""The floor for tagging work: ``jieba.cut`` over exactly the text vaulttool tokenises, one process.

    python benchmarks/jieba_floor.py CORPUS_DIR

The text of a clip is its title, its AI summary and its raw summary with HTML tags stripped (``<br>``
as a line break, entities decoded), the three fields vaulttool's tagger analyses. Every clip of the
folder is read (duplicates too, as ``reindex`` reads them all). The whole run, Python start-up,
reading the files, importing jieba and loading its dictionary included, is what the benchmark times
from outside; the lines printed here split it up.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
from pathlib import Path

_SECTION = re.compile(r"^## (.+?)[ \t]*$", re.MULTILINE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clip_text(text: str) -> str:
    first = text.split("\n", 1)[0]
    title = first[2:].strip() if first.startswith("# ") else ""
    sections: dict[str, str] = {}
    marks = list(_SECTION.finditer(text))
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        sections[mark.group(1)] = text[mark.end():end].strip()
    raw = html.unescape(_TAG.sub("", _BR.sub("\n", sections.get("原始摘要", ""))))
    return "\n".join((title, sections.get("AI 摘要", ""), raw))


def main() -> int:
    corpus = Path(sys.argv[1])
    t0 = time.perf_counter()
    texts = []
    for path in sorted(corpus.rglob("*.md")):
        if path.name in ("SOURCE.md", "README.md") or any(p.startswith(".") for p in path.relative_to(corpus).parts):
            continue
        texts.append(clip_text(path.read_text(encoding="utf-8", errors="replace")))
    t1 = time.perf_counter()
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    t2 = time.perf_counter()
    tokens = 0
    for text in texts:
        tokens += sum(1 for _ in jieba.cut(text))
    t3 = time.perf_counter()
    chars = sum(len(t) for t in texts)
    print(json.dumps({"clips": len(texts), "chars": chars, "tokens": tokens, "read_s": t1 - t0,
                      "init_s": t2 - t1, "cut_s": t3 - t2, "chars_per_s": chars / (t3 - t2) if t3 > t2 else 0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
