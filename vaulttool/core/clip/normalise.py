"""The normaliser: one clip's text in, its normalised text (and new name) out.

It is a pipeline declared as an ordered list of named steps (:data:`PREPARE` then :data:`FINISH`),
each a small function of a :class:`Draft` and the vault :class:`Context`. ``PREPARE`` needs only the
note itself (it can run in a worker process); ``FINISH`` needs the whole vault (document frequencies
for tags, earlier notes for duplicates, taken names for renames).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol

from vaulttool.core import filenames
from vaulttool.core.clip import formats
from vaulttool.core.clip.formats import AUTO_TAGS, Clip
from vaulttool.core.frontmatter import Split, split
from vaulttool.core.textio import Decoded
from vaulttool.core.yamlwrite import edit_and_read, emit_and_read
from vaulttool.errors import NoteError

__all__ = ["Draft", "Context", "prepare", "finish", "PREPARE", "FINISH", "Skip"]

_CONFLICT = re.compile(r"^(<{7}|>{7})(?: |$)", re.M)
ORDER = ("title", "source", "author", "published", "created", "description", "tags", "site", "type",
         "image", "topics", "aliases", "duplicate_of")


class Skip(Exception):
    """Nothing to do for this note (not an error)."""


class Context(Protocol):
    """What the normaliser needs to know of the rest of the vault."""

    tagger: object | None  # a vaulttool.core.tags.tagger.Tagger, or None to derive no tags
    max_topic_len: int

    def doc_freq(self, terms) -> tuple[Mapping[str, int], int]: ...
    def duplicate_of(self, url_key: str, path: str) -> tuple[str, list[str]] | None: ...
    def tag_spelling(self, tag: str) -> str: ...
    def topic_count(self, topic: str) -> int: ...
    def path_taken(self, rel_path: str) -> bool: ...
    def link_to(self, rel_path: str) -> str: ...


@dataclass
class Draft:
    path: str  # vault-relative, "/"-separated
    text: str
    decoded: Decoded
    file_time: str  # ISO date-time of the file, the fallback for ``created``
    explicit: bool = False  # named by the user in ``normalise PATH`` (may add properties to own notes)
    clip_folders: tuple[str, ...] | None = None  # folders whose notes with a URL are clips (None: defaults)
    split: Split | None = None
    format: str | None = None
    clip: Clip | None = None
    topics: list[str] = field(default_factory=list)
    analysis: dict | None = None
    url_key: str | None = None
    duplicate: tuple[str, list[str]] | None = None  # (earlier note's path, its auto tags)
    tags: list[str] = field(default_factory=list)
    auto_tags: list[str] = field(default_factory=list)
    new_path: str | None = None
    result: str | None = None
    result_data: dict | None = None  # what the result's front matter reads as (checked when written)
    # the body as it will be written, with its links (lines counted from the body's first) and inline
    # tags: read where the note alone is at hand (a worker process), for the index to take once written
    body_links: tuple | None = None
    messages: list[str] = field(default_factory=list)
    original_title: str | None = None  # the title as the clip had it, when vaulttool cleaned it

    @property
    def props(self) -> dict:
        return self.clip.props


Step = Callable[[Draft, object], None]


def step_refuse(d: Draft, ctx) -> None:
    if _CONFLICT.search(d.text):
        raise NoteError(d.path, "holds git merge-conflict markers (<<<<<<< / >>>>>>>): resolve them first")
    d.split = split(d.text)


def step_detect(d: Draft, ctx) -> None:
    d.format = formats.detect(d.text, d.split, d.path, d.clip_folders)
    if d.format:
        return
    if d.split.status not in ("ok", "none"):
        raise NoteError(d.path, f"left untouched: {d.split.error}")
    if formats.is_normalised(d.split):
        raise Skip("already normalised")
    if not d.explicit or "generated_by" in d.split.data:
        raise Skip("not a clip")
    if "created" in d.split.data:
        raise Skip("own note, nothing missing")
    # The user's own note, named explicitly: add only what the index needs, never touch the body.
    d.clip = Clip("note", {"created": d.file_time}, d.text[d.split.body_start :], edit_in_place=True)


def step_extract(d: Draft, ctx) -> None:
    if d.format:
        d.clip = formats.extract(d.format, d.text, d.split)
        d.messages.extend(d.clip.messages)


def step_title(d: Draft, ctx) -> None:
    """Titles vaulttool sets are plain text: no Markdown, no entities; Weibo titles without hashtag
    marks, repost chains, ``网页链接`` or the cut's ``...``; SimpRead's title is its file name."""
    from vaulttool.core.clip.titles import clean_title, uncut, weibo_title

    if d.clip.format == "note":
        return
    if d.clip.format == "simpread" and "title" not in d.props:
        stem = _stem(d.path)
        if stem.strip():
            d.props["title"] = clean_title(stem)
    title = d.props.get("title")
    if not isinstance(title, str) or not title:
        return
    new = title
    if d.clip.format == "ai-info":  # the pipeline cuts long titles with `...`
        new = (weibo_title(new) if d.props.get("site") == "微博" else uncut(new)) or uncut(new) or new
    new = clean_title(new) or title
    if new != title:
        d.props["title"] = new
        d.original_title = title


_IMAGE = re.compile(r"!\[[^\]\n]*\]\(<?(?P<url>https?://[^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\)")
_HTML_IMG = re.compile(r"""<img\b[^>]*?\ssrc=["'](?P<url>https?://[^"'\s>]+)""", re.I)
_FENCED = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)


