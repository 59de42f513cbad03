"""Find and read a note's YAML front matter, strictly and fast.

The block is located by exact line positions, so the body after it is kept byte for byte. It is read
with PyYAML's C loader (when built) under rules that refuse what cannot be trusted: aliases (an alias
bomb loads fast but explodes on any walk), duplicate keys, deep nesting, Python object tags. Scalars are
resolved the YAML 1.2 way Obsidian reads them: ``no`` stays a string, ``012345`` stays a string, dates
stay strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from vaulttool.errors import FrontMatterError

__all__ = ["Split", "split", "load_yaml", "FrontMatterError", "MAX_DEPTH", "MAX_NODES"]

MAX_DEPTH = 20
MAX_NODES = 20_000
MAX_BLOCK_CHARS = 256 * 1024

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses aliases and duplicate keys and resolves scalars like YAML 1.2."""

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            raise FrontMatterError("YAML aliases (*name) are not allowed in front matter")
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    key = key_node.value
                    if key == "<<":
                        raise FrontMatterError("YAML merge keys (<<) are not allowed in front matter")
                    if key in seen:
                        mark = key_node.start_mark
                        raise FrontMatterError(
                            f"duplicate key {key!r} in front matter (line {mark.line + 2})"
                        )
                    seen.add(key)
        return super().construct_mapping(node, deep)


_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
):
    _StrictLoader.add_implicit_resolver(_tag, re.compile(_regexp), _first)


def _check_shape(data: Any) -> None:
    """Iteratively bound depth and size (no recursion: a hostile block must not blow the stack)."""
    stack = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise FrontMatterError(f"front matter has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise FrontMatterError(f"front matter nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def load_yaml(block: str) -> Any:
    """Parse YAML text strictly. Raises :class:`FrontMatterError` with a readable reason."""
    if len(block) > MAX_BLOCK_CHARS:
        raise FrontMatterError(f"front matter larger than {MAX_BLOCK_CHARS // 1024} KiB")
    if "\t" in block and re.search(r"^[ ]*\t", block, re.M):
        raise FrontMatterError("front matter indented with tabs (YAML forbids tabs for indentation)")
    try:
        data = yaml.load(block, Loader=_StrictLoader)  # noqa: S506 - strict safe loader
    except FrontMatterError:
        raise
    except RecursionError:
        raise FrontMatterError(f"front matter nested deeper than {MAX_DEPTH} levels") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (front matter line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise FrontMatterError(f"broken YAML: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"broken YAML: {exc}") from None
    _check_shape(data)
    return data


_OPEN = re.compile(r"---[ \t]*(\r?\n)")
_CLOSE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.M)


@dataclass
class Split:
    """Where a note's front matter is and what it holds.

    ``status`` is one of:
      - ``"none"``: the note has no front matter; ``body_start`` is 0.
      - ``"ok"``: ``data`` is the mapping; ``block`` the YAML text between the fences.
      - ``"unclosed"``: starts with ``---`` but no closing fence.
      - ``"not-mapping"``: a fenced block that is not a YAML mapping (a list, a scalar, or a
        horizontal rule followed by text).
      - ``"error"``: the block is a mapping-like YAML that vaulttool refuses (``error`` says why).
    """

    status: str
    data: dict = field(default_factory=dict)
    block: str = ""
    block_start: int = 0  # offset of the YAML text (after the opening fence)
    block_end: int = 0  # offset of the closing fence line
    body_start: int = 0  # offset of the first character after the closing fence line
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "none")


def split(text: str, data: dict | None = None) -> Split:
    """Locate and parse the front matter of ``text`` (already decoded, without BOM). ``data``: what
    the block is already known to hold (text vaulttool has just written and checked), not parsed again."""
    m = _OPEN.match(text)
    if not m:
        return Split("none")
    start = m.end()
    close = _CLOSE.search(text, start)
    if not close:
        return Split("unclosed", block_start=start, error="front matter opened with --- is never closed")
    block = text[start : close.start()]
    result = Split("ok", block=block, block_start=start, block_end=close.start(), body_start=close.end())
    if data is not None:
        result.data = data
        return result
    try:
        data = load_yaml(block)
    except FrontMatterError as exc:
        result.status, result.error = "error", str(exc)
        return result
    if data is None:
        data = {}
    if not isinstance(data, dict):
        result.status = "not-mapping"
        result.error = (
            f"the block between the first two --- lines is a YAML {type(data).__name__}, not a mapping"
            " (a horizontal rule?)"
        )
        return result
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        result.status, result.error = "error", f"front matter key {bad[0]!r} is not text"
        return result
    result.data = data
    return result
