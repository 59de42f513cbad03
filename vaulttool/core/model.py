"""Plain data shared by the core, the store, the pages and the use-cases."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    """One link found in a note.

    ``kind`` is ``"wikilink"`` (``[[...]]``), ``"embed"`` (``![[...]]`` or ``![](...)``) or
    ``"markdown"`` (``[text](target)``). ``target`` is the note part as written (URL-decoded for
    Markdown links), without heading/block fragment and alias; it is ``""`` for a same-note link such as
    ``[[#Heading]]``. ``fragment`` is the heading or ``^block`` id without the leading ``#``.
    ``line`` is 1-based, counted in the whole file (front matter included).
    """

    kind: str
    target: str
    fragment: str = ""
    alias: str = ""
    line: int = 0
    raw: str = ""


@dataclass
class NoteInfo:
    """What the index knows of one note, derived from its text alone."""

    path: str  # relative to the vault, "/"-separated
    title: str
    props: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    created: str | None = None  # ISO date or date-time, as written
    site: str | None = None
    source: str | None = None  # the clip's URL
    url_key: str | None = None  # canonical form of ``source`` for duplicate detection
    kind: str = "note"  # "note" (the user's own), "clip" (normalised clip), "raw-clip", "page"
    description: str = ""
    body: str = ""  # the Markdown body, front matter removed
    error: str = ""  # why the note could not be read fully ("" when fine)