def first_image(body: str) -> str | None:
    """The URL of the first image of a clip's body (outside code), or None."""
    if "![" not in body and "<img" not in body:
        return None
    text = _FENCED.sub("", body) if ("```" in body or "~~~" in body) else body
    found = [m for m in (_IMAGE.search(text), _HTML_IMG.search(text)) if m]
    return min(found, key=lambda m: m.start()).group("url") if found else None


def step_image(d: Draft, ctx) -> None:
    """``image`` (Web Clipper's name for the page's picture) from the first content image, when the
    clipper gave none."""
    if d.clip.format == "note" or "image" in d.props:
        return
    if d.split.status == "ok" and d.split.data.get("image"):
        return
    url = first_image(d.clip.body)
    if url:
        d.props["image"] = url


def step_topics(d: Draft, ctx) -> None:
    from vaulttool.core.tags.rules import weibo_hashtags

    existing = d.split.data.get("topics") if d.split.status == "ok" else None
    seen: list[str] = [str(t) for t in existing] if isinstance(existing, list) else []
    title = str(d.original_title or d.props.get("title", ""))
    for topic in [*weibo_hashtags(title), *d.clip.hashtags, *d.clip.super_topics]:
        topic = topic.strip().strip("#").strip()
        if topic and topic not in seen:
            seen.append(topic)
    d.topics = seen


# Clippers that put the clip's date in the file name (Cubox: ``{{title}}-{{create_time}}``).
_DATED_NAMES = {"cubox"}


def _stem(path: str) -> str:
    name = path.rpartition("/")[2]
    return name[:-3] if name.lower().endswith(".md") else name


def step_created(d: Draft, ctx) -> None:
    if d.clip.format == "note":
        return
    have = d.split.data.get("created") if d.split.status == "ok" else None
    if not d.props.get("created") and not have:
        named = filenames.date_in_name(_stem(d.path)) if d.clip.format in _DATED_NAMES else None
        d.props["created"] = named or d.file_time


def text_of(d: Draft) -> tuple[str, str, str]:
    """(title, description, body) as the note will have them: the text its analysis is keyed on (the
    tagger itself reads it without the clip's machinery, see :mod:`vaulttool.core.clip.machinery`)."""
    data = d.split.data if d.split.status == "ok" else {}
    title = str(d.props.get("title") or data.get("title") or "")
    desc = str(d.props.get("description") or data.get("description") or "")
    return title, desc, d.clip.body


