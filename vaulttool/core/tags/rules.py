"""Tag strings: validity, identity, hashtags in text, the user-edit merge rule, vault tag settings.

Pure and light: no jieba here (``vaulttool query`` imports this module and must stay fast).

Obsidian's rules, as this module applies them:

* a tag holds letters (any script, with their combining marks), digits, ``_``, ``-``, ``/`` (nesting)
  and emoji; no spaces, no other punctuation; in front matter it is written without ``#``;
* it needs at least one non-digit: this module asks for at least one letter or emoji, so ``1984``,
  ``2025-04`` and ``_1`` are refused (Obsidian's own handling of digits with separators is not
  documented, so vaulttool never writes such a tag);
* tags are case-insensitive (``#AI`` is ``#ai``): :func:`tag_key` is the identity used to keep one
  spelling per tag across the vault.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Iterator

__all__ = [
    "TagConfig",
    "apply_synonyms_and_nesting",
    "clean_tag",
    "is_valid_tag",
    "merge_tags",
    "obsidian_hashtags",
    "parse_nesting",
    "parse_synonyms",
    "tag_key",
    "weibo_hashtags",
]

# Emoji blocks (pictographs, dingbats, symbols, regional indicators) plus the joiners and modifiers
# that build emoji sequences. Python has no Extended_Pictographic property; these ranges cover it.
_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),
    (0x2600, 0x27BF),
    (0x2B00, 0x2BFF),
    (0x2300, 0x23FF),
    (0x1F1E6, 0x1F1FF),
)
_EMOJI_JOINERS = {0x200D, 0xFE0F, 0x20E3}


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    if cp in _EMOJI_JOINERS:
        return True
    return any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES) and unicodedata.category(ch) in ("So", "Sk")


def _is_letter(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] == "L" or cat in ("Mn", "Mc")


def _is_tag_char(ch: str) -> bool:
    if ch in "_-/":
        return True
    if ch.isascii():
        return ch.isalnum()
    cat = unicodedata.category(ch)
    return cat[0] == "L" or cat in ("Mn", "Mc", "Nd") or _is_emoji(ch)


_SPACES = re.compile(r"\s+")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_SLASH_RUN = re.compile(r"-*/[-/]*")
_DASH_RUN = re.compile(r"-{2,}")


def clean_tag(raw: str) -> str | None:
    """Turn any string into a valid Obsidian tag, or ``None`` when nothing valid is left.

    NFC; ``#`` dropped; whitespace runs become ``-``; a ``.`` between two digits becomes ``_`` (so
    ``GPT-4.5`` gives ``GPT-4_5``, not the misleading ``GPT-45``); every other character that is not a
    letter, digit, ``_``, ``-``, ``/`` or emoji is dropped; runs of ``-`` and of ``/`` collapse (a
    ``/`` swallows the dashes around it); leading and trailing ``-``/``/`` are stripped. ``None`` when the
    result is empty or holds no letter or emoji (``1984``). Case is kept as given.
    """
    if not raw:
        return None
    text = unicodedata.normalize("NFC", raw).replace("#", "")
    text = _SPACES.sub("-", text.strip())
    text = _DECIMAL_POINT.sub("_", text)
    text = "".join(ch for ch in text if _is_tag_char(ch))
    text = _SLASH_RUN.sub("/", text)
    text = _DASH_RUN.sub("-", text).strip("-/")
    if not text or not any(_is_letter(ch) or _is_emoji(ch) for ch in text):
        return None
    return text


def is_valid_tag(tag: str) -> bool:
    """True when ``tag`` can be written as it is in a note's ``tags`` list (no ``#``, no spaces)."""
    return bool(tag) and clean_tag(tag) == unicodedata.normalize("NFC", tag)


