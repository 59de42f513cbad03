"""``reindex``: walk the vault, normalise new clips, update the index, rebuild the affected pages.

The walk is diffed against the index by (size, mtime_ns) and a change is confirmed by content hash, so
a warm run with nothing changed reads no note. Everything happens in one transaction; a run that is
killed leaves the previous index intact and the next run picks up where the files are.
"""

from __future__ import annotations

from vaulttool.core.conflicts import find_conflicts
from vaulttool.errors import NoteError
from vaulttool.usecases import indexing
from vaulttool.usecases.report import Reporter, Summary
from vaulttool.usecases.run import Run
from vaulttool.usecases.session import Session
from vaulttool.usecases.tagging import CachedTagger

__all__ = ["reindex", "normalise_paths", "CachedTagger", "jobs_default", "BULK_MIN"]

# A run that reads at least this many notes, and at least a quarter of those the index holds, rebuilds
# the index on terms once at its end instead of updating it note by note (see Store.bulk_begin).
BULK_MIN = 1000


def jobs_default() -> int:
    """Worker processes for large runs: one per core this process may use, at most 4."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


def reindex(session: Session, reporter: Reporter, **options) -> Summary:
    """Bring the index (and pages) up to date with the vault (see :func:`_reindex` for the options).
    An index found damaged in the middle of a run is thrown away and the run starts again on a new
    one: the notes are the truth, the index only a cache."""
    import sqlite3

    try:
        return _reindex(session, reporter, **options)
    except sqlite3.DatabaseError as exc:
        from vaulttool.index.store import is_damage

        if options.get("dry_run") or not is_damage(exc):  # busy, full disk...: not the index's fault
            raise
        reporter.event("warning", "", f"the index is damaged ({exc}): rebuilding it from the notes")
        session.store.reset(f"index was damaged ({exc})")
        return _reindex(session, reporter, **options)


def _reindex(session: Session, reporter: Reporter, *, full: bool = False, dry_run: bool = False,
             normalise: bool = True, pages: bool = True, defer: frozenset[str] = frozenset(),
             stop=lambda: False, jobs: int = 1) -> Summary:
    """Bring the index (and pages) up to date with the vault.

    ``defer``: notes not to read this time (the watcher passes files still being written).
    ``stop``: polled between notes; when it returns true the run finishes the note in hand, commits
    what it did and returns (the rest is picked up by the next run).
    """
    vault, store = session.vault, session.store
    fresh_index = not store.conn.execute("SELECT 1 FROM notes LIMIT 1").fetchone()
    refill = bool(store.needs_full) and not store.rebuilt and not fresh_index
    run = Run(session, reporter, dry_run=dry_run, full=full or bool(store.rebuilt) or refill, normalise=normalise,
              jobs=jobs)
    if refill:
        reporter.event("info", "", "the index format was upgraded: every note is read once more")
    if not dry_run:
        for fixed in run.originals.recover():
            reporter.event("info", fixed, "finished a rename left half done by an interrupted run")
    walk = vault.walk()
    _check_pages_folder(session, walk.pages)
    if not dry_run:
        for tmp in vault.remove_stale_temps(walk):
            reporter.event("info", tmp, "removed a temp file left by an interrupted run")
    for rel, reason in walk.problems:
        reporter.event("warning", rel, reason)
    run.summary.scanned = len(walk.notes)
    run.conflicts = dict(find_conflicts(walk.notes))
    for copy, original in sorted(run.conflicts.items()):
        reporter.event("warning", copy, f"sync conflict copy of {original}: compare and merge them by hand "
                                        "(vaulttool indexes it but never rewrites it)")
    store.begin()
    try:
        states = store.states()
        known_files = store.files()
        run.changes.files_added = walk.files - known_files
        run.changes.files_removed = known_files - walk.files
        store.set_files(run.changes.files_added, run.changes.files_removed)
        for rel in sorted(set(states) - set(walk.notes)):
            indexing.remove(store, rel, run.changes)
            run.summary.removed += 1
            reporter.event("removed", rel)
        # notes that became or stopped being conflict copies without changing are read again
        was_conflict = {r[0] for r in store.conn.execute("SELECT path FROM notes WHERE kind = 'conflict'")}
        run.recheck = (set(run.conflicts) ^ was_conflict) & set(walk.notes)
        todo = [rel for rel, st in walk.notes.items()
                if (run.changes.full or rel not in states or rel in run.recheck
                    or (st.st_size, st.st_mtime_ns) != states[rel]) and rel not in defer]
        if len(todo) >= BULK_MIN and len(todo) * 4 >= len(states) and not dry_run:
            store.bulk_begin()  # most of the index is (re)written: build its largest index afterwards
        del states  # (every note's row: not needed past this point, and large on a large vault)
        taken = set(walk.notes) | set(walk.pages) | walk.files
        walk_pages = walk.pages
        del walk  # every note's stat: only the names taken and the pages are needed past this point
        run.stop = stop
        run.read_all(sorted(todo))
        del todo
        run.normalise_pending(taken)
        del taken
        store.bulk_end()
        run.report_known_problems()
        indexing.relink(store, run.changes)
        if not dry_run and (run.changes.any() or run.changes.full):
            from vaulttool.usecases.tagging import refresh_aliases

            # any name of a concept finds its notes (the vocabulary this run tagged with, if it tagged any)
            refresh_aliases(store, run.tagger.config, run.tagger.vocabulary)
        if pages and not dry_run:
            from vaulttool.usecases.pagebuild.build import rebuild_pages

            rebuild_pages(session, run.changes, reporter, run.summary, walk_pages=walk_pages,
                          conflicts=sorted(run.conflicts.items()))
        if dry_run:
            store.rollback()
        else:
            if (run.changes.full or fresh_index) and not stop():
                store.clear_needs_full()
            store.commit()
    except BaseException:
        store.rollback()
        raise
    return run.summary.done()


def _check_pages_folder(session: Session, pages) -> None:
    """Refuse a ``pages_folder`` set to a folder that holds the user's own notes and no page of
    vaulttool's: those notes would silently leave the index. A note the user keeps beside generated
    pages (or in the default folder before its first run) is only warned of, by the page build."""
    from vaulttool.config import BY_KEY
    from vaulttool.errors import SettingsError
    from vaulttool.pages.text import has_marker

    if session.vault.config.pages_folder == BY_KEY["pages_folder"].default or not pages:
        return
    known = {p for (p,) in session.store.conn.execute("SELECT path FROM pages")}
    if any(p in known for p in pages):
        return
    own = []
    for rel in sorted(pages):
        try:
            data = session.vault.read(rel)[0]
        except NoteError:
            data = b""
        if has_marker(data):
            return
        own.append(rel)
    cfg = session.vault.config
    where = cfg.source or "the settings"
    raise SettingsError([
        f"{where}: pages_folder = \"{cfg.pages_folder}\" holds {len(own)} note{'s' if len(own) != 1 else ''} "
        f"vaulttool did not generate (e.g. {own[0]}): they would leave the index; give the generated pages "
        "a folder of their own"])


def normalise_paths(session: Session, reporter: Reporter, rels: list[str], *, dry_run: bool = False,
                    diff: bool = False) -> Summary:
    """``normalise PATH...``: the named notes (folders expanded) are normalised even when they are the
    user's own (only missing properties are added) or were restored; the index and pages follow."""
    vault, store = session.vault, session.store
    if not (dry_run or diff):
        # the index must know the rest of the vault (names taken, earlier clips of the same URL)
        for rel, reason in reindex(session, Reporter(), normalise=False).failed:
            if rel not in rels:
                reporter.event("warning", rel, reason)
    walk = vault.walk()
    run = Run(session, reporter, dry_run=dry_run, full=False, normalise=True)
    run.explicit, run.diff = True, diff
    wanted: list[str] = []
    for rel in rels:
        prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
        under = [rel] if rel in walk.notes else sorted(p for p in walk.notes if p.startswith(prefix))
        if not under:
            run.fail(NoteError(rel, "no note at this path (or it is ignored)"))
        wanted.extend(under)
    run.summary.scanned = len(set(wanted))
    taken = set(walk.notes) | set(walk.pages) | walk.files
    store.begin()
    try:
        run.read_all(list(dict.fromkeys(wanted)))
        run.normalise_pending(taken)
        indexing.relink(store, run.changes)
        if not (dry_run or diff):
            from vaulttool.usecases.pagebuild.build import rebuild_pages

            rebuild_pages(session, run.changes, reporter, run.summary, walk_pages=walk.pages)
            store.commit()
        else:
            store.rollback()
    except BaseException:
        store.rollback()
        raise
    return run.summary.done()