def written_body(d: Draft) -> str:
    """The body as the note will be written: as it is when the front matter is edited in place, else
    with the note's own line endings."""
    if d.clip.edit_in_place and d.split.status == "ok":
        return d.clip.body
    body = d.clip.body.replace("\r\n", "\n")
    return body.replace("\n", "\r\n") if d.decoded.newline == "\r\n" else body


def step_links(d: Draft, ctx) -> None:
    from vaulttool.core.links.extract import extract

    body = written_body(d)
    d.body_links = (body, *extract(body, 1))


def step_analyse(d: Draft, ctx) -> None:
    if d.clip.format == "note" or getattr(ctx, "tagger", None) is None:
        return
    title, desc, body = text_of(d)
    # The same text the index analyses once the note is written, so the cached analysis is reused.
    d.analysis = ctx.tagger.analyse(title, desc, body)


def is_url(text: str) -> bool:
    return bool(re.match(r"(?i)^https?://\S+$", text.strip()))


def source_url(d: Draft) -> str | None:
    """The clip's URL for duplicates: ``source`` when it is a URL, else ``original_url`` (Omnivore)."""
    data = d.split.data if d.split.status == "ok" else {}
    for key in ("source", "original_url"):
        value = d.props.get(key) or data.get(key)
        if isinstance(value, str) and is_url(value):
            return value.strip()
    return None


def step_duplicate(d: Draft, ctx) -> None:
    from vaulttool.core.clip.urls import url_key

    source = source_url(d)
    if d.clip.format == "note" or not source:
        return  # only a URL names a source (Omnivore may write `source: 微信公众号`, a name)
    d.url_key = url_key(str(source))
    d.duplicate = earlier = ctx.duplicate_of(d.url_key, d.path)
    if earlier and "duplicate_of" not in (d.split.data if d.split.status == "ok" else {}):
        d.props["duplicate_of"] = ctx.link_to(earlier[0])
        d.messages.append(f"same URL as {earlier[0]}")


def step_tags(d: Draft, ctx) -> None:
    from vaulttool.core.tags.rules import clean_tag, merge_tags, tag_key

    if d.clip.format == "note":
        return
    data = d.split.data if d.split.status == "ok" else {}
    current = [t for t in (clean_tag(x) for x in d.clip.explicit_tags) if t]
    for topic in d.topics:
        tag = clean_tag(topic)
        if not tag:
            continue
        # A hashtag becomes a tag when it is short and recurs (this clip and at least one more);
        # Weibo hashtags are mostly one-off headlines, which stay in ``topics`` only.
        recurring = len(topic) <= ctx.max_topic_len and (
            topic in d.clip.super_topics or ctx.topic_count(topic) >= 2
        )
        if recurring and tag_key(tag) not in {tag_key(t) for t in current}:
            current.append(tag)
    record = [str(t) for t in data.get(AUTO_TAGS) or []]
    derived: list[str] = []
    if d.duplicate and d.duplicate[1]:
        derived = list(d.duplicate[1])  # the same clip again gets the same tags
    elif d.analysis is not None:
        df, n_docs = ctx.doc_freq(ctx.tagger.candidate_terms(d.analysis))
        derived = ctx.tagger.choose(d.analysis, df, n_docs, explicit=[*current, *d.topics])
    current = [ctx.tag_spelling(t) for t in current]
    derived = [ctx.tag_spelling(t) for t in derived]
    d.tags, d.auto_tags = merge_tags(current, record, derived)


# Formats whose file names are not chosen by anyone: the corpus pipeline writes ``_`` for spaces and
# cuts names at about 80 characters with ``...``; they are named after the title instead.
_TITLE_NAMED = {"ai-info"}


def _aliases(d: Draft) -> list[str]:
    have = d.props.get("aliases")
    if have is None and d.split.status == "ok":
        have = d.split.data.get("aliases")
    if isinstance(have, str):
        have = [have]
    return [str(a) for a in have] if isinstance(have, list) else []


