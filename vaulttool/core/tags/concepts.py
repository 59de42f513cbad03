"""One key per concept: spellings of one term folded together, and what a derived tag may never be.

Pure and light (no jieba): the analysis keys its terms with :func:`concept_key`, the vocabulary and the
chooser use it to compare spellings, and :func:`junk_reason` says why a form is never a tag.

Folded together (see :func:`concept_key`):

* case and width (``tag_key``: NFKC + casefold): ``AI``, ``ai``, ``ＡＩ``;
* hyphen, underscore, space and dot inside English terms: ``world-model``, ``world_model``, ``World Model``;
* English plurals: ``Agents`` is ``Agent``, ``LLMs`` is ``LLM`` (``-ies`` → ``-y``; not ``-ss``/``-us``/``-is``);
* a model family without its size or version (:func:`family`): ``Qwen2.5-Omni-7B``, ``Qwen3`` and
  ``Qwen`` are ``Qwen``; ``DeepSeek-R1`` and ``DeepSeek-V3`` are ``DeepSeek``; ``Llama-3.1-8B`` is ``Llama``.
"""

from __future__ import annotations

import re
import unicodedata

from vaulttool.core.tags.rules import tag_key

__all__ = ["concept_key", "family", "singular", "spelling", "junk_reason", "DECLARED"]

_SEP = re.compile(r"[-_ .]+")
_DIGIT = re.compile(r"\d")
# ``-ss``, ``-us``, ``-is``, ``-os``: no plural (``class``, ``virus``, ``analysis``, ``DevOps`` stays)
_NO_PLURAL = ("ss", "us", "is", "os", "as")


def singular(word: str) -> str:
    """An English plural made singular (``Agents`` → ``Agent``, ``LLMs`` → ``LLM``, ``libraries`` →
    ``library``); other words as they are. Only the last word of a compound changes."""
    if re.search(r"(?i)[-_ ](?:of|for|and|in|on)[-_ ]", word):
        return word  # "Mixture of Experts": the plural is the name's own
    m = re.match(r"^(.*?)([-_ ]?)([^-_ ]*)$", word)
    head, sep, last = m.group(1), m.group(2), m.group(3)
    if not last.isascii() or not last.isalpha() or len(last) < 4 or not last[-1] in "sS":
        return word
    low = last.lower()
    if low.endswith(_NO_PLURAL):
        return word
    if low.endswith("ies") and len(last) > 4:
        last = last[:-3] + ("Y" if last[-3].isupper() else "y")
    elif low.endswith(("ches", "shes", "xes")):
        last = last[:-2]
    elif last[-2].isupper() or last[-2].islower():
        last = last[:-1]
    return f"{head}{sep}{last}"


def family(form: str) -> str:
    """The model family of an English name holding a version or size, else the form as it is.

    The name is cut before its first part holding a digit (``DeepSeek-R1`` → ``DeepSeek``,
    ``Claude 3.7 Sonnet`` → ``Claude``), or before the first digit of its first part (``Qwen2.5-Omni-7B``
    → ``Qwen``, ``YOLOv8`` → ``YOLO``). What is left must be at least two letters, else the name stays
    whole (``o3-mini``, ``H100``, ``R1``, ``3D``)."""
    if not form.isascii() or not _DIGIT.search(form):
        return form
    parts = re.split(r"([-_ ])", form)
    keep: list[str] = []
    for i in range(0, len(parts), 2):
        part = parts[i]
        m = _DIGIT.search(part)
        if m is None:
            keep.append(part)
            continue
        head = part[: m.start()]
        if head.endswith(("v", "V")) and len(head) > 2:
            head = head[:-1]
        if i == 0 and head.isalpha():
            keep.append(head)
        break
    name = "-".join(p for p in keep if p).strip("-.")
    if sum(c.isalpha() for c in name) < 2 or not name[0].isalpha():
        return form
    return name


def spelling(form: str) -> str:
    """The spelling a term is shown with: an English name as its family, singular."""
    if form.isascii():
        return singular(family(form))
    return form


def concept_key(form: str) -> str:
    """The identity of a concept: :func:`tag_key` of its :func:`spelling`, English separators removed."""
    key = tag_key(spelling(form))
    if key.isascii():
        key = _SEP.sub("", key) or key
    return key


# ----------------------------------------------------------------------------- never a tag

