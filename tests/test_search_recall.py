"""Search finds what a substring match finds: the words that failed with a jieba-segmented index,
mixed Han/Latin queries, symbols, phrases across a segmentation boundary, one result per URL, the
upgrade of an old index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vaulttool.errors import UsageError
from vaulttool.index.schema import MIGRATIONS, statements
from vaulttool.usecases.reindex import reindex
from vaulttool.usecases.report import Reporter
from vaulttool.usecases.search import search
from vaulttool.usecases.session import open_reader, open_session

# Each body holds a word in a sentence jieba cuts across it (checked below with jieba itself).
NOTES = {
    "weak.md": ("强弱之分", "文中把不会规划的系统称为弱智能体，把会规划的称为强智能体。"),
    "multi.md": ("协作", "多智能体系统里，每个AI智能体各有分工。"),
    "qbit.md": ("视频", "量子位的微博视频介绍了宇树的新机器人。"),
    "data.md": ("数据", "团队发布了全球最大的蛋白质数据集，发文称数据集已开源。"),
    "cpp.md": ("编程语言", "用 C++ 重写了推理引擎，比 C 语言版本快。"),
    "c.md": ("C 语言", "C 语言的指针与内存，另见 C# 与 .NET 的做法。"),
    "gpt.md": ("模型发布", "OpenAI 发布 GPT-4o 和 o3-mini，GPT 4 系列退场。"),
    "rl.md": ("强化学习", "RL（强化学习）在机器人上的 real-world 应用。"),
    "world.md": ("现实", "real-world deployment of robots, reinforcement learning aside."),
    "comma.md": ("标点", "人工智，能否实现？"),
}


def write(root: Path, rel: str, title: str, body: str, source: str | None = None, tags=("x",)) -> None:
    src = f"source: {source}\n" if source else ""
    text = f"---\ntitle: {title}\ncreated: 2025-04-01\n{src}tags: [{', '.join(tags)}]\nauto_tags: []\n---\n{body}\n"
    (root / rel).write_text(text, encoding="utf-8")


def index(root: Path) -> None:
    with open_session(root, "reindex") as session:
        reindex(session, Reporter())


@pytest.fixture
def indexed(vault):
    for rel, (title, body) in NOTES.items():
        write(vault, rel, title, body)
    index(vault)
    return vault


def find(root: Path, query: str, **options) -> set[str]:
    options.setdefault("limit", 1000)
    with open_reader(root) as session:
        return {h["path"] for h in search(session.store, query, read_body=session.body_of, **options)}


def test_the_sentences_are_cut_across_the_words_by_jieba():
    """The regression cases are real: jieba's cut of each sentence does not hold the word whole (a
    tokenizer of its own, with jieba's dictionary only: other tests add words to the shared one)."""
    import jieba

    plain = jieba.Tokenizer()
    for sentence, word in (("文中把不会规划的系统称为弱智能体", "智能体"), ("量子位的微博视频", "量子位")):
        assert word not in plain.lcut(sentence)


@pytest.mark.parametrize("word, want", [
    ("智能体", {"weak.md", "multi.md"}),
    ("多智能体", {"multi.md"}),
    ("AI智能体", {"multi.md"}),
    ("量子位", {"qbit.md"}),
    ("数据集", {"data.md"}),
    ("发文", {"data.md"}),
    ("宇树", {"qbit.md"}),
    ("能体", {"weak.md", "multi.md"}),  # a piece of a word, across jieba's cut 弱智/能体
    ("智", {"weak.md", "multi.md", "comma.md"}),  # one character
    ("子位的微", {"qbit.md"}),  # across a word boundary
])
def test_words_jieba_cut_apart_are_found(indexed, word, want):
    assert find(indexed, word) == want


def test_a_phrase_never_reaches_across_punctuation(indexed):
    assert find(indexed, "人工智") == {"comma.md"}
    assert find(indexed, "智能") == {"weak.md", "multi.md"}  # not 人工智，能否 in comma.md


def test_symbols_are_matched_as_written(indexed):
    assert find(indexed, "C++") == {"cpp.md"}
    assert find(indexed, "c++") == {"cpp.md"}
    assert find(indexed, "C#") == {"c.md"}
    assert find(indexed, ".NET") == {"c.md"}
    assert find(indexed, "GPT-4o") == {"gpt.md"}
    assert find(indexed, "o3-mini") == {"gpt.md"}
    assert find(indexed, "C") == {"cpp.md", "c.md"}  # the letter as a word: C++ and C 语言
    assert find(indexed, "C -C++") == {"c.md"}


