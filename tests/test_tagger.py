"""The jieba tagger: real jieba with its real dictionary, initialised once per session."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT, corpus_files
from vaulttool.core.tags import segment
from vaulttool.core.tags.stopwords import FILLER, FUNCTION_WORDS
from vaulttool.core.tags.tagger import ANALYSIS_VERSION, Tagger
from vaulttool.core.tags.concepts import concept_key
from vaulttool.core.tags.rules import TagConfig, is_valid_tag, parse_nesting, parse_synonyms, tag_key
from vaulttool.errors import UsageError

NEWS = (
    "OpenAI发布GPT-4o和o3-mini",
    "OpenAI发布了GPT-4o与o3-mini，DALL-E和Llama-3也有更新。具身智能公司纷纷跟进。",
    "GPT-4o支持图像生成。o3-mini推理更快。具身智能机器人亮相，具身智能成为热点。"
    "网页链接 量子位的微博视频 研究 AI 模型 论文 视频无法显示，请前往微博观看。",
)


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    """A tagger for one note at a time: a term on one clip may be a tag (``min_clips`` 1); the
    vault's own threshold is tested in test_tags_vocabulary.py."""
    t = Tagger(TagConfig(min_clips=1))
    t.analyse("预热", "", "")  # jieba is loaded here, once for the session
    return t


