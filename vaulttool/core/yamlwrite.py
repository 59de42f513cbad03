"""Write front matter: fresh blocks in Web Clipper's style, and minimal edits of existing blocks.

Fresh blocks are emitted here (strings double-quoted as Web Clipper writes them, dates plain, lists as
block sequences) and checked by parsing them back. Existing blocks are edited by whole top-level
entries: untouched lines are kept byte for byte by construction, changed keys are replaced where they
stand and new keys appended. Where a block's layout defeats that (complex keys), ruamel.yaml's
round-trip mode makes the edit instead. Every result is parsed back and compared with what was meant;
an edit that would disturb anything else is refused.
"""

from __future__ import annotations

import io
import re
from typing import Any

from vaulttool.core.frontmatter import load_yaml
from vaulttool.errors import FrontMatterError

__all__ = ["emit_block", "emit_and_read", "edit_block", "edit_and_read", "quote"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x85": "\\N",
            "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}


# What a double-quoted scalar cannot hold as it is: the escapes above, C0 and C1 controls, DEL,
# surrogates and the two non-characters U+FFFE/U+FFFF.
_NEEDS_ESCAPE = re.compile("[\\\\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    ch = m.group()
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def quote(text: str) -> str:
    """A YAML double-quoted scalar for ``text``."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _DATE.match(text):
        return text
    return quote(text)


_PLAIN_KEY = re.compile(r"[^\W\d][\w\-. ]*")
_SPECIAL_WORDS = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf"}


def _key(key: str) -> str:
    """A property name as written: plain when it reads back as the same string, else double-quoted
    (names with ``: ``, ``#``, brackets and the like come from clips' metadata lines)."""
    key = str(key)
    if _PLAIN_KEY.fullmatch(key) and not key.endswith(" ") and key.lower() not in _SPECIAL_WORDS:
        return key
    return quote(key)


def _lines(key: str, value: Any) -> list[str]:
    key = _key(key)
    if isinstance(value, (list, tuple)):
        if not value:
            return [f"{key}: []"]
        return [f"{key}:"] + [f"  - {_scalar(v)}" for v in value]
    if isinstance(value, dict):
        raise FrontMatterError(f"nested property {key!r} is not supported by Obsidian")
    rendered = _scalar(value)
    return [f"{key}: {rendered}" if rendered else f"{key}:"]


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _check(text: str, expected: dict) -> dict:
    """Parse ``text`` back and compare it with what was meant; returns what it reads as."""
    got = load_yaml(text) or {}
    want = {k: _plain(v) for k, v in expected.items()}
    if got != want:
        diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
        raise FrontMatterError(f"front matter did not read back as written (keys {diff})")
    return got


def emit_block(props: dict, newline: str = "\n") -> str:
    """The YAML text of a fresh block (without fences), each line ending with ``newline``."""
    return emit_and_read(props, newline)[0]


def emit_and_read(props: dict, newline: str = "\n") -> tuple[str, dict]:
    """:func:`emit_block`, and the mapping the block reads back as (checked equal to ``props``)."""
    lines: list[str] = []
    for key, value in props.items():
        lines.extend(_lines(key, value))
    text = "\n".join(lines) + "\n" if lines else ""
    data = _check(text, props)
    return (text.replace("\n", newline) if newline != "\n" else text), data


_YAML = None


def _ruamel():
    global _YAML
    if _YAML is None:
        from ruamel.yaml import YAML

        y = YAML(typ="rt")
        y.preserve_quotes = True
        y.width = 4096
        y.indent(mapping=2, sequence=4, offset=2)
        y.allow_duplicate_keys = False
        _YAML = y
    return _YAML


def edit_block(block: str, updates: dict, *, remove: tuple[str, ...] = (), newline: str = "\n") -> str:
    """See :func:`edit_and_read`."""
    return edit_and_read(block, updates, remove=remove, newline=newline)[0]


def edit_and_read(block: str, updates: dict, *, remove: tuple[str, ...] = (),
                  newline: str = "\n") -> tuple[str, dict]:
    """Return ``block`` with ``updates`` applied (new keys appended at the end, existing keys
    replaced in place) and ``remove`` keys dropped. Every other line stays as it was; an edit whose
    result does not read back as intended is refused with :class:`FrontMatterError`."""
    original = load_yaml(block) or {}
    if not isinstance(original, dict):
        raise FrontMatterError("front matter is not a mapping")
    if not updates and not any(k in original for k in remove):
        return block, original
    src = block.replace("\r\n", "\n")
    if not src.strip():
        return emit_and_read({**updates}, newline)
    expected = {k: v for k, v in original.items() if k not in remove}
    expected.update(updates)
    text = _line_edit(src, original, updates, remove)
    try:
        _check(text, expected)
    except FrontMatterError:
        # The block has entries a line-level edit cannot find (complex keys, odd layouts): let
        # ruamel.yaml's round-trip mode place the change, and check its result the same way.
        text = _ruamel_edit(src, updates, remove)
    data = _check(text, expected)
    return (text.replace("\n", newline) if newline != "\n" else text), data


def _ruamel_edit(src: str, updates: dict, remove: tuple[str, ...]) -> str:
    y = _ruamel()
    try:
        data = y.load(src)
        for key in remove:
            data.pop(key, None)
        for key, value in updates.items():
            data[key] = _ruamel_value(value)
        buf = io.StringIO()
        y.dump(data, buf)
    except Exception as exc:  # ruamel raises many types; all mean "cannot round-trip"
        raise FrontMatterError(f"front matter cannot be edited safely: {exc.__class__.__name__}") from None
    return buf.getvalue()


def _ruamel_value(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, (list, tuple)):
        seq = CommentedSeq([_ruamel_value(v) for v in value])
        return seq
    if isinstance(value, str) and not _DATE.match(value):
        return DoubleQuotedScalarString(value)
    return value


_TOP_KEY = re.compile(r"^([^\s#][^:]*?|\"[^\"]*\"|'[^']*'):(?:\s|$)")


def _line_edit(src: str, original: dict, updates: dict, remove: tuple[str, ...]) -> str:
    """Replace or drop whole top-level entries by line, append new ones; every other line is kept."""
    lines = src.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tail: list[str] = []  # blank lines before the closing fence stay there, after any new key
    while lines and not lines[-1].strip():
        tail.insert(0, lines.pop())
    entries: list[tuple[str | None, list[str]]] = []
    for line in lines:
        m = _TOP_KEY.match(line)
        if m:
            key = m.group(1).strip("\"'")
            entries.append((key, [line]))
        elif entries:
            entries[-1][1].append(line)
        else:
            entries.append((None, [line]))
    out: list[str] = []
    done = set()
    for key, chunk in entries:
        if key in remove:
            continue
        if key in updates:
            done.add(key)
            if key in original and _plain(original[key]) == _plain(updates[key]):
                out.extend(chunk)  # the same value: its lines stay as written (quotes, layout)
                continue
            out.extend(_lines(key, updates[key]))
            keep = len(chunk)
            while keep > 1 and not chunk[keep - 1].strip():
                keep -= 1
            out.extend(chunk[keep:])  # blank lines after the entry stay
        else:
            out.extend(chunk)
    for key, value in updates.items():
        if key not in done:
            out.extend(_lines(key, value))
    return "\n".join(out + tail) + "\n"
