"""Scale the clip corpus to a synthetic vault of N notes (deterministic for a given seed).

    python -m benchmarks.synth --notes 50000 --seed 1 --out DIR [--normalised] [--corpus PATH]

Every note is built from the real clips: a base clip gives the shape (Weibo post or arXiv paper), and
its text is recombined with paragraphs and sentences of another clip of the same kind, names of
companies, models and topics are swapped, one product name from a pool that grows with N is woven in,
the date is spread over months and years (one folder per day, as in the corpus), and the URL is new
(about one note in ten re-clips the URL of an earlier one, arXiv sometimes as ``v2``). So titles, tags,
topics and URLs differ from note to note instead of repeating the corpus.

Links: most notes end with a ``## 相关笔记`` section of wikilinks to other generated notes, popular
targets chosen more often so that some notes collect many backlinks: ``[[Title]]``, ``[[Title|alias]]``,
``[[Title#Heading]]`` and a few links to notes that do not exist. About one note in seven is a user's own
note (front matter with tags, prose with inline wikilinks, a code block holding a non-link).

Default mode writes clips in the corpus's raw format (``# title``, ``**URL**``, ``## 原始摘要`` ...,
corpus-style file names), so ``reindex`` has to normalise them. ``--normalised`` writes notes that are
already normalised (front matter with ``title``, ``source``, ``created``, ``tags``, ``auto_tags: []``;
file names derived from the title), for index-only measurements.

Link targets are the note titles made safe for file names (no ``# ^ [ ] | \\ / : * ? " < >``, runs of
space and ``_`` as one space), the names the normaliser gives clips, so links resolve once clips are
normalised.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("VAULTTOOL_CORPUS", ROOT.parent / "shared" / "corpus" / "ai-info-clips"))

_SECTION = re.compile(r"^## (.+?)[ \t]*$", re.MULTILINE)
_URL_LINE = re.compile(r"^\*\*URL\*\*:[ \t]*(\S+)", re.MULTILINE)
_HASHTAG_ANCHOR = re.compile(r'<a [^>]*><span class="surl-text">#([^#<]{1,40})#</span></a>')
_HASHTAG = re.compile(r"#([^#\n<>]{2,12})#")
_BR2 = re.compile(r"(?:<br\s*/?>\s*){2,}", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SENTENCE = re.compile(r"(?<=[。！？!?])")
_FORBIDDEN = re.compile(r'[#^\[\]|\\/:*?"<>\x00-\x1f\x7f]')
_SPACES = re.compile(r"[\s_\u3000]+")
_BAD_FILE_CHARS = re.compile(r'[/\\\x00-\x1f]')

# Names swapped within their group, so that the tagger sees other entities than the corpus has.
GROUPS = [
    ["OpenAI", "谷歌", "Meta", "微软", "英伟达", "字节", "阿里", "腾讯", "百度", "DeepSeek", "Kimi", "智谱",
     "Anthropic", "苹果", "小米", "华为", "商汤", "月之暗面", "Mistral", "xAI", "亚马逊", "三星", "特斯拉"],
    ["GPT-4o", "Claude", "Gemini", "Llama", "Qwen", "DeepSeek-R1", "o3", "Grok", "通义千问", "文心一言", "豆包",
     "GLM-4", "Sora", "Midjourney", "Stable Diffusion", "FLUX", "混元", "盘古"],
    ["大模型", "多模态", "智能体", "机器人", "自动驾驶", "芯片", "强化学习", "推理模型", "具身智能", "视频生成",
     "AI编程", "开源模型", "知识图谱", "语音识别", "图像生成", "量子计算", "脑机接口", "世界模型"],
    ["language model", "diffusion model", "vision transformer", "reinforcement learning", "graph neural network",
     "retrieval-augmented generation", "mixture of experts", "speech recognition", "object detection",
     "reward model", "world model", "code generation", "knowledge distillation", "federated learning"],
]
_ZH_PREFIX = "星 云 灵 天 启 玄 极 神 鸿 悟 智 元 混 通 紫 青 墨 曜 昆 北 南 量 光 深".split()
_ZH_SUFFIX = "枢 擎 镜 工 舟 盾 帆 图 弦 羽 衡 渊 岳 川 翼 核 芯 途 鉴 象".split()
_EN_PART = ("Nova Astra Lumen Helix Vega Orion Quill Cobalt Tessera Atlas Zephyr Ember Sable Kite "
            "Prism Halo Vector Delta Onyx Pulse").split()
_ALIASES = ["参见", "相关讨论", "另一篇", "原文", "对比", "延伸阅读", "see also", "background"]
_HEADINGS = ["AI 摘要", "原始摘要", "元数据"]
_OWN_TAGS = ["读书笔记", "ai/llm", "ai/agent", "ai/vision", "research/paper", "todo", "idea", "project/vault",
             "weekly", "评论", "待读", "robotics", "chip", "open-source"]
_WEIBO_UIDS = ["6105753431", "1870858943", "2194035935", "1402400261", "5722964389", "7440446016"]
_EPOCH = 1_577_836_800  # 2020-01-01 00:00 UTC
_DAY0 = date(2020, 1, 1)
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class Clip:
    title: str
    url: str
    raw: str
    ai: str
    kind: str  # "weibo" or "arxiv"
    paras: list[str] = field(default_factory=list)  # raw summary split into paragraphs
    sentences: list[str] = field(default_factory=list)  # AI summary split into sentences
    hashtags: list[str] = field(default_factory=list)


def load_corpus(corpus: Path) -> list[Clip]:
    clips: list[Clip] = []
    for path in sorted(corpus.glob("*/*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        first = text.split("\n", 1)[0]
        m = _URL_LINE.search(text)
        if not first.startswith("# ") or not m:
            continue
        sections: dict[str, str] = {}
        marks = list(_SECTION.finditer(text))
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            sections[mark.group(1)] = text[mark.end():end].strip()
        url = m.group(1)
        raw, ai = sections.get("原始摘要", ""), sections.get("AI 摘要", "")
        kind = "arxiv" if "arxiv.org" in url else "weibo"
        clip = Clip(first[2:].strip(), url, raw, ai, kind)
        if kind == "weibo":
            clip.paras = [p for p in _BR2.split(raw) if p.strip()]
        else:
            clip.paras = [p for p in re.split(r"\n\s*\n", raw) if p.strip()]
            if len(clip.paras) == 1:  # one abstract: split it into sentence groups
                parts = re.split(r"(?<=\.)\s+(?=[A-Z])", raw)
                step = max(1, len(parts) // 3)
                clip.paras = [" ".join(parts[i:i + step]) for i in range(0, len(parts), step)]
        clip.sentences = [s for s in _SENTENCE.split(ai) if s.strip()] or [ai]
        clip.hashtags = [h for h in dict.fromkeys(_HASHTAG.findall(first + " " + raw)) if h.strip()]
        clips.append(clip)
    if not clips:
        raise SystemExit(f"no clips found in {corpus}")
    return clips


def safe_title(title: str) -> str:
    """The file-name stem a (short) title gets: NFC, forbidden characters and runs of space/``_`` become
    one space, no leading dot or space, no trailing dot or space."""
    text = unicodedata.normalize("NFC", title)
    text = _SPACES.sub(" ", _FORBIDDEN.sub(" ", text)).strip().lstrip(". ").rstrip(". ")
    return text or "Untitled"


def cut_title(title: str, max_bytes: int = 100) -> str:
    """Titles longer than ``max_bytes`` of UTF-8 are cut (with ``...``), so that file names never need
    truncating and a link written as the title finds the note."""
    raw = title.encode("utf-8")
    if len(raw) <= max_bytes:
        return title
    return raw[: max_bytes - 3].decode("utf-8", errors="ignore").rstrip() + "..."


def corpus_file_name(title: str) -> str:
    """A file name the way the clipping pipeline of the corpus writes them: spaces as ``_``, cut at 80
    characters with ``...``; ``#`` and ``？`` kept."""
    name = _BAD_FILE_CHARS.sub("", title).replace(" ", "_").replace(":", "-")
    name = name.lstrip(".") or "clip"
    if len(name) > 80:
        name = name[:80] + "..."
    while len(name.encode("utf-8")) > 240:
        name = name[:-4] + "..."
    return name + ".md"


