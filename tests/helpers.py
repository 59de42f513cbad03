"""Test helpers: a fixed vault context for the pure normaliser, and running it on text."""

from __future__ import annotations

from pathlib import Path

from vaulttool.core.clip import normalise as core
from vaulttool.core.textio import decode, encode

FILE_TIME = "2025-05-01T12:00:00+08:00"


class FixedContext:
    """A vault with nothing else in it: no tagger, no duplicates, every name free."""

    tagger = None
    max_topic_len = 12

    def __init__(self, taken=(), duplicates=None):
        self.taken = {t.lower() for t in taken}
        self.duplicates = duplicates or {}

    def doc_freq(self, terms):
        return {}, 0

    def duplicate_of(self, url_key, path):
        return self.duplicates.get(url_key)

    def tag_spelling(self, tag):
        return tag

    def topic_count(self, topic):
        return 0

    def path_taken(self, rel):
        return rel.lower() in self.taken

    def link_to(self, rel):
        return f"[[{rel[:-3]}]]"


def normalise_bytes(rel: str, data: bytes, ctx=None, explicit=False) -> tuple[bytes | None, str | None, core.Draft]:
    """(new bytes or None when skipped, new path or None, the draft)."""
    ctx = ctx or FixedContext()
    decoded = decode(data)
    draft = core.Draft(rel, decoded.text, decoded, FILE_TIME, explicit=explicit)
    try:
        core.prepare(draft, ctx)
    except core.Skip:
        return None, None, draft
    core.finish(draft, ctx)
    return encode(draft.result, decoded, to_utf8=True), draft.new_path, draft


def read(path: Path) -> bytes:
    return path.read_bytes()
