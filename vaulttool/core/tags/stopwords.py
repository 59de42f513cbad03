"""Built-in stop lists for derived tags.

Two kinds:

* ``FUNCTION_WORDS``: words that carry no topic and break a noun compound (``的``, ``the``). They are
  never a tag and never part of one.
* ``FILLER``: words that may sit inside a compound (``AI`` in ``AI芯片``, ``模型`` in ``推理模型``) but
  that, alone, would land on a large share of the notes of a clipping vault about technology, or that
  are clip boilerplate. They are never a tag on their own. In a large vault the document frequencies
  push common words down anyway; this list keeps a small vault clean too.

``BOILERPLATE`` phrases are removed from the text before tokenising (they come from clipping tools and
Weibo's page furniture, not from the author).

All entries are compared by ``tag_key`` (NFKC + casefold).
"""

from __future__ import annotations

import re

_CHINESE_FUNCTION = """
的 地 得 了 着 过 是 在 和 与 及 或 并 而 也 又 还 就 都 只 才 再 很 太 更 最 非常 比较 十分 特别 已 已经 曾经 正在
将 将会 会 能 能够 可 可以 可能 应 应该 需要 要 想 让 使 把 被 给 对 对于 关于 从 向 往 到 于 以 为 为了 因为 所以
因此 但 但是 然而 而且 并且 如果 虽然 即使 尽管 不过 只是 还是 或者 以及 以便 通过 根据 按照 随着 由于 基于 包括
其中 其他 其它 之一 之间 之后 之前 以后 以前 以上 以下 以来 当中 中 里 内 外 上 下 前 后 时 时候 期间 目前 当前
现在 如今 今天 昨天 明天 今年 去年 刚刚 刚 最近 近日 日前 此前 此次 这次 本次 首次 一次 再次 同时 此外 另外 其实
这 那 这个 那个 这些 那些 这样 那样 这里 那里 这种 那种 此 该 其 各 每 某 某些 任何 所有 一切 一些 一个 一种 一下
一点 一起 一直 一样 一般 我 我们 你 你们 他 他们 她 她们 它 它们 自己 大家 咱们 谁 什么 怎么 怎样 如何 为什么 哪
哪些 哪里 多少 几 不 没 没有 无 非 别 吗 呢 吧 啊 呀 哦 嘛 么 之 者 所 等 等等 啦 哈 嗯 个 位 名 款 项 次 种 条 篇
第一 第二 第三 首先 其次 然后 最后 最终 总之 总的来说 例如 比如 譬如 即 就是 也是 还有 不仅 而是 只有 只要 除了
真的 真是 确实 其实 甚至 尤其 特别是 主要 重要 相关 有关 进行 实现 提供 采用 利用 使用 具有 存在 成为 作为 表示 认为
发现 显示 表明 指出 提出 展示 包含 涉及 针对 面向 面临 带来 引发 推出 发布 宣布 来说 来看 起来 出来 下来 上来 
""".split()

_ENGLISH_FUNCTION = """
a about above after again against all also am an and any are aren as at be because been before being below
between both but by can cannot could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just let me more most my myself no nor
not now of off on once only or other ought our ours ourselves out over own same she should so some such than that
the their theirs them themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves via per vs etc eg ie
e.g i.e et al across among within without upon whether however therefore thus hence yet still even may might must
shall also often well new based using use used uses show shows shown propose proposed proposes present presents
introduce introduces """.split()

# Page furniture of clips (Weibo, clipping pipelines) and of AI summaries.
_BOILERPLATE_WORDS = """
网页链接 微博视频 量子位的微博视频 原始摘要 AI摘要 摘要 元数据 视频无法显示 请前往 观看 微博 转发 评论 点赞 收藏 全文
展开 展开全文 原文 原文链接 链接 网页 图片 视频 查看 来源 类型 保存时间 目录日期 字数 注 字 严格遵循 限制 整合 核心要素
保持 客观性 学术 简洁 概括 总结 文章 本文 全文 作者 博主 网友 评论区 来自 分享 关注 转载 原创 超话 话题 热搜 直播 图
ArXiv arxiv 论文 URL http https www com cn weibo html
""".split()

# Generic words of a technology clipping vault: never a tag alone (they are welcome inside compounds).
_FILLER = """
方面 问题 情况 方式 过程 结果 部分 内容 领域 工作 东西 事情 地方 程度 水平 效果 作用 意义 影响 情况下 范围 形式 类型 特点
优势 挑战 能力 性能 表现 机制 体系 框架 策略 方案 思路 角度 层面 维度 关键 核心 基础 整体 全面 有效 显著 更好 较好
大量 多种 多个 不同 各种 新的 新 全新 最新 更多 很多 许多 少 多 大 小 高 低 好 强 快 慢 长 短 真正 完全 直接 自动 实际
AI 模型 技术 研究 方法 系统 数据 算法 应用 工具 平台 产品 功能 服务 用户 公司 团队 行业 企业
科技 智能 智能化 数字化 信息 知识 任务 训练 学习 推理 生成 开发 设计 测试 评估 实验 分析 优化 提升 改进 研究者
研究人员 研究团队 研究成果 论文 文献 作者 读者 专家 人们 人类 世界 社会 未来 时代 机会 趋势 发展 进展 突破 创新
成果 成本 价格 效率 速度 质量 准确率 场景 案例 例子 示例 版本 功能 升级 更新 开放 免费 官方 正式 全球 国内 国外
中国 美国 网友 朋友 大家 人 事 年 月 日 天 小时 分钟 秒 元 亿 万 千 百 个人 时间 空间 资源 环境 条件 目标 需求
model models learning language network networks
paper work works approach approaches method methods result results study studies task tasks
model models framework data dataset datasets performance existing novel recent first second one two three
state-of-the-art sota large small high low key demonstrate demonstrates achieve achieves improve improves
improved improvement improvements significant significantly effective effectively efficient efficiently various
different several many much specific specifically including include includes provide provides provided across
while enable enables enabling problem problems issue issues set number way ways make makes making however
""".split()

FUNCTION_WORDS: frozenset[str] = frozenset(w.casefold() for w in _CHINESE_FUNCTION + _ENGLISH_FUNCTION)
FILLER: frozenset[str] = frozenset(w.casefold() for w in _BOILERPLATE_WORDS + _FILLER)

# Whole phrases removed before tokenising: clip furniture that would otherwise yield words.
BOILERPLATE = re.compile(
    r"量子位的微博视频|[\w·]{1,12}的微博视频|微博视频|网页链接|视频无法显示|请前往[^\s，。]{0,12}观看|"
    r"展开全文|原始摘要|AI\s*摘要|（注：[^）（]*）|\(注：[^()]*\)|（\d+字）|\(\d+字\)",  # (linear: see segment)
)
