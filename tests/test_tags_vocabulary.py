"""Tags as a vault vocabulary (issue 21): one key per concept, aliases the text declares, the user's
synonyms, promotion of a recurring term to earlier clips, removals respected, rename/merge/undo, any
name finds the concept, and retag after a cold reindex changes nothing. Real jieba, real files, real
SQLite, the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from vaulttool.cli import cli
from vaulttool.core.frontmatter import split
from vaulttool.core.tags.concepts import concept_key, family, junk_reason, singular
from vaulttool.core.tags.vocab import Vocabulary, alias_term


def run(root: Path, *args: str):
    result = CliRunner().invoke(cli, ["--vault", str(root), *args], catch_exceptions=False)
    return result


def clip(root: Path, day: str, name: str, title: str, url: str, summary: str, raw: str = "") -> Path:
    """A clip in the corpus's format (title, URL, raw summary, AI summary, metadata)."""
    folder = root / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(
        f"# {title}\n\n**URL**: {url}\n\n## 原始摘要\n\n{raw or summary}\n\n## AI 摘要\n\n{summary}\n\n"
        f"## 元数据\n\n- **来源**: 微博\n- **类型**: 微博\n- **保存时间**: {day}T10:00:00Z\n- **目录日期**: {day}\n",
        encoding="utf-8")
    return path


def props(path: Path) -> dict:
    return split(path.read_text(encoding="utf-8")).data


def notes(root: Path) -> dict[str, dict]:
    out = {}
    for p in sorted(root.rglob("*.md")):
        if ".vaulttool" in p.parts or p.parts[-2] == "_index" or "_index" in p.parts:
            continue
        out[p.relative_to(root).as_posix()] = props(p)
    return out


