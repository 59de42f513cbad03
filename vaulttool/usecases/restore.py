"""``restore``: put back the original bytes of a clip vaulttool rewrote.

A note's original is found by its content history, not by its path alone: the manifest of originals
records every rewrite as (bytes before -> bytes after). The note's current bytes are looked up among
the "after"s, and the chain is followed back through every later rewrite (``retag``, an explicit
``normalise``) to the raw clip: this finds a clip the user renamed or moved, and gives back the raw
clip after any number of retags. A note edited since is found by its path (the last rewrite recorded
there) and restored only with ``--force``, which first keeps the user's current text as an original
of its own (``restore`` again brings it back) and says where.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from vaulttool.errors import NoteError, UsageError
from vaulttool.usecases.report import Reporter, Summary, fail
from vaulttool.usecases.session import Session
from vaulttool.vault.files import digest
from vaulttool.vault.originals import BEFORE_RESTORE, Entry, Originals

__all__ = ["restore", "list_originals", "History"]


class History:
    """The manifest as a graph of contents: which rewrite produced which bytes."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_new: dict[str, Entry] = {}  # bytes after -> the latest rewrite that produced them
        self.by_path: dict[str, Entry] = {}  # path written -> the latest rewrite that wrote there
        self.by_old_path: dict[str, Entry] = {}  # original path -> the latest rewrite of it
        for e in entries:  # later entries win
            if e.hash == e.new_hash:
                continue
            self.by_new[e.new_hash] = e
            self.by_path[e.new_path] = e
            self.by_old_path[e.path] = e
        # bytes after -> the rewrites that produced them, in manifest order (a content may come back:
        # retag with max 1, then 3, then 1 again writes the same bytes twice)
        self._producers: dict[str, list[tuple[int, Entry]]] = {}
        self._order: dict[int, int] = {}
        for i, e in enumerate(entries):
            self._order[id(e)] = i
            if e.kind != BEFORE_RESTORE and e.hash != e.new_hash:
                self._producers.setdefault(e.new_hash, []).append((i, e))

    def before(self, entry: Entry) -> Entry | None:
        """The rewrite that produced ``entry``'s bytes before it: the latest one earlier in the
        manifest (each step goes back in the manifest, so a content met twice ends no walk early)."""
        at = self._order.get(id(entry), len(self.entries))
        earlier = [e for i, e in self._producers.get(entry.hash, ()) if i < at]
        return earlier[-1] if earlier else None

    def first(self, entry: Entry) -> Entry:
        """The earliest rewrite of the chain ``entry`` ends: its ``hash`` is the raw clip's."""
        while entry.kind != BEFORE_RESTORE:
            before = self.before(entry)
            if before is None:
                break
            entry = before
        return entry

    def for_content(self, h: str) -> Entry | None:
        return self.by_new.get(h)

    def last_write(self, rel: str) -> Entry | None:
        return self.by_path.get(rel)


@dataclass
class _Plan:
    rel: str  # the note as it is now
    last: Entry  # the rewrite that produced it (found by content or, when edited, by path)
    first: Entry  # the earliest rewrite of its chain: what is put back
    edited: bool


