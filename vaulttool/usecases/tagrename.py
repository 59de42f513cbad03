"""``tags rename OLD... NEW`` (and ``tags merge A B... --into NEW``): one tag for what several were.

Every note holding one of the old tags (or a tag nested under one: ``old/x`` becomes ``new/x``) is
rewritten: its ``tags`` and ``auto_tags`` properties (a derived tag stays derived, a tag the user
removed stays removed) and the ``#old`` tags of its body; nothing else of the note changes, text that
merely holds the word is left alone, and so are code blocks. The original of each note is kept (as
every rewrite of vaulttool's), so ``tags rename --undo`` (or ``restore PATH``) puts it back.

The rename is recorded in ``.vaulttool/tag-renames.json`` as a synonym (old → new) that the tagger
follows from then on: a clip derived later gets the new tag, never the old one. ``--undo`` restores
the notes the last rename of that tag rewrote (those not edited since) and drops the synonym.
"""

from __future__ import annotations

import difflib
import json
import re

from vaulttool.core.frontmatter import split
from vaulttool.core.noteinfo import prop_list
from vaulttool.core.textio import encode
from vaulttool.core.yamlwrite import edit_block
from vaulttool.errors import FrontMatterError, NoteError, UsageError
from vaulttool.usecases.normalising import load
from vaulttool.usecases.report import Reporter, Summary, fail
from vaulttool.usecases.session import Session
from vaulttool.vault.files import digest
from vaulttool.vault.originals import Originals

__all__ = ["rename", "undo", "RECORD"]

RECORD = "tag-renames.json"
_FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)