def tag_key(tag: str) -> str:
    """The case-insensitive identity of a tag (NFKC + casefold): ``AI``, ``ai`` and ``ＡＩ`` are one."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())


# ----------------------------------------------------------------------------- hashtags in text

# The inside of ``#话题#``: no ``#``, no line break; a single blank only between English words or
# numbers after a word (``#Claude 3.7 Sonnet#``, ``#延迟降 10%#``): ``#python and #rust`` is none.
_WEIBO_NAME = re.compile(r"[^\s#]+(?:(?<=[\w.+%]) (?=[A-Za-z0-9])[^\s#]+)*")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
# ``#tag``: at the start of a line or after whitespace; the name is cut at the first non-tag character.
_OBSIDIAN_TAG = re.compile(r"(?:(?<=\s)|^)#([^\s#]+)", re.MULTILINE)


def _unique_by_key(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        key = tag_key(name)
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def _weibo_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, name)`` of each ``#话题#`` span, left to right, spans not overlapping."""
    i = text.find("#")
    while i >= 0:
        j = text.find("#", i + 1)
        if j < 0:
            return
        name = text[i + 1 : j]
        if len(name) <= 80 and _WEIBO_NAME.fullmatch(name):
            yield i, j + 1, name
            i = text.find("#", j + 1)
        else:
            i = j


def weibo_hashtags(text: str) -> list[str]:
    """Weibo-style hashtags ``#话题#`` (closing ``#``; ``#a##b#`` gives both), without the ``#``.

    Order of first appearance; one entry per :func:`tag_key`. Names are returned as written (they may
    hold spaces or punctuation: pass them through :func:`clean_tag` before using them as tags).
    """
    if "#" not in text:
        return []
    return _unique_by_key(name for _start, _end, name in _weibo_spans(text))


def obsidian_hashtags(text: str) -> list[str]:
    """Obsidian-style inline tags ``#tag``, without the ``#``; one entry per :func:`tag_key`.

    Skips Weibo-style ``#话题#`` spans, headings (``# Title``: a space follows the ``#``), ``#`` not
    preceded by whitespace or a line start, and anything inside a URL. The name ends at the first
    character a tag cannot hold; trailing ``-``/``/`` are dropped and a name without a letter or emoji
    (``#1984``) is no tag. Code spans and blocks are the caller's to remove.
    """
    if "#" not in text:
        return []
    text = _URL.sub(" ", text)
    pieces, pos = [], 0
    for start, end, _name in _weibo_spans(text):
        pieces.append(text[pos:start])
        pos = end
    text = " ".join(pieces + [text[pos:]])
    names = []
    for m in _OBSIDIAN_TAG.finditer(text):
        name = m.group(1)
        end = 0
        while end < len(name) and _is_tag_char(name[end]):
            end += 1
        name = name[:end].rstrip("-/")
        if name and clean_tag(name) == unicodedata.normalize("NFC", name):
            names.append(name)
    return _unique_by_key(names)


# ----------------------------------------------------------------------------- the user-edit rule


def merge_tags(
    current: list[str], auto_record: list[str], derived: list[str]
) -> tuple[list[str], list[str]]:
    """Merge newly derived tags into a note's tags without overruling the user.

    ``current`` is the note's ``tags`` property as it is now; ``auto_record`` is its ``auto_tags``
    property, the note's own record of the derived tags vaulttool added before (kept in the note, so it
    survives deleting ``.vaulttool/``); ``derived`` are the tags derived now. All comparisons use
    :func:`tag_key` (case-insensitive). The rule:

    * **rejected** = ``auto_record`` − ``current``: derived tags the user deleted; never added again.
    * **user tags** = ``current`` − ``auto_record``: never removed, never reordered.
    * **stale** = (``auto_record`` ∩ ``current``) − ``derived``: tags vaulttool added that are no longer
      derived; removed.
    * new tags = ``current`` in its order minus stale, then each tag of ``derived`` (in that order) that
      is neither rejected nor already present; an already present tag keeps the note's spelling.
    * new record = the derived tags now present (in ``derived`` order, with the note's spelling), then the
      rejected ones (in record order).

    Idempotent: merging the result again with the same ``derived`` returns it unchanged. A user who
    types back a tag they had rejected makes it an ordinary derived tag again (it is in both lists).
    Returns ``(tags, auto_tags)``.
    """
    current_keys = {tag_key(t) for t in current}
    record_keys = {tag_key(t) for t in auto_record}
    derived_keys = {tag_key(t) for t in derived}

    rejected: list[str] = []
    rejected_keys: set[str] = set()
    for tag in auto_record:
        key = tag_key(tag)
        if key not in current_keys and key not in rejected_keys:
            rejected.append(tag)
            rejected_keys.add(key)

    tags = [t for t in current if not (tag_key(t) in record_keys and tag_key(t) not in derived_keys)]
    present = {tag_key(t): t for t in reversed(tags)}  # first spelling wins
    for tag in derived:
        key = tag_key(tag)
        if key in rejected_keys or key in present:
            continue
        tags.append(tag)
        present[key] = tag

    record: list[str] = []
    recorded: set[str] = set()
    for tag in derived:
        key = tag_key(tag)
        if key in present and key not in recorded:
            record.append(present[key])
            recorded.add(key)
    record.extend(t for t in rejected if tag_key(t) not in recorded)
    return tags, record


