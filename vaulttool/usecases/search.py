"""``vaulttool search``: notes holding the words, ranked, one per source URL, with snippets.

The full-text table (schema 7, :mod:`vaulttool.core.query.searchtext`) answers a Han term exactly as a
substring match would and a Latin word as a whole-word match; terms with symbols are checked against
the note's own text (:meth:`vaulttool.core.query.search.Query.matches`). Ranking is bm25 with the
title weighted 10, the tags 5 and the body 1, ties broken by path; ``sort`` may ask for the newest
(``created``) or by title instead. Copies of one clip (the same source URL) are one result by
default, the best ranked of them shown and the others counted (``copies``); ``all_copies`` lists them.
"""

from __future__ import annotations

from collections.abc import Callable

from vaulttool.errors import UsageError
from vaulttool.index.store import Store

__all__ = ["search", "body_reader"]

_W = "bm25(fts, 10.0, 5.0, 1.0)"
_SORTS = {"relevance": "score, n.path", "created": "coalesce(n.created, '') DESC, n.path",
          "title": "n.title COLLATE NOCASE, n.path"}
_PAD = 20


def body_reader(session) -> Callable[[str], str | None]:
    """``read_body`` for :func:`search`: a note's body as its file holds it now (UTF-8 read directly,
    front matter skipped unparsed; other encodings through the session's full reader), None when it
    cannot be read."""
    from vaulttool.core.query.snippet import body_of
    from vaulttool.errors import NoteError

    def read(rel: str) -> str | None:
        try:
            data, _ = session.vault.read(rel)
        except (NoteError, OSError):
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return session.body_of(rel)
        return body_of(text) if "\x00" not in text else None

    return read


def _group(row: dict) -> str:
    return row["url_key"] or f"id:{row['id']}"


def search(store: Store, text: str, tag_exprs: list[str] | None = None, *, limit: int = 20,
           read_body: Callable[[str], str | None] | None = None, site: str | None = None,
           since: str | None = None, until: str | None = None, sort: str = "relevance",
           all_copies: bool = False, pinyin: bool = False, info: dict | None = None) -> list[dict]:
    """Notes matching a full-text query (see :mod:`vaulttool.core.query.search`), as dicts: path,
    title, score, snippet (the note's own text, matches marked ``**so**``), tags, created, source,
    copies (how many other matching notes share its source URL). ``read_body(path)`` gives a note's
    body (for snippets, and to check terms with symbols). ``pinyin``: each word of ``text`` is
    pinyin (full or initials) and stands for the vault's Han words that read so; ``info`` (a dict)
    receives ``pinyin``: word -> the Han words searched for it."""
    from vaulttool.core.query.search import parse, to_fts
    from vaulttool.core.query.snippet import snippet
    from vaulttool.usecases.reads import _query_where, _tags, _tags_column

    if limit < 0:
        raise UsageError("--limit must be 0 or more")
    if sort not in _SORTS:
        raise UsageError(f"--sort is one of {', '.join(_SORTS)}, not {sort!r}")
    if not store.has_search_table():
        raise UsageError("the index was made by an older vaulttool: run `vaulttool reindex` once to "
                         "upgrade it (every note is read again)")
    from vaulttool.core.query.searchtext import use_table

    table = store.load_fold()
    if table:  # fold the words as the index folded the notes (and OpenCC need not be loaded)
        use_table(table)
    if pinyin:
        from vaulttool.usecases.pinyin_search import expand

        text = expand(store, text, info)
    query = parse(text)
    match = to_fts(query)
    where, params = _query_where(store, list(tag_exprs or []), site, since, until)
    cols = f"n.id, n.path, n.title, n.created, n.source, n.url_key, {_tags_column(store)} AS tags"
    filtered = bool(tag_exprs or site or since or until)
    if limit == 0:
        return []

    def full() -> list[dict]:
        return [dict(r) for r in store.conn.execute(
            f"SELECT {cols}, {_W} AS score FROM fts JOIN notes n ON n.id = fts.rowid"
            f" WHERE fts MATCH ? AND {' AND '.join(where)} ORDER BY {_SORTS[sort]}", [match, *params])]

    bodies: dict[str, str | None] = {}
    if query.check:  # (a note that cannot be read now cannot be checked: it is left out)
        rows = []
        for r in full():
            body = bodies[r["path"]] = read_body(r["path"]) if read_body else None
            if body is not None and query.matches("\n".join((r["title"], " ".join(_tags(r["tags"])), body))):
                rows.append(r)
        counts: dict[str, int] | None = _count(rows)
    elif sort != "relevance" or filtered:
        rows = full()
        counts = _count(rows)
    else:
        rows = _shortlist(store, match, cols, limit if all_copies else None, limit)
        counts = None
    if all_copies:
        hits = rows[:limit]
    else:
        seen: set[str] = set()
        hits = []
        for r in rows:
            g = _group(r)
            if g not in seen:
                seen.add(g)
                hits.append(r)
                if len(hits) >= limit:
                    break
    if counts is None:
        counts = _copies(store, match, hits)
    patterns = [p for t in query.terms() for p in t.patterns]
    out = []
    for r in hits:
        body = bodies[r["path"]] if r["path"] in bodies else read_body(r["path"]) if read_body else None
        out.append({"path": r["path"], "title": r["title"], "score": round(-r["score"], 4),
                    "snippet": snippet(body, patterns) if body else "", "tags": _tags(r["tags"]),
                    "created": r["created"], "source": r["source"],
                    "copies": counts.get(_group(r), 1) - 1})
    return out