def add_aliases(d: Draft, names) -> None:
    """Append ``names`` to the clip's ``aliases`` (kept as they are; each name once)."""
    current = _aliases(d)
    new = [n for n in names if n and n not in current]
    if new:
        d.props["aliases"] = current + new


def step_file_name(d: Draft, ctx) -> None:
    """Rename only what needs it (see :func:`vaulttool.core.filenames.rename_reason`), and the corpus
    format's names; never a note other notes link to. The old name always goes into ``aliases``."""
    if d.clip.format == "note":
        return
    folder, _, name = d.path.rpartition("/")
    old = _stem(d.path)
    title = str(d.props.get("title") or (d.split.data.get("title") if d.split.status == "ok" else "") or "")
    if d.clip.format in _TITLE_NAMED:
        stem = filenames.clip_stem(title or old)
    else:
        why = filenames.rename_reason(name)
        if why is None:
            return
        stem = filenames.clip_stem(old)  # the name the user or the clipper chose, made safe
    prefix = f"{folder}/" if folder else ""
    candidate = f"{prefix}{stem}.md"
    if candidate == d.path:
        return
    linked = getattr(ctx, "linked_from", None)
    sources = linked(d.path) if linked else []
    if sources:
        d.messages.append(f"not renamed: {len(sources)} note(s) link to it by this name ({sources[0]})")
        return
    n = 2
    while ctx.path_taken(candidate) and candidate.lower() != d.path.lower():
        candidate = f"{prefix}{filenames.numbered(stem, n)}.md"
        n += 1
    if candidate != d.path:
        d.new_path = candidate
        extra = [t for t in (title, d.original_title) if t and t != stem and filenames.linkable(t)]
        add_aliases(d, [old, *extra])


def _ordered(props: dict) -> dict:
    out = {k: props[k] for k in ORDER if k in props}
    out.update((k, v) for k, v in props.items() if k not in out)
    return out


def step_render(d: Draft, ctx) -> None:
    clip = d.clip
    updates = dict(clip.props)
    if clip.format != "note":
        updates["tags"] = d.tags
        if d.topics:
            updates["topics"] = d.topics
        updates[AUTO_TAGS] = d.auto_tags
    nl = d.decoded.newline
    if clip.edit_in_place and d.split.status == "ok":
        block, d.result_data = edit_and_read(d.split.block, updates, remove=clip.remove, newline=nl)
        head = d.text[: d.split.block_start]
        close = d.text[d.split.block_end : d.split.body_start]
        d.result = head + block + close + written_body(d)
        return
    props = _ordered(updates)
    for key, value in clip.carry.items():
        props.setdefault(key, value)
    if AUTO_TAGS in props:
        props[AUTO_TAGS] = props.pop(AUTO_TAGS)  # last: the record closes the block
    block, d.result_data = emit_and_read(props)
    head = "---\n" + block + "---\n"
    d.result = (head.replace("\n", "\r\n") if nl == "\r\n" else head) + written_body(d)


PREPARE: list[tuple[str, Step]] = [
    ("refuse", step_refuse),
    ("detect", step_detect),
    ("extract", step_extract),
    ("title", step_title),
    ("image", step_image),
    ("topics", step_topics),
    ("created", step_created),
    ("links", step_links),
    ("analyse", step_analyse),
]
FINISH: list[tuple[str, Step]] = [
    ("duplicate", step_duplicate),
    ("tags", step_tags),
    ("file_name", step_file_name),
    ("render", step_render),
]


def run(steps, draft: Draft, ctx) -> Draft:
    for _name, step in steps:
        step(draft, ctx)
    return draft


def prepare(draft: Draft, ctx) -> Draft:
    """Steps that need only the note. Raises :class:`Skip` or :class:`NoteError`."""
    return run(PREPARE, draft, ctx)


def finish(draft: Draft, ctx) -> Draft:
    """Steps that need the vault; fills ``draft.result`` and ``draft.new_path``."""
    return run(FINISH, draft, ctx)