def read_record(state_dir) -> dict:
    try:
        data = json.loads((state_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"synonyms": {}, "log": []}
    if not isinstance(data, dict):
        return {"synonyms": {}, "log": []}
    data.setdefault("synonyms", {})
    data.setdefault("log", [])
    return data


def _write_record(state_dir, data: dict) -> None:
    import os
    import tempfile

    state_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".tag-renames.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    os.replace(tmp, state_dir / RECORD)


def _renamer(olds: list[str], new: str):
    """A function mapping a tag to its new name (or None when it is not renamed)."""
    from vaulttool.core.tags.rules import tag_key

    keys = {tag_key(o) for o in olds}

    def renamed(tag: str) -> str | None:
        k = tag_key(tag)
        if k in keys:
            return new
        for old in keys:
            if k.startswith(old + "/"):
                return new + tag[len(old):]
        return None

    return renamed


def _rename_list(values: list[str], renamed) -> list[str]:
    from vaulttool.core.tags.rules import tag_key

    out, seen = [], set()
    for v in values:
        v = renamed(v) or v
        if tag_key(v) not in seen:
            seen.add(tag_key(v))
            out.append(v)
    return out


def _tag_pattern(olds: list[str]) -> re.Pattern:
    """``#old`` (and ``#old/x``) in a body's text, not ``#older`` nor a word without ``#``."""
    pattern = re.compile(r"(?:(?<=\s)|^)#(" + "|".join(re.escape(o) for o in sorted(olds, key=len, reverse=True))
                         + r")(?=[/\s]|$|[^\w\-/#])", re.IGNORECASE | re.MULTILINE)  # (#话题# is a Weibo topic, not a tag)
    return pattern


def rename(session: Session, reporter: Reporter, olds: list[str], new: str, *, dry_run: bool = False,
           diff: bool = False) -> Summary:
    from vaulttool.core.tags.rules import clean_tag, tag_key
    from vaulttool.usecases.reindex import reindex

    target = clean_tag(new)
    if not target or target != new.strip().lstrip("#"):
        raise UsageError(f"{new!r} is no valid tag (letters, digits, _ - /; no spaces)")
    olds = [o.strip().lstrip("#") for o in olds]
    bad = [o for o in olds if not clean_tag(o)]
    if bad:
        raise UsageError(f"{bad[0]!r} is no valid tag")
    olds = [o for o in olds if tag_key(o) != tag_key(target)] or olds
    if not dry_run and not diff:
        reindex(session, Reporter(), normalise=False)  # the index must know every note as it is
    vault, store = session.vault, session.store
    renamed = _renamer(olds, target)
    keys = sorted({tag_key(o) for o in olds})
    paths: set[str] = set()
    for k in keys:
        paths.update(r[0] for r in store.conn.execute(
            "SELECT DISTINCT n.path FROM note_tags t JOIN notes n ON n.id = t.note_id WHERE n.kind != 'page'"
            " AND (t.key = ? OR (t.key >= ? AND t.key < ?))", (k, k + "/", k + "0")))
    for o in olds:  # notes that record the tag as derived and removed by the user (kept removed)
        for path, raw in store.conn.execute(
                "SELECT path, props FROM notes WHERE kind != 'page' AND props LIKE ?", (f"%{o}%",)):
            try:
                auto = json.loads(raw).get("auto_tags") or []
            except (ValueError, AttributeError):
                continue
            if isinstance(auto, list) and any(renamed(str(t)) for t in auto):
                paths.add(path)
    summary_scanned = len(paths)
    body_rx = _tag_pattern(olds)
    summary = Summary(scanned=summary_scanned, dry_run=dry_run or diff)
    originals = Originals(vault)
    written = []
    for rel in sorted(paths):
        try:
            loaded = load(vault, rel)
        except NoteError as err:
            fail(summary, reporter, err)
            continue
        text = loaded.decoded.text
        sp = split(text)
        if sp.status != "ok":
            summary.failed.append((rel, "left untouched: its front matter cannot be read"))
            reporter.event("failed", rel, "left untouched: its front matter cannot be read")
            continue
        updates = {}
        for prop in ("tags", "auto_tags"):
            if prop in sp.data:
                values = prop_list(sp.data.get(prop))
                new_values = _rename_list(values, renamed)
                if new_values != values:
                    updates[prop] = new_values
        if "auto_tags" in updates or ("tags" in updates and "auto_tags" in sp.data):
            # the record as merge_tags writes it: the derived tags present, then those the user removed
            present = {tag_key(t) for t in updates.get("tags", prop_list(sp.data.get("tags")))}
            auto = updates.get("auto_tags", prop_list(sp.data.get("auto_tags")))
            ordered = [t for t in auto if tag_key(t) in present] + [t for t in auto if tag_key(t) not in present]
            if ordered != prop_list(sp.data.get("auto_tags")):
                updates["auto_tags"] = ordered
        body = text[sp.body_start:]
        new_body = _rename_in_text(body, body_rx, target)
        if not updates and new_body == body:
            continue
        try:
            block = edit_block(sp.block, updates, newline=loaded.decoded.newline) if updates else sp.block
        except FrontMatterError as exc:
            summary.failed.append((rel, f"left untouched: {exc}"))
            reporter.event("failed", rel, f"left untouched: {exc}")
            continue
        new_text = text[: sp.block_start] + block + text[sp.block_end : sp.body_start] + new_body
        summary.normalised += 1
        if diff:
            reporter.event("diff", rel, "".join(difflib.unified_diff(
                text.splitlines(keepends=True), new_text.splitlines(keepends=True), f"a/{rel}", f"b/{rel}")))
        if dry_run or diff:
            reporter.event("would rename", rel, f"-> {target}")
            continue
        data = encode(new_text, loaded.decoded)
        originals.keep(rel, loaded.data, rel, data)
        try:
            vault.replace(rel, data, loaded.hash, mode=loaded.st.st_mode)
        except NoteError as err:
            fail(summary, reporter, err)
            continue
        written.append({"path": rel, "hash": digest(data)})
        reporter.event("renamed", rel, f"-> {target}")
    if dry_run or diff:
        return summary.done()
    record = read_record(vault.state)
    syn = record["synonyms"]
    for k in list(syn):  # a rename back (NEW -> OLD) replaces the earlier record
        if tag_key(k) == tag_key(target):
            del syn[k]
    for o in olds:
        syn[o] = target
    record["log"].append({"from": olds, "to": target, "files": written})
    _write_record(vault.state, record)
    inner = reindex(session, Reporter(), normalise=False)
    summary.indexed = inner.indexed
    return summary.done()


def _rename_in_text(body: str, rx: re.Pattern, target: str) -> str:
    """Apply ``rx`` outside fenced code blocks and inline code."""
    out, pos = [], 0
    for m in _FENCE.finditer(body):
        out.append(_outside_inline(body[pos:m.start()], rx, target))
        out.append(m.group(0))
        pos = m.end()
    out.append(_outside_inline(body[pos:], rx, target))
    return "".join(out)


def _outside_inline(text: str, rx: re.Pattern, target: str) -> str:
    parts = re.split(r"(`[^`\n]+`)", text)
    for i in range(0, len(parts), 2):
        parts[i] = rx.sub(lambda m: "#" + target + m.group(0)[1 + len(m.group(1)):], parts[i])
    return "".join(parts)


def undo(session: Session, reporter: Reporter, olds: list[str], new: str) -> Summary:
    """Undo the last rename of ``olds`` into ``new``: restore the notes it rewrote, drop the synonym."""
    from vaulttool.core.tags.rules import tag_key
    from vaulttool.usecases.restore import restore

    vault = session.vault
    record = read_record(vault.state)
    want = ({tag_key(o) for o in olds}, tag_key(new))
    for i in range(len(record["log"]) - 1, -1, -1):
        entry = record["log"][i]
        if ({tag_key(o) for o in entry.get("from", [])}, tag_key(entry.get("to", ""))) == want:
            break
    else:
        raise UsageError(f"no rename of {', '.join(olds)} into {new} is recorded")
    paths = [f["path"] for f in entry.get("files", [])]
    del record["log"][i]
    for o in entry.get("from", []):
        if tag_key(record["synonyms"].get(o, "")) == tag_key(entry["to"]):
            del record["synonyms"][o]
    _write_record(vault.state, record)  # first: the index restore brings up to date follows it
    return restore(session, reporter, paths) if paths else Summary()
