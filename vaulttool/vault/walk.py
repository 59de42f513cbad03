"""Walking the vault: one pass over its folders, without following symlinks out of it.

:func:`walk` sorts what it meets into notes (``*.md``), generated pages (``*.md`` in the pages folder,
listed without a stat call), attachments (every other file, for link resolution), problems (named and
skipped: unreadable folders, symlink loops and links out of the vault, names that are not UTF-8, FIFOs)
and vaulttool's own stale temp files. Dot-named entries, ``.obsidian/``, ``.trash/``, ``.vaulttool/``,
``.git/`` and the configured ignore globs are left out.
"""

from __future__ import annotations

import fnmatch
import os
import stat as statmod
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Sequence

from vaulttool.config import STATE_DIR

__all__ = ["walk", "Walk", "FileStat", "UNSTATED", "TMP_SUFFIX", "ALWAYS_IGNORED"]

TMP_SUFFIX = ".vaulttool-tmp"
ALWAYS_IGNORED = {".obsidian", ".trash", STATE_DIR, ".git"}


class FileStat(NamedTuple):
    """What the walk keeps of a file's stat (a full os.stat_result per note costs memory at 50k)."""

    st_size: int
    st_mtime_ns: int


# A generated page the walk found without a stat call (its folder entry says it is a regular file):
# there are as many pages as notes, and a run needs the size only of the few pages it rewrites.
UNSTATED = FileStat(-1, -1)


@dataclass
class Walk:
    notes: dict[str, FileStat] = field(default_factory=dict)  # rel path -> stat, *.md only
    files: set[str] = field(default_factory=set)  # every other file (attachments), for links
    pages: dict[str, FileStat] = field(default_factory=dict)  # *.md in the pages folder (or UNSTATED)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (rel path, reason)
    temps: list[str] = field(default_factory=list)  # dot-named *.vaulttool-tmp files met (absolute paths)
    linked: set[str] = field(default_factory=set)  # notes that have another name in the vault (hard links)


def walk(vault_root: Path, pages_folder: str, ignore: Sequence[str] = ()) -> Walk:
    """One pass over the vault's folders (an explicit stack, no recursion; a folder met twice is a loop).

    ``pages_folder`` is the vault-relative folder of generated pages; ``ignore`` the configured globs."""
    out = Walk()
    root = str(vault_root)
    page_prefix = pages_folder + "/"
    seen_dirs: set[tuple[int, int]] = set()
    stack = [("", root)]
    names: dict[tuple[int, int], list[str]] = {}  # a note with hard links -> its names in the vault
    while stack:
        rel_dir, abs_dir = stack.pop()
        try:
            st = os.stat(abs_dir)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                out.problems.append((rel_dir, "symlink loop: folder already visited"))
                continue
            seen_dirs.add(key)
            entries = list(os.scandir(abs_dir))
        except OSError as exc:
            out.problems.append((rel_dir or ".", f"cannot read folder: {exc.strerror}"))
            continue
        for entry in entries:
            name = entry.name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name.startswith(".") or name in ALWAYS_IGNORED:
                if name.endswith(TMP_SUFFIX) and name.startswith("."):
                    out.temps.append(entry.path)
                continue
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                out.problems.append((rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                                     "file name is not valid UTF-8: skipped"))
                continue
            if ignore and any(fnmatch.fnmatchcase(rel, g) for g in ignore):
                continue
            if (entry.is_file(follow_symlinks=False) and name.lower().endswith(".md")
                    and rel.startswith(page_prefix)):
                out.pages[rel] = UNSTATED
                continue
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if target != root and not target.startswith(root + os.sep):
                        out.problems.append((rel, "symlink to outside the vault: not followed"))
                        continue
                    if name.lower().endswith(".md") and os.path.isfile(target):
                        # the note it points to is indexed (and may be renamed) under its own name
                        out.problems.append((rel, f"a symlink to {os.path.relpath(target, root)}: not indexed "
                                                  "or normalised on its own (its target is)"))
                        continue
                st = entry.stat()
            except OSError as exc:
                out.problems.append((rel, f"cannot stat: {exc.strerror or exc}"))
                continue
            if statmod.S_ISDIR(st.st_mode):
                stack.append((rel, entry.path))
            elif statmod.S_ISREG(st.st_mode):
                if name.lower().endswith(".md"):
                    small = FileStat(st.st_size, st.st_mtime_ns)
                    if rel.startswith(page_prefix):
                        out.pages[rel] = small
                    else:
                        out.notes[rel] = small
                        if st.st_nlink > 1:
                            names.setdefault((st.st_dev, st.st_ino), []).append(rel)
                else:
                    out.files.add(rel)
            elif name.lower().endswith(".md"):
                out.problems.append((rel, "not a regular file (a FIFO, socket or device): skipped"))
    for same in names.values():  # one file under several names (hard links): one note, its first name
        if len(same) > 1:
            first, *others = sorted(same)
            out.linked.add(first)
            for rel in others:
                del out.notes[rel]
                out.problems.append((rel, f"another name (a hard link) of {first}: indexed once, as {first}"))
    return out
