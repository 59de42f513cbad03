"""The index's side of the tag vocabulary: the counted markers the tagger records as terms (declared
aliases, English words written in lower case; see :mod:`vaulttool.core.tags.vocab`) and the table of
tag aliases that ``query --tag`` and ``tags`` read."""

from __future__ import annotations

import sqlite3
from typing import Iterable

__all__ = ["marker_counts", "write_aliases", "aliases_for", "alias_table"]


def marker_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Every marker term (``\\x01...``, ``\\x02...``) with the number of unique URLs holding it."""
    return dict(conn.execute(
        "SELECT t.term, count(DISTINCT coalesce(n.url_key, 'id:' || n.id)) FROM note_terms t"
        " JOIN notes n ON n.id = t.note_id AND n.kind NOT IN ('page', 'conflict')"
        " WHERE t.term >= char(1) AND t.term < char(3) GROUP BY t.term"))


def has_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'tag_aliases'").fetchone() is not None


def write_aliases(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str, str, str]]) -> bool:
    """Replace the alias table with ``(name_key, name, tag, tag_key, source)`` rows; True when it changed."""
    if not has_table(conn):
        return False
    new = sorted(set(rows))
    old = sorted(tuple(r) for r in conn.execute("SELECT name_key, name, tag, tag_key, source FROM tag_aliases"))
    if new == old:
        return False
    conn.execute("DELETE FROM tag_aliases")
    conn.executemany("INSERT OR REPLACE INTO tag_aliases VALUES (?,?,?,?,?)", new)
    return True


def aliases_for(conn: sqlite3.Connection, name_key: str) -> list[str]:
    """The tag and every other name of the concept ``name_key`` (a concept key) is a name of, as
    spelt (empty when it is no alias)."""
    try:
        row = conn.execute("SELECT tag_key, tag FROM tag_aliases WHERE name_key = ?", (name_key,)).fetchone()
    except sqlite3.OperationalError:  # an index older than the vocabulary
        return []
    if row is None:
        return []
    names = {row[1]}
    names.update(r[0] for r in conn.execute("SELECT name FROM tag_aliases WHERE tag_key = ?", (row[0],)))
    return sorted(names)


def alias_table(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """tag key -> the other names of its concept (their spellings)."""
    out: dict[str, list[str]] = {}
    try:
        rows = conn.execute("SELECT tag_key, name FROM tag_aliases ORDER BY tag_key, name").fetchall()
    except sqlite3.OperationalError:
        return out
    for key, name in rows:
        out.setdefault(key, []).append(name)
    return out