def test_latin_words_whole_in_any_case(indexed):
    assert find(indexed, "RL") == {"rl.md"}  # never inside real-world
    assert find(indexed, "rl") == {"rl.md"}
    assert find(indexed, "REAL") == {"rl.md", "world.md"}
    assert find(indexed, "robot") == set()  # whole words: robots is another word
    assert find(indexed, '"real-world deployment"') == {"world.md"}


def test_mixed_han_and_latin(indexed):
    assert find(indexed, "RL 机器人") == {"rl.md"}
    assert find(indexed, "GPT 退场") == {"gpt.md"}
    assert find(indexed, "C++重写") == {"cpp.md"}  # a space between Han and Latin is no break
    assert find(indexed, "AI智能体 OR 强化学习") == {"multi.md", "rl.md"}


def test_every_hit_holds_the_words_and_the_snippet_marks_them(indexed):
    with open_reader(indexed) as session:
        hits = search(session.store, "智能体", read_body=session.body_of)
    assert {h["path"] for h in hits} == {"weak.md", "multi.md"}
    for h in hits:
        assert "**智能体**" in h["snippet"]
    with open_reader(indexed) as session:
        rl = search(session.store, "RL", read_body=session.body_of)[0]["snippet"]
    assert "**RL**" in rl and "real-world" in rl and "**rl**" not in rl.lower().replace("**rl**（", "")


def test_snippets_leave_out_clip_headings_and_markup(vault):
    write(vault, "clip.md", "剪藏", "## 原始摘要\n\n**URL**: https://example.com/a\n\n"
          "这是<b>原文</b>，讲[智能体](https://x.y/z)的设计。\n\n## AI 摘要\n\n智能体是核心。")
    index(vault)
    with open_reader(vault) as session:
        snip = search(session.store, "智能体", read_body=session.body_of)[0]["snippet"]
    assert "原始摘要" not in snip and "AI 摘要" not in snip and "##" not in snip
    assert "https" not in snip and "<b>" not in snip
    assert "讲**智能体**的设计" in snip


def test_one_result_per_source_url(vault):
    for i in range(3):
        write(vault, f"copy{i}.md", f"同一条{i}", "智能体的新闻。", source="https://weibo.com/1/abc")
    write(vault, "other.md", "另一条", "智能体的另一条新闻。", source="https://weibo.com/1/xyz")
    write(vault, "nourl.md", "笔记", "关于智能体。")
    index(vault)
    with open_reader(vault) as session:
        hits = search(session.store, "智能体", read_body=session.body_of)
        every = search(session.store, "智能体", read_body=session.body_of, all_copies=True)
    assert len(hits) == 3
    by_path = {h["path"]: h["copies"] for h in hits}
    assert sorted(by_path.values()) == [0, 0, 2]
    assert len(every) == 5 and {h["path"] for h in every} >= {"copy0.md", "copy1.md", "copy2.md"}
    with open_reader(vault) as session:  # the limit counts results, not copies
        assert len(search(session.store, "智能体", limit=2)) == 2


def test_many_copies_at_the_top_do_not_crowd_out_the_others(vault):
    """One URL clipped 60 times ranks above everything: the first results still are 25 sources."""
    for i in range(60):
        write(vault, f"c{i:02d}.md", "智能体智能体", "智能体智能体智能体。", source="https://weibo.com/1/same")
    for i in range(40):
        write(vault, f"o{i:02d}.md", f"别的{i}", f"第{i}条提到智能体。", source=f"https://weibo.com/1/n{i}")
    index(vault)
    with open_reader(vault) as session:
        hits = search(session.store, "智能体", limit=25)
        full = search(session.store, "智能体", limit=1000)
    assert len(hits) == 25 and hits[0]["copies"] == 59
    assert [h["path"] for h in hits] == [h["path"] for h in full[:25]]
    assert len(full) == 41


