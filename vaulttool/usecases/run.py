"""One run over the vault's changed notes: read and analyse them, normalise the raw clips in batches,
index everything once. :func:`vaulttool.usecases.reindex.reindex` drives it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from vaulttool.errors import DiskFullError, NoteError, StateError
from vaulttool.vault.originals import Originals
from vaulttool.usecases import indexing
from vaulttool.usecases.report import Reporter, Summary, fail
from vaulttool.usecases.session import Session
from vaulttool.usecases.tagging import CachedTagger
from vaulttool.vault.files import ChangedUnderUs, sync
from vaulttool.vault.oserrors import describe, disk_full, is_full

if TYPE_CHECKING:  # the normaliser and the readers are imported when a note needs them, not before
    from vaulttool.core.clip import normalise as core
    from vaulttool.usecases.normalising import Loaded, VaultContext
    from vaulttool.usecases.prepare import Prepared

__all__ = ["Run", "BATCH", "PENDING_BUDGET", "os_error_message"]

BATCH = 64  # clips made durable together with one sync


@dataclass
class _Pending:
    """A raw clip waiting for FINISH. It is indexed only once normalised (or, failing that, as it is)."""

    rel: str
    loaded: Loaded | None  # None: dropped to bound memory; read and prepared again before FINISH
    draft: core.Draft | None
    created: str = ""
    url_key: str | None = None
    packed_terms: str = ""  # the clip's candidate terms joined by US: one string, not hundreds
    topics: tuple[str, ...] = ()
    analysis_key: str = ""  # its analysis is fetched again from the index's cache when it is finished

    @property
    def terms(self) -> list[str]:
        return self.packed_terms.split("\x1f") if self.packed_terms else []


PENDING_BUDGET = 16 * 1024 * 1024  # characters of clip text kept in memory between the two phases


class Run:
    def __init__(self, session: Session, reporter: Reporter, *, dry_run: bool, full: bool, normalise: bool,
                 jobs: int = 1):
        self.session = session
        self.vault = session.vault
        self.store = session.store
        self.reporter = reporter
        self.dry_run = dry_run
        self.normalise = normalise
        self.jobs = jobs
        self.vault.recheck_folders()
        self.summary = Summary(dry_run=dry_run)
        self.changes = indexing.Changes(full=full)
        self.originals = Originals(self.vault)
        self.tagger = CachedTagger(self.store, self.vault.config.tag_config(self.vault.state))
        self.pending: list[_Pending] = []
        self.conflicts: dict[str, str] = {}  # sync conflict copy -> the note it copies
        self.recheck: set[str] = set()  # unchanged notes to index again (their kind changed)
        self.kept_chars = 0
        self.restored = self.originals.restored_hashes()
        self.explicit = False  # paths named by the user: normalise even own notes and restored clips
        self.stop = lambda: False
        self.diff = False  # show what would change instead of writing
        self.read_only: list[str] = []  # clips normalised although their mode said read-only

    def fail(self, err: NoteError) -> None:
        fail(self.summary, self.reporter, err)

    def analyse_note(self, info) -> dict:
        return self.tagger.analyse(info.title, info.description, info.body)

    def prepare_one(self, rel: str) -> Prepared:
        from vaulttool.usecases.prepare import Prepared, prepare_file

        try:
            return prepare_file(self.vault, rel, self.tagger.analyse_keyed, normalise=self.normalise,
                                explicit=self.explicit, restored=self.restored)
        except OSError as exc:  # the system refused something on the way: named, the run goes on
            if is_full(exc):
                raise disk_full(self.vault.root, len(self.pending)) from None
            return Prepared(rel, error=NoteError(rel, f"not read: {describe(exc)}"))
        except Exception as exc:  # a bug on one note must not stop the run: name it, go on
            return Prepared(rel, error=NoteError(rel, f"internal error: {exc.__class__.__name__}: {exc}"))

    def read_all(self, rels: list[str]) -> None:
        """Read, analyse and index ``rels`` (in worker processes when there are many)."""
        if not rels:  # a warm run: nothing to read, nothing of the reading machinery to import
            return
        from vaulttool.vault.portable import name_problems

        for rel in rels:  # (said when a note is new or changed, not on every run)
            for part in rel.split("/"):
                for problem in name_problems(part):
                    self.reporter.event("warning", rel, f"its name {problem}")
        from vaulttool.usecases.prepare import PARALLEL_MIN, prepare_many

        if self.jobs > 1 and len(rels) >= PARALLEL_MIN:
            results = prepare_many(self.vault, rels, self.jobs, normalise=self.normalise,
                                   explicit=self.explicit, restored=self.restored)
        else:
            results = (self.prepare_one(rel) for rel in rels)
        for prepared in self.reporter.progress(results, len(rels), "reading"):
            self.accept(prepared)
            if self.stop():
                break

    def accept(self, p: Prepared) -> None:
        """Index a prepared note and queue it for normalisation if it is a raw clip."""
        from vaulttool.core.noteinfo import read_note

        rel = p.rel
        if p.error is not None:
            self.fail(p.error)
            if self.store.note(rel) is not None:
                indexing.remove(self.store, rel, self.changes)
            return
        if p.fresh:
            self.store.put_analysis(p.key, p.analysis, p.packed)
            p.packed = None
        loaded = p.loaded
        state = self.store.note(rel)
        unchanged = state is not None and state["hash"] == loaded.hash
        if (unchanged and not self.changes.full and not self.explicit and state["kind"] != "raw-clip"
                and rel not in self.recheck):
            self.store.touch(rel, loaded.st.st_size, loaded.st.st_mtime_ns)
            return
        if rel in self.conflicts:
            p.draft = p.draft_error = None  # a conflict copy is never normalised as a new clip
            if p.info is None:
                p.info = read_note(rel, loaded.decoded.text, clip_folders=self.vault.config.clip_folders)
                p.analysis = self.analyse_note(p.info)
            p.info.kind = "conflict"
        if p.draft_error is not None:
            self.fail(p.draft_error)
            # kept in the index, so that later runs name the note again without reading it
            p.info.error = p.draft_error.reason
        terms = self.tagger.candidate_terms(p.analysis)
        if p.draft is not None:
            from vaulttool.core.clip import normalise as core
            from vaulttool.core.clip.urls import url_key

            draft = p.draft
            source = core.source_url(draft)
            item = _Pending(rel, loaded, draft, str(draft.props.get("created") or ""),
                            url_key(source) if source else None, "\x1f".join(terms), tuple(draft.topics))
            if draft.analysis is not None and p.key:
                # the analysis (the bulk of a waiting clip's memory) is in the index's cache already
                item.analysis_key = p.key
                draft.analysis = p.analysis = None
            if self.kept_chars + len(loaded.decoded.text) <= PENDING_BUDGET:
                self.kept_chars += len(loaded.decoded.text)
            else:
                item.loaded = item.draft = None
            self.pending.append(item)
            return  # indexed once normalised: a clip is never indexed twice in one run
        if unchanged and state["kind"] == "raw-clip" and not self.changes.full and rel not in self.recheck:
            return  # a clip left over from an earlier run: already indexed as it is
        indexing.put(self.store, p.info, loaded.decoded.text, loaded.st, loaded.hash, terms, self.changes,
                     p.analysis)
        self.summary.indexed += 1

    def normalise_pending(self, taken: set[str]) -> None:
        if not self.pending:
            return
        from vaulttool.usecases.normalising import VaultContext

        self._wait_quiet()
        ctx = VaultContext(self.store, self.vault, self.tagger, taken)
        if len(self.pending) > 50 or self.store.bulk:  # (in a bulk run, terms have no index to look up)
            ctx.preload_doc_freq()
        for item in self.pending:
            ctx.count_topics(item.topics)
            ctx.add_pending(item.url_key, item.terms, item.rel)
            if item.draft is not None and item.draft.body_links:
                ctx.add_pending_links(item.rel, item.draft.body_links[1])
        # the vocabulary of the whole vault (this run's clips included) before the first clip is tagged
        self.tagger.use_vocabulary(ctx.markers(), lambda keys: ctx.doc_freq(keys)[0])
        self.pending.sort(key=lambda p: (p.created, p.rel))
        pending = self.reporter.progress(self.pending, len(self.pending), "normalising")
        while not self.stop():
            batch = list(islice(pending, BATCH))
            if not batch:
                break
            self._batch(batch, ctx)
            for item in batch:  # finished: its text, draft and result need not stay in memory
                item.loaded = item.draft = None
                item.packed_terms = ""
        self.originals.clear_journal()
        if self.read_only:
            n = len(self.read_only)
            self.reporter.event("warning", "", f"{n} clip{'s were' if n != 1 else ' was'} read-only (e.g. "
                                f"{self.read_only[0]}): normalised all the same (the originals are kept, "
                                "`vaulttool restore` puts them back) and left read-only; list them under "
                                "`ignore` in .vaulttool/config.toml to have them left alone")

    def _batch(self, items: list[_Pending], ctx: VaultContext) -> None:
        """Finish a batch of clips, stage their new bytes and originals, make all of it durable with
        one sync, then replace the notes one by one (each only if it did not change meanwhile)."""
        from vaulttool.core.clip import normalise as core
        from vaulttool.usecases.normalising import commit_staged, stage_result

        staged = []
        for item in items:
            if item.draft is not None and item.draft.analysis is None and item.analysis_key:
                item.draft.analysis = self.store.get_analysis(item.analysis_key)
                if item.draft.analysis is None:  # not in the cache after all: prepare the clip again
                    item.loaded = item.draft = None
            if item.draft is None:  # dropped to bound memory: read and prepare it again
                again = self.prepare_one(item.rel)
                if again.error or again.draft_error or again.draft is None:
                    self.fail(again.error or again.draft_error or NoteError(item.rel, "changed: left for a later run"))
                    continue
                item = _Pending(item.rel, again.loaded, again.draft, item.created)
            loaded, draft = item.loaded, item.draft
            if loaded.st.st_nlink > 1 and loaded.rel in self.vault.linked:  # a rewrite would split its names
                self.summary.skipped += 1
                self.reporter.event("skipped", loaded.rel, "has another name in the vault (a hard link): not "
                                    "rewritten, which would split the two; indexed as it is")
                self._index_as_is(loaded, retry=True)
                continue
            try:
                ctx.release(loaded.rel)
                core.finish(draft, ctx)
                target = draft.new_path or loaded.rel
                ctx.claim(target)
                ctx.finished(draft)
                if not loaded.st.st_mode & 0o222:  # said on its line, and once for the run (see below)
                    draft.messages.append(f"was read-only (mode {loaded.st.st_mode & 0o777:o}): "
                                          + ("would stay" if self.dry_run or self.diff else "left") + " read-only")
                    self.read_only.append(loaded.rel)
                if self.dry_run or self.diff:
                    if self.diff:
                        self.reporter.event("diff", loaded.rel, _diff(loaded, draft, target))
                    self.reporter.event("would normalise", loaded.rel, _detail(draft, target))
                    self.summary.normalised += 1
                    _count_links(self.summary, draft)
                    continue
                one = stage_result(self.vault, self.originals, loaded, draft)
            except NoteError as err:
                self.fail(err)
                self._index_as_is(loaded, err.reason)
                continue
            except (StateError, DiskFullError):
                self._give_up(staged)
                raise
            except OSError as exc:  # the system refused a write: name the clip, go on with the others
                if is_full(exc):
                    self._give_up(staged, exc)
                err = NoteError(loaded.rel, f"not normalised: {describe(exc)}: left as it was")
                self.fail(err)
                self._index_as_is(loaded, err.reason, retry=True)
                continue
            except Exception as exc:  # a bug on one clip must not stop the run: name it, go on
                err = NoteError(loaded.rel, f"internal error: {exc.__class__.__name__}: {exc}")
                self.fail(err)
                self._index_as_is(loaded, err.reason)
                continue
            if one is not None:
                staged.append(one)
            else:
                self._index_as_is(loaded)
        try:
            self.originals.flush()
        except OSError as exc:  # the records of the originals are kept before any clip is replaced
            self._give_up(staged, exc)
        if not staged:
            return
        sync()
        for i, one in enumerate(staged):
            if self.stop() and one is not staged[0]:
                self.vault.discard(one.tmp)
                continue
            try:
                target = commit_staged(self.vault, self.originals, one)
            except ChangedUnderUs as err:
                self.fail(err)
                continue
            except NoteError as err:  # refused by the system: indexed as it is, tried again next run
                self.fail(err)
                self._index_as_is(one.loaded, err.reason, retry=True)
                continue
            except (StateError, DiskFullError) as exc:
                self._give_up(staged[i:], exc)
            except OSError as exc:
                if is_full(exc):
                    self._give_up(staged[i:], exc)
                self.vault.discard(one.tmp)
                err = NoteError(one.loaded.rel, f"not normalised: {describe(exc)}: left as it was")
                self.fail(err)
                self._index_as_is(one.loaded, err.reason, retry=True)
                continue
            self.summary.normalised += 1
            _count_links(self.summary, one.draft)
            self.reporter.event("normalised", one.loaded.rel, _detail(one.draft, target))
            self._reindex_written(one.loaded, target, one.data, one.st, one.draft)
            ctx.written(one.draft.url_key, one.loaded.rel)

    def _give_up(self, staged: list, exc: BaseException | None = None) -> None:
        """Stop normalising (a full disk, or ``.vaulttool/`` that cannot be used): the staged temp
        files are removed, every clip not replaced yet stays as it was, and the run ends with one line
        (raises ``exc``, a full disk as :class:`DiskFullError`)."""
        for one in staged:
            try:
                self.vault.discard(one.tmp)
            except OSError:
                pass  # (removed by the next run)
        if exc is None:
            return
        if is_full(exc):
            raise disk_full(self.vault.root, max(0, len(self.pending) - self.summary.normalised)) from None
        raise exc

    def _index_as_is(self, loaded: Loaded, error: str = "", *, retry: bool = False) -> None:
        """A pending clip that was not normalised after all is indexed as it is (``error``: why, kept
        so that later runs name it again). ``retry``: the cause lies outside the clip (the system
        refused the write): it is recorded with no known mtime, so that the next run reads it and
        tries again even though the clip itself did not change."""
        from vaulttool.core.noteinfo import read_note
        from vaulttool.vault.walk import FileStat

        info = read_note(loaded.rel, loaded.decoded.text, clip_folders=self.vault.config.clip_folders)
        info.error = error or info.error
        analysis = self.analyse_note(info)
        st = FileStat(loaded.st.st_size, -1) if retry else loaded.st
        indexing.put(self.store, info, loaded.decoded.text, st, loaded.hash,
                     self.tagger.candidate_terms(analysis), self.changes, analysis)
        self.summary.indexed += 1

    def _reindex_written(self, loaded: Loaded, target: str, data: bytes, st, draft: core.Draft) -> None:
        from vaulttool.core.clip import normalise as core
        from vaulttool.core.frontmatter import split
        from vaulttool.core.noteinfo import read_note
        from vaulttool.vault.files import digest

        if target != loaded.rel:
            # indexed by an earlier run under its old name: that name is gone (pages and links follow)
            indexing.remove(self.store, loaded.rel, self.changes)
        text = draft.result  # what was just written (its front matter checked when it was rendered)
        info = read_note(target, text, split(text, draft.result_data), draft.body_links,
                         clip_folders=self.vault.config.clip_folders)
        if draft.analysis is not None and (info.title, info.description, info.body) == core.text_of(draft):
            analysis = draft.analysis  # the text the clip was analysed as is the text the note now has
        else:
            analysis = self.analyse_note(info)
        indexing.put(self.store, info, text, st, digest(data), self.tagger.candidate_terms(analysis), self.changes,
                     analysis)

    def report_known_problems(self) -> None:
        """Notes the index holds with a problem (unreadable front matter...) that were not read this
        time are named again: a problem persists until the note is fixed, and so does exit code 1."""
        named = {path for path, _ in self.summary.failed}
        for path, error in self.store.conn.execute("SELECT path, error FROM notes WHERE error != '' ORDER BY path"):
            if path not in named:
                self.fail(NoteError(path, error))

    def _wait_quiet(self) -> None:
        quiet = self.vault.config.watch.quiet
        if quiet <= 0 or self.dry_run or self.diff or self.explicit:
            return
        newest = max((p.loaded.st.st_mtime for p in self.pending if p.loaded is not None), default=0.0)
        wait = quiet - (time.time() - newest)
        if wait > 0:
            self.reporter.event("info", "", f"waiting {wait:.1f} s for clips changed just now to settle")
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not self.stop():
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        keep = []
        for p in self.pending:
            if p.loaded is None:
                keep.append(p)  # read again (and checked) right before it is normalised
                continue
            try:
                st = self.vault.abs(p.rel).stat()
            except OSError:
                st = None
            if st is None or (st.st_size, st.st_mtime_ns) != (p.loaded.st.st_size, p.loaded.st.st_mtime_ns):
                self.summary.skipped += 1
                self.reporter.event("skipped", p.rel, "still changing: left for a later run")
            else:
                keep.append(p)
        self.pending = keep


def os_error_message(exc: OSError) -> str:
    """The line for a write the system refused outside a note's own error path (a page, the index's
    folder): the file and what to do; a full disk as every run says it."""
    if is_full(exc):
        return str(disk_full(exc.filename or "."))
    return f"{exc.filename or 'vaulttool'}: {describe(exc)}"


def _diff(loaded: Loaded, draft: core.Draft, target: str) -> str:
    import difflib

    before = loaded.decoded.text.splitlines(keepends=True)
    after = (draft.result or "").splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, f"a/{loaded.rel}", f"b/{target}"))


def _count_links(summary: Summary, draft: core.Draft) -> None:
    for kind, n in draft.clip.dropped_links.items():
        summary.links_dropped[kind] = summary.links_dropped.get(kind, 0) + n


def _detail(draft: core.Draft, target: str) -> str:
    parts = [f"{draft.format} clip"]
    if target != draft.path:
        parts.append(f"-> {target}")
    if draft.tags:
        parts.append("tags: " + ", ".join(draft.tags))
    parts.extend(draft.messages)
    return "; ".join(parts)