def test_importing_the_tag_modules_does_not_import_jieba():
    code = (
        "import sys\n"
        "import vaulttool.core.tags.rules, vaulttool.core.tags.tagger, vaulttool.core.tags.segment\n"
        "vaulttool.core.tags.tagger.Tagger()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'jieba'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_choosing_from_a_cached_analysis_does_not_load_jieba(tagger, tmp_path):
    analysis = tagger.analyse(*NEWS)
    cached = tmp_path / "analysis.json"
    cached.write_text(json.dumps(analysis, ensure_ascii=False), encoding="utf-8")
    code = (
        "import json, sys\n"
        "from vaulttool.core.tags.tagger import Tagger\n"
        f"analysis = json.loads(open({str(cached)!r}, encoding='utf-8').read())\n"
        "from vaulttool.core.tags.rules import TagConfig\n"
        "print(json.dumps([Tagger(TagConfig(min_clips=1)).choose(analysis, {'gpt': 3}, 40), 'jieba' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [tagger.choose(analysis, {"gpt": 3}, 40), False]


def test_analysis_is_json_and_versioned(tagger):
    analysis = tagger.analyse(*NEWS)
    assert analysis["v"] == ANALYSIS_VERSION
    assert json.loads(json.dumps(analysis, ensure_ascii=False)) == analysis
    for key, (form, tf, title_tf, desc_tf, lead_tf, cls) in analysis["terms"].items():
        assert key == concept_key(form)
        assert tf >= 1 and 0 <= title_tf + desc_tf <= tf and 0 <= lead_tf <= tf
        assert isinstance(cls, str)
    counted = tagger.candidate_terms(analysis)
    assert {t for t in counted if t[0] not in "\x01\x02"} <= set(analysis["terms"])
    assert "gpt" in counted and "机器人" not in counted  # salient terms only (机器人: once, in passing)


def test_english_terms_are_kept_whole(tagger):
    analysis = tagger.analyse(*NEWS)
    # whole, a model family without its version: GPT-4o is GPT, Llama-3 is Llama; o3-mini stays
    for term, form in (("gpt", "GPT"), ("o3mini", "o3-mini"), ("dalle", "DALL-E"), ("llama", "Llama")):
        assert analysis["terms"][term][0] == form, term
    for fragment in ("4o", "o3", "mini", "dall", "gpt-4o"):
        assert fragment not in analysis["terms"], fragment
    tags = tagger.choose(analysis, {}, 1)
    assert "GPT" in tags and "o3-mini" in tags
    more = tagger.analyse("Qwen2.5-VL与Claude 3.7 Sonnet", "Qwen2.5-VL开源，Node.js和C++示例。", "Qwen2.5-VL很强")
    assert more["terms"]["qwen"][0] == "Qwen" and "nodejs" in more["terms"] and "claude" in more["terms"]
    assert "Qwen" in tagger.choose(more, {}, 1)


def test_recurring_compounds_are_candidates(tagger):
    analysis = tagger.analyse("量子纠错码研究", "", "量子纠错码很难。量子纠错码是关键。")
    assert analysis["terms"]["量子纠错码"][-1] == "cmp"
    assert "量子纠错码" in tagger.choose(analysis, {}, 1)


def test_stop_words_and_boilerplate_never_emitted(tagger):
    analysis = tagger.analyse(*NEWS)
    tags = tagger.choose(analysis, {}, 1)
    for tag in tags:
        assert tag_key(tag) not in FUNCTION_WORDS | FILLER, tag
    for junk in ("网页链接", "微博视频", "量子位的微博视频", "ai", "研究", "模型", "论文", "观看", "视频无法显示"):
        assert junk not in {tag_key(t) for t in tags}
        assert junk not in analysis["terms"], junk


def test_user_stop_words(tagger):
    config = TagConfig(stopwords=frozenset({"gpt-4O", "OpenAI"}), min_clips=1)
    tags = Tagger(config).choose(tagger.analyse(*NEWS), {}, 1)
    assert tags and "GPT" not in tags and "OpenAI" not in tags  # a stop word stops its whole family


def test_explicit_tags_are_not_derived_again(tagger):
    analysis = tagger.analyse(*NEWS)
    assert "OpenAI" in tagger.choose(analysis, {}, 1)
    tags = tagger.choose(analysis, {}, 1, explicit=["gpt-4O", "#openai"[1:]])
    assert tags and "GPT" not in tags and "OpenAI" not in tags
    excluded = tagger.analyse(*NEWS, exclude=["GPT-4o"])
    assert "gpt" not in excluded["terms"] and "o3mini" in excluded["terms"]


def test_max_tags_and_validity(tagger):
    analysis = tagger.analyse(*NEWS)
    assert 3 < len(tagger.choose(analysis, {}, 1)) <= 5
    three = Tagger(TagConfig(max_tags=3, min_clips=1)).choose(analysis, {}, 1)
    assert three == tagger.choose(analysis, {}, 1)[:3]
    assert all(is_valid_tag(t) for t in three)


def test_synonyms_and_nesting_apply_to_derived_tags(tagger):
    config = TagConfig(
        synonyms=parse_synonyms(["ImageGen = 图像生成"]),
        nesting=parse_nesting(["ImageGen -> ai/image-generation", "GPT -> openai/GPT"]),
        min_clips=1,
    )
    tags = Tagger(config).choose(tagger.analyse(*NEWS), {}, 1)
    assert "ai/image-generation" in tags and "openai/GPT" in tags
    assert "图像生成" not in tags and "GPT" not in tags
    # an explicit tag spelt as the canonical name blocks its variants too
    tags = Tagger(config).choose(tagger.analyse(*NEWS), {}, 1, explicit=["ImageGen"])
    assert "ai/image-generation" not in tags


def test_a_term_inside_a_chosen_one_is_skipped(tagger):
    terms = {
        "具身智能": ["具身智能", 4, 1, 0, 1, "cmp"],
        "具身": ["具身", 4, 1, 0, 1, "un"],
        "world-models": ["world-models", 3, 1, 0, 0, "cmp"],
        "rl": ["RL", 3, 0, 0, 1, "name"],
        "o3-mini": ["o3-mini", 4, 1, 0, 0, "name"],
        "o3": ["o3", 2, 1, 0, 0, "name"],
    }
    tags = tagger.choose({"v": ANALYSIS_VERSION, "terms": terms, "search": ""}, {}, 1)
    assert set(tags) == {"具身智能", "world-models", "RL", "o3-mini"}


def test_document_frequencies_sink_common_words(tagger):
    analysis = tagger.analyse(*NEWS)
    alone = tagger.choose(analysis, {}, 1)
    assert "OpenAI" in alone
    # in a vault of 1,000 notes where OpenAI is on 600 of them, it says nothing (more than half)
    df = {key: 5 for key in analysis["terms"]}
    df["openai"] = 600
    assert "OpenAI" not in tagger.choose(analysis, df, 1000)
    df["openai"] = 300
    assert "OpenAI" in tagger.choose(analysis, df, 1000)


def test_determinism_same_input_same_tags(tagger):
    first = tagger.choose(tagger.analyse(*NEWS), {"gpt": 3}, 40)
    second = tagger.choose(tagger.analyse(*NEWS), {"gpt": 3}, 40)
    fresh = Tagger(TagConfig(min_clips=1))
    third = fresh.choose(fresh.analyse(*NEWS), {"gpt": 3}, 40)
    cached = json.loads(json.dumps(tagger.analyse(*NEWS)))
    assert first and first == second == third == tagger.choose(cached, {"gpt": 3}, 40)
    assert fresh._j() is tagger._j()  # jieba state is shared by the process


def test_small_edits_keep_the_tags(tagger):
    """The same clip clipped again, with furniture, spacing and punctuation changed, gets the same tags."""
    df = {"gpt": 3, "o3mini": 2, "openai": 4}
    before = tagger.choose(tagger.analyse(*NEWS), df, 40)
    title, description, body = NEWS
    edited = tagger.analyse(
        title + " ", description.replace("，", ", "), "<p>" + body.replace("。", "。\n") + "</p> 网页链接 展开全文"
    )
    assert tagger.choose(edited, df, 40) == before


def test_title_case_words_are_not_names(tagger):
    analysis = tagger.analyse(
        "Learning Adaptable World Models with Latent Actions",
        "",
        "We study world models. AdaWorld learns latent actions for world models, and AdaWorld adapts.",
    )
    assert analysis["terms"]["adaworld"][-1] == "name"
    assert analysis["terms"]["adaptable"][-1] == "word"
    assert analysis["terms"]["adaptable"][0] == "Adaptable"  # no lower-case spelling to prefer
    assert analysis["terms"]["latent"][0] == "latent"
    assert analysis["terms"]["worldmodel"][0] == "world-model"  # one concept, singular
    assert "learningadaptable" not in analysis["terms"]


def test_search_text(tagger):
    analysis = tagger.analyse("GPT-4o发布", "中华人民共和国的机器人", "Hello World")
    words = analysis["search"].split(" ")
    assert "gpt-4o" in words and "hello" in words and "world" in words
    assert "中华人民共和国" in words and "中华" in words and "共和国" in words  # search-mode sub-words
    assert "机器人" in words and "机器" in words
    assert "," not in words and "" not in words


def test_user_dictionary(tmp_path, tagger):
    before = tagger.analyse("喵喵赛博机", "喵喵赛博机发布。", "喵喵赛博机很好用。")
    assert "喵喵赛博机" not in before["terms"]
    userdict = tmp_path / "dict.txt"
    userdict.write_text("喵喵赛博机 10 nz\n", encoding="utf-8")
    custom = Tagger(TagConfig(userdict=str(userdict), min_clips=1))
    after = custom.analyse("喵喵赛博机", "喵喵赛博机发布。", "喵喵赛博机很好用。")
    assert after["terms"]["喵喵赛博机"][-1] == "nz"
    assert "喵喵赛博机" in custom.choose(after, {}, 1)
    # jieba's dictionary is process-wide: what a Tagger remembered from the old one is dropped
    again = tagger.analyse("喵喵赛博机", "喵喵赛博机发布。", "喵喵赛博机很好用。")
    assert again["terms"]["喵喵赛博机"][-1] == "nz"


def test_missing_user_dictionary_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        segment.load_jieba(str(tmp_path / "missing.txt"))


# ----------------------------------------------------------------------------- tokenising as jieba does

MIXED = (
    "Claude 3.7 Sonnet与GPT-4o对比:C++和Node.js,价格下降50%。\r\n多模态大模型(MLLM)——具身智能_机器人#话题#",
    "超大规模预训练+微调&蒸馏。。。 量子位报道\t李飞飞团队World Labs发布3D世界生成模型",
    "罕见字㐀㑇与\u9fe0、兼容字\ufa10。Deep  Learning 和 Deep   Learning\n新的一行",
    "",
    "   ",
)


def _jieba_stream(text: str) -> list[tuple[str, str, int]]:
    """The token stream as the tagger first built it: the English-term regex, then ``jieba.cut``
    (HMM on) over each stretch between two terms, each token classified."""
    import jieba

    out: list[tuple[str, str, int]] = []

    def cut_other(part: str, offset: int) -> None:
        for tok in jieba.dt.cut(part, HMM=True):
            if segment.is_han(tok):
                kind = segment.HAN
            elif tok.isspace():
                kind = segment.BREAK if "\n" in tok else segment.SPACE
            elif tok.isdigit():
                kind = segment.NUM
            else:
                kind = segment.BREAK
            out.append((tok, kind, offset))
            offset += len(tok)

    pos = 0
    for m in segment._LATIN.finditer(text):
        if m.start() > pos:
            cut_other(text[pos : m.start()], pos)
        out.append((m.group(0), segment.LAT if segment.has_letter(m.group(0)) else segment.NUM, m.start()))
        pos = m.end()
    if pos < len(text):
        cut_other(text[pos:], pos)
    return out


def test_segmenter_cuts_as_jieba_cut_does(tagger):
    import jieba

    segmenter = segment.load_jieba()["cut"]
    for raw in (*NEWS, *MIXED):
        text = segment.prepare(raw)
        assert segment.pieces(text, segmenter) == _jieba_stream(text), raw
        for block in segment.SPLIT.split(text)[2::4]:
            if block:
                assert segmenter.words(block) == list(jieba.dt.cut(block, HMM=True))


@pytest.mark.corpus
def test_segmenter_cuts_the_corpus_as_jieba_cut_does(corpus_dir, tagger):
    segmenter = segment.load_jieba()["cut"]
    for path in corpus_files()[::25]:
        for raw in _clip_fields(path.read_text(encoding="utf-8")):
            text = segment.prepare(raw)
            assert segment.pieces(text, segmenter) == _jieba_stream(text), path


def test_english_follows_counts_blanks_as_jieba_tokens():
    text = "Deep Learning, Deep  Learning, Deep   Learning, Deep\nLearning, Deep 2025, Deep"
    ends = [m.end() for m in re.finditer("Deep", text)]
    assert [segment.english_follows(text, e) for e in ends] == [True, True, False, False, False, False]


def test_the_pos_table_is_jiebas_and_posseg_is_not_imported():
    code = (
        "import sys\n"
        "from vaulttool.core.tags import segment\n"
        "from vaulttool.core.tags.tagger import Tagger\n"
        "Tagger().analyse('具身智能', '', '')\n"
        "before = 'jieba.posseg' in sys.modules\n"
        "import jieba.posseg\n"
        "jieba.posseg.dt.makesure_userdict_loaded()\n"
        "extra = {w: 'nz' for w in segment.DOMAIN_WORDS if w not in jieba.posseg.dt.word_tag_tab}\n"
        "print(before, segment.load_jieba()['tags'] == {**jieba.posseg.dt.word_tag_tab, **extra})\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_overlapping_keys():
    from vaulttool.core.tags.choice import _overlaps

    assert _overlaps("具身", "具身智能") and _overlaps("具身智能", "具身")
    assert _overlaps("o3", "o3-mini") and _overlaps("openai", "openai发布")
    assert not _overlaps("rl", "world-models") and not _overlaps("gpt-4", "gpt-4o")
    assert _overlaps("rl", "xrl-rl") and not _overlaps("rl", "xrl-rlx")  # any whole occurrence
    assert not _overlaps("agent", "模型")


def test_empty_note(tagger):
    analysis = tagger.analyse("", "", "")
    assert analysis["terms"] == {} and analysis["search"] == ""
    assert tagger.choose(analysis, {}, 0) == []


# ----------------------------------------------------------------------------- the corpus

_SECTION = re.compile(r"^## (原始摘要|AI 摘要)\s*$", re.MULTILINE)


def _clip_fields(text: str) -> tuple[str, str, str]:
    """Title, AI summary, raw summary of a corpus clip (HTML left in: the tagger strips it)."""
    title = text.split("\n", 1)[0].lstrip("# ").strip()
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], parts[2::2]))
    ai = sections.get("AI 摘要", "").split("## 元数据")[0]
    return title, ai, sections.get("原始摘要", "")