def _expand(session: Session, args: list[str]) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(notes named, failures, folder notes) for the command line's paths: a folder stands for its
    notes; a path that is gone but is the original name of a clip vaulttool renamed stands for it."""
    vault = session.vault
    rels, failed, from_folders = [], [], []
    history = None
    for arg in args:
        err: UsageError | None = None
        try:
            rel = vault.rel(arg)
            missing = bool(rel) and not os.path.lexists(vault.abs(rel))
        except UsageError as exc:
            if "no such file" not in str(exc):
                raise
            rel, missing, err = vault.guess_rel(arg), True, exc
        if missing:
            history = history or History(Originals(vault).entries())
            e = history.by_old_path.get(rel) if rel else None
            if e is None:
                raise err or UsageError(f"{arg}: no such file or folder in the vault {vault.root}")
            now = _find_content(session, e.new_hash) or (e.new_path if os.path.lexists(vault.abs(e.new_path)) else None)
            if now is None:
                failed.append((rel, f"no such file; vaulttool rewrote it as {e.new_path}, which is no longer "
                                    "there (renamed and edited since?): name the note it became"))
                continue
            rels.append(now)
            continue
        path = vault.abs(rel) if rel else vault.root
        if rel == "" or os.path.isdir(path):
            prefix = "" if rel == "" else rel + "/"
            under = sorted(p for p in vault.walk().notes if p.startswith(prefix))
            rels.extend(under)
            from_folders.extend(under)
            if not under:
                failed.append((rel or ".", "is a folder without notes"))
            continue
        rels.append(rel)
    return list(dict.fromkeys(rels)), failed, from_folders


def _find_content(session: Session, h: str) -> str | None:
    try:
        row = session.store.conn.execute("SELECT path FROM notes WHERE hash=? ORDER BY path LIMIT 1", (h,)).fetchone()
    except Exception:  # noqa: BLE001 - the index is only a shortcut here
        return None
    if row is None:
        return None
    try:
        if digest(session.vault.read(row[0])[0]) == h:
            return row[0]
    except NoteError:
        pass
    return None


def restore(session: Session, reporter: Reporter, paths: list[str], *, force: bool = False) -> Summary:
    """Restore the notes named by ``paths`` (files or folders, as given on the command line)."""
    vault = session.vault
    originals = Originals(vault)
    history = History(originals.entries())
    rels, failed, from_folders = _expand(session, paths)
    in_folder = set(from_folders)
    summary = Summary()
    for rel, reason in failed:
        summary.failed.append((rel, reason))
        reporter.event("failed", rel, reason)
    never = 0
    for rel in rels:
        summary.scanned += 1
        try:
            current = vault.read(rel)[0]
        except NoteError as err:
            summary.failed.append((rel, err.reason))
            reporter.event("failed", rel, err.reason)
            continue
        h = digest(current)
        last = history.for_content(h)
        edited = False
        if last is None:
            last = history.last_write(rel)
            edited = last is not None
        if last is None:
            if rel in in_folder:
                never += 1
                summary.scanned -= 1
                continue
            reason = "vaulttool has no original for this note: it never rewrote it (and no note it rewrote had these bytes)"
            summary.failed.append((rel, reason))
            reporter.event("failed", rel, reason)
            continue
        plan = _Plan(rel, last, history.first(last), edited)
        try:
            where = _restore_one(session, originals, plan, current, force)
        except NoteError as err:
            fail(summary, reporter, err)
            continue
        summary.restored += 1
        reporter.event("restored", *where)
    if never:
        reporter.event("info", "", f"{never} note{'s' if never != 1 else ''} of the folder{'s' if len(paths) > 1 else ''} "
                                   "never rewritten by vaulttool: left as they are")
    if summary.restored:
        from vaulttool.usecases.reindex import reindex

        inner = reindex(session, Reporter(), normalise=False)
        summary.indexed = inner.indexed
    return summary.done()


def _restore_one(session: Session, originals: Originals, plan: _Plan, current: bytes, force: bool) -> tuple[str, str]:
    vault, rel = session.vault, plan.rel
    if plan.edited and not force:
        raise NoteError(rel, "edited since vaulttool wrote it: use --force to restore the original anyway "
                             "(your text is kept first, and can be restored in turn)")
    first = plan.first
    data = originals.blob(first.hash, rel)
    # Where it goes: back to the original name when the note is where vaulttool put it; where the user
    # put it when they renamed or moved it since.
    moved = rel != plan.last.new_path
    target = rel if moved else first.path
    if target != rel and os.path.lexists(vault.abs(target)):
        raise NoteError(target, "a file already has the original name: restore it by hand from "
                                f".vaulttool/originals/{first.hash[:2]}/{first.hash}")
    notes = []
    if plan.edited:  # --force: the user's text first becomes an original of its own
        kept = originals.keep(rel, current, target, data, kind=BEFORE_RESTORE)
        notes.append(f"your edited text is kept as .vaulttool/{Originals.blob_rel(kept.hash)} "
                     f"(`vaulttool restore {target}` brings it back)")
    originals.mark_restored(first.hash)  # automatic runs leave the restored clip alone
    vault.replace(rel, data, digest(current))
    if target != rel:
        vault.rename(rel, target)
        notes.insert(0, f"from {rel}")
    elif moved and first.path != rel:
        notes.insert(0, f"in place (you renamed it; it was {first.path})")
    if first is not plan.last:
        later = _chain_len(History(originals.entries()), plan.last, first)
        notes.append(f"the raw clip, from before {later + 1} rewrites")
    return target, "; ".join(notes)


def list_originals(session: Session) -> list[dict]:
    """Every clip vaulttool keeps an original of: where it is now (found by content), its original
    name and when it was first rewritten; newest first."""
    history = History(Originals(session.vault).entries())
    out = []
    seen = set()
    for e in reversed(history.entries):
        if e.kind == BEFORE_RESTORE or e.hash == e.new_hash or e.new_hash in seen:
            continue
        if any(later.hash == e.new_hash and later.kind != BEFORE_RESTORE for later in history.entries
               if later.time >= e.time and later is not e):
            continue  # rewritten again since: its last rewrite stands for the chain
        seen.add(e.new_hash)
        first = history.first(e)
        now = _find_content(session, e.new_hash)
        out.append({"now": now or "", "state": "as vaulttool wrote it" if now else "edited, renamed or gone",
                    "original": first.path, "rewritten": time.strftime("%Y-%m-%d %H:%M", time.localtime(first.time)),
                    "rewrites": 1 + _chain_len(history, e, first)})
    return out


def _chain_len(history: History, last: Entry, first: Entry) -> int:
    n, e = 0, last
    while e is not first:
        e = history.before(e)
        if e is None:
            break
        n += 1
    return n
