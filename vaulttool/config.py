"""Vault settings from ``<vault>/.vaulttool/config.toml`` (every key optional), checked against one
declared schema (:data:`SETTINGS`).

Every setting is declared once, with its default, the kind of value it takes and its range; the
commented ``config.toml`` that ``vaulttool init`` writes, the checks made when the file is read and
the test that compares the README's Settings section with the code all come from that declaration.
A file with problems is refused as a whole, each problem on a line of its own naming the file, the key
and what is expected (:class:`~vaulttool.errors.SettingsError`, exit code 2), before anything is
written. The checks are hand-written over the declaration rather than delegated to a validation
library: each problem is reported (not only the first), in the TOML terms the user wrote
(``[watch] settle``), and reading the settings adds no import to a ``query``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from vaulttool.errors import SettingsError

STATE_DIR = ".vaulttool"
CONFIG_NAME = "config.toml"


def host_id() -> str:
    """This machine's name: the lock and the index record it, so that a copy arriving from another
    device through sync is recognised."""
    return os.uname().nodename or "unknown-host"  # what gethostname() returns, without importing socket


# ------------------------------------------------------------------------------------------ schema
@dataclass(frozen=True)
class Setting:
    """One key of config.toml. ``kind``: ``str``, ``choice``, ``int``, ``number``, ``globs``,
    ``words`` (a list of strings), ``synonyms`` (a table: key -> string or list of strings) or
    ``nesting`` (a table: key -> string)."""

    key: str  # "pages_folder", or "watch.settle" for a key of the [watch] table
    default: Any
    kind: str
    help: str  # what the setting does, as the commented config.toml and the README say it
    example: Any = None  # shown commented in config.toml when the default is empty
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    check: Callable[[Any], str | None] | None = None  # a further rule: the problem, or None

    @property
    def section(self) -> str:
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]

    @property
    def where(self) -> str:
        return f"[{self.section}] {self.name}" if self.section else self.name


def _pages_folder_rule(value: str) -> str | None:
    folder = value.strip("/")
    if not folder or ".." in folder.split("/") or any(p.startswith(".") for p in folder.split("/")):
        return "must be a folder inside the vault, not hidden (e.g. \"_index\")"
    return None


SETTINGS: tuple[Setting, ...] = (
    Setting("pages_folder", "_index", "str", "where generated pages go", check=_pages_folder_rule),
    Setting("link_style", "wikilink", "choice", 'or "markdown": relative links that also work on GitHub',
            choices=("wikilink", "markdown")),
    Setting("index_page_limit", 300, "int", "above this many notes, Index.md links to one page per month",
            low=1, high=1_000_000),
    Setting("page_style", "obsidian", "choice",
            'or "portable": static Markdown lists (GitHub, Publish, Quartz) instead of live Bases views',
            choices=("obsidian", "portable")),
    Setting("tag_page_min", 3, "int", "a tag gets a page of its own from this many clips on (rarer: on Tags.md)",
            low=1, high=1_000_000),
    Setting("ignore", [], "globs", "globs never indexed or normalised", example=["Templates/**"]),
    Setting("max_file_mb", 8, "number", "larger notes are skipped with a message", low=0.001, high=1024),
    Setting("clip_folders", ["Clippings", "Inbox", "剪藏", "收件箱"], "words",
            "folders whose notes with a URL property are clips (a name anywhere, or a path from the root)"),
    Setting("tags.max", 5, "int", "derived tags per clip", low=0, high=50),
    Setting("tags.min_clips", 3, "int", "a term becomes a tag once this many unique clips hold it",
            low=1, high=1000),
    Setting("tags.stopwords", [], "words", "never derived", example=["公司", "today"]),
    Setting("tags.userdict", "", "str", "a jieba user dictionary, relative to .vaulttool/",
            example="userdict.txt"),
    Setting("tags.topic_max_len", 12, "int", "longer hashtags stay in `topics`, never become tags",
            low=1, high=200),
    Setting("tags.synonyms", {}, "synonyms", "the key is the spelling kept",
            example={"LLM": ["大模型", "large-language-model"]}),
    Setting("tags.nesting", {}, "nesting", "a tag becomes a nested tag", example={"大模型": "ai/大模型"}),
    Setting("watch.settle", 0.5, "number", "seconds a new file must be quiet before it is read",
            low=0.05, high=60),
    Setting("watch.quiet", 3.0, "number", "a note changed this recently is not rewritten yet",
            low=0, high=3600),
    Setting("watch.rescan_minutes", 5, "number", "full rescan, catching events the system dropped (0: never)",
            low=0, high=1440),
    Setting("watch.lock_stale_seconds", 120, "number", "a lock not refreshed for this long may be taken over",
            low=1, high=86400),
)

BY_KEY = {s.key: s for s in SETTINGS}
SECTIONS = sorted({s.section for s in SETTINGS if s.section})

_EXPECT = {
    "str": "a string in quotes",
    "choice": "one of {choices}",
    "int": "a whole number",
    "number": "a number",
    "globs": 'a list of globs, e.g. ["Templates/**"]',
    "words": 'a list of strings, e.g. ["a", "b"]',
    "synonyms": 'a table of spellings, e.g. LLM = ["大模型", "large-language-model"]',
    "nesting": 'a table of tags, e.g. "大模型" = "ai/大模型"',
}


def _expected(s: Setting) -> str:
    text = _EXPECT[s.kind].format(choices=", ".join(f'"{c}"' for c in s.choices))
    if s.low is not None and s.high is not None:
        text += f" from {s.low:g} to {s.high:g}"
    return text


def toml_value(value: Any) -> str:
    """A value written as TOML (strings, numbers, lists of strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(type(value))


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _problem(s: Setting, value: Any) -> str | None:
    """What is wrong with ``value`` for ``s``, or None."""
    kind = s.kind
    if kind in ("str", "choice"):
        ok = isinstance(value, str) and (kind == "str" or value in s.choices)
    elif kind in ("int", "number"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
            kind == "number" or isinstance(value, int))
        ok = ok and (s.low is None or value >= s.low) and (s.high is None or value <= s.high)
    elif kind in ("globs", "words"):
        ok = _is_strings(value)
    elif kind == "synonyms":
        ok = isinstance(value, dict) and all(isinstance(v, str) or _is_strings(v) for v in value.values())
    elif kind == "nesting":
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    else:  # pragma: no cover - a declaration error
        raise ValueError(kind)
    if not ok:
        return f"expected {_expected(s)}"
    return s.check(value) if s.check else None


def _shown(value: Any) -> str:
    try:
        text = toml_value(value)
    except TypeError:
        text = "a table" if isinstance(value, dict) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown(path: Path, where: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
    return f"{path}: unknown setting {where}{hint}"


def check(raw: dict, path: Path) -> tuple[dict[str, Any], list[str]]:
    """The values of ``raw`` (a parsed config.toml) by setting key, and every problem found."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    top_known = [s.key for s in SETTINGS if not s.section] + SECTIONS
    for name, value in raw.items():
        if name in SECTIONS:
            if not isinstance(value, dict):
                problems.append(f"{path}: {name} = {_shown(value)}: expected a table [{name}]")
                continue
            known = [s.name for s in SETTINGS if s.section == name]
            for sub, subvalue in value.items():
                s = BY_KEY.get(f"{name}.{sub}")
                if s is None and sub in BY_KEY:
                    problems.append(f"{path}: {sub} is read as [{name}] {sub}: a setting of the top level "
                                    f"goes before the first [table]")
                    continue
                if s is None:
                    problems.append(_unknown(path, f"[{name}] {sub}", sub, known))
                    continue
                _take(s, subvalue, path, values, problems)
        elif name in BY_KEY:
            _take(BY_KEY[name], raw[name], path, values, problems)
        else:
            problems.append(_unknown(path, name, name, top_known))
    return values, problems


def _take(s: Setting, value: Any, path: Path, values: dict, problems: list[str]) -> None:
    problem = _problem(s, value)
    if problem:
        problems.append(f"{path}: {s.where} = {_shown(value)}: {problem}")
    else:
        values[s.key] = value


# ------------------------------------------------------------------------------------------ values
@dataclass
class WatchConfig:
    settle: float = BY_KEY["watch.settle"].default
    quiet: float = BY_KEY["watch.quiet"].default
    rescan_minutes: float = BY_KEY["watch.rescan_minutes"].default
    lock_stale_seconds: float = BY_KEY["watch.lock_stale_seconds"].default


@dataclass
class Config:
    pages_folder: str = BY_KEY["pages_folder"].default
    link_style: str = BY_KEY["link_style"].default
    index_page_limit: int = BY_KEY["index_page_limit"].default
    page_style: str = BY_KEY["page_style"].default
    tag_page_min: int = BY_KEY["tag_page_min"].default
    ignore: list[str] = field(default_factory=list)
    max_file_mb: float = BY_KEY["max_file_mb"].default
    clip_folders: list[str] = field(default_factory=lambda: list(BY_KEY["clip_folders"].default))
    tags: dict = field(default_factory=dict)  # the [tags] table as checked; see tag_config()
    watch: WatchConfig = field(default_factory=WatchConfig)
    source: Path | None = None

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def tag_config(self, state_dir: Path):
        """The tagger's settings (imported lazily: tags.py is light, the tagger is not loaded)."""
        from vaulttool.core.tags.rules import TagConfig

        t = self.tags
        synonyms: dict[str, str] = {}
        for canonical, variants in (t.get("synonyms") or {}).items():
            for v in [variants] if isinstance(variants, str) else list(variants):
                synonyms[str(v)] = str(canonical)
        for variant, canonical in recorded_renames(state_dir).items():
            synonyms.setdefault(variant, canonical)  # the settings' own synonyms win
        return TagConfig(
            max_tags=int(t.get("max", BY_KEY["tags.max"].default)),
            stopwords=frozenset(str(s) for s in t.get("stopwords", [])),
            userdict=userdict_path(t.get("userdict") or "", state_dir),
            synonyms=synonyms,
            nesting=[(str(a), str(b)) for a, b in (t.get("nesting") or {}).items()],
            topic_max_len=int(t.get("topic_max_len", BY_KEY["tags.topic_max_len"].default)),
            min_clips=int(t.get("min_clips", BY_KEY["tags.min_clips"].default)),
        )


def recorded_renames(state_dir: Path) -> dict[str, str]:
    """The synonyms ``vaulttool tags rename``/``merge`` recorded (``.vaulttool/tag-renames.json``)."""
    import json

    try:
        data = json.loads((Path(state_dir) / "tag-renames.json").read_text(encoding="utf-8"))
        syn = data.get("synonyms", {}) if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in syn.items() if isinstance(syn, dict)} if isinstance(syn, dict) else {}


def userdict_path(value: str, state_dir: Path) -> str | None:
    if not value:
        return None
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else state_dir / path)


