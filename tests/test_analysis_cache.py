"""The index's cache of analyses: kept deflated, read in either form, and used instead of jieba."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES


def _clips(vault: Path) -> None:
    for case in sorted((FIXTURES / "normalise").glob("*/*.md")):
        if not case.name.endswith(".out.md") and case.parent.name != "note":
            shutil.copyfile(case, vault / f"{case.parent.name}-{case.name}")


def _reindex(vault: Path, *args: str) -> str:
    """Reindex in a fresh process; say whether jieba was imported."""
    code = ("import sys; from vaulttool.cli import main\n"
            f"sys.argv = ['vaulttool', '--vault', {str(vault)!r}, 'reindex', *{list(args)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('JIEBA', 'jieba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def _state(vault: Path):
    conn = sqlite3.connect(vault / ".vaulttool" / "index.db")
    try:
        tags = conn.execute("SELECT n.path, t.tag FROM note_tags t JOIN notes n ON n.id = t.note_id"
                            " ORDER BY 1, t.pos").fetchall()
        fts = conn.execute("SELECT n.path, f.title, f.body FROM fts f JOIN notes n ON n.id = f.rowid"
                           " ORDER BY 1").fetchall()
        return tags, fts
    finally:
        conn.close()


def test_analyses_are_kept_deflated_and_read_back_in_either_form(vault):
    from vaulttool.index.store import decode_analysis

    _clips(vault)
    assert _reindex(vault) == "JIEBA True"
    before = _state(vault)
    assert before[0] and before[1]
    conn = sqlite3.connect(vault / ".vaulttool" / "index.db")
    rows = conn.execute("SELECT key, data FROM analysis").fetchall()
    assert rows and all(isinstance(data, bytes) for _, data in rows)
    plain = [(json.dumps(decode_analysis(data), ensure_ascii=False), key) for key, data in rows]
    assert all("terms" in json.loads(text) for text, _ in plain)
    # the plain JSON text an index made before the cache was deflated holds: read just as well
    conn.executemany("UPDATE analysis SET data = ? WHERE key = ?", plain)
    conn.commit()
    conn.close()
    assert _reindex(vault, "--full") == "JIEBA False"  # every analysis came from the cache
    assert _state(vault) == before


def test_upgrade_to_schema_6_keeps_every_cached_analysis(vault):
    """Schema 6 moves the cache to a rowid table: an older index's rows (deflated or plain JSON) are
    all kept and used, so the upgrade costs no analysis."""
    _clips(vault)
    assert _reindex(vault) == "JIEBA True"
    before = _state(vault)
    path = vault / ".vaulttool" / "index.db"
    conn = sqlite3.connect(path)
    rows = sorted(conn.execute("SELECT key, data FROM analysis").fetchall())
    # the index as schema 5 left it: the cache ordered by key, one row kept as plain JSON text
    from vaulttool.index.store import decode_analysis

    conn.executescript("DROP TABLE analysis;"
                       "CREATE TABLE analysis(key TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;"
                       "PRAGMA user_version = 5;")
    old = [(k, json.dumps(decode_analysis(d)) if i == 0 else d) for i, (k, d) in enumerate(rows)]
    conn.executemany("INSERT INTO analysis(key, data) VALUES (?, ?)", old)
    conn.commit()
    conn.close()
    assert _reindex(vault, "--full") == "JIEBA False"  # migrated, and every analysis found in it
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 6
        assert "WITHOUT ROWID" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'analysis'").fetchone()[0]
        assert sorted(conn.execute("SELECT key, data FROM analysis").fetchall()) == sorted(old)
    finally:
        conn.close()
    assert _state(vault) == before
