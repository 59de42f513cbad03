"""``retag``: derive the tags of normalised clips again (after a config change, or as the vault grows).

The user's word stands: tags the user added are kept, tags the user removed (still listed in
``auto_tags``) are never added back. Only ``tags`` and ``auto_tags`` change; every other byte of the
note stays as it was.
"""

from __future__ import annotations

from vaulttool.core.clip.formats import AUTO_TAGS
from vaulttool.core.frontmatter import split
from vaulttool.core.noteinfo import prop_list, read_note
from vaulttool.core.textio import encode
from vaulttool.core.yamlwrite import edit_block
from vaulttool.errors import FrontMatterError, NoteError
from vaulttool.vault.originals import Originals
from vaulttool.usecases import indexing
from vaulttool.usecases.normalising import load
from vaulttool.usecases.reindex import reindex
from vaulttool.usecases.tagging import CachedTagger
from vaulttool.usecases.report import Reporter, Summary, fail
from vaulttool.usecases.session import Session

__all__ = ["retag"]


def retag(session: Session, reporter: Reporter, rels: list[str] | None = None, *, dry_run: bool = False) -> Summary:
    """Retag the normalised clips at ``rels`` (files or folders; all when None)."""
    from vaulttool.core.tags.rules import clean_tag, merge_tags, tag_key

    first = reindex(session, Reporter(), normalise=False)  # the index must know the vault as it is
    for rel, reason in first.failed:
        reporter.event("warning", rel, reason)
    vault, store = session.vault, session.store
    # in the order the normaliser takes them (created, then path), so that the later clips of a URL get
    # the tags of its first, as when they were normalised
    rows = store.conn.execute("SELECT path, url_key, created FROM notes WHERE kind = 'clip'").fetchall()
    order = {r[0]: (str(r[2] or ""), r[0]) for r in rows}
    url_of = {r[0]: r[1] for r in rows}
    clips = sorted(order)
    missing: list[str] = []
    if rels is not None:
        def under(rel: str) -> list[str]:
            prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
            return [c for c in clips if c == rel or c.startswith(prefix)]

        missing = [r for r in rels if not under(r)]
        clips = sorted({c for r in rels for c in under(r)})
    first_of_url = {}
    for path in sorted(order, key=order.get):
        if url_of[path]:
            first_of_url.setdefault(url_of[path], path)
    clips.sort(key=order.get)
    summary = Summary(scanned=len(clips), dry_run=dry_run)
    for rel in missing:
        summary.failed.append((rel, "not a normalised clip (no auto_tags property)"))
        reporter.event("failed", rel, "not a normalised clip (no auto_tags property)")
    tagger = CachedTagger(store, vault.config.tag_config(vault.state))
    tagger.vocabulary_from_index()
    derived_of: dict[str, list[str]] = {}  # first clip of a URL -> its derived tags (its later clips get them)
    originals = Originals(vault)
    df, n_docs = store.doc_freq()
    spellings = store.tag_spellings()
    changes = indexing.Changes()
    store.begin()
    try:
        for rel in reporter.progress(clips, len(clips), "retagging"):
            try:
                loaded = load(vault, rel)
            except NoteError as err:
                fail(summary, reporter, err)
                continue
            text = loaded.decoded.text
            sp = split(text)
            if sp.status != "ok" or AUTO_TAGS not in sp.data:
                continue
            info = read_note(rel, text, sp)
            analysis = tagger.analyse(info.title, info.description, info.body)
            current = [t for t in (clean_tag(x) for x in prop_list(sp.data.get("tags"))) if t]
            record = prop_list(sp.data.get(AUTO_TAGS))
            record_keys = {tag_key(t) for t in record}
            explicit = [t for t in current if tag_key(t) not in record_keys] + prop_list(sp.data.get("topics"))
            terms = tagger.candidate_terms(analysis)
            first = first_of_url.get(url_of.get(rel) or "")
            earlier = None
            if first is not None and first != rel:  # as the normaliser does: the first clip's tags
                earlier = derived_of[first] if first in derived_of else _recorded(store, first)
            if earlier:
                derived = list(earlier)
            else:
                derived = tagger.choose(analysis, {t: df[t] for t in terms if t in df}, n_docs, explicit=explicit)
                derived = [spellings.setdefault(tag_key(t), t) for t in derived]
                if first == rel:
                    derived_of[rel] = derived
            tags, auto = merge_tags(current, record, derived)
            if tags == current and auto == record:
                continue
            summary.normalised += 1
            detail = f"tags: {', '.join(tags)}"
            if dry_run:
                reporter.event("would retag", rel, detail)
                continue
            try:
                block = edit_block(sp.block, {"tags": tags, AUTO_TAGS: auto}, newline=loaded.decoded.newline)
            except FrontMatterError as exc:
                summary.failed.append((rel, f"left untouched: {exc}"))
                reporter.event("failed", rel, f"left untouched: {exc}")
                continue
            new_text = text[: sp.block_start] + block + text[sp.block_end :]
            new = encode(new_text, loaded.decoded)
            originals.keep(rel, loaded.data, rel, new)
            try:
                vault.replace(rel, new, loaded.hash, mode=loaded.st.st_mode)
            except NoteError as err:
                fail(summary, reporter, err)
                continue
            reporter.event("retagged", rel, detail)
            st = vault.abs(rel).stat()
            from vaulttool.vault.files import digest

            indexing.put(store, read_note(rel, new_text), new_text, st, digest(new), terms, changes, analysis)
        if not dry_run:
            indexing.relink(store, changes)
            from vaulttool.usecases.pagebuild.build import rebuild_pages

            rebuild_pages(session, changes, reporter, summary, walk_pages=vault.walk().pages)
            store.commit()
        else:
            store.rollback()
    except BaseException:
        store.rollback()
        raise
    if not dry_run:
        from vaulttool.usecases.tagging import refresh_aliases

        store.begin()
        refresh_aliases(store, tagger.config, tagger.vocabulary)
        store.commit()
    return summary.done()


def _recorded(store, path: str) -> list[str]:
    """The derived tags the note at ``path`` records (its ``auto_tags``), as the index has them."""
    import json

    row = store.note(path)
    auto = json.loads(row["props"]).get("auto_tags") if row is not None else None
    return [str(t) for t in auto] if isinstance(auto, list) else []
