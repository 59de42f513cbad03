"""Read-only use-cases over the index: query by tag, list tags, backlinks, one note's facts.

Nothing here imports jieba, markdown-it or ruamel: ``vaulttool query`` must start fast.
"""

from __future__ import annotations

import json
import re
import sqlite3

from vaulttool.errors import UsageError
from vaulttool.store import Store

__all__ = ["query", "tag_counts", "backlinks", "find_note", "show"]

_SORTS = {"created": "coalesce(n.created, '')", "title": "n.title COLLATE NOCASE", "path": "n.path"}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ][0-9:.+\-Z]+)?)?)?$")


def _note_dict(row: sqlite3.Row, tags: list[str]) -> dict:
    return {"path": row["path"], "title": row["title"], "tags": tags, "created": row["created"],
            "source": row["source"], "site": row["site"], "description": row["description"]}


def _tags_for(store: Store, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in ids}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = store.conn.execute(
            f"SELECT note_id, tag FROM note_tags WHERE note_id IN ({','.join('?' * len(chunk))}) ORDER BY note_id, pos",
            chunk)
        for note_id, tag in rows:
            out[note_id].append(tag)
    return out


def query(store: Store, tag_exprs: list[str], *, site: str | None = None, since: str | None = None,
          until: str | None = None, sort: str = "-created", limit: int | None = None) -> list[dict]:
    """Notes matching every tag expression (zk syntax) and the filters, as dicts."""
    from vaulttool.core.tagexpr import combine_and, to_sql

    where, params = ["n.kind != 'page'"], []
    if tag_exprs:
        sql, p = to_sql(combine_and(tag_exprs), "n.id")
        where.append(sql)
        params.extend(p)
    if site:
        where.append("n.site = ? COLLATE NOCASE")
        params.append(site)
    for value, op, name in ((since, ">=", "--since"), (until, "<", "--until")):
        if value:
            if not _DATE.match(value):
                raise UsageError(f"{name} wants a date like 2025-04-01, not {value!r}")
            # --until is inclusive of the whole day given
            bound = value if op == ">=" else value + "\uffff"
            where.append(f"n.created {op} ?")
            params.append(bound)
    desc = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in _SORTS:
        raise UsageError(f"--sort is one of created, title, path (with - for descending), not {sort!r}")
    order = f"{_SORTS[key]} {'DESC' if desc else 'ASC'}, n.path"
    sql = f"SELECT n.* FROM notes n WHERE {' AND '.join(where)} ORDER BY {order}"
    if limit is not None:
        if limit < 0:
            raise UsageError("--limit must be 0 or more")
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.conn.execute(sql, params).fetchall()
    tags = _tags_for(store, [r["id"] for r in rows])
    return [_note_dict(r, tags[r["id"]]) for r in rows]


def tag_counts(store: Store, sort: str = "count") -> list[tuple[str, int]]:
    """Every tag with its note count, spelled as most notes spell it."""
    rows = store.conn.execute(
        "SELECT t.key, t.tag, count(*) FROM note_tags t JOIN notes n ON n.id = t.note_id"
        " WHERE n.kind != 'page' GROUP BY t.key, t.tag").fetchall()
    best: dict[str, tuple[str, int, int]] = {}
    for key, tag, n in rows:
        spelling, total, top = best.get(key, (tag, 0, -1))
        if n > top or (n == top and tag < spelling):
            spelling, top = tag, n
        best[key] = (spelling, total + n, top)
    out = [(spelling, total) for spelling, total, _ in best.values()]
    if sort == "name":
        out.sort(key=lambda x: (x[0].casefold(), x[0]))
    elif sort == "count":
        out.sort(key=lambda x: (-x[1], x[0].casefold(), x[0]))
    else:
        raise UsageError(f"--sort is count or name, not {sort!r}")
    return out


def find_note(store: Store, name: str) -> str:
    """The path of the note ``name`` designates: a vault path (with or without ``.md``) or a name as
    written in a wikilink. Raises UsageError when there is none or it is ambiguous."""
    from vaulttool.core.links import Resolver
    from vaulttool.core.model import Link

    name = name.strip().removeprefix("[[").removesuffix("]]").split("|")[0].split("#")[0]
    if not name:
        raise UsageError("give a note: a path or a name as in a wikilink")
    if store.note(name) is not None:
        return name
    if store.note(name + ".md") is not None:
        return name + ".md"
    status, path = Resolver(store.paths()).resolve(Link("wikilink", name), "")
    if status == "ok" and path:
        return path
    if status == "ambiguous":
        from vaulttool.core.links import name_key

        options = ", ".join(sorted(store.paths_by_name_key(name_key(name))))
        raise UsageError(f"{name!r} names more than one note ({options}): give the path")
    raise UsageError(f"no such note: {name}")


def backlinks(store: Store, path: str) -> list[dict]:
    rows = store.conn.execute(
        "SELECT n.path, n.title, l.line, l.raw, l.kind, l.context FROM links l JOIN notes n ON n.id = l.note_id"
        " WHERE l.resolved = ? AND n.kind != 'page' ORDER BY n.path, l.line", (path,)).fetchall()
    return [{"path": r["path"], "title": r["title"], "line": r["line"], "link": r["raw"], "kind": r["kind"],
             "context": r["context"]} for r in rows]


def show(store: Store, path: str) -> dict:
    row = store.note(path)
    if row is None:
        raise UsageError(f"no such note: {path}")
    links = store.conn.execute(
        "SELECT line, kind, raw, target, status, resolved FROM links WHERE note_id=? ORDER BY line, id",
        (row["id"],)).fetchall()
    out = _note_dict(row, store.tags_of(path))
    out["properties"] = json.loads(row["props"])
    out["kind"] = row["kind"]
    if row["error"]:
        out["error"] = row["error"]
    out["links"] = [dict(r) for r in links]
    out["backlinks"] = backlinks(store, path)
    return out