class Generator:
    def __init__(self, clips: list[Clip], n: int, seed: int, normalised: bool):
        self.clips = clips
        self.weibo = [c for c in clips if c.kind == "weibo"]
        self.arxiv = [c for c in clips if c.kind == "arxiv"]
        self.n = n
        self.rng = random.Random(seed)
        self.normalised = normalised
        self.all_hashtags = sorted({h for c in clips for h in c.hashtags})
        # product names: the pool grows with the vault, so distinct tags grow with it too
        rng = random.Random(seed * 7919 + 1)
        pool_size = max(50, n // 15)
        names: set[str] = set()
        while len(names) < pool_size:
            if rng.random() < 0.5:
                names.add(rng.choice(_ZH_PREFIX) + rng.choice(_ZH_SUFFIX) + rng.choice(["", "大模型", "平台", "Agent", "-" + str(rng.randint(2, 9))]))
            else:
                names.add(f"{rng.choice(_EN_PART)}-{rng.choice(['', 'X', 'Pro', 'Mini'])}{rng.randint(1, 99)}".replace("-1", "-"))
        self.products = sorted(names)
        days = min(365 * 5, max(60, n // 30))
        self.start = date(2025, 5, 31) - timedelta(days=days - 1)
        self.days = days

    # -- pieces ---------------------------------------------------------------------------------
    def substitutions(self, rng: random.Random) -> list[tuple[str, str]]:
        subs = []
        for group in GROUPS:
            if rng.random() < 0.8:
                a, b = rng.sample(group, 2)
                subs.append((a, b))
        return subs

    @staticmethod
    def apply(text: str, subs: list[tuple[str, str]]) -> str:
        for a, b in subs:
            if a in text or b in text:
                text = text.replace(a, "\x00").replace(b, a).replace("\x00", b)  # swap both ways
        return text

    def url(self, rng: random.Random, kind: str, day: date) -> str:
        if kind == "arxiv":
            return f"http://arxiv.org/abs/{day:%y%m}.{rng.randint(0, 99999):05d}v{1 if rng.random() < 0.85 else 2}"
        mid = "".join(rng.choice(_B62) for _ in range(9))
        return f"https://weibo.com/{rng.choice(_WEIBO_UIDS)}/{mid}"

    # -- one note -------------------------------------------------------------------------------
    def plan(self) -> list[dict]:
        """Pass 1: kind, base clip, date, title and URL of every note (titles first, so links can
        point at notes generated later)."""
        rng = self.rng
        notes: list[dict] = []
        used: set[str] = set()
        urls: list[str] = []
        for i in range(self.n):
            own = rng.random() < 0.14
            base = rng.choice(self.clips)
            donor = rng.choice(self.weibo if base.kind == "weibo" else self.arxiv)
            day = self.start + timedelta(days=int(rng.random() ** 0.8 * self.days))
            subs = self.substitutions(rng)
            product = self.products[min(int(rng.paretovariate(1.2)) - 1, len(self.products) - 1)
                                    if rng.random() < 0.3 else rng.randrange(len(self.products))]
            title = self.apply(base.title, subs)
            if base.kind == "weibo" and self.all_hashtags and rng.random() < 0.5:
                title = f"#{rng.choice(self.all_hashtags)}#" + title.lstrip("#").split("#", 1)[-1]
            if rng.random() < 0.6:
                title = self._weave(title, product, rng)
            if own:
                title = f"{rng.choice(['关于', '笔记：', '读后：', 'Notes on ', '想法：'])}{title.strip('#')[:30]}"
            title = cut_title(title)
            stem = safe_title(title)
            k = 2
            while stem.casefold() in used:
                title = f"{cut_title(title, 90)} 其{k}"
                stem = safe_title(title)
                k += 1
            used.add(stem.casefold())
            if urls and rng.random() < 0.1:
                url = rng.choice(urls[-2000:])
                if "arxiv.org" in url and url.endswith("v1"):
                    url = url[:-2] + "v2"
            else:
                url = self.url(rng, base.kind, day)
                urls.append(url)
            notes.append({"i": i, "own": own, "base": base, "donor": donor, "day": day, "subs": subs,
                          "product": product, "title": title, "stem": stem, "url": url})
        return notes

    @staticmethod
    def _weave(text: str, product: str, rng: random.Random) -> str:
        for group in GROUPS:
            for name in group:
                if name in text:
                    return text.replace(name, product, 1)
        # no name to replace: put it in front of a word (after a space, or before a CJK character)
        spots = [0] + [i for i in range(1, min(len(text), 40)) if text[i - 1] == " " or text[i] >= "\u2e80"]
        cut = rng.choice(spots)
        nxt = text[cut:cut + 1]
        return text[:cut] + product + (" " if nxt.isascii() and nxt.strip() else "") + text[cut:]

    def links(self, note: dict, notes: list[dict], rng: random.Random) -> list[str]:
        if rng.random() < 0.3:
            return []
        out = []
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            # popular targets: a skewed pick among all notes, so some notes gather many backlinks
            j = int(len(notes) * rng.random() ** 2)
            target = notes[j]["stem"]
            if target == note["stem"]:
                continue
            if r < 0.55:
                out.append(f"[[{target}]]")
            elif r < 0.75:
                out.append(f"[[{target}|{rng.choice(_ALIASES)}]]")
            elif r < 0.9:
                out.append(f"[[{target}#{rng.choice(_HEADINGS)}]]")
            else:
                out.append(f"[[未找到的笔记 {rng.randrange(self.n // 10 + 5)}]]")
        return out

    def body_parts(self, note: dict, rng: random.Random) -> tuple[list[str], list[str]]:
        base, donor, subs = note["base"], note["donor"], note["subs"]
        paras = list(base.paras)
        if donor is not base and donor.paras:
            k = rng.randint(1, max(1, len(donor.paras) // 2))
            start = rng.randrange(len(donor.paras))
            extra = donor.paras[start:start + k]
            at = rng.randint(1, max(1, len(paras)))
            paras[at:at] = extra
        if len(paras) > 3 and rng.random() < 0.5:
            del paras[rng.randrange(1, len(paras))]
        sentences = list(base.sentences)
        if donor.sentences:
            sentences.insert(rng.randint(1, max(1, len(sentences))), rng.choice(donor.sentences))
        paras = [self.apply(p, subs) for p in paras]
        sentences = [self.apply(s, subs) for s in sentences]
        if sentences:
            sentences[0] = self._weave(sentences[0], note["product"], rng)
        return paras, sentences

    def saved(self, note: dict, rng: random.Random) -> str:
        return f"{note['day'].isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"

    def raw_clip(self, note: dict, notes: list[dict], rng: random.Random) -> str:
        paras, sentences = self.body_parts(note, rng)
        sep = "<br><br>" if note["base"].kind == "weibo" else "\n\n"
        out = [f"# {note['title']}", "", f"**URL**: {note['url']}", "", "## 原始摘要", "", sep.join(paras), "",
               "## AI 摘要", "", "".join(sentences), ""]
        links = self.links(note, notes, rng)
        if links:
            out += ["## 相关笔记", "", *(f"- {link}" for link in links), ""]
        kind = note["base"].kind
        out += ["## 元数据", "", f"- **来源**: {'ArXiv' if kind == 'arxiv' or rng.random() < 0.6 else '微博'}",
                f"- **类型**: {'论文' if kind == 'arxiv' or rng.random() < 0.5 else '微博'}",
                f"- **保存时间**: {self.saved(note, rng)}", f"- **目录日期**: {note['day'].isoformat()}", ""]
        return "\n".join(out)

    def tags_for(self, note: dict, rng: random.Random) -> list[str]:
        tags = [h for h in note["base"].hashtags if " " not in h and len(h) <= 12][:2]
        tags.append(note["product"].replace(" ", "-"))
        if rng.random() < 0.5:
            tags.append(rng.choice(_OWN_TAGS))
        for a, b in note["subs"][:1]:
            tags.append(b.replace(" ", "-"))
        return [t for t in dict.fromkeys(tags) if not t.isdigit()]

    def normalised_clip(self, note: dict, notes: list[dict], rng: random.Random) -> str:
        paras, sentences = self.body_parts(note, rng)
        if note["base"].kind == "weibo":
            paras = [_plain(p) for p in paras]
        site = "arXiv" if "arxiv.org" in note["url"] else "微博"
        description = "".join(sentences).replace("\n", " ")
        fm = ["---", f"title: {_q(note['title'])}", f"source: {note['url']}",
              f"created: {self.saved(note, rng).replace('Z', '+00:00')}", f"description: {_q(description)}",
              f"site: {site}", "tags:", *(f"  - {_q(t)}" for t in self.tags_for(note, rng)), "auto_tags: []",
              "---", ""]
        out = fm + ["## 原始摘要", "", "\n\n".join(paras), "", "## AI 摘要", "", "".join(sentences), ""]
        links = self.links(note, notes, rng)
        if links:
            out += ["## 相关笔记", "", *(f"- {link}" for link in links), ""]
        return "\n".join(out)

    def own_note(self, note: dict, notes: list[dict], rng: random.Random) -> str:
        paras, sentences = self.body_parts(note, rng)
        links = self.links(note, notes, rng) or [f"[[{notes[rng.randrange(len(notes))]['stem']}]]"]
        text = []
        for i, s in enumerate(sentences):
            text.append(s)
            if i < len(links):
                text.append(f"（见 {links[i]}）")
        extra = " ".join(links[len(sentences):])
        tags = self.tags_for(note, rng)
        fm = ["---", f"created: {note['day'].isoformat()}", "tags:", *(f"  - {_q(t)}" for t in tags), "---", ""]
        body = [f"# {note['title']}", "", "".join(text) + (" " + extra if extra else ""), "",
                "## 摘录", "", _plain(rng.choice(paras)) if paras else "", "",
                "```", "[[这不是链接]] #这也不是标签", "```", "", f"来源：{note['url']}", ""]
        return "\n".join(fm + body)

    def file_name(self, note: dict) -> str:
        if note["own"] or self.normalised:
            return note["stem"] + ".md"
        return corpus_file_name(note["title"])

    def write(self, out: Path) -> dict:
        notes = self.plan()
        rng = self.rng
        out.mkdir(parents=True, exist_ok=True)
        made_dirs: set[str] = set()
        taken: set[str] = set()
        counts = {"notes": 0, "clips": 0, "own": 0, "links": 0, "bytes": 0}
        for note in notes:
            folder = "notes" if note["own"] else note["day"].isoformat()
            if folder not in made_dirs:
                (out / folder).mkdir(exist_ok=True)
                made_dirs.add(folder)
            if note["own"]:
                text = self.own_note(note, notes, rng)
            elif self.normalised:
                text = self.normalised_clip(note, notes, rng)
            else:
                text = self.raw_clip(note, notes, rng)
            name = self.file_name(note)
            rel = f"{folder}/{name}"
            k = 2
            while rel.casefold() in taken:
                rel = f"{folder}/{name[:-3]}_{k}.md"
                k += 1
            taken.add(rel.casefold())
            data = text.encode("utf-8")
            with open(out / rel, "wb") as fh:
                fh.write(data)
            # clipped on its day: an old mtime, as a vault that has been synced or copied has
            stamp = _EPOCH + (note["day"] - _DAY0).days * 86400 + note["i"] % 86400
            os.utime(out / rel, (stamp, stamp))
            counts["notes"] += 1
            counts["own" if note["own"] else "clips"] += 1
            counts["links"] += text.count("[[") - text.count("[[这不是链接]]")
            counts["bytes"] += len(data)
        return counts


def _plain(fragment: str) -> str:
    """HTML of a Weibo post as plain text (hashtag anchors kept as ``#x#`` text)."""
    text = _BR.sub("\n", fragment)
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def generate(out: Path, notes: int, seed: int = 1, normalised: bool = False, corpus: Path = DEFAULT_CORPUS) -> dict:
    clips = load_corpus(corpus)
    return Generator(clips, notes, seed, normalised).write(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, required=True, help="how many notes to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="target folder (created; should be empty)")
    parser.add_argument("--normalised", action="store_true", help="write already-normalised notes")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(f"{args.out} is not empty", file=sys.stderr)
        return 2
    start = time.perf_counter()
    counts = generate(args.out, args.notes, args.seed, args.normalised, args.corpus)
    print(f"wrote {counts['notes']} notes ({counts['clips']} clips, {counts['own']} own notes, "
          f"{counts['links']} wikilinks, {counts['bytes'] / 1e6:.1f} MB) to {args.out} "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
