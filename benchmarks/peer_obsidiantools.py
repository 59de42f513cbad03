"""Run obsidiantools over a vault and say what it found (run with the interpreter of its own venv).

    <venv>/bin/python benchmarks/peer_obsidiantools.py VAULT

Does ``Vault(path).connect().gather()``, the call its documentation starts with, then prints one JSON
line: notes, distinct tags (and how many hold a CJK character), note-tag pairs, the most common tag,
wikilinks (and how many point at a note that exists), notes with backlinks. The benchmark times the
whole process from outside.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def main() -> int:
    vault_path = Path(sys.argv[1])
    t0 = time.perf_counter()
    from obsidiantools.api import Vault

    t1 = time.perf_counter()
    vault = Vault(vault_path).connect().gather()
    t2 = time.perf_counter()
    tags_index = vault.tags_index or {}
    per_tag = Counter(t.lower() for tags in tags_index.values() for t in set(tags or []))
    wikilinks = vault.wikilinks_index or {}
    names = {str(k).lower() for k in vault.md_file_index}
    total_links = sum(len(v or []) for v in wikilinks.values())
    resolved = sum(1 for v in wikilinks.values() for link in (v or []) if str(link).lower() in names)
    backlinked = sum(1 for v in (vault.backlinks_index or {}).values() if v)
    top, top_n = per_tag.most_common(1)[0] if per_tag else ("", 0)
    print(json.dumps({
        "notes": len(vault.md_file_index),
        "tags": len(per_tag),
        "cjk_tags": sum(1 for t in per_tag if _CJK.search(t)),
        "tag_pairs": sum(per_tag.values()),
        "top_tag": top,
        "top_tag_notes": top_n,
        "wikilinks": total_links,
        "wikilinks_to_existing": resolved,
        "notes_with_backlinks": backlinked,
        "import_s": t1 - t0,
        "gather_s": t2 - t1,
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