# ----------------------------------------------------------------------------- vault settings


@dataclass
class TagConfig:
    """Vault-level tag settings (``[tags]`` in ``.vaulttool/config.toml``).

    ``stopwords`` are extra words never to derive (compared with :func:`tag_key`), on top of the
    built-in list. ``userdict`` is a jieba user dictionary path. ``synonyms`` maps a variant's
    :func:`tag_key` to the canonical spelling (build it with :func:`parse_synonyms`). ``nesting`` holds
    ``(tag, nested)`` pairs: a tag equal to the left side (by key) becomes the right side.
    ``topic_max_len`` is the longest hashtag/topic (in characters) that becomes a tag as it is.
    ``min_clips``: a derived term is a tag only once at least this many unique clips hold it.
    """

    max_tags: int = 5
    stopwords: frozenset[str] = field(default_factory=frozenset)
    userdict: str | None = None
    synonyms: dict[str, str] = field(default_factory=dict)
    nesting: list[tuple[str, str]] = field(default_factory=list)
    topic_max_len: int = 12
    min_clips: int = 3  # a term becomes a tag once this many unique clips (URLs) hold it

    def __post_init__(self) -> None:
        # Accept variants spelt any way (``{"GPT4": "GPT-4"}``): look-ups go by tag_key.
        self.synonyms = {tag_key(k): v for k, v in self.synonyms.items()}
        self.stopwords = frozenset(self.stopwords)


def parse_synonyms(lines: Iterable[str]) -> dict[str, str]:
    """Synonym lines ``LLM = 大模型 = 大语言模型`` (first is canonical) → ``{variant key: canonical}``.

    The canonical spelling maps to itself too, so any case of it is rewritten to the configured one.
    Blank lines and ``#`` comments are skipped; an entry that is no valid tag is ignored.
    """
    out: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = [clean_tag(part) for part in line.split("=")]
        names = [n for n in names if n]
        if not names:
            continue
        canonical = names[0]
        for name in names:
            out.setdefault(tag_key(name), canonical)
    return out


def parse_nesting(lines: Iterable[str]) -> list[tuple[str, str]]:
    """Nesting lines ``大模型 -> ai/大模型`` → ``[("大模型", "ai/大模型")]`` (invalid lines skipped)."""
    out: list[tuple[str, str]] = []
    for line in lines:
        if "->" not in line or line.strip().startswith("#"):
            continue
        left, _, right = line.partition("->")
        left_tag, right_tag = clean_tag(left), clean_tag(right)
        if left_tag and right_tag:
            out.append((left_tag, right_tag))
    return out


def apply_synonyms_and_nesting(tag: str, config: TagConfig) -> str:
    """The tag as the vault spells it: synonyms first (variant → canonical), then the first nesting rule
    whose left side equals it (case-insensitive). Tags not named in the settings come back unchanged."""
    tag = config.synonyms.get(tag_key(tag), tag)
    key = tag_key(tag)
    for left, right in config.nesting:
        if tag_key(left) == key:
            return right
    return tag
