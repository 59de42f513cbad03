"""Read-only use-cases over the index: query by tag, list tags, backlinks, one note's facts.

Nothing here imports jieba, markdown-it or ruamel: ``vaulttool query`` must start fast.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable

from vaulttool.errors import UsageError
from vaulttool.index.store import Store

__all__ = ["query", "tag_counts", "backlinks", "find_note", "show", "related"]

_SORTS = {"created": "coalesce(n.created, '')", "title": "n.title COLLATE NOCASE", "path": "n.path"}
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])([T ][0-9:.+\-Z]+)?)?)?$")


def _note_dict(row: sqlite3.Row, tags: list[str]) -> dict:
    return {"path": row["path"], "title": row["title"], "tags": tags, "created": row["created"],
            "source": row["source"], "site": row["site"], "description": row["description"]}


_FIELDS = ("path", "title", "tags", "created", "source", "site", "description")
_TAG_LIST = ("(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM note_tags WHERE note_id = n.id"
             " ORDER BY pos))")  # an index older than schema 5 has no tag_list column


def _tags_column(store: Store) -> str:
    """An SQL expression for the tags of note ``n`` in order, joined by U+001F."""
    return "n.tag_list" if store.schema >= 5 else _TAG_LIST


def _tags(joined: str | None) -> list[str]:
    return joined.split("\x1f") if joined else []


def _with_aliases(store: Store, expr):
    """The expression with every tag widened to the names of its concept (the index's alias table)."""
    from vaulttool.core.query.exprmatch import expand_aliases
    from vaulttool.index.vocab import aliases_for

    return expand_aliases(expr, lambda key: aliases_for(store.conn, key))


def _query_where(store: Store, tag_exprs: list[str], site: str | None, since: str | None,
                 until: str | None) -> tuple[list[str], list]:
    """The WHERE terms (and their parameters) of a query over ``notes n``."""
    from vaulttool.core.query.tagexpr import combine_and, to_sql

    where, params = ["n.kind != 'page'"], []
    if tag_exprs:
        sql, p = to_sql(_with_aliases(store, combine_and(tag_exprs)), "n.id")
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
    return where, params


def count(store: Store, tag_exprs: list[str], *, site: str | None = None, since: str | None = None,
          until: str | None = None) -> int:
    """How many notes :func:`query` would list without a limit."""
    where, params = _query_where(store, tag_exprs, site, since, until)
    return store.conn.execute(f"SELECT count(*) FROM notes n WHERE {' AND '.join(where)}", params).fetchone()[0]


def query(store: Store, tag_exprs: list[str], *, site: str | None = None, since: str | None = None,
          until: str | None = None, sort: str = "-created", limit: int | None = None,
          fields: Iterable[str] | None = None) -> list[dict]:
    """Notes matching every tag expression (zk syntax) and the filters, as dicts of ``fields`` (by
    default all of: path, title, tags, created, source, site, description)."""
    where, params = _query_where(store, tag_exprs, site, since, until)
    desc = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in _SORTS:
        raise UsageError(f"--sort is one of created, title, path (with - for descending), not {sort!r}")
    order = f"{_SORTS[key]} {'DESC' if desc else 'ASC'}, n.path"
    fields = list(_FIELDS) if fields is None else [f for f in _FIELDS if f in set(fields)]
    if not fields:
        raise UsageError(f"fields are some of {', '.join(_FIELDS)}")
    tag_list = _tags_column(store)
    cols = ", ".join(f"{tag_list} AS tags" if f == "tags" else f"n.{f}" for f in fields)
    sql = f"SELECT {cols} FROM notes n WHERE {' AND '.join(where)} ORDER BY {order}"
    if limit is not None:
        if limit < 0:
            raise UsageError("--limit must be 0 or more")
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.conn.execute(sql, params).fetchall()
    if "tags" not in fields:
        return [dict(zip(fields, r)) for r in rows]
    at = fields.index("tags")
    out = []
    for r in rows:
        note = dict(zip(fields, r))
        note["tags"] = _tags(r[at])
        out.append(note)
    return out


def tag_aliases(store: Store) -> dict[str, list[str]]:
    """Tag (as :func:`tag_counts` spells it) -> the other names of its concept that the vault links
    to it (declared in the notes' text, synonyms, renames); only tags that have some."""
    from vaulttool.core.tags.rules import tag_key
    from vaulttool.index.vocab import alias_table

    table = alias_table(store.conn)
    out = {}
    for tag, _n in tag_counts(store):
        names = [n for n in table.get(tag_key(tag), []) if tag_key(n) != tag_key(tag)]
        if names:
            out[tag] = names
    return out


def tag_counts(store: Store, sort: str = "count") -> list[tuple[str, int]]:
    """Every tag with its note count, spelled as most notes spell it. A tag that is another name of a
    concept (an alias the vault links to a tag) is counted with that tag (a note holding both once)."""
    # every tag from the covering index, less the tags of generated pages (rarely any)
    counts = {(key, tag): n for key, tag, n in store.conn.execute(
        "SELECT key, tag, count(*) FROM note_tags GROUP BY key, tag")}
    for key, tag, n in store.conn.execute(
            "SELECT t.key, t.tag, count(*) FROM notes n JOIN note_tags t ON t.note_id = n.id"
            " WHERE n.kind = 'page' GROUP BY t.key, t.tag"):
        counts[key, tag] -= n
    from vaulttool.core.tags.rules import tag_key
    from vaulttool.index.vocab import alias_table

    folded: dict[str, str] = {}  # the key of an alias -> the key of its concept's tag
    for canonical, names in alias_table(store.conn).items():
        for name in names:
            if tag_key(name) != canonical:
                folded[tag_key(name)] = canonical
    if folded:
        merged: dict[tuple[str, str], int] = {}
        for (key, tag), n in counts.items():
            if key in folded:
                continue  # counted below, as the notes holding the concept
            merged[key, tag] = n
        for canonical in set(folded.values()):
            keys = [canonical, *(k for k, c in folded.items() if c == canonical)]
            holders = store.conn.execute(
                f"SELECT count(DISTINCT t.note_id) FROM note_tags t JOIN notes n ON n.id = t.note_id"
                f" WHERE n.kind != 'page' AND t.key IN ({','.join('?' * len(keys))})", keys).fetchone()[0]
            own = [(k, t) for (k, t) in counts if k == canonical]
            spelt = max(own, key=lambda kt: counts[kt])[1] if own else None
            if spelt is None:
                spelt = next((t for (k, t) in counts if k in keys), None)
            if spelt is None or not holders:
                continue
            for kt in own:
                merged.pop(kt, None)
            merged[canonical, spelt] = holders
        counts = merged
    best: dict[str, tuple[str, int, int]] = {}
    for (key, tag), n in counts.items():
        if n <= 0:
            continue
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
    from vaulttool.core.links.resolve import Resolver
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
        from vaulttool.core.links.resolve import name_key

        options = ", ".join(sorted(store.paths_by_name_key(name_key(name))))
        raise UsageError(f"{name!r} names more than one note ({options}): give the path")
    raise UsageError(f"no such note: {name} (neither a file of the current folder nor a path or a name "
                     "the index knows)")


def backlinks(store: Store, path: str) -> list[dict]:
    rows = store.conn.execute(
        "SELECT n.path, n.title, l.line, l.raw, l.kind, l.context FROM links l JOIN notes n ON n.id = l.note_id"
        " WHERE l.resolved = ? AND n.kind != 'page' ORDER BY n.path, l.line", (path,)).fetchall()
    return [{"path": r["path"], "title": r["title"], "line": r["line"], "link": r["raw"], "kind": r["kind"],
             "context": r["context"]} for r in rows]


def show(store: Store, path: str, clip_folders=None) -> dict:
    row = store.note(path)
    if row is None:
        raise UsageError(f"no such note: {path}")
    links = store.conn.execute(
        "SELECT line, kind, raw, target, status, resolved FROM links WHERE note_id=? ORDER BY line, id",
        (row["id"],)).fetchall()
    out = _note_dict(row, store.tags_of(path))
    out["properties"] = json.loads(row["props"])
    out["kind"] = row["kind"]
    if row["kind"] == "note":
        from vaulttool.core.clip.formats import weak_evidence

        why = weak_evidence(out["properties"], path, clip_folders)
        if why:
            out["not_a_clip"] = why
    if row["error"]:
        out["error"] = row["error"]
    out["links"] = [dict(r) for r in links]
    out["backlinks"] = backlinks(store, path)
    lang = store.conn.execute("SELECT term FROM note_terms WHERE note_id = ? AND term >= char(4) AND term < char(5)",
                              (row["id"],)).fetchone()
    if lang:
        names = {"ja": "Japanese", "ko": "Korean"}
        out["tags_note"] = (f"no derived tags: {names.get(lang[0][1:], lang[0][1:])} text, which the Chinese "
                            "segmenter does not know")
    return out


def related(store: Store, path: str, *, limit: int = 10) -> list[dict]:
    """The notes most like ``path``: shared terms and tags, each weighted by how rare it is in the
    vault (notes with the same URL are left out: they are duplicates, not relatives)."""
    import math

    row = store.note(path)
    if row is None:
        raise UsageError(f"no such note: {path}")
    n_docs = max(1, store.conn.execute("SELECT count(*) FROM notes WHERE kind NOT IN ('page', 'conflict')").fetchone()[0])
    scores: dict[int, float] = {}
    for table, col, weight in (("note_terms", "term", 1.0), ("note_tags", "key", 2.0)):
        items = store.conn.execute(
            f"SELECT b.note_id, count(*) OVER (PARTITION BY a.{col}) AS df FROM {table} a"
            f" JOIN {table} b ON b.{col} = a.{col} AND b.note_id != a.note_id WHERE a.note_id = ?", (row["id"],))
        for other, df in items:
            scores[other] = scores.get(other, 0.0) + weight * math.log(1 + n_docs / (1 + df))
    if not scores:
        return []
    ids = sorted(scores, key=lambda i: (-scores[i], i))
    out = []
    for i in range(0, len(ids), 200):
        chunk = ids[i : i + 200]
        q = ",".join("?" * len(chunk))
        found = {r["id"]: r for r in store.conn.execute(
            f"SELECT id, path, title, url_key, kind FROM notes WHERE id IN ({q})", chunk)}
        for note_id in chunk:
            r = found.get(note_id)
            if r is None or r["kind"] in ("page", "conflict"):
                continue
            if row["url_key"] and r["url_key"] == row["url_key"]:
                continue
            out.append({"path": r["path"], "title": r["title"], "score": round(scores[note_id], 3)})
            if len(out) >= limit:
                return out
    return out