@pytest.fixture
def quiet_vault(vault):
    (vault / ".vaulttool").mkdir()
    (vault / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    return vault


# ----------------------------------------------------------------------------- one key per concept


@pytest.mark.parametrize(("a", "b"), [
    ("NVIDIA", "nvidia"), ("ＮＶＩＤＩＡ", "NVIDIA"), ("AI Agents", "ai-agent"), ("world_model", "World Models"),
    ("LLMs", "LLM"), ("Qwen2.5-Omni-7B", "Qwen"), ("DeepSeek-R1", "deepseek-v3"), ("Llama-3.1-8B", "LLaMA"),
])
def test_spellings_of_one_concept_share_a_key(a, b):
    assert concept_key(a) == concept_key(b)


@pytest.mark.parametrize(("a", "b"), [("GPT", "o3"), ("o3-mini", "o3"), ("H100", "H200"), ("analysis", "analysi")])
def test_different_concepts_keep_their_keys(a, b):
    assert concept_key(a) != concept_key(b)


def test_family_and_singular():
    assert family("Claude 3.7 Sonnet") == "Claude" and family("YOLOv8") == "YOLO" and family("R1") == "R1"
    assert singular("libraries") == "library" and singular("class") == "class" and singular("Agents") == "Agent"


@pytest.mark.parametrize("junk", ["14B", "720P", "0_5B", "v2", "️⃣", "论文链接", "新方法", "全面升级", "用于改进",
                                  "效率提升", "让AI", "速抢席位", "中关村科金总裁喻友平", "好AI", "CTO", "LLM-based"])
def test_never_a_tag(junk):
    assert junk_reason(junk) is not None


@pytest.mark.parametrize("fine", ["DeepSeek", "强化学习", "3D", "英伟达", "H100", "o3-mini", "Transformer"])
def test_may_be_a_tag(fine):
    assert junk_reason(fine) is None


def test_declared_aliases_link_names_and_the_spelling_is_the_most_used():
    declared = {alias_term("英伟达", "NVIDIA"): 3, alias_term("巨头英伟达", "NVIDIA"): 1,
                alias_term("混合专家", "MoE"): 2, alias_term("混合专家", "Mixture of Experts"): 2,
                alias_term("通用人工智能", "AGI"): 2, alias_term("人工智能", "AGI"): 2,
                alias_term("某词", "Once"): 1}
    df = {"英伟达": 10, "nvidia": 25, "混合专家": 4, "moe": 9, concept_key("Mixture of Experts"): 2, "通用人工智能": 3, "agi": 5,
          "人工智能": 40}
    vocab = Vocabulary(declared, lambda keys: {k: df[k] for k in keys if k in df})
    assert vocab.resolve("英伟达") == vocab.resolve("nvidia") == ("nvidia", "NVIDIA")  # most clips write NVIDIA
    assert vocab.resolve(concept_key("Mixture of Experts")) == vocab.resolve("混合专家") == ("moe", "MoE")
    assert vocab.df("moe") == 15
    assert vocab.resolve("agi")[1] == "AGI" and vocab.resolve("人工智能") == ("人工智能", None)  # the longer name
    assert vocab.resolve("某词") == ("某词", None)  # declared by one clip only: not believed
    assert vocab.resolve("巨头英伟达") == ("巨头英伟达", None)


def test_user_synonyms_win_the_spelling():
    vocab = Vocabulary({alias_term("英伟达", "NVIDIA"): 3}, lambda keys: {"nvidia": 30, "英伟达": 3},
                       {"nvidia": "英伟达", "ｎｖ": "英伟达"})
    assert vocab.resolve("nvidia") == ("英伟达", "英伟达") and vocab.resolve(concept_key("ＮＶ"))[1] == "英伟达"


def test_the_text_declares_aliases():
    from vaulttool.core.tags.rules import TagConfig
    from vaulttool.core.tags.tagger import Tagger

    a = Tagger(TagConfig()).analyse(
        "英伟达（NVIDIA）发布新芯片", "混合专家（Mixture of Experts, MoE）是一种结构。大型语言模型（LLM）很常见。",
        "通用人工智能（AGI）还远。DeepSeek（深度求索）开源。")
    pairs = {tuple(p) for p in a["aliases"]}
    assert {("英伟达", "NVIDIA"), ("混合专家", "MoE"), ("混合专家", "Mixture of Experts"), ("深度求索", "DeepSeek"),
            ("通用人工智能", "AGI"), ("人工智能", "AGI"), ("大型语言模型", "LLM")} <= pairs


def test_japanese_text_gets_no_derived_tags():
    from vaulttool.core.tags.rules import TagConfig
    from vaulttool.core.tags.tagger import Tagger

    t = Tagger(TagConfig(min_clips=1))
    a = t.analyse("東京でAIを指定する", "これは日本語のテキストです。ファイルを指定してください。", "モデルを学習させる方法について")
    assert a["terms"] == {} and a["lang"] == "ja" and t.choose(a, {}, 1) == []
    assert a["search"]  # still searchable


# ----------------------------------------------------------------------------- in a vault

QUANTUM = "量子退火"


def _quantum_clips(root: Path, n: int, start: int = 0) -> list[Path]:
    out = []
    for i in range(start, start + n):
        out.append(clip(root, f"2025-04-{10 + i:02d}", f"q{i}", f"{QUANTUM}机器第{i}代发布",
                        f"https://example.com/q{i}",
                        f"{QUANTUM}是一种计算方法。第{i}篇文章讲{QUANTUM}在物流里的用途，{QUANTUM}很快。"))
    return out


def test_a_term_becomes_a_tag_once_three_clips_hold_it_and_retag_promotes_it_to_earlier_clips(quiet_vault):
    root = quiet_vault
    _quantum_clips(root, 2)
    assert run(root, "reindex", "-q").exit_code == 0
    assert all(QUANTUM not in (p.get("tags") or []) for p in notes(root).values())
    _quantum_clips(root, 1, start=2)
    assert run(root, "reindex", "-q").exit_code == 0
    tagged = {rel for rel, p in notes(root).items() if QUANTUM in (p.get("tags") or [])}
    assert len(tagged) == 1  # the new clip; the earlier ones are left as they are by reindex
    # retag applies the promotion to the earlier clips, and then there is nothing left to do
    out = run(root, "retag")
    assert out.exit_code == 0 and "retagged 2 of 3" in out.output
    assert all(QUANTUM in p["tags"] for p in notes(root).values())
    assert "retagged 0 of 3" in run(root, "retag").output


def test_a_tag_the_user_removed_never_comes_back_through_a_promotion(quiet_vault):
    root = quiet_vault
    paths = _quantum_clips(root, 3)
    run(root, "reindex", "-q")
    first = next(p for p in root.rglob("*.md") if "第0代" in p.read_text(encoding="utf-8") and "_index" not in p.parts)
    text = first.read_text(encoding="utf-8")
    assert f'  - "{QUANTUM}"' in text.split("auto_tags:")[0]
    first.write_text(text.replace(f'  - "{QUANTUM}"\n', "", 1), encoding="utf-8")  # removed from tags only
    _quantum_clips(root, 2, start=3)
    run(root, "reindex", "-q")
    run(root, "retag")
    assert QUANTUM not in props(first)["tags"] and QUANTUM in props(first)["auto_tags"]
    assert len(paths) == 3


def _nvidia_clips(root: Path) -> None:
    clip(root, "2025-05-01", "n1", "英伟达（NVIDIA）发布新显卡", "https://example.com/n1",
         "英伟达（NVIDIA）今天发布新显卡，英伟达称其更快。")
    clip(root, "2025-05-02", "n2", "英伟达（NVIDIA）财报超预期", "https://example.com/n2",
         "英伟达（NVIDIA）公布财报，英伟达营收增长。")
    clip(root, "2025-05-03", "n3", "NVIDIA announces a new GPU", "https://example.com/n3",
         "NVIDIA shows a new GPU. NVIDIA says it is fast.")
    clip(root, "2025-05-04", "n4", "英伟达股价上涨", "https://example.com/n4", "英伟达股价今天上涨，英伟达市值创新高。")


def test_any_name_finds_the_concept(quiet_vault):
    root = quiet_vault
    _nvidia_clips(root)
    assert run(root, "reindex", "-q").exit_code == 0
    by_en = run(root, "query", "--tag", "NVIDIA", "--format", "paths").output.splitlines()
    by_zh = run(root, "query", "--tag", "英伟达", "--format", "paths").output.splitlines()
    assert len(by_en) == 4 and by_en == by_zh
    assert run(root, "query", "--tag", "nvidia OR 不存在", "--format", "paths").output.splitlines() == by_en
    assert run(root, "query", "--tag", "-英伟达", "--format", "paths").output.splitlines() == []
    listed = json.loads(run(root, "tags", "--format", "json").output)
    row = next(r for r in listed if r["tag"] in ("NVIDIA", "英伟达"))
    assert row["count"] == 4 and set(row["aliases"]) == {"NVIDIA", "英伟达"} - {row["tag"]}
    assert "aliases" in run(root, "tags").output.splitlines()[0]


def test_retag_after_a_cold_reindex_changes_nothing(quiet_vault):
    root = quiet_vault
    _nvidia_clips(root)
    _quantum_clips(root, 3)
    # the same URL clipped again with a different text: it gets the tags of its first clip
    clip(root, "2025-05-09", "n1-again", "英伟达（NVIDIA）发布新显卡", "https://example.com/n1",
         "英伟达（NVIDIA）今天发布新显卡。量子退火也被提到，英伟达很忙。")
    assert run(root, "reindex", "-q").exit_code == 0
    out = run(root, "retag", "--dry-run")
    assert "would retag 0 of 8" in out.output, out.output


def test_rename_merge_and_undo(quiet_vault):
    root = quiet_vault
    _nvidia_clips(root)
    own = root / "mine.md"
    own.write_text("---\ntags: [GPU, 显卡]\n---\n#GPU notes. GPU words stay, `#GPU` in code stays, #GPUs too.\n"
                   "A Weibo topic #GPU# stays.\n", encoding="utf-8")
    run(root, "reindex", "-q")
    before = own.read_bytes()
    out = run(root, "merge-tags", "GPU", "显卡", "--into", "graphics", "--dry-run")
    assert out.exit_code == 0 and "would rewrite 1 of 1" in out.output and own.read_bytes() == before
    out = run(root, "merge-tags", "GPU", "显卡", "--into", "graphics", "--diff")
    assert "+tags: [graphics]" in out.output or "graphics" in out.output
    assert own.read_bytes() == before
    assert run(root, "merge-tags", "GPU", "显卡", "--into", "graphics").exit_code == 0
    text = own.read_text(encoding="utf-8")
    assert props(own)["tags"] == ["graphics"] and "#graphics notes. GPU words stay, `#GPU` in code stays, #GPUs too." in text
    assert "topic #GPU# stays" in text
    assert run(root, "query", "--tag", "GPU", "--format", "paths").output.splitlines() == ["mine.md"]  # the old name finds it
    record = json.loads((root / ".vaulttool" / "tag-renames.json").read_text(encoding="utf-8"))
    assert record["synonyms"] == {"GPU": "graphics", "显卡": "graphics"}
    assert run(root, "merge-tags", "GPU", "显卡", "--into", "graphics", "--undo").exit_code == 0
    assert own.read_bytes() == before
    assert json.loads((root / ".vaulttool" / "tag-renames.json").read_text(encoding="utf-8"))["synonyms"] == {}


def test_a_rename_is_followed_by_later_derivation_and_keeps_removals(quiet_vault):
    root = quiet_vault
    _quantum_clips(root, 3)
    run(root, "reindex", "-q")
    first = next(p for p in root.rglob("q0*.md")) if list(root.rglob("q0*.md")) else None
    paths = [p for p in root.rglob("*.md") if "_index" not in p.parts and ".vaulttool" not in p.parts]
    victim = next(p for p in paths if "第0代" in p.read_text(encoding="utf-8"))
    text = victim.read_text(encoding="utf-8")
    victim.write_text(text.replace(f'  - "{QUANTUM}"\n', "", 1), encoding="utf-8")  # the user removes it
    assert run(root, "rename-tag", QUANTUM, "quantum-annealing").exit_code == 0
    assert "quantum-annealing" not in props(victim)["tags"] and "quantum-annealing" in props(victim)["auto_tags"]
    _quantum_clips(root, 1, start=5)
    run(root, "reindex", "-q")
    new = next(p for p in root.rglob("*.md") if "第5代" in p.read_text(encoding="utf-8") and "_index" not in p.parts)
    assert "quantum-annealing" in props(new)["tags"] and QUANTUM not in props(new)["tags"]
    assert "retagged 0" in run(root, "retag").output
    assert first is None or first.exists()


def test_the_vocabulary_does_not_depend_on_the_order_it_was_counted_in():
    declared = {alias_term("强化学习", "RL"): 9, alias_term("强化学习", "RLHF"): 3, alias_term("逆强化学习", "IRL"): 2,
                alias_term("强化学习", "IRL"): 2, alias_term("强化学习", "Reinforcement Learning"): 4}
    df = {"强化学习": 50, "rl": 30, "rlhf": 8, "irl": 2, "逆强化学习": 2, "reinforcementlearning": 9}
    get = lambda keys: {k: df[k] for k in keys if k in df}  # noqa: E731
    forward = Vocabulary(declared, get)
    backward = Vocabulary(dict(reversed(list(declared.items()))), get)
    for key in df:
        assert forward.resolve(key) == backward.resolve(key)
    assert forward.resolve("rl") == forward.resolve("reinforcementlearning") == ("强化学习", "强化学习")
    assert forward.resolve("rlhf") == ("rlhf", None)  # a narrower concept, not an alias of RL's name
    assert forward.resolve("irl")[1] == forward.resolve("逆强化学习")[1]


def test_show_says_why_a_japanese_clip_has_no_derived_tags(quiet_vault):
    root = quiet_vault
    clip(root, "2025-05-01", "jp", "東京でAIモデルを指定する方法", "https://example.jp/a",
         "これは日本語のテキストです。ファイルを指定してください。モデルを学習させる方法について説明します。")
    assert run(root, "reindex", "-q").exit_code == 0
    rel = next(p for p in root.rglob("*.md") if "_index" not in p.parts).relative_to(root).as_posix()
    out = run(root, "show", rel).output
    assert "no derived tags: Japanese text" in out
    assert props(root / rel)["auto_tags"] == []


# ----------------------------------------------------------------------------- termhood


def _tags_of_a_vault(about: tuple[str, str], n_about: int = 3, n_other: int = 37):
    """The tags of a note about something, in a vault of ``n_about`` such notes and ``n_other`` others
    (document frequencies counted over all of them, as the index counts them), and its analysis."""
    from collections import Counter

    from vaulttool.core.tags.rules import TagConfig
    from vaulttool.core.tags.tagger import Tagger

    tagger = Tagger(TagConfig())
    texts = [(about[0], about[1], "")] * n_about + [(f"第{i}号笔记", "今天天气很好。", "") for i in range(n_other)]
    analyses = [tagger.analyse(*t) for t in texts]
    df: Counter[str] = Counter()
    for a in analyses:
        df.update(tagger.candidate_terms(a))
    return tagger.choose(analyses[0], df, len(analyses)), analyses[0]


_ABOUT = ("黄仁勋：英伟达的芯片，关系与价值", "黄仁勋说，英伟达的芯片。关系。价值。")


def test_a_generic_word_is_no_tag_but_a_domain_term_and_an_entity_are():
    tags, analysis = _tags_of_a_vault(_ABOUT)
    # 关系 and 价值 are candidates (nouns in the title) but as common in general Chinese as here
    assert {"关系", "价值"} <= set(analysis["terms"])
    assert "关系" not in tags and "价值" not in tags
    assert "芯片" in tags  # in general text about one document in 8,000; here 3 in 40
    assert "英伟达" in tags and "黄仁勋" in tags  # names: not in the general table, or rare there


def test_termhood_is_the_vault_share_over_the_general_share():
    from vaulttool.core.tags import segment as seg
    from vaulttool.core.tags.choice import termhood

    idf, _median = seg.load_idf()
    assert termhood("关系", 3, 40, idf) < 3.0 < termhood("芯片", 3, 40, idf)
    # the same word is more of a term in a vault where more of the clips are about it
    assert termhood("关系", 30, 40, idf) > termhood("关系", 3, 40, idf)
    assert termhood("英伟达", 3, 40, idf) is None  # not in jieba's general table: rare in general text


def test_an_ordinary_english_word_in_capitals_is_no_tag():
    from collections import Counter

    from vaulttool.core.tags.rules import TagConfig
    from vaulttool.core.tags.tagger import Tagger
    from vaulttool.core.tags.vocab import ALIAS_PREFIX, LOWER_PREFIX

    tagger = Tagger(TagConfig())
    texts = [("PLAY with DeepSeek", "PLAY the game with DeepSeek. PLAY.", "")] * 3 + [
        (f"Note {i}", f"We play and play again with the toys, play {i}.", "") for i in range(6)]
    analyses = [tagger.analyse(*t) for t in texts]
    df: Counter[str] = Counter()
    for a in analyses:
        df.update(tagger.candidate_terms(a))
    declared = {t: n for t, n in df.items() if t.startswith((ALIAS_PREFIX, LOWER_PREFIX))}
    tagger.set_vocabulary(Vocabulary(declared, lambda keys: {k: df[k] for k in keys if k in df}))
    tags = tagger.choose(analyses[0], df, len(analyses))
    assert "DeepSeek" in tags
    assert "PLAY" not in tags and "play" not in [t.lower() for t in tags]
