"""Vault settings from ``<vault>/.vaulttool/config.toml`` (every key optional).

Example::

    pages_folder = "_index"        # where generated pages go
    link_style = "wikilink"        # or "markdown" (relative links that also work on GitHub)
    index_page_limit = 300         # Index.md links to monthly pages above this many notes
    ignore = ["Templates/**"]      # globs (vault-relative) never indexed or normalised
    max_file_mb = 8                # larger notes are skipped with a message

    [tags]
    max = 5                        # derived tags per clip
    stopwords = ["公司", "today"]   # never derived
    userdict = "userdict.txt"      # a jieba user dictionary (relative to .vaulttool/)
    topic_max_len = 12             # longer hashtags stay topics, never tags
    [tags.synonyms]                # first (the key) is the canonical spelling
    LLM = ["大模型", "large-language-model"]
    [tags.nesting]                 # a tag becomes a nested tag
    "大模型" = "ai/大模型"

    [watch]
    settle = 0.5                   # seconds a file must be quiet before it is read
    quiet = 3.0                    # a note changed this recently is not rewritten yet
    rescan_minutes = 5             # full tree rescan (catches lost events)
    lock_stale_seconds = 120       # a lock not refreshed for this long may be taken over
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from vaulttool.errors import UsageError

STATE_DIR = ".vaulttool"


def host_id() -> str:
    """This machine's name: the lock and the index record it, so that a copy arriving from another
    device through sync is recognised."""
    return os.uname().nodename or "unknown-host"  # what gethostname() returns, without importing socket


@dataclass
class WatchConfig:
    settle: float = 0.5
    quiet: float = 3.0
    rescan_minutes: float = 5.0
    lock_stale_seconds: float = 120.0


@dataclass
class Config:
    pages_folder: str = "_index"
    link_style: str = "wikilink"
    index_page_limit: int = 300
    ignore: list[str] = field(default_factory=list)
    max_file_mb: float = 8.0
    tags: dict = field(default_factory=dict)  # raw [tags] table; see tag_config()
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
        userdict = t.get("userdict")
        if userdict:
            path = Path(userdict)
            userdict = str(path if path.is_absolute() else state_dir / path)
        return TagConfig(
            max_tags=int(t.get("max", 5)),
            stopwords=frozenset(str(s) for s in t.get("stopwords", [])),
            userdict=userdict,
            synonyms=synonyms,
            nesting=[(str(a), str(b)) for a, b in (t.get("nesting") or {}).items()],
            topic_max_len=int(t.get("topic_max_len", 12)),
        )


def _check(cond: bool, path: Path, msg: str) -> None:
    if not cond:
        raise UsageError(f"{path}: {msg}")


def load(vault_root: Path) -> Config:
    path = vault_root / STATE_DIR / "config.toml"
    if not path.is_file():
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    cfg = Config(source=path)
    known = {"pages_folder", "link_style", "index_page_limit", "ignore", "max_file_mb", "tags", "watch"}
    unknown = sorted(set(raw) - known)
    _check(not unknown, path, f"unknown setting(s): {', '.join(unknown)}")
    if "pages_folder" in raw:
        folder = str(raw["pages_folder"]).strip("/")
        _check(bool(folder) and ".." not in folder.split("/") and not folder.startswith("."), path,
               "pages_folder must be a folder inside the vault, not hidden")
        cfg.pages_folder = folder
    if "link_style" in raw:
        _check(raw["link_style"] in ("wikilink", "markdown"), path, 'link_style is "wikilink" or "markdown"')
        cfg.link_style = raw["link_style"]
    if "index_page_limit" in raw:
        cfg.index_page_limit = int(raw["index_page_limit"])
    if "ignore" in raw:
        _check(isinstance(raw["ignore"], list), path, "ignore is a list of globs")
        cfg.ignore = [str(g) for g in raw["ignore"]]
    if "max_file_mb" in raw:
        cfg.max_file_mb = float(raw["max_file_mb"])
    cfg.tags = dict(raw.get("tags") or {})
    w = raw.get("watch") or {}
    cfg.watch = WatchConfig(
        settle=float(w.get("settle", 0.5)),
        quiet=float(w.get("quiet", 3.0)),
        rescan_minutes=float(w.get("rescan_minutes", 5.0)),
        lock_stale_seconds=float(w.get("lock_stale_seconds", 120.0)),
    )
    return cfg
