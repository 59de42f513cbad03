"""The SQLite index at ``<vault>/.vaulttool/index.db``: a cache of the notes, always rebuildable.

WAL mode; the schema version lives in ``PRAGMA user_version`` and :data:`vaulttool.index.schema.MIGRATIONS`
brings an older index up to date. An index that is corrupt, from a newer vaulttool, or made on another
host (it came through sync) is not trusted: it is deleted and rebuilt from the notes, which are the truth.
All SQL is parameterised.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

from vaulttool.config import host_id
from vaulttool.errors import DiskFullError
from vaulttool.core.model import Link, NoteInfo
from vaulttool.index.schema import MIGRATIONS, SCHEMA_VERSION, statements

__all__ = ["Store", "SCHEMA_VERSION", "DAMAGED_MARK", "mark_damaged", "is_damage", "is_full", "encode_analysis",
           "decode_analysis"]

# Left in the state folder by a reader that hit a damaged index (readers open it read-only and cannot
# repair it); the next writer rebuilds the index from the notes and removes it.
DAMAGED_MARK = "index-damaged"


def is_damage(exc: BaseException) -> bool:
    """Whether an SQLite error means the index file is damaged (not busy, not full, not a bug in a
    query)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
    return type(exc) is sqlite3.DatabaseError and not is_full(exc)


# SQLite result codes that say something about the disk, the file's permissions or another process,
# not about the index: an index that cannot be opened for one of these is not deleted.
_ENVIRONMENT = {3, 5, 6, 7, 8, 9, 10, 13, 14}  # PERM BUSY LOCKED NOMEM READONLY INTERRUPT IOERR FULL CANTOPEN