_SIZE = re.compile(
    r"^(?:v?\d+(?:[._]\d+)*[a-z]?|\d+(?:[._]\d+)*(?:k|m|b|t|g|p|x|fps|ms|gb|tb|mb|kb|hz|ghz|w|kw|nm|mm|cm|km|bit)"
    r"|(?:top|no|q|v|p|x)\d+(?:[._]\d+)*)$",
    re.IGNORECASE,
)
# Hype, source boilerplate and generic words found among the tags of real clips (the source's own
# furniture, not its topics); compared by concept_key.
_NEVER = """
新方法 新框架 新技术 新模型 新研究 新算法 新突破 新范式 新纪录 新高度 新时代 新功能 新版本 全面升级 重磅 爆火 刷屏 炸裂 最强
首个 首款 首次 惊艳 震撼 颠覆 里程碑 神器 大招 王炸 逆天 硬核 狂飙 登顶 霸榜 暴涨 火爆 超越 碾压 开挂 封神 杀疯 干货
论文链接 代码链接 项目地址 项目主页 论文地址 论文标题 论文写作 硕士论文 博士论文 原文链接 文章链接 官方网站 开源地址 项目链接
效率提升 性能提升 用于改进 显著提升 大幅提升 有效提升 进一步 主体 工作流程 相关研究 现有研究 现有方法 研究表明 实验结果 研究发现
关键技术 核心技术 解决方案 应用场景 实际应用 广泛应用 重要意义 研究方向 未来研究 基础上 新一代 下一代 最新研究 最新进展
方法避免 主要贡献 本研究 该研究 该方法 该模型 该框架 提出了 一种 作者团队 团队成员 博主 网友们 大佬 小伙伴 宝子 家人们
人工智能领域 模型性能 模型能力 训练数据 数据集 基准测试 实验表明 消融实验 研究人员 研究者们 科学家 工程师 开发者 创始人
abstract introduction conclusion preprint arxiv github huggingface paper code project page link url available
benchmark benchmarks experiment experiments evaluation baseline baselines performance results approach framework
article-url imageurl image-url by-sa cc-by by-nc
声称 上线 传统 业界 方向 理论 机构 纪录 集团 入门 新书 国家 普通 秘密 观点 原因 过度 级别 参数 设备 结论 成绩 差距 报告
实验室 项目 计划 深度 万物 倒计时 天花板 高层 首席 大牛 资深 专业 评价 概念 原生 区分 解析 自动生成 高质量 明星 国产
落地 产业 博客 指南 金句时间 峰会主题 新基准 炸场 路透社报道 大会 官宣 亮相 曝光 消息 传闻 爆料 网友 用户 粉丝 评论区
"""
NEVER_KEYS: frozenset[str] = frozenset()  # filled below (by concept_key)
# Inside a Chinese tag: a person's role (``中关村科金总裁喻友平``, ``欧云联合创始人``: a role and a name) or
# the furniture of event promotion (``速抢席位``, ``观众报名通道``).
_JUNK_PARTS = ("总裁", "创始人", "首席执行官", "首席技术官", "董事长", "总经理", "负责人", "合伙人", "总监", "主编",
               "席位", "报名", "抽奖", "福利", "直播间", "限时", "优惠", "领取", "扫码", "点击", "戳")
_ROLES_EN = frozenset("ceo cto coo cfo cso founder cofounder co-founder vp".split())
_ADJECTIVE_ENDS = frozenset("based driven aware enhanced guided powered free specific level scale oriented "
                           "like style related intensive efficient friendly native wise".split())
_DIMENSIONS = frozenset(("2d", "3d", "4d", "5g", "6g", "4g"))
_FIRST_CHARS_VERBAL = set("让使被把将对用为在给从向于以")


def _init() -> frozenset[str]:
    return frozenset(concept_key(w) for w in _NEVER.split())


NEVER_KEYS = _init()


def junk_reason(form: str, cls: str = "") -> str | None:
    """Why ``form`` is never a derived tag (``None`` when it may be one): a number, size or version
    alone (``14B``, ``720P``, ``0_5B``, ``v2``), no letter at all (an emoji remnant), a verb or verb
    phrase (``cls`` ``v``/``l``/``vcmp``), hype, clip-source boilerplate or a generic word."""
    text = unicodedata.normalize("NFKC", form)
    if not any(unicodedata.category(c)[0] == "L" for c in text):
        return "no letter"
    if text.isascii() and _SIZE.match(text.replace("-", "")) and text.lower() not in _DIMENSIONS:
        return "a number, size or version"
    if cls in ("v", "l", "vcmp", "ad", "a", "d"):
        return "a verb or adjective"
    if not text.isascii() and text[0] in _FIRST_CHARS_VERBAL:
        return "a verb phrase"
    if concept_key(text) in NEVER_KEYS:
        return "hype, boilerplate or generic"
    if not text.isascii():
        if any(part in text for part in _JUNK_PARTS):
            return "a person's role, or promotion"
        han = "".join(c for c in text if "\u4e00" <= c <= "\u9fff")
        if len(han) == 1:
            return "an English name with one Chinese character (a cut)"
    elif text.lower() in _ROLES_EN:
        return "a person's role"
    if text.isascii() and "-" in text and text.lower().rsplit("-", 1)[1] in _ADJECTIVE_ENDS:
        return "an adjective compound"
    return None


# ----------------------------------------------------------------------------- declared aliases

#: ``中文（English, ABBR）`` or ``English（中文）`` as the vault's own text declares them (after NFKC the
#: brackets are ASCII): the Chinese run before the bracket, and what is inside.
DECLARED = re.compile(r"([\u4e00-\u9fff]{2,16}|[A-Za-z][\w.+\-]*(?: [A-Z][\w.+\-]*){0,3})\s?\(([^()\n]{2,60})\)")