@pytest.mark.corpus
@pytest.mark.slow
def test_every_tag_over_the_corpus_is_valid_and_no_tag_floods_the_vault(corpus_dir):
    from vaulttool.core.tags.vocab import Vocabulary

    tagger = Tagger(TagConfig())  # the vault's rule: a term is a tag once 3 clips are about it
    files = corpus_files()
    assert len(files) > 1000
    analyses = [tagger.analyse(*_clip_fields(p.read_text(encoding="utf-8"))) for p in files]
    df: Counter[str] = Counter()
    for analysis in analyses:
        df.update(tagger.candidate_terms(analysis))
    markers = {t: n for t, n in df.items() if t[0] in "\x01\x02"}
    tagger.set_vocabulary(Vocabulary(markers, lambda keys: {k: df[k] for k in keys if k in df}))
    per_tag: Counter[str] = Counter()
    never = FUNCTION_WORDS | FILLER
    for analysis in analyses:
        tags = tagger.choose(analysis, df, len(analyses))
        assert len(tags) <= 5
        assert len({tag_key(t) for t in tags}) == len(tags)
        for tag in tags:
            assert is_valid_tag(tag), tag
            assert tag_key(tag) not in never, tag
        per_tag.update(tag_key(t) for t in tags)
    assert sum(per_tag.values()) > 3 * len(files)
    _top, count = per_tag.most_common(1)[0]
    assert count <= 0.2 * len(files)  # no tag on every other note
    assert sum(1 for n in per_tag.values() if n >= 3) > 0.5 * len(per_tag)  # a vocabulary, not a keyword dump