def _not_the_index(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return is_full(exc) or "locked" in str(exc)
    return code & 0xFF in _ENVIRONMENT


def is_full(exc: BaseException, where: Path | None = None) -> bool:
    """Whether an SQLite error means the disk (or the quota) is full: SQLITE_FULL, or (given the
    folder ``where`` of the index) an I/O error on a disk with no space left (growing the WAL's
    shared memory on a full tmpfs fails that way)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return isinstance(exc, sqlite3.DatabaseError) and "disk is full" in str(exc)
    if code & 0xFF == 13:  # SQLITE_FULL
        return True
    if code & 0xFF == 10 and where is not None:  # SQLITE_IOERR
        try:
            st = os.statvfs(where)
        except OSError:
            return False
        return st.f_bavail * st.f_frsize < 64 * 1024
    return False


def _read_mark(mark: Path) -> str:
    try:
        return mark.read_text(encoding="utf-8", errors="replace").strip()[:200]
    except OSError as exc:
        return str(exc)


def encode_analysis(data: dict) -> bytes:
    """An analysis as the cache keeps it: compact JSON, deflated (a third of the size; the cache is
    the largest table of the index)."""
    import zlib

    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def decode_analysis(value: bytes | str) -> dict:
    """The cached analysis, deflated (``bytes``) or plain JSON (``str``: as vaulttool 0.1 wrote it)."""
    import zlib

    return json.loads(zlib.decompress(value) if isinstance(value, bytes) else value)


def mark_damaged(state_dir: Path, reason: str) -> None:
    try:
        (state_dir / DAMAGED_MARK).write_text(reason + "\n", encoding="utf-8")
    except OSError:
        pass


class IndexUnusable(Exception):
    pass


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path, rebuilt: str = ""):
        self.conn = conn
        self.path = path
        self.rebuilt = rebuilt  # why the index was thrown away and started afresh ("" if it was not)
        self._schema: int | None = None
        self._bulk: list[str] = []  # CREATE INDEX statements of indexes dropped for a bulk run

    # -- opening -----------------------------------------------------------------------------
    def reset(self, reason: str) -> None:
        """Throw the index away and start an empty one (it is only a cache of the notes)."""
        try:
            self.conn.close()
        except sqlite3.Error:
            pass
        _delete(self.path)
        self.conn = self._connect(self.path, self._root)
        self._bulk.clear()
        self.rebuilt = reason
        self._schema = None

    @classmethod
    def open(cls, state_dir: Path, vault_root: Path, *, readonly: bool = False) -> "Store":
        path = state_dir / "index.db"
        if readonly:
            if not path.exists():
                raise FileNotFoundError(path)
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            conn.row_factory = sqlite3.Row
            return cls(conn, path)
        state_dir.mkdir(parents=True, exist_ok=True)
        mark = state_dir / DAMAGED_MARK
        try:
            if mark.exists():
                raise IndexUnusable(f"a reader found the index damaged ({_read_mark(mark)})")
            linked = [f"{path.name}{s}" for s in ("", "-wal", "-shm", "-journal") if os.path.islink(f"{path}{s}")]
            if linked:  # SQLite would write through it, out of the vault: the link is removed instead
                raise IndexUnusable(f"{', '.join(linked)} in .vaulttool/ is a symlink: not followed")
            store = cls(cls._connect(path, vault_root), path)
        except (sqlite3.DatabaseError, IndexUnusable) as exc:
            if isinstance(exc, sqlite3.DatabaseError) and _not_the_index(exc):
                # a full disk, a busy or unreadable file: not the index's fault, and nothing is deleted
                if is_full(exc, state_dir):
                    raise DiskFullError(f"no space left on the disk holding {state_dir}: the index could "
                                        "not be opened; nothing was deleted: free some space and run "
                                        "again") from None
                raise
            reason = str(exc) if isinstance(exc, IndexUnusable) else f"index was corrupt ({exc})"
            _delete(path)
            store = cls(cls._connect(path, vault_root), path, rebuilt=reason)
        store._root = vault_root
        return store

    @classmethod
    def scratch(cls, state_dir: Path, vault_root: Path) -> "Store":
        """A copy of the index in memory (a new, empty one when there is none or it cannot be used):
        what a dry run works on, so that it writes nothing and needs no lock."""
        path = state_dir / "index.db"
        mem = sqlite3.connect(":memory:", isolation_level=None)
        if path.is_file():
            try:
                src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
                try:
                    src.backup(mem)
                finally:
                    src.close()
            except sqlite3.Error:
                mem.close()
                mem = sqlite3.connect(":memory:", isolation_level=None)
        try:
            conn = cls._prepare(mem, vault_root, in_memory=True)
        except (sqlite3.DatabaseError, IndexUnusable):
            conn = cls._prepare(sqlite3.connect(":memory:", isolation_level=None), vault_root, in_memory=True)
        store = cls(conn, path)
        store._root = vault_root
        return store

    @classmethod
    def _connect(cls, path: Path, vault_root: Path) -> sqlite3.Connection:
        return cls._prepare(sqlite3.connect(path, isolation_level=None, timeout=30), vault_root)

    @staticmethod
    def _prepare(conn: sqlite3.Connection, vault_root: Path, *, in_memory: bool = False) -> sqlite3.Connection:
        """Set up a connection to an index (migrating it to this schema); closes it on failure."""
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-8192")  # 8 MiB
            # sorts larger than the page cache go to a temp file, not to memory: building the index on
            # terms after a bulk run sorts millions of rows (400 MB in memory at 50k notes, 34 MB this way)
            conn.execute(f"PRAGMA temp_store={'MEMORY' if in_memory else 'FILE'}")
            conn.execute("PRAGMA foreign_keys=ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise IndexUnusable(f"index was made by a newer vaulttool (schema {version})")
            if version:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                if meta.get("host") != host_id():
                    raise IndexUnusable(f"index was made on another host ({meta.get('host')}), "
                                        "probably copied by a sync tool")
                if meta.get("root") != str(vault_root):
                    raise IndexUnusable(f"index was made for another folder ({meta.get('root')})")
            for n in range(version, SCHEMA_VERSION):
                conn.execute("BEGIN")
                for statement in statements(MIGRATIONS[n]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={n + 1}")
                conn.execute("COMMIT")
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('host', ?), ('root', ?)",
                         (host_id(), str(vault_root)))
            conn.execute("SELECT count(*) FROM notes").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def needs_full(self) -> str:
        """Why the next reindex must re-read every note ("" when it need not): set by a migration
        that adds data derived from the notes."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='needs_full'").fetchone()
        return row[0] if row else ""

    def clear_needs_full(self) -> None:
        self.conn.execute("DELETE FROM meta WHERE key='needs_full'")

    def close(self) -> None:
        self.conn.close()

    # -- transactions ------------------------------------------------------------------------
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        self._bulk.clear()  # the dropped indexes come back with the rollback
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- bulk runs ---------------------------------------------------------------------------
    BULK_INDEXES = ("note_terms_term",)  # ~120 rows a note, inserted in random term order

    def bulk_begin(self) -> None:
        """Before a run that writes most of the index: drop the index on terms (inside the run's
        transaction) so that the rows go in without updating it row by row; :meth:`bulk_end` builds it
        again in one sorted pass, several times faster. Until then, finding the notes of a term scans
        the table: load document frequencies whole (``doc_freq()``) meanwhile."""
        for name in self.BULK_INDEXES:
            row = self.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                    (name,)).fetchone()
            if row and row[0]:
                self.conn.execute(f"DROP INDEX {name}")
                self._bulk.append(row[0])

    @property
    def bulk(self) -> bool:
        return bool(self._bulk)

    def bulk_end(self) -> None:
        while self._bulk:
            self.conn.execute(self._bulk.pop())

    # -- notes -------------------------------------------------------------------------------
    def states(self) -> dict[str, tuple[int, int]]:
        """path -> (size, mtime_ns) for every indexed note."""
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: 50k rows and more
        return {path: (size, mtime) for path, size, mtime in cur.execute("SELECT path, size, mtime_ns FROM notes")}

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        self.conn.execute("UPDATE notes SET size=?, mtime_ns=? WHERE path=?", (size, mtime_ns, path))

    def put_note(self, info: NoteInfo, *, size: int, mtime_ns: int, hash: str, name_key: str,
                 link_keys: list[str], contexts: list[str], terms: Iterable[str] = (),
                 search: tuple[str, str, str] | None = None) -> int:
        """Insert or update a note with its tags, topics, links, terms and (``search``: the index
        text of its title, tags and body, see :mod:`vaulttool.core.query.searchtext`) its full-text
        entry."""
        from vaulttool.core.tags.rules import tag_key

        c = self.conn
        row = c.execute("SELECT id FROM notes WHERE path=?", (info.path,)).fetchone()
        tags: dict[str, str] = {}  # key -> the note's spelling, first one kept, in order
        for t in info.tags:
            tags.setdefault(tag_key(t), t)
        values = (info.path, name_key, info.title, json.dumps(info.props, ensure_ascii=False), size, mtime_ns,
                  hash, info.created, info.site, info.source, info.url_key, info.kind, info.description,
                  info.error, "\x1f".join(tags.values()))
        if row:
            note_id = row[0]
            c.execute("""UPDATE notes SET path=?, name_key=?, title=?, props=?, size=?, mtime_ns=?, hash=?,
                         created=?, site=?, source=?, url_key=?, kind=?, description=?, error=?, tag_list=?
                         WHERE id=?""", (*values, note_id))
            for table in ("note_tags", "note_topics", "links", "note_terms"):
                c.execute(f"DELETE FROM {table} WHERE note_id=?", (note_id,))
            c.execute("DELETE FROM fts WHERE rowid=?", (note_id,))
        else:
            note_id = c.execute("""INSERT INTO notes(path, name_key, title, props, size, mtime_ns, hash, created,
                                   site, source, url_key, kind, description, error, tag_list)
                                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", values).lastrowid
        c.executemany("INSERT INTO note_tags(note_id, key, tag, pos) VALUES (?,?,?,?)",
                      [(note_id, k, t, i) for i, (k, t) in enumerate(tags.items())])
        topics = info.props.get("topics") if isinstance(info.props.get("topics"), list) else []
        c.executemany("INSERT OR IGNORE INTO note_topics(note_id, topic) VALUES (?,?)",
                      [(note_id, str(t)) for t in topics])
        c.executemany(
            "INSERT INTO links(note_id, line, kind, raw, target, fragment, alias, target_key, context)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            [(note_id, ln.line, ln.kind, ln.raw, ln.target, ln.fragment, ln.alias, k, ctx)
             for ln, k, ctx in zip(info.links, link_keys, contexts)])
        c.executemany("INSERT OR IGNORE INTO note_terms(note_id, term) VALUES (?,?)",
                      [(note_id, t) for t in terms])
        if search is not None:
            c.execute("INSERT INTO fts(rowid, title, tags, body) VALUES (?, ?, ?, ?)", (note_id, *search))
        return note_id

    def delete_note(self, path: str) -> None:
        row = self.conn.execute("SELECT id FROM notes WHERE path=?", (path,)).fetchone()
        if row:
            self.conn.execute("DELETE FROM fts WHERE rowid=?", (row[0],))
            self.conn.execute("DELETE FROM notes WHERE id=?", (row[0],))

    @property
    def schema(self) -> int:
        """The index's schema version (a reader may meet an index older than this vaulttool's)."""
        if self._schema is None:
            self._schema = self.conn.execute("PRAGMA user_version").fetchone()[0]
        return self._schema

    def note(self, path: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM notes WHERE path=?", (path,)).fetchone()

    def paths(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT path FROM notes")]

    def paths_by_name_key(self, key: str) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT path FROM notes WHERE name_key=?", (key,))]

    def tags_of(self, path: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT t.tag FROM note_tags t JOIN notes n ON n.id=t.note_id WHERE n.path=? ORDER BY t.pos", (path,))]

    # -- attachments -------------------------------------------------------------------------
    def files(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT path FROM files")}

    def set_files(self, add: Iterable[str], remove: Iterable[str]) -> None:
        self.conn.executemany("DELETE FROM files WHERE path=?", [(p,) for p in remove])
        self.conn.executemany("INSERT OR IGNORE INTO files(path) VALUES (?)", [(p,) for p in add])

    # -- links -------------------------------------------------------------------------------
    def links_of(self, note_ids: Iterable[int] | None = None) -> Iterator[sqlite3.Row]:
        sql = ("SELECT l.id, l.kind, l.target, l.fragment, l.alias, l.line, l.raw, l.status, l.resolved,"
               " n.path AS source FROM links l JOIN notes n ON n.id = l.note_id")
        if note_ids is None:
            yield from self.conn.execute(sql)
            return
        ids = list(note_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            yield from self.conn.execute(sql + f" WHERE l.note_id IN ({','.join('?' * len(chunk))})", chunk)

    def links_by_target_keys(self, keys: Iterable[str]) -> Iterator[sqlite3.Row]:
        keys = list(set(keys))
        sql = ("SELECT l.id, l.kind, l.target, l.fragment, l.alias, l.line, l.raw, l.status, l.resolved,"
               " n.path AS source FROM links l JOIN notes n ON n.id = l.note_id WHERE l.target_key IN ")
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            yield from self.conn.execute(sql + f"({','.join('?' * len(chunk))})", chunk)

    def links_resolved_to(self, paths: Iterable[str]) -> Iterator[sqlite3.Row]:
        paths = list(set(paths))
        sql = ("SELECT l.id, l.kind, l.target, l.fragment, l.alias, l.line, l.raw, l.status, l.resolved,"
               " n.path AS source FROM links l JOIN notes n ON n.id = l.note_id WHERE l.resolved IN ")
        for i in range(0, len(paths), 500):
            chunk = paths[i : i + 500]
            yield from self.conn.execute(sql + f"({','.join('?' * len(chunk))})", chunk)

    def set_resolutions(self, rows: Iterable[tuple[str, str | None, int]]) -> None:
        self.conn.executemany("UPDATE links SET status=?, resolved=? WHERE id=?", rows)

    @staticmethod
    def row_link(row: sqlite3.Row) -> Link:
        return Link(row["kind"], row["target"], row["fragment"], row["alias"], row["line"], row["raw"])

    # -- tokeniser cache and document frequencies --------------------------------------------
    def get_analysis(self, key: str) -> dict | None:
        row = self.conn.execute("SELECT data FROM analysis WHERE key=?", (key,)).fetchone()
        return decode_analysis(row[0]) if row else None

    def put_analysis(self, key: str, data: dict, packed: bytes | None = None) -> None:
        """Cache ``data`` (``packed``: the same, already :func:`encode_analysis`-ed)."""
        self.conn.execute("INSERT OR REPLACE INTO analysis(key, data) VALUES (?, ?)",
                          (key, packed if packed is not None else encode_analysis(data)))

    def prune_analysis(self, keep: set[str]) -> None:
        stale = [(k,) for (k,) in self.conn.execute("SELECT key FROM analysis") if k not in keep]
        self.conn.executemany("DELETE FROM analysis WHERE key=?", stale)

    def doc_freq(self, terms: Iterable[str] | None = None) -> tuple[dict[str, int], int]:
        """Document frequency of terms, each URL counted once; and the number of documents."""
        n_docs = self.conn.execute(
            "SELECT count(DISTINCT coalesce(url_key, 'id:' || id)) FROM notes WHERE kind NOT IN ('page', 'conflict')"
        ).fetchone()[0]
        base = ("SELECT t.term, count(DISTINCT coalesce(n.url_key, 'id:' || n.id)) FROM note_terms t"
                " JOIN notes n ON n.id = t.note_id AND n.kind NOT IN ('page', 'conflict')")
        if terms is None:
            return dict(self.conn.execute(base + " GROUP BY t.term")), n_docs
        terms = list(set(terms))
        out: dict[str, int] = {}
        for i in range(0, len(terms), 500):
            chunk = terms[i : i + 500]
            out.update(self.conn.execute(base + f" WHERE t.term IN ({','.join('?' * len(chunk))}) GROUP BY t.term",
                                         chunk))
        return out, n_docs

    # -- full-text search ------------------------------------------------------------------
    def save_fold(self, table: dict[int, str]) -> None:
        """Keep the character fold the full-text table is built with (once per store)."""
        if getattr(self, "_fold_saved", False):
            return
        self.conn.execute("DELETE FROM search_fold")
        self.conn.executemany("INSERT INTO search_fold(code, folded) VALUES (?, ?)", table.items())
        self._fold_saved = True

    def has_search_table(self) -> bool:
        """Whether the index holds the full-text table of schema 7 (an older one held jieba's words;
        a reader cannot upgrade it)."""
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_fold'").fetchone() is not None

    def load_fold(self) -> dict[int, str]:
        """The character fold the full-text table was built with (empty before any note was put)."""
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: a few thousand rows
        return dict(cur.execute("SELECT code, folded FROM search_fold"))

    # -- vault-wide facts the normaliser asks for --------------------------------------------
    def earliest_with_url(self, url_key: str, exclude: str) -> tuple[str, list[str]] | None:
        row = self.conn.execute(
            "SELECT path, props FROM notes WHERE url_key=? AND path != ? AND kind IN ('clip', 'note')"
            " ORDER BY coalesce(created, '9999'), path LIMIT 1", (url_key, exclude)).fetchone()
        if not row:
            return None
        auto = json.loads(row["props"]).get("auto_tags") or []
        return row["path"], [str(t) for t in auto] if isinstance(auto, list) else []

    def tag_spellings(self) -> dict[str, str]:
        """key -> the spelling most notes use (ties: the smallest string)."""
        out: dict[str, tuple[int, str]] = {}
        for key, tag, n in self.conn.execute("SELECT key, tag, count(*) FROM note_tags GROUP BY key, tag"):
            best = out.get(key)
            if best is None or (-n, tag) < (-best[0], best[1]):
                out[key] = (n, tag)
        return {k: v[1] for k, v in out.items()}

    def topic_count(self, topic: str) -> int:
        return self.conn.execute("SELECT count(*) FROM note_topics WHERE topic=?", (topic,)).fetchone()[0]

    # -- generated pages ---------------------------------------------------------------------
    def page_hashes(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT path, hash FROM pages"))

    def set_page(self, path: str, hash: str | None) -> None:
        if hash is None:
            self.conn.execute("DELETE FROM pages WHERE path=?", (path,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO pages(path, hash) VALUES (?, ?)", (path, hash))


def _delete(path: Path) -> None:
    """Throw the index away, and with it a reader's mark that it is damaged: the run that follows
    rebuilds all of it (at open, or after damage met in the middle of a run)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass
    (path.parent / DAMAGED_MARK).unlink(missing_ok=True)
