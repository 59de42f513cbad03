"""Read and analyse notes, one at a time or in worker processes.

:func:`prepare_file` does everything a note needs that depends on the note alone: read, decode, run
the normaliser's PREPARE steps for a raw clip, read its links and tags, tokenise its text. It runs in
the main process or, for large runs, in a pool of worker processes (:func:`prepare_many`), each with
jieba loaded once; the results come back in order and only the main process writes to the index.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from dataclasses import dataclass
from typing import Callable, Iterator

from vaulttool.core.clip import normalise as core
from vaulttool.core.model import NoteInfo
from vaulttool.core.noteinfo import read_note
from vaulttool.errors import NoteError
from vaulttool.usecases.normalising import Loaded, draft_for, load
from vaulttool.usecases.tagging import analysis_key
from vaulttool.vault.files import Vault, digest

__all__ = ["Prepared", "prepare_file", "prepare_many", "PARALLEL_MIN"]

PARALLEL_MIN = 200  # fewer notes than this are read in the main process


@dataclass
class Prepared:
    rel: str
    loaded: Loaded | None = None
    error: NoteError | None = None  # the note could not be read at all
    draft: core.Draft | None = None  # a raw clip ready for FINISH
    draft_error: NoteError | None = None  # a raw clip the normaliser refuses (the note is still indexed)
    info: NoteInfo | None = None
    analysis: dict | None = None
    key: str = ""
    fresh: bool = False  # the analysis was computed now (not found in the cache)
    packed: bytes | None = None  # a fresh analysis as the cache keeps it (made by the worker)


class _Ctx:
    def __init__(self, analyse):
        self.tagger = _AnalyseOnly(analyse)


class _AnalyseOnly:
    def __init__(self, analyse):
        self.analyse = analyse


def prepare_file(vault: Vault, rel: str, analyse: Callable[[str, str, str], tuple[dict, str, bool]], *,
                 normalise: bool, explicit: bool, restored: set[str]) -> Prepared:
    """``analyse(title, description, body) -> (analysis, cache key, fresh)``."""
    out = Prepared(rel)
    try:
        out.loaded = loaded = load(vault, rel)
    except NoteError as err:
        out.error = err
        return out
    keep: dict = {}

    def remember(title, description, body):
        keep["a"], keep["key"], keep["fresh"] = analyse(title, description, body)
        return keep["a"]

    if normalise and (explicit or loaded.hash not in restored):
        draft = draft_for(loaded, explicit=explicit, clip_folders=vault.config.clip_folders)
        try:
            core.prepare(draft, _Ctx(remember))
            out.draft = draft
            if "a" not in keep:  # an own note named in `normalise PATH`: its text is analysed as it is
                remember(*core.text_of(draft))
        except core.Skip:
            pass
        except NoteError as err:
            out.draft_error = err
    if out.draft is None:  # a clip to normalise is read for the index once it is written
        out.info = info = read_note(rel, loaded.decoded.text, clip_folders=vault.config.clip_folders)
        if "a" not in keep:
            remember(info.title, info.description, info.body)
    out.analysis, out.key, out.fresh = keep["a"], keep["key"], keep["fresh"]
    return out


# -- worker processes -----------------------------------------------------------------------------

_W: dict = {}


def _init(root: str, config, restored: frozenset = frozenset()) -> None:
    from vaulttool.core.tags.tagger import Tagger

    vault = Vault(root, config)
    _W["vault"] = vault
    _W["restored"] = restored
    _W["tagger"] = Tagger(config.tag_config(vault.state))
    try:
        conn = sqlite3.connect(f"file:{vault.state / 'index.db'}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM analysis LIMIT 1")
        _W["cache"] = conn
    except sqlite3.Error:
        _W["cache"] = None


def _analyse(title: str, description: str, body: str) -> tuple[dict, str, bool]:
    from vaulttool.index.store import decode_analysis

    key = analysis_key(title, description, body)
    conn = _W["cache"]
    if conn is not None:
        try:
            row = conn.execute("SELECT data FROM analysis WHERE key=?", (key,)).fetchone()
        except sqlite3.Error:
            row = None
        if row:
            return decode_analysis(row[0]), key, False
    from vaulttool.core.clip.machinery import tagging_text

    return _W["tagger"].analyse(*tagging_text(title, description, body)), key, True


def _work(task: tuple[str, bool, bool]) -> Prepared:
    from vaulttool.index.store import encode_analysis

    rel, normalise, explicit = task
    try:
        out = prepare_file(_W["vault"], rel, _analyse, normalise=normalise, explicit=explicit,
                           restored=_W["restored"])
        if out.fresh and out.analysis is not None:  # encoded here, in parallel, not by the index writer
            out.packed = encode_analysis(out.analysis)
        return out
    except Exception as exc:  # a bug must not kill the whole run: report it on this note
        return Prepared(rel, error=NoteError(rel, f"internal error: {exc.__class__.__name__}: {exc}"))


WINDOW = 256  # notes handed to the workers and not yet taken by the main process


def prepare_many(vault: Vault, rels: list[str], jobs: int, *, normalise: bool, explicit: bool,
                 restored: set[str]) -> Iterator[Prepared]:
    """Prepare ``rels`` in ``jobs`` worker processes, yielding results in order.

    At most :data:`WINDOW` notes are out at a time: on a large vault the main process (which writes
    the index) is slower than the workers, and results it has not taken yet would pile up in memory."""
    import threading

    ctx = multiprocessing.get_context("spawn")
    room = threading.Semaphore(WINDOW)
    done = threading.Event()

    def tasks():
        for rel in rels:
            room.acquire()
            if done.is_set():
                return
            yield rel, normalise, explicit

    with ctx.Pool(jobs, initializer=_init, initargs=(str(vault.root), vault.config, frozenset(restored))) as pool:
        try:
            for result in pool.imap(_work, tasks(), chunksize=8):
                room.release()
                yield result
        finally:
            done.set()  # a run stopped early: let the feeding thread see it and end
            for _ in range(WINDOW):
                room.release()
