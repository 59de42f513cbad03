"""``restore``: put back the original bytes of a clip vaulttool rewrote, under its original name."""

from __future__ import annotations

import os

from vaulttool.errors import NoteError
from vaulttool.vault.originals import Originals
from vaulttool.usecases.report import Reporter, Summary
from vaulttool.usecases.session import Session
from vaulttool.vault.files import digest

__all__ = ["restore"]


def restore(session: Session, reporter: Reporter, rels: list[str], *, force: bool = False) -> Summary:
    vault = session.vault
    originals = Originals(vault)
    latest = {}
    for entry in originals.entries():  # later entries win
        latest[entry.new_path] = entry
    summary = Summary()
    for rel in rels:
        summary.scanned += 1
        entry = latest.get(rel)
        if entry is None:
            err = NoteError(rel, "vaulttool has no original for this note (it never rewrote it)")
            summary.failed.append((rel, err.reason))
            reporter.event("failed", rel, err.reason)
            continue
        try:
            current = vault.abs(rel).read_bytes()
        except OSError as exc:
            summary.failed.append((rel, f"cannot read: {exc.strerror}"))
            reporter.event("failed", rel, f"cannot read: {exc.strerror}")
            continue
        if digest(current) != entry.new_hash and not force:
            reason = "edited since vaulttool wrote it: use --force to restore the original anyway"
            summary.failed.append((rel, reason))
            reporter.event("failed", rel, reason)
            continue
        target = entry.path
        try:
            data = originals.blob(entry.hash, rel)
            if target != rel and os.path.lexists(vault.abs(target)):
                raise NoteError(target, "a file already has the original name: restore it by hand from "
                                        f".vaulttool/originals/{entry.hash[:2]}/{entry.hash}")
            originals.mark_restored(entry.hash)  # automatic runs leave the restored clip alone
            vault.replace(rel, data, digest(current))
            if target != rel:
                vault.rename(rel, target)
        except NoteError as err:
            summary.failed.append((err.path, err.reason))
            reporter.event("failed", err.path, err.reason)
            continue
        summary.restored += 1
        reporter.event("restored", target, f"from {rel}" if target != rel else "")
    if summary.restored:
        from vaulttool.usecases.reindex import reindex

        inner = reindex(session, Reporter(), normalise=False)
        summary.indexed = inner.indexed
    return summary.done()