def config_path(vault_root: Path) -> Path:
    return vault_root / STATE_DIR / CONFIG_NAME


def _toml_hint(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """A plainer word for the TOML mistakes users make most: a bare key that needs quotes."""
    m = re.search(r"line (\d+)", str(exc))
    if not m:
        return ""
    lines = text.splitlines()
    n = int(m.group(1))
    line = lines[n - 1] if 0 < n <= len(lines) else ""
    key = re.match(r"\s*([^=\[\]\"'#]+?)\s*=", line)
    if key and not re.fullmatch(r"[A-Za-z0-9_.-]+", key.group(1)):
        return (f"; line {n} `{line.strip()}`: a key holding characters other than A-Z a-z 0-9 _ - must be "
                f"quoted: {toml_value(key.group(1))} = ...")
    return f"; line {n}: `{line.strip()}`" if line.strip() else ""


def load(vault_root: Path) -> Config:
    """The vault's settings; raises :class:`SettingsError` naming every problem of the file."""
    path = config_path(vault_root)
    if not path.is_file():
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SettingsError([f"{path}: not UTF-8 text"]) from None
    except OSError as exc:
        raise SettingsError([f"{path}: cannot be read: {exc.strerror or exc}"]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError([f"{path}: not valid TOML: {exc}{_toml_hint(text, exc)}"]) from None
    values, problems = check(raw, path)
    userdict = values.get("tags.userdict")
    if userdict:
        dict_path = Path(userdict_path(userdict, vault_root / STATE_DIR))
        if not dict_path.is_file():
            problems.append(f"{path}: [tags] userdict = {toml_value(userdict)}: no such file: {dict_path}")
    if problems:
        raise SettingsError(problems)
    cfg = Config(source=path)
    if "pages_folder" in values:
        cfg.pages_folder = values["pages_folder"].strip("/")
    cfg.link_style = values.get("link_style", cfg.link_style)
    cfg.index_page_limit = values.get("index_page_limit", cfg.index_page_limit)
    cfg.page_style = values.get("page_style", cfg.page_style)
    cfg.tag_page_min = values.get("tag_page_min", cfg.tag_page_min)
    cfg.ignore = list(values.get("ignore", []))
    cfg.max_file_mb = float(values.get("max_file_mb", cfg.max_file_mb))
    cfg.clip_folders = [str(f) for f in values.get("clip_folders", cfg.clip_folders)]
    cfg.tags = {s.name: values[s.key] for s in SETTINGS if s.section == "tags" and s.key in values}
    cfg.watch = WatchConfig(**{s.name: float(values[s.key]) for s in SETTINGS
                               if s.section == "watch" and s.key in values})
    return cfg


def commented_config() -> str:
    """The config.toml that ``vaulttool init`` writes: every setting, commented out, at its default."""
    out = ["# vaulttool settings. Every key is optional: uncomment and change what you want.",
           "# Checked when read: a mistake is named (file, key, what is expected) and nothing runs.", ""]
    section = ""
    for s in SETTINGS:
        if s.section != section:
            section = s.section
            out += ["", f"[{section}]"]
        value = s.default if s.default not in ("", [], {}) else s.example
        if isinstance(value, dict):
            out.append(f"# [{s.key}]  # {s.help}")
            out += [f"# {_toml_key(k)} = {toml_value(v)}" for k, v in value.items()]
        else:
            out.append(f"# {s.name} = {toml_value(value)}  # {s.help}")
    return "\n".join(out) + "\n"