def _count(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        g = _group(r)
        counts[g] = counts.get(g, 0) + 1
    return counts


def _copies(store: Store, match: str, hits: list[dict]) -> dict[str, int]:
    """How many matching notes (generated pages left out) share each hit's source URL: the notes of
    those URLs, each looked up in the full-text table by its rowid (not the whole match again)."""
    keys = sorted({r["url_key"] for r in hits if r["url_key"]})
    counts = {f"id:{r['id']}": 1 for r in hits if not r["url_key"]}
    members: dict[int, str] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        members.update(store.conn.execute(
            f"SELECT id, url_key FROM notes WHERE url_key IN ({','.join('?' * len(chunk))}) AND kind != 'page'",
            chunk).fetchall())
    ids = list(members)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for (rowid,) in store.conn.execute(
                f"SELECT rowid FROM fts WHERE fts MATCH ? AND rowid IN ({','.join('?' * len(chunk))})", [match, *chunk]):
            key = members[rowid]
            counts[key] = counts.get(key, 0) + 1
    return counts


def _shortlist(store: Store, match: str, cols: str, rows_wanted: int | None, groups_wanted: int) -> list[dict]:
    """The best matches by bm25 then path, enough of them to hold ``rows_wanted`` rows (all copies) or
    ``groups_wanted`` distinct source URLs. The full-text table is ranked alone and only a shortlist is
    looked up in ``notes`` (joining every match costs more than ranking them when a word is common);
    the shortlist grows until it holds enough, and takes in every match tied at its edge."""
    rank = f"SELECT rowid, {_W} AS s FROM fts WHERE fts MATCH ?"
    size = (rows_wanted or groups_wanted) + _PAD
    while True:
        short = [tuple(r) for r in store.conn.execute(rank + " ORDER BY s LIMIT ?", (match, size + 1))]
        if len(short) <= size:  # every match is in
            return _look_up(store, cols, short)
        edge = short[size - 1][1]
        if short[size][1] > edge:  # the first match left out scores worse: no tie at the edge
            short = short[:size]
        else:  # every match scoring as the last one does belongs in too (ties go by path)
            short = [tuple(r) for r in store.conn.execute(f"SELECT rowid, s FROM ({rank}) WHERE s <= ?",
                                                          (match, edge))]
        rows = _look_up(store, cols, short)
        if rows_wanted is not None:
            if len(rows) >= rows_wanted:
                return rows
        elif len({_group(r) for r in rows}) >= groups_wanted:
            return rows
        size = max(size * 4, len(short) + 1)


def _look_up(store: Store, cols: str, scored: list[tuple[int, float]]) -> list[dict]:
    scores = dict(scored)
    ids = list(scores)
    found = []
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        found += store.conn.execute(
            f"SELECT {cols} FROM notes n WHERE n.kind != 'page' AND n.id IN ({','.join('?' * len(chunk))})",
            chunk).fetchall()
    return sorted(({**dict(r), "score": scores[r["id"]]} for r in found), key=lambda r: (r["score"], r["path"]))
