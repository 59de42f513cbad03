"""The index's schema: :data:`MIGRATIONS`, one SQL script per version (``PRAGMA user_version``).

Each script brings an index of the version before it up to its own; :class:`vaulttool.index.store.Store` runs
the ones an index lacks when it opens it. A script that adds data derived from the notes sets
``meta.needs_full``, so that the next reindex reads every note again.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "statements"]

MIGRATIONS: list[str] = [
    # 1: notes, tags, topics, links, attachments, tokeniser cache, document frequencies
    """
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE notes(
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name_key TEXT NOT NULL,
        title TEXT NOT NULL,
        props TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        hash TEXT NOT NULL,
        created TEXT,
        site TEXT,
        source TEXT,
        url_key TEXT,
        kind TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX notes_name_key ON notes(name_key);
    CREATE INDEX notes_url_key ON notes(url_key) WHERE url_key IS NOT NULL;
    CREATE INDEX notes_created ON notes(created);
    CREATE TABLE note_tags(
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        tag TEXT NOT NULL,
        pos INTEGER NOT NULL,
        PRIMARY KEY(note_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX note_tags_key ON note_tags(key, note_id);
    CREATE TABLE note_topics(
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        PRIMARY KEY(note_id, topic)
    ) WITHOUT ROWID;
    CREATE INDEX note_topics_topic ON note_topics(topic);
    CREATE TABLE links(
        id INTEGER PRIMARY KEY,
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        kind TEXT NOT NULL,
        raw TEXT NOT NULL,
        target TEXT NOT NULL,
        fragment TEXT NOT NULL,
        alias TEXT NOT NULL,
        target_key TEXT NOT NULL,
        context TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'unresolved',
        resolved TEXT
    );
    CREATE INDEX links_note ON links(note_id);
    CREATE INDEX links_resolved ON links(resolved) WHERE resolved IS NOT NULL;
    CREATE INDEX links_target_key ON links(target_key);
    CREATE TABLE files(path TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE analysis(key TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE note_terms(
        note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        term TEXT NOT NULL,
        PRIMARY KEY(note_id, term)
    ) WITHOUT ROWID;
    CREATE INDEX note_terms_term ON note_terms(term, note_id);
    CREATE TABLE pages(path TEXT PRIMARY KEY, hash TEXT NOT NULL) WITHOUT ROWID;
    """,
    # 2: full-text search over jieba-segmented text (title weighted apart from the rest)
    """
    CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, 'row');
    INSERT OR REPLACE INTO meta(key, value) VALUES ('needs_full', 'fts');
    """,
    # 3: notes by kind (pages and conflict copies are left out of most queries)
    """
    CREATE INDEX notes_kind ON notes(kind);
    """,
    # 4: the tag index also holds each note's spelling, so counting tags reads the index alone
    """
    DROP INDEX note_tags_key;
    CREATE INDEX note_tags_key ON note_tags(key, tag, note_id);
    """,
    # 5: each note's tags in order on its row (joined by U+001F), so listing notes needs no subquery;
    # what the walk is compared with, in an index of its own (a run reads it, not the wide rows)
    """
    ALTER TABLE notes ADD COLUMN tag_list TEXT NOT NULL DEFAULT '';
    CREATE INDEX notes_state ON notes(path, size, mtime_ns);
    UPDATE notes SET tag_list = coalesce((SELECT group_concat(tag, char(31)) FROM
        (SELECT tag FROM note_tags WHERE note_id = notes.id ORDER BY pos)), '');
    """,
    # 6: the cache of analyses as a rowid table with its keys in an index: a run adds thousands of
    # rows of a few KB under random keys, which a table ordered by key takes several times longer to
    # insert (each lands mid-tree and moves its neighbours); the rows are kept as they are
    """
    CREATE TABLE analysis_new(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, data BLOB NOT NULL);
    INSERT INTO analysis_new(key, data) SELECT key, data FROM analysis;
    DROP TABLE analysis;
    ALTER TABLE analysis_new RENAME TO analysis;
    """,
    # 7: full-text search that finds what a substring match finds: Han text one character a token,
    # Latin words whole, text folded (case, full width, traditional to simplified), breaks where
    # punctuation stands (vaulttool.core.query.searchtext); the tags weighted apart from title and body;
    # the character fold the index was built with (a search folds its words with it).
    # The old table held jieba's words: it is dropped and every note is read again.
    """
    DROP TABLE IF EXISTS fts_vocab;
    DROP TABLE IF EXISTS fts;
    DROP TABLE IF EXISTS search_fold;
    CREATE VIRTUAL TABLE fts USING fts5(title, tags, body, tokenize = 'unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE fts_vocab USING fts5vocab(fts, 'row');
    CREATE TABLE search_fold(code INTEGER PRIMARY KEY, folded TEXT NOT NULL);
    INSERT OR REPLACE INTO meta(key, value) VALUES ('needs_full', 'search');
    """,
    # 8: the vault's tag vocabulary: every name of a concept (its concept key) to the tag that stands
    # for it (declared aliases, synonyms, renames), so that any name finds the notes; the terms are
    # keyed by concept now, so every note is read once more
    """
    CREATE TABLE IF NOT EXISTS tag_aliases(name_key TEXT PRIMARY KEY, name TEXT NOT NULL, tag TEXT NOT NULL,
                             tag_key TEXT NOT NULL, source TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS tag_aliases_tag ON tag_aliases(tag_key);
    INSERT OR REPLACE INTO meta(key, value) VALUES ('needs_full', 'tags');
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """The statements of a migration script (none of them holds a ``;`` inside a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]
