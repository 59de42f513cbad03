"""Traditional and simplified Chinese fold together; pinyin finds Han words; the fold keeps positions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vaulttool.core.query.pinyin import reads_as
from vaulttool.core.query.searchtext import BREAK, fold, index_text, query_tokens
from vaulttool.usecases.reindex import reindex
from vaulttool.usecases.report import Reporter
from vaulttool.usecases.search import search
from vaulttool.usecases.session import open_reader, open_session


def write(root: Path, rel: str, title: str, body: str, tags=("x",)) -> None:
    text = f"---\ntitle: {title}\ncreated: 2025-04-01\ntags: [{', '.join(tags)}]\nauto_tags: []\n---\n{body}\n"
    (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture
def indexed(vault):
    write(vault, "simp.md", "入门", "这是一门机器学习课程。", tags=("机器学习",))
    write(vault, "trad.md", "入門", "這是一門機器學習課程，談頭髮與發展。")
    write(vault, "other.md", "别的", "今天学校放假，机器坏了。")
    with open_session(vault, "reindex") as session:
        reindex(session, Reporter())
    return vault


def hits(root: Path, query: str, **options) -> list[dict]:
    with open_reader(root) as session:
        return search(session.store, query, read_body=session.body_of, limit=100, **options)


def test_the_fold_keeps_the_length_and_folds_case_width_and_script():
    for text in ["機器學習 ＧＰＴ-４ İstanbul ǅ", "头发 頭髮 發展", "Straße ﬁ"]:
        assert len(fold(text)) == len(text)
    assert fold("機器學習") == "机器学习"
    assert fold("ＧＰＴ") == "gpt"
    assert fold("頭髮") == fold("头发") and fold("發展") == fold("发展")


def test_index_text_and_query_tokens():
    assert index_text("机器学习，GPT-4o 模型").split() == ["机", "器", "学", "习", BREAK, "gpt", "4o", "模", "型"]
    assert query_tokens("機器 學習") == ["机", "器", "学", "习"]
    assert query_tokens("AI 智能体") == ["ai", "智", "能", "体"]


@pytest.mark.parametrize("query", ["机器学习", "機器學習", "机器學習"])
def test_traditional_and_simplified_find_each_other(indexed, query):
    assert {h["path"] for h in hits(indexed, query)} == {"simp.md", "trad.md"}


def test_a_character_simplified_only_within_a_phrase(vault):
    """藉 alone is a simplified character too; in 藉此 OpenCC makes it 借: both spellings are found."""
    write(vault, "jie.md", "借", "我们借此机会发布新模型。")
    write(vault, "jie2.md", "藉", "他们藉此宣传。")
    with open_session(vault, "reindex") as session:
        reindex(session, Reporter())
    assert {h["path"] for h in hits(vault, "藉此")} == {"jie.md", "jie2.md"}
    assert {h["path"] for h in hits(vault, "借此")} == {"jie.md"}


def test_results_show_the_notes_own_text(indexed):
    by_path = {h["path"]: h for h in hits(indexed, "机器学习")}
    assert "**機器學習**" in by_path["trad.md"]["snippet"]
    assert "**机器学习**" in by_path["simp.md"]["snippet"]
    assert by_path["trad.md"]["title"] == "入門"
    assert {h["path"] for h in hits(indexed, "头发")} == {"trad.md"}


def test_pinyin_readings():
    assert reads_as("机器学习", "jiqixuexi")
    assert reads_as("机器学习", "jqxx")
    assert not reads_as("机器学习", "jiqixx")  # full or initials, not a mix
    assert reads_as("长城", "changcheng") and reads_as("长城", "zhcch") is False
    assert not reads_as("机器学习", "jqx")
    assert not reads_as("机器", "jiqixuexi")


@pytest.mark.parametrize("typed", ["jiqixuexi", "jqxx"])
def test_pinyin_full_and_initials_find_the_word(indexed, typed):
    info: dict = {}
    found = {h["path"] for h in hits(indexed, typed, pinyin=True, info=info)}
    assert "机器学习" in info["pinyin"][typed]
    assert {"simp.md", "trad.md"} <= found
    assert "other.md" not in found


def test_pinyin_is_loaded_only_when_asked_for(indexed):
    code = ("import sys\nfrom vaulttool.cli import main\nsys.argv = ['vaulttool', '--vault', sys.argv[1], 'search', "
            "'机器学习', '--format', 'json']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'pypinyin' not in sys.modules and 'jieba' not in sys.modules, sorted(sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", code, str(indexed)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "trad.md" in run.stdout