def test_filters_and_sorts(vault):
    for i, (day, site) in enumerate([("2025-03-01", "weibo"), ("2025-04-01", "arXiv"), ("2025-05-01", "weibo")]):
        text = (f"---\ntitle: 第{3 - i}篇\ncreated: {day}\nsource: https://e.com/{i}\nsite: {site}\n"
                f"auto_tags: []\n---\n智能体{i}\n")
        (vault / f"n{i}.md").write_text(text, encoding="utf-8")
    index(vault)
    with open_reader(vault) as session:
        def paths(**o):
            return [h["path"] for h in search(session.store, "智能体", **o)]

        assert paths(sort="created") == ["n2.md", "n1.md", "n0.md"]
        assert paths(sort="title") == ["n2.md", "n1.md", "n0.md"]  # 第1篇, 第2篇, 第3篇
        assert set(paths(site="weibo")) == {"n0.md", "n2.md"}
        assert paths(since="2025-04-01", until="2025-04-30") == ["n1.md"]
        with pytest.raises(UsageError):
            paths(sort="size")
        with pytest.raises(UsageError):
            paths(since="yesterday")


def test_title_and_tags_rank_above_the_body(vault):
    write(vault, "body.md", "别的", "这里顺便提到一次智能体。")
    write(vault, "title.md", "智能体综述", "正文谈别的。")
    write(vault, "tag.md", "随笔", "正文也提到智能体。", tags=("智能体",))
    index(vault)
    with open_reader(vault) as session:
        order = [h["path"] for h in search(session.store, "智能体")]
    assert order[0] == "title.md" and order[-1] == "body.md"


def _old_index(vault: Path) -> None:
    """An index as vaulttool made it before this search (schema 6, the jieba-segmented table)."""
    from vaulttool.config import host_id

    db = vault / ".vaulttool" / "index.db"
    db.parent.mkdir(exist_ok=True)
    conn = sqlite3.connect(db, isolation_level=None)
    for script in MIGRATIONS[:6]:
        for s in statements(script):
            conn.execute(s)
    conn.execute("DELETE FROM meta")
    conn.execute("INSERT INTO meta(key, value) VALUES ('host', ?), ('root', ?)", (host_id(), str(vault)))
    conn.execute("INSERT INTO notes(path, name_key, title, props, size, mtime_ns, hash, kind)"
                 " VALUES ('weak.md', 'weak', '强弱之分', '{}', 1, 1, 'x', 'note')")
    conn.execute("INSERT INTO fts(rowid, title, body) VALUES (1, '', '弱智 能体')")
    conn.execute("PRAGMA user_version=6")
    conn.close()


def test_an_old_index_is_upgraded_by_the_next_writer(vault):
    write(vault, "weak.md", *NOTES["weak.md"])
    _old_index(vault)
    with open_reader(vault) as session, pytest.raises(UsageError, match="reindex"):
        search(session.store, "智能体")
    index(vault)
    assert find(vault, "智能体") == {"weak.md"}
    conn = sqlite3.connect(vault / ".vaulttool" / "index.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("SELECT count(*) FROM search_fold").fetchone()[0] > 2000
    conn.close()


def test_the_command_line(vault):
    import json

    from click.testing import CliRunner

    from vaulttool.cli import cli

    for i in range(2):
        write(vault, f"copy{i}.md", f"同一条{i}", "智能体与 C++ 的新闻。", source="https://weibo.com/1/abc")
    write(vault, "other.md", "另一条", "C 语言的智能体。")
    index(vault)

    def run(*args):
        return CliRunner().invoke(cli, ["--vault", str(vault), "search", *args], catch_exceptions=False)

    table = run("智能体")
    assert table.exit_code == 0 and "+1 copy)" in table.output and "**智能体**" in table.output
    data = json.loads(run("C++", "--format", "json").output)
    assert [h["copies"] for h in data] == [1] and data[0]["path"].startswith("copy")
    every = json.loads(run("C++", "--all-copies", "--format", "json").output)
    assert sorted(h["path"] for h in every) == ["copy0.md", "copy1.md"]
    pinyin = run("--pinyin", "zhinengti", "--format", "json")
    assert "zhinengti: 智能体" in pinyin.stderr
    assert {h["path"] for h in json.loads(pinyin.stdout)} == {"copy0.md", "other.md"}
    bad = run("智能体", "--sort", "size")
    assert bad.exit_code == 2 and "--sort" in bad.output
