"""Clip formats, recognised by content (never by file name).

Each format module has ``detect(text, split, in_folder) -> bool`` and ``extract(text, split) -> Clip``.
They are tried in the order of :func:`_registry`; the first that recognises the note wins. A note that
no format recognises is the user's own note.

A note is taken for a clip only on strong evidence, since a clip is rewritten and an own note never is:

- a clipper's own markers: SimpRead's credit line, Cubox's ``id`` + ``cubox_url``, MarkDownload's
  ``> ## Excerpt`` quote or its ``created: ... (UTC +08:00)`` stamp, Readwise's ``## Metadata`` list
  with its ``Full Title`` line and ``## Highlights``, Omnivore's ``id`` with its ``Read on Omnivore``
  link, the corpus format's ``**URL**:`` line with its ``## 元数据`` section,
  Web Clipper's ``clippings`` tag or its default template's whole key set in the template's order;
- the note lies in a clippings or inbox folder (:data:`DEFAULT_CLIP_FOLDERS`, or the vault's
  ``clip_folders`` setting), where Web Clipper with any template counts as a clip;
- nothing else. A ``source:``/``url:`` property next to ``created:`` is weak evidence (users' own
  notes carry both): such a note is indexed as it is, and :func:`weak_evidence` says why it was not
  taken for a clip (``vaulttool show`` prints it).
"""

from __future__ import annotations

import re

from vaulttool.core.clip.formats.base import AUTO_TAGS, Clip
from vaulttool.core.frontmatter import Split

__all__ = ["AUTO_TAGS", "Clip", "DEFAULT_CLIP_FOLDERS", "detect", "extract", "in_clip_folder",
           "is_normalised", "weak_evidence"]

# Web Clipper saves into `Clippings/` by default; an inbox is where other clippers' files are dropped.
DEFAULT_CLIP_FOLDERS: tuple[str, ...] = ("Clippings", "Inbox", "剪藏", "收件箱")
_URL = re.compile(r"^https?://\S+$", re.I)


def _registry():
    from vaulttool.core.clip.formats import aiinfo, cubox, markdownload, omnivore, readwise, simpread, webclipper

    return [
        ("ai-info", aiinfo),
        ("cubox", cubox),
        ("omnivore", omnivore),
        ("readwise", readwise),
        ("simpread", simpread),
        ("markdownload", markdownload),
        ("web-clipper", webclipper),
    ]


def in_clip_folder(path: str, folders=None) -> bool:
    """True when ``path`` (vault-relative, ``/``-separated) lies in a clip folder. An entry holding
    ``/`` is a folder path from the vault's root; a bare name matches a folder of that name anywhere.
    Case-insensitive, as on macOS and Windows."""
    folders = DEFAULT_CLIP_FOLDERS if folders is None else folders
    parts = [p.casefold() for p in path.split("/")[:-1]]
    if not parts:
        return False
    joined = "/".join(parts) + "/"
    for entry in folders:
        entry = str(entry).strip("/").casefold()
        if not entry:
            continue
        if "/" in entry:
            if joined.startswith(entry + "/"):
                return True
        elif entry in parts:
            return True
    return False


def is_normalised(split: Split) -> bool:
    return split.status == "ok" and AUTO_TAGS in split.data


def detect(text: str, split: Split, path: str = "", folders=None) -> str | None:
    """The name of the raw clip format of ``text``, or None (a user note or a normalised clip)."""
    if is_normalised(split) or (split.status == "ok" and "generated_by" in split.data):
        return None
    in_folder = in_clip_folder(path, folders) if path else False
    for name, module in _registry():
        if module.detect(text, split, in_folder):
            return name
    return None


def weak_evidence(props: dict, path: str = "", folders=None) -> str | None:
    """Why a note that looks a little like a clip was taken for the user's own (None when it does not
    look like one at all). ``props``: its front matter."""
    if not isinstance(props, dict) or AUTO_TAGS in props or "generated_by" in props:
        return None
    source = next((props[k] for k in ("source", "url") if isinstance(props.get(k), str)), None)
    if not source or not _URL.match(source.strip()):
        return None
    where = ", ".join(f"{f}/" for f in (DEFAULT_CLIP_FOLDERS if folders is None else folders))
    return (f"has a URL property but no clipper's marker and is not in a clip folder ({where}): "
            "indexed as your own note, never rewritten (to have it normalised, move it to a clip "
            "folder or list its folder in the clip_folders setting)")


def extract(name: str, text: str, split: Split) -> Clip:
    for fmt, module in _registry():
        if fmt == name:
            return module.extract(text, split)
    raise KeyError(name)
