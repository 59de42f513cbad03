"""Concepts of the clip corpus, each with its spellings, to measure "one tag per concept" (issue 21).

For each concept, over the entries (one per unique URL):

* **about**: entries whose title names it (any spelling) or whose AI summary names it at least twice;
* **names**: entries naming it anywhere (title, AI summary, raw summary);
* **spread**: the distinct derived tags that are one of its spellings, as ``concept_key`` folds them
  (case, width, plural, separators, version: ``DeepSeek-R1`` is ``DeepSeek``), or that hold one of them
  inside a longer tag (``DeepSeek走进厨房``): goal 1;
* **recall** of the best single ``query --tag`` (the tag whose notes cover most of *about*) against
  *about*, and its **precision** against *names* (a note tagged with it that does not name the
  concept at all is a false hit).

A spelling matches case-insensitively after NFKC; an English spelling only as a whole word (``RL`` is
not in ``URL``), a version may follow it (``Qwen2.5``). Two lists: DEV (looked at while building the tagger) and HELD_OUT (chosen apart, from
other parts of the field, and not looked at while tuning): both are reported.
"""

from __future__ import annotations

import re
import unicodedata

# name: spellings (Chinese, English, abbreviation...). The first is only a label.
DEV = {
    "DeepSeek": ["DeepSeek", "深度求索"],
    "强化学习": ["强化学习", "reinforcement learning", "RL"],
    "英伟达": ["英伟达", "NVIDIA", "Nvidia"],
    "大语言模型": ["大语言模型", "大型语言模型", "LLM", "LLMs", "large language model", "large language models"],
    "智能体": ["智能体", "AI Agent", "agent", "agents"],
    "多模态": ["多模态", "multimodal", "multi-modal"],
    "具身智能": ["具身智能", "embodied AI", "embodied intelligence"],
    "Qwen": ["Qwen", "通义千问", "千问"],
    "OpenAI": ["OpenAI"],
    "扩散模型": ["扩散模型", "diffusion model", "diffusion models"],
    "混合专家": ["混合专家", "Mixture of Experts", "Mixture-of-Experts", "MoE"],
    "人形机器人": ["人形机器人", "humanoid robot", "humanoid robots", "humanoid"],
    "自动驾驶": ["自动驾驶", "autonomous driving", "self-driving"],
    "思维链": ["思维链", "chain of thought", "chain-of-thought", "CoT"],
    "GPT": ["GPT", "ChatGPT"],
}
HELD_OUT = {
    "Claude": ["Claude", "Anthropic"],
    "Gemini": ["Gemini"],
    "谷歌": ["谷歌", "Google"],
    "微软": ["微软", "Microsoft"],
    "马斯克": ["马斯克", "Musk", "Elon Musk"],
    "Transformer": ["Transformer", "Transformers"],
    "蒸馏": ["蒸馏", "distillation"],
    "幻觉": ["幻觉", "hallucination", "hallucinations"],
    "微调": ["微调", "fine-tuning", "finetuning", "fine tuning"],
    "芯片": ["芯片", "chip", "chips"],
    "量化": ["量化", "quantization"],
    "图神经网络": ["图神经网络", "graph neural network", "graph neural networks", "GNN", "GNNs"],
    "华为": ["华为", "Huawei"],
    "蛋白质": ["蛋白质", "protein", "proteins"],
    "Llama": ["Llama", "LLaMA"],
    "Meta": ["Meta"],
    "苹果": ["苹果", "Apple"],
    "机器人": ["机器人", "robot", "robots", "robotics"],
    "Kimi": ["Kimi", "月之暗面", "Moonshot"],
    "字节跳动": ["字节跳动", "字节", "ByteDance"],
    "编程": ["编程", "coding", "programming"],
}


def _norm(s: str) -> str:
    return unicodedata.normalize("NFKC", s).casefold()


def _pattern(spellings: list[str]) -> re.Pattern[str]:
    parts = []
    for sp in sorted(spellings, key=len, reverse=True):
        sp = _norm(sp)
        body = re.escape(sp).replace(r"\ ", r"[\s_\-]?").replace(r"\-", r"[\s_\-]?")
        parts.append(rf"(?<![a-z0-9]){body}(?![a-z])" if sp.isascii() else body)
    return re.compile("|".join(parts))


def evaluate(entries: list[dict], tags: list[list[str]], concepts: dict[str, list[str]]) -> list[dict]:
    from vaulttool.core.tags.concepts import concept_key

    rows = []
    tag_sets = [{_norm(t) for t in ts} for ts in tags]
    for label, spellings in concepts.items():
        rx = _pattern(spellings)
        keys = {concept_key(s) for s in spellings}
        about, names = set(), set()
        for i, e in enumerate(entries):
            title, ai, raw = _norm(e["title"]), _norm(e["description"]), _norm(e["body"])
            in_title, in_ai = rx.search(title), len(rx.findall(ai))
            if in_title or in_ai >= 2:
                about.add(i)
            if in_title or in_ai or rx.search(raw):
                names.add(i)
        spread = set()
        carriers: dict[str, set[int]] = {}
        for i, ts in enumerate(tag_sets):
            for t in ts:
                if concept_key(t) in keys or rx.search(t):
                    spread.add(t)
                carriers.setdefault(t, set()).add(i)
        best = (0.0, 0.0, "")
        for t in spread:
            got = carriers[t]
            rec = len(got & about) / len(about) if about else 0.0
            prec = len(got & names) / len(got) if got else 0.0
            best = max(best, (rec, prec, t))
        rows.append({"concept": label, "about": len(about), "names": len(names), "spread": len(spread),
                     "best": best[2], "recall": best[0], "precision": best[1]})
    return rows


MIN_ABOUT = 5  # a concept fewer entries are about says little: left out of the means


def summary(rows: list[dict]) -> dict:
    rows = [r for r in rows if r["about"] >= MIN_ABOUT]
    n = len(rows) or 1
    tagged = [r for r in rows if r["best"]]
    return {"concepts": len(rows), "recall": sum(r["recall"] for r in rows) / n,
            "precision": sum(r["precision"] for r in tagged) / len(tagged) if tagged else 0.0,
            "one_tag": sum(1 for r in rows if r["spread"] == 1) / n,
            "spread": sum(r["spread"] for r in rows) / n}
