"""Full-text search: Han text found as a substring, Latin words whole, ranking, syntax, snippets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vaulttool.core.query.search import SearchQueryError, parse, to_fts
from vaulttool.usecases.reads import related
from vaulttool.usecases.search import search
from vaulttool.usecases.reindex import reindex
from vaulttool.usecases.report import Reporter
from vaulttool.usecases.session import open_reader, open_session

NOTES = {
    "a.md": ("人工智能芯片", ["chips"], "各家公司都在研发人工智能芯片，推理成本持续下降。"),
    "b.md": ("机器学习入门", ["course"], "这是一门机器学习课程，介绍监督学习和强化学习。"),
    "c.md": ("GPT-4o 发布", ["openai"], "OpenAI 发布了 GPT-4o 多模态模型，支持语音对话。"),
    "d.md": ("周末随笔", ["life"], "周末读了一本关于芯片产业的书，顺便学习了做饭。"),
    "e.md": ("强化学习笔记", ["course", "rl"], "策略梯度与价值函数。智能体在环境中学习。"),
}


def write(root: Path, rel: str, title: str, tags: list[str], body: str) -> None:
    text = f"---\ntitle: {title}\ncreated: 2025-04-01\ntags: [{', '.join(tags)}]\nauto_tags: []\n---\n{body}\n"
    (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture
def indexed(vault):
    (vault / ".vaulttool").mkdir()
    (vault / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    for rel, (title, tags, body) in NOTES.items():
        write(vault, rel, title, tags, body)
    with open_session(vault, "reindex") as session:
        reindex(session, Reporter())
    return vault


def find(root: Path, query: str, tags=None) -> list[str]:
    with open_reader(root) as session:
        return [h["path"] for h in search(session.store, query, tags, read_body=session.body_of)]


def test_word_inside_a_longer_chinese_word(indexed):
    assert set(find(indexed, "智能")) == {"a.md", "e.md"}  # 人工智能 and 智能体
    assert set(find(indexed, "学习")) == {"b.md", "d.md", "e.md"}  # 机器学习, 学习, 强化学习


def test_unicode61_alone_misses_what_vaulttool_finds(indexed):
    """A plain FTS5 index (zk's setting) sees a Chinese run as one token: 智能 finds nothing."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE plain USING fts5(body, tokenize='unicode61')")
    for rel, (_, _, body) in NOTES.items():
        conn.execute("INSERT INTO plain(body) VALUES (?)", (body,))
    assert conn.execute("SELECT count(*) FROM plain WHERE plain MATCH '\"智能\"'").fetchone()[0] == 0
    assert find(indexed, "智能")


def test_mixed_phrase_or_and_exclusion(indexed):
    assert find(indexed, "GPT-4o 语音") == ["c.md"]
    assert find(indexed, '"强化学习"') == ["e.md", "b.md"]  # the title match first
    assert set(find(indexed, "芯片 OR 课程")) == {"a.md", "b.md", "d.md"}
    assert find(indexed, "芯片 -公司") == ["d.md"]
    assert set(find(indexed, "学习", ["course"])) == {"b.md", "e.md"}
    assert find(indexed, "学习", ["rl"]) == ["e.md"]


def test_title_ranks_above_body(indexed):
    hits = find(indexed, "芯片")
    assert hits[0] == "a.md" and set(hits) == {"a.md", "d.md"}


def test_snippet_marks_matches_in_the_note_text(indexed):
    with open_reader(indexed) as session:
        hit = search(session.store, "推理", read_body=session.body_of)[0]
    assert hit["path"] == "a.md"
    assert "**推理**成本持续下降" in hit["snippet"]
    assert set(hit) >= {"path", "title", "score", "snippet"}


def test_index_follows_edits_and_deletes(indexed):
    (indexed / "d.md").unlink()
    write(indexed, "b.md", "机器学习入门", ["course"], "改写后只谈深度网络。")
    with open_session(indexed, "reindex") as session:
        reindex(session, Reporter())
    assert set(find(indexed, "学习")) == {"b.md", "e.md"}  # b still matches by its title
    assert find(indexed, "深度") == ["b.md"]
    assert find(indexed, "做饭") == []


def test_related_notes(indexed):
    with open_reader(indexed) as session:
        rel = related(session.store, "e.md")
    assert rel[0]["path"] == "b.md"  # shares the course tag and 强化学习


def test_query_syntax_errors():
    for bad in ["OR 芯片", "芯片 OR", "-芯片", "a OR -b", ""]:
        with pytest.raises(SearchQueryError):
            parse(bad)


def test_fts_string_of_a_query():
    fts = to_fts(parse('机器学习 "强化 学习" GPT-4o -x -C++'))
    # -C++ is checked on the note's text, not excluded by its superset in the index
    assert fts == '("机 器 学 习" AND "强 化 学 习" AND "gpt 4o") NOT "x"'


def test_quotes_in_queries_cannot_break_out():
    assert to_fts(parse('a"b')) == '"a b"'
    with pytest.raises(SearchQueryError, match="nothing to look for"):
        parse('"++"')


def _full_ranking(root: Path, match_word: str, limit: int) -> list[str]:
    """The answer ranked the plain way: every match joined to its note, by bm25 then path."""
    conn = sqlite3.connect(root / ".vaulttool" / "index.db")
    rows = conn.execute(
        "SELECT n.path FROM fts JOIN notes n ON n.id = fts.rowid WHERE fts MATCH ? AND n.kind != 'page'"
        " ORDER BY bm25(fts, 10.0, 5.0, 1.0), n.path LIMIT ?", (match_word, limit)).fetchall()
    conn.close()
    return [r[0] for r in rows]


@pytest.mark.parametrize("limit", [1, 3, 20, 25, 45, 200])
def test_shortlist_ranking_equals_the_full_ranking_with_ties(vault, limit):
    """Many notes score the same (identical texts): the best ``limit`` are still the ones the full
    ranking gives, ties broken by path, whatever the limit is next to the shortlist's size."""
    for i in range(60):
        body = "芯片产业的报告。" if i % 3 else f"芯片芯片 产业 第{i}篇，芯片再谈。"
        write(vault, f"n{i:02d}.md", f"笔记{i}", ["x"], body)
    write(vault, "other.md", "别的", ["y"], "与此无关的内容。")
    with open_session(vault, "reindex") as session:
        reindex(session, Reporter())
    with open_reader(vault) as session:
        got = [h["path"] for h in search(session.store, "芯片", limit=limit, all_copies=True)]
    want = _full_ranking(vault, '"芯 片"', limit)
    assert got == want
    assert len(got) == min(limit, 60)