# The analyses and tags of every 12th clip of the corpus (309 clips), as JSON, hashed: a change of the
# tagger's output is always deliberate. This is the hash of tags as a vault vocabulary (issue 21).
# (Renewed when the termhood rule dropped generic words: the analyses are unchanged, the tags are not.)
# A deliberate change of the tagging changes it: bump ANALYSIS_VERSION, check benchmarks/tag_quality.py,
# and put the new hash here.
_CORPUS_OUTPUT_SHA256 = "30f2840737f0e70320dc370e74a16ea6e2c60f35aa08c35a0dd107504393bad6"


_GOLDEN = """
import hashlib, json
from collections import Counter
from tests.test_tagger import _clip_fields, corpus_files
from vaulttool.core.tags.tagger import ANALYSIS_VERSION, Tagger
tagger = Tagger()
files = corpus_files()[::12]
analyses = [tagger.analyse(*_clip_fields(p.read_text(encoding="utf-8"))) for p in files]
df = Counter()
for analysis in analyses:
    df.update(tagger.candidate_terms(analysis))
tags = [tagger.choose(a, df, len(analyses)) for a in analyses]
assert all(a.pop("v") == ANALYSIS_VERSION for a in analyses)
blob = json.dumps([analyses, tags], ensure_ascii=False, sort_keys=True)
print(len(files), hashlib.sha256(blob.encode()).hexdigest())
"""


@pytest.mark.corpus
@pytest.mark.slow
def test_output_over_the_corpus_is_unchanged(corpus_dir):
    # In a process of its own: a user dictionary loaded by another test changes jieba's total count,
    # hence its routes, for the rest of the process.
    out = subprocess.run([sys.executable, "-c", _GOLDEN], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["309", _CORPUS_OUTPUT_SHA256]
