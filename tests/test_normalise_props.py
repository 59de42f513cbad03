"""Properties of the normaliser over generated clips: it is idempotent, and every link, image and line
of text of the input survives in the output."""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import normalise_bytes

WORD = st.text(
    alphabet=st.sampled_from(list("的模型数据训练推理开源发布研究团队公司abcdefxyzABC0123456789")
                             + list(" ,.;:!?()-+=%&'\"@*_~/<>，。：；！？（）「」")),
    min_size=1, max_size=30,
).map(str.strip).filter(lambda s: len(s) >= 2 and re.search(r"\w", s) is not None)
SLUG = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=3, max_size=12)
URL = st.builds(lambda host, path, q: f"https://{host}.example.com/{path}" + (f"?id={q}" if q else ""),
                SLUG, SLUG, st.one_of(st.none(), SLUG))
IMG = st.builds(lambda host, name: f"https://img.{host}.example.com/{name}.jpg", SLUG, SLUG)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def visible(markdown: str) -> str:
    """The text a reader sees, near enough: backslash escapes removed, character references decoded
    (Markdown renders ``&lt;`` as ``<``), runs of spaces folded."""
    return re.sub(r"[ \t]+", " ", html.unescape(_ESCAPED.sub(r"\1", markdown)))


def fold(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()


# -- the summary-clip format with Weibo HTML -------------------------------------------------------

@st.composite
def weibo_clip(draw):
    lines = draw(st.lists(WORD, min_size=1, max_size=6))
    links = draw(st.lists(st.tuples(WORD, URL), max_size=3))
    images = draw(st.lists(IMG, max_size=2))
    hashtags = draw(st.lists(st.text(alphabet="大模型机器人开源芯片", min_size=2, max_size=6), max_size=2))
    parts = []
    for tag in hashtags:
        q = html.escape(f"%23{tag}%23")
        parts.append(f'<a href="https://m.weibo.cn/search?containerid=231522type%3D1%26t%3D10%26q%3D{q}">'
                     f'<span class="surl-text">#{tag}#</span></a>')
    parts.append("<br>".join(html.escape(line, quote=False) for line in lines))
    for text, url in links:
        parts.append(f' <a href="{html.escape(url)}">{html.escape(text, quote=False)}</a>')
    for src in images:
        parts.append(f'<img src="{html.escape(src)}">')
    summary = draw(WORD)
    title = draw(WORD)
    raw = "".join(parts)
    text = (f"# {title}\n\n**URL**: https://weibo.com/1234567890/AbCdEf\n\n## 原始摘要\n\n{raw}\n\n"
            f"## AI 摘要\n\n{summary}\n\n## 元数据\n\n- **来源**: ArXiv\n- **类型**: 论文\n"
            f"- **保存时间**: 2025-04-01T01:31:59Z\n- **目录日期**: 2025-04-01\n")
    return text, lines + [summary], [u for _, u in links], images, hashtags


@FAST
@given(weibo_clip())
def test_weibo_clip_keeps_every_line_link_and_image(case):
    text, lines, links, images, hashtags = case
    out, new_path, draft = normalise_bytes("2025-04-01/clip.md", text.encode())
    assert out is not None
    result = out.decode()
    body = result.split("\n---\n", 1)[1]
    assert not re.search(r"(?<!\\)<(a|br|span|img)\b", body)
    seen = visible(result)
    for line in lines:
        assert fold(line) in seen, line
    for url in [*links, *images]:
        assert url in result
    for tag in hashtags:
        assert f"\\#{tag}#" in result
        assert tag in draft.topics
    # idempotent: the result is a normalised clip that nothing changes again
    again, again_path, _ = normalise_bytes(new_path or "2025-04-01/clip.md", out)
    assert again is None and again_path is None


# -- Web Clipper: Markdown body, front matter kept ------------------------------------------------------

@st.composite
def web_clip(draw):
    paras = draw(st.lists(WORD, min_size=1, max_size=6))
    links = draw(st.lists(st.tuples(SLUG, URL), max_size=3))
    images = draw(st.lists(IMG, max_size=2))
    body = "\n\n".join(paras + [f"[{t}]({u})" for t, u in links] + [f"![]({i})" for i in images])
    title = draw(WORD)
    crlf = draw(st.booleans())
    fm = (f'---\ntitle: "{title.replace(chr(34), "")}"\nsource: "https://example.com/a/{draw(SLUG)}"\n'
          'author:\n  - "[[Someone]]"\npublished: 2025-01-15T04:00:00-08:00\ncreated: 2025-03-19\n'
          'description: "d"\ntags:\n  - "clippings"\n---\n')
    text = fm + body + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return text, fm, body, [u for _, u in links], images, crlf


@FAST
@given(web_clip())
def test_web_clipper_keeps_front_matter_lines_and_body_bytes(case):
    text, fm, body, links, images, crlf = case
    out, new_path, _ = normalise_bytes("Clippings/x.md", text.encode())
    assert out is not None
    result = out.decode()
    nl = "\r\n" if crlf else "\n"
    # every original front matter line is still there, in order, untouched
    original_lines = fm.strip("-\n").split("\n")
    out_fm = result.split(f"{nl}---{nl}", 1)[0].split(nl)
    positions = [out_fm.index(line) for line in original_lines]
    assert positions == sorted(positions)
    # the body is byte for byte the same (no HTML to convert)
    assert result.endswith((body + "\n").replace("\n", nl))
    for url in [*links, *images]:
        assert url in result
    again, again_path, _ = normalise_bytes(new_path or "Clippings/x.md", out)
    assert again is None and again_path is None


# -- the user's own notes are never touched (without an explicit command) ------------------------------

@FAST
@given(st.lists(WORD, min_size=1, max_size=5))
def test_own_note_left_alone(paras):
    text = "# My note\n\n" + "\n\n".join(paras) + "\n"
    out, new_path, _ = normalise_bytes("Notes/mine.md", text.encode())
    assert out is None and new_path is None
