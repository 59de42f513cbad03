"""Reading the index for the page build: a connection answering with plain tuples, long ``IN`` lists
cut into chunks, which notes the pages leave out, and small helpers over tag keys."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from vaulttool.core.links.resolve import name_key
from vaulttool.pages.render import TagInfo

__all__ = ["CHUNK", "HIDDEN", "HIDDEN_SQL", "Plain", "ancestors", "chunks", "marks", "nk", "tag_infos"]

CHUNK = 500  # values in one IN list

# Notes not listed, whose links do not count: pages of a former pages folder (front matter with
# generated_by) and the copies a sync tool made of a note edited in two places (listed as conflicts).
HIDDEN = ("page", "conflict")
HIDDEN_SQL = "('page', 'conflict')"

# name_key, remembered for the names an incremental build looks up more than once (a bounded cache: a
# full build meets every note's name, which are not worth keeping).
nk = lru_cache(maxsize=8192)(name_key)


def chunks(items: Iterable, n: int | None = None):
    """``items`` as lists of at most ``n`` (:data:`CHUNK`)."""
    n = n or CHUNK
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i : i + n]


def marks(n: int) -> str:
    """``n`` SQL parameter marks, comma-separated."""
    return ",".join("?" * n)


class Plain:
    """The index's connection, answering with plain tuples (lighter than ``sqlite3.Row`` by far when
    reading every tag or link of a large vault) and with repeated strings shared."""

    def __init__(self, conn: sqlite3.Connection):
        self.raw = conn

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        cur = self.raw.cursor()
        cur.row_factory = None
        return cur.execute(sql, params)

    def executemany(self, sql: str, rows) -> None:
        self.raw.executemany(sql, rows)


def ancestors(key: str) -> list[str]:
    """The keys of the tags a nested tag sits under: ``a/b/c`` -> ``a``, ``a/b``."""
    parts = key.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def tag_infos(counts: Counter) -> dict[str, TagInfo]:
    """key -> TagInfo from notes per (key, spelling): the spelling most notes use (ties: the smallest)."""
    best: dict[str, tuple[int, str]] = {}
    total: Counter = Counter()
    for (key, tag), n in counts.items():
        total[key] += n
        b = best.get(key)
        if b is None or (-n, tag) < (-b[0], b[1]):
            best[key] = (n, tag)
    return {k: TagInfo(k, best[k][1], total[k]) for k in best}
