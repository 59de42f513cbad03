"""Planning an incremental page build: which pages the vault should have after a run's changes, and
which of them the changes can have touched (a part of the page build, see
:mod:`vaulttool.usecases.pagebuild.build`).

What an incremental build rebuilds, and why that gives the same bytes as a full build:

- ``Index.md``, ``Tags.md`` and ``Backlinks.md``: always (they summarise the vault); ``Duplicates.md``
  when a changed note is or was in a group sharing a URL, or the conflict copies changed;
- the month pages of the old and new ``created`` of every changed note;
- the tag pages of the old and new tags of every changed note (the note's title, date and site appear
  there, and only those notes change a tag's co-tag counts), with the pages of the tags above them
  (they list the tags nested below); when a tag appears, disappears or changes its shown spelling,
  also the pages of the tags below it and, for a spelling, of the tags it comes with;
- the backlink pages of the notes a changed note links to (before and after: its title and the lines
  around its links appear there), of changed notes themselves, and of ``changes.link_targets``;
- a link written in a page depends on the other files sharing the linked file's name (that is how
  Obsidian resolves ``[[name]]``): when a note, attachment or page with some name appears or
  disappears, every page showing a note of that name is rebuilt as if the note had changed. Links from
  pages to pages use the page's path from the vault root (wikilinks, looked up there first) or a
  ``./``/``../`` relative path (Markdown), which no other file can change;
- every page that should exist but is missing on disk, or was not there before, is (re)written.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable

from vaulttool.core.tags.rules import tag_key
from vaulttool.pages.render import TagInfo, month_of, month_parts
from vaulttool.usecases.indexing import Changes
from vaulttool.usecases.pagebuild.query import HIDDEN, HIDDEN_SQL, ancestors, chunks, marks, nk, tag_infos

__all__ = ["IncrementalPlan"]


class IncrementalPlan:
    """The planning part of the page build (``_Build`` in :mod:`vaulttool.usecases.pagebuild.build`): it reads the
    index and sets the build's view of the vault (hidden notes, months, tags) as it plans."""

    def note_facts(self, paths: Iterable[str]) -> dict[str, dict]:
        """Facts of notes as the index has them now (any kind): created, tags, link targets..."""
        out: dict[str, dict] = {}
        ids: dict[int, str] = {}
        for chunk in chunks(paths):
            for nid, path, created, url_key, kind in self.conn.execute(
                    f"SELECT id, path, created, url_key, kind FROM notes WHERE path IN ({marks(len(chunk))})",
                    chunk):
                ids[nid] = path
                out[path] = {"created": created, "tags": [], "targets": set(), "url_key": url_key, "kind": kind}
        for chunk in chunks(ids):
            q = marks(len(chunk))
            for nid, tag in self.conn.execute(
                    f"SELECT note_id, tag FROM note_tags WHERE note_id IN ({q}) ORDER BY note_id, pos", chunk):
                out[ids[nid]]["tags"].append(tag)
            for nid, target in self.conn.execute(
                    f"SELECT note_id, resolved FROM links WHERE status = 'ok' AND note_id IN ({q})", chunk):
                out[ids[nid]]["targets"].add(target)
        return out

    def month_counts(self) -> dict[str | None, int]:
        sql = "SELECT substr(created, 1, 7), count(*) FROM notes {} GROUP BY 1"
        try:  # the index on created holds every note: a smaller scan than the table
            months = Counter(dict(self.conn.execute(sql.format("INDEXED BY notes_created"))))
        except sqlite3.OperationalError:
            months = Counter(dict(self.conn.execute(sql.format(""))))
        for chunk in chunks(self.unlisted):
            for (created,) in self.conn.execute(f"SELECT created FROM notes WHERE id IN ({marks(len(chunk))})", chunk):
                months[month_of(created)] -= 1
        return dict(months)

    def tag_spellings(self, keys: Iterable[str]) -> dict[str, TagInfo]:
        counts: Counter = Counter()
        for chunk in chunks(keys):
            for nid, key, tag in self.conn.execute(
                    f"SELECT note_id, key, tag FROM note_tags WHERE key IN ({marks(len(chunk))})", chunk):
                if nid not in self.unlisted:
                    counts[(key, tag)] += 1
        return tag_infos(counts)

    def linked_among(self, paths: Iterable[str]) -> set[str]:
        """Which of ``paths`` are listed notes linked from another listed note."""
        out: set[str] = set()
        for chunk in chunks(paths):
            q = marks(len(chunk))
            found = {r[0] for r in self.conn.execute(
                f"SELECT path FROM notes WHERE kind NOT IN {HIDDEN_SQL} AND path IN ({q})", chunk)}
            if not found:
                continue
            for target, nid, source in self.conn.execute(
                    "SELECT l.resolved, l.note_id, s.path FROM links l JOIN notes s ON s.id = l.note_id"
                    f" WHERE l.status = 'ok' AND l.resolved IN ({q})", chunk):
                if target in found and source != target and nid not in self.hidden_ids:
                    out.add(target)
        return out

    def plan_incremental(self, changes: Changes, state: dict, old_pages: dict[str, str]):
        """(pages the vault should have, pages to render) after ``changes``."""
        lay, c = self.layout, self.conn
        changed = changes.added | changes.updated | set(changes.removed)
        old = {p: changes.before.get(p) or changes.removed.get(p) for p in changed}
        now = self.note_facts(changed)
        # hidden notes (pages of a former pages folder, conflict copies): kept from last time, updated
        self.hidden_notes = set(state.get("hidden_notes", [])) - changed
        self.hidden_notes |= {p for p, f in now.items() if f["kind"] in HIDDEN}
        for chunk in chunks(self.hidden_notes):
            self.hidden_ids.update(r[0] for r in c.execute(
                f"SELECT id FROM notes WHERE path IN ({marks(len(chunk))})", chunk))
        self.find_copies()
        self.set_months(self.month_counts())
        # tags: counts of every key from the index on keys; spellings kept from last time except for
        # the keys the changed notes carry (or carried)
        facts = [f for f in (*old.values(), *now.values()) if f]
        # notes sharing a URL with a changed note: which of them is listed (the first) and its number
        # of copies may change, and with it the counts of their tags: they are shown again too
        dup_paths: set[str] = set()
        for chunk in chunks({f["url_key"] for f in facts if f.get("url_key")}):
            dup_paths.update(r[0] for r in c.execute(
                f"SELECT path FROM notes WHERE url_key IN ({marks(len(chunk))})", chunk))
        touched = {tag_key(t) for f in (*facts, *self.note_facts(dup_paths - changed).values()) for t in f["tags"]}
        counts = Counter(dict(c.execute("SELECT key, count(*) FROM note_tags GROUP BY key")))
        for chunk in chunks(self.unlisted):
            counts.subtract(dict(c.execute(
                f"SELECT key, count(*) FROM note_tags WHERE note_id IN ({marks(len(chunk))}) GROUP BY key", chunk)))
        counts = {k: n for k, n in counts.items() if n > 0}
        spelt: dict[str, str] = state.get("spellings", {})
        fresh = self.tag_spellings((touched | (counts.keys() - spelt.keys())) & counts.keys())
        tags = {k: fresh.get(k) or TagInfo(k, spelt[k], n) for k, n in counts.items()}
        self.set_tags(tags)
        respelt = {k for k in touched if k in spelt and k in tags and spelt[k] != tags[k].spelling}
        came_or_went = {k for k in touched if (k in spelt) != (k in tags)}
        # backlink pages: those of notes that may have gained or lost their last backlink are checked
        candidates = set(changes.link_targets) | changed
        for f in facts:
            candidates.update(f["targets"])
        expected = self.expected_pages()
        bl_prefix = f"{lay.folder}/backlinks/"
        dropped = {lay.note_backlinks(p) for p in candidates}
        for p in old_pages:
            if p.startswith(bl_prefix) and p not in dropped:
                expected[p] = ("note", None)  # still there; which note it is about is looked up if needed
        for p in self.linked_among(candidates):
            expected[lay.note_backlinks(p)] = ("note", p)
        # a file with some name appeared or went away: links to the notes of that name may change
        page_delta = set(expected) ^ set(old_pages)
        files = changes.files_added | changes.files_removed
        appeared = {p for p in changed if (old[p] is None) != (p not in now)}
        names = ({nk(p) for p in appeared} | {nk(f) for f in files}
                 | {nk(x) for x in page_delta if not x.startswith(bl_prefix)})
        same_name: set[str] = set()
        for chunk in chunks(names):
            same_name.update(r[0] for r in c.execute(
                f"SELECT path FROM notes WHERE name_key IN ({marks(len(chunk))})", chunk))
        same_name |= dup_paths
        same_facts = self.note_facts(same_name - changed)
        # what the changed notes (and those others) are shown on
        months = {month_of(f["created"]) for f in (*facts, *same_facts.values())}
        keys = touched | {tag_key(t) for f in same_facts.values() for t in f["tags"]}
        notes = candidates | set(same_facts)
        for f in same_facts.values():
            notes.update(f["targets"])
        for p in notes:
            page = lay.note_backlinks(p)
            if page in expected:
                expected[page] = ("note", p)
        # tags that gained or lost their page: the pages naming them (as a link or as text) change
        crossed = {k for k in keys if k in tags and (lay.tag(k) in old_pages) != lay.has_page(k)}
        for chunk in chunks(crossed):
            months.update(month_of(r[0]) for r in c.execute(
                "SELECT DISTINCT n.created FROM note_tags t JOIN notes n ON n.id = t.note_id"
                f" WHERE t.key IN ({marks(len(chunk))})", chunk))
        more = {a for k in keys for a in ancestors(k)}
        for k in came_or_went | respelt | crossed:
            more.update(self.descendants(k))
        for chunk in chunks(respelt | crossed):
            more.update(r[0] for r in c.execute(
                f"SELECT DISTINCT b.key FROM note_tags a JOIN note_tags b ON b.note_id = a.note_id"
                f" WHERE a.key IN ({marks(len(chunk))})", chunk))
        keys |= more
        todo = {lay.index}
        if touched:  # only a note carrying a tag changes what Tags.md shows
            todo.add(lay.tags)
        if self.backlinks_affected(changes, state, changed, old, now, same_facts, expected, old_pages, names):
            todo.add(lay.backlinks)
        if self.duplicates_affected(changed, old, now, same_facts):
            todo.add(lay.duplicates)
        # the duplicates pages of the months of the first clips shown again (portable)
        todo.update(p for p, (kind, about) in expected.items() if kind == "duplicates-month" and about[0] in months)
        if self.month_mode:
            todo.update(lay.month(m, k) for m in months if m in self.months
                        for k in range(1, month_parts(self.months[m]) + 1))
        todo.update(lay.tag(k) for k in keys)
        todo.update(lay.note_backlinks(p) for p in notes)
        return expected, todo

    def backlinks_affected(self, changes: Changes, state: dict, changed: set[str], old: dict, now: dict,
                           same: dict[str, dict], expected: dict, old_pages: dict, names: set[str]) -> bool:
        """Whether ``Backlinks.md`` can read differently: a note gained or lost its last backlink, the
        number of notes linking to a linked note may have changed, a linked note or a note with links
        to nothing changed (or may be linked differently), or a broken link may have changed status."""
        lay, c = self.layout, self.conn
        if changes.link_targets or any(p.startswith(f"{lay.folder}/backlinks/") for p in set(expected) ^ set(old_pages)):
            return True
        was_hidden = set(state.get("hidden_notes", []))
        moved: set[str] = set()  # notes whose number of notes linking to them may have changed
        for p in changed:
            before = set(old[p]["targets"]) if old[p] else set()
            after = now[p]["targets"] if p in now else set()
            is_hidden = p in now and now[p]["kind"] in HIDDEN
            moved |= (before | after) if (p in was_hidden) != is_hidden else (before ^ after)
        shown = changed | set(same)
        for p in moved | shown:
            page = lay.note_backlinks(p)
            if page in expected or page in old_pages:
                return True
        if shown & set(state.get("broken_sources", [])):
            return True
        for chunk in chunks(shown):
            if c.execute("SELECT 1 FROM links l JOIN notes n ON n.id = l.note_id WHERE l.status IN"
                         f" ('unresolved', 'ambiguous') AND n.path IN ({marks(len(chunk))}) LIMIT 1", chunk).fetchone():
                return True
        for chunk in chunks(names):  # unresolved <-> ambiguous as notes of that name come and go
            if c.execute("SELECT 1 FROM links WHERE status IN ('unresolved', 'ambiguous')"
                         f" AND target_key IN ({marks(len(chunk))}) LIMIT 1", chunk).fetchone():
                return True
        return False

    def duplicates_affected(self, changed: set[str], old: dict, now: dict, same_name: dict[str, dict]) -> bool:
        """Whether a changed note (or one whose links may read differently) is or was in a group of
        notes sharing a URL, or the conflict copies differ from last time."""
        if self.conflicts_changed:
            return True
        before: dict[str, int] = defaultdict(int)  # notes per URL before, less the count now
        urls = set()
        for p in changed:
            if old[p] and old[p].get("url_key"):
                before[old[p]["url_key"]] += 1
                urls.add(old[p]["url_key"])
            f = now.get(p)
            if f and f["url_key"]:
                urls.add(f["url_key"])
                if f["kind"] not in HIDDEN:
                    before[f["url_key"]] -= 1
        urls.update(f["url_key"] for f in same_name.values() if f["url_key"])
        for chunk in chunks(urls):
            for u, n in self.conn.execute(
                    f"SELECT url_key, count(*) FROM notes WHERE url_key IN ({marks(len(chunk))})"
                    f" AND kind NOT IN {HIDDEN_SQL} GROUP BY url_key", chunk):
                if n >= 2 or n + before[u] >= 2:
                    return True
            if any(before[u] >= 2 for u in chunk):  # a URL no note has now had that many before
                return True
        return False

    def name_unknown(self, expected: dict, todo: set[str]) -> None:
        """Find the note of each backlink page to render whose note is not known yet (a page that
        went missing on disk): the one query over every link, only when needed."""
        unknown = [p for p in todo if expected[p] == ("note", None)]
        if not unknown:
            return
        wanted = set(unknown)
        for p in self.linked_notes():
            page = self.layout.note_backlinks(p)
            if page in wanted:
                expected[page] = ("note", p)
                wanted.discard(page)
        for p in wanted:  # not a page the vault should have after all
            del expected[p]
            todo.discard(p)
