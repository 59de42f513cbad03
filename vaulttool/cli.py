"""The command line: a thin click layer over the use-cases (the only module that imports click).

Domain errors become click exceptions here: a usage error exits with 2, a run in which some files
failed exits with 1 after naming each of them. Heavy modules are imported inside the commands, so a
``query`` never loads jieba, markdown-it or ruamel.yaml.
"""

from __future__ import annotations

import re
import sqlite3
import sys

import click

from vaulttool import __version__
from vaulttool.errors import LockError, SettingsError, UsageError, VaultToolError

FORMATS = click.Choice(["table", "paths", "json", "jsonl"])


class Obj:
    def __init__(self, vault: str | None, verbosity: int):
        self.vault = vault
        self.verbosity = verbosity


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LockError as exc:
            raise click.ClickException(str(exc)) from None
        except SettingsError as exc:
            raise _SettingsExit(exc.problems) from None
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None
        except VaultToolError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            from vaulttool.usecases.session import index_error_message

            raise click.ClickException(index_error_message(exc)) from None
        except BrokenPipeError:
            raise
        except OSError as exc:  # a write the system refused outside a note's own error path
            from vaulttool.usecases.run import os_error_message

            raise click.ClickException(os_error_message(exc)) from None


class _SettingsExit(click.ClickException):
    """Settings that cannot be used: every problem on a line of its own, exit code 2, no usage banner
    (the command was right; the file was not)."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems

    def show(self, file=None) -> None:
        for line in self.problems:
            click.echo(f"error: {line}", err=True)


def _verbosity_after_command(sign: int):
    def callback(ctx, param, value):
        obj = ctx.find_object(Obj)
        if value and obj is not None:
            obj.verbosity += sign * value
    return callback


def _vault_after_command(ctx, param, value):
    obj = ctx.find_object(Obj)
    if value is not None and obj is not None:
        obj.vault = value


class _Command(click.Command):
    """A subcommand: it also takes ``--vault DIR``, ``-v`` and ``-q`` after its name (``vaulttool watch
    --vault DIR``, ``vaulttool reindex -q``); ``--vault`` there wins over the one given before it and
    over VAULTTOOL_VAULT. A usage error it raises is shown with its own usage line."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(
            ["--vault"], metavar="DIR", expose_value=False, callback=_vault_after_command,
            help="The vault folder, as `vaulttool --vault DIR COMMAND` (this one wins over that and VAULTTOOL_VAULT)."))
        names = {n for p in self.params for n in getattr(p, "opts", [])}
        if "-v" not in names:
            self.params.append(click.Option(["-v", "--verbose", "_verbose_after"], count=True, expose_value=False,
                                            callback=_verbosity_after_command(1), help="Say more."))
        if "-q" not in names:
            self.params.append(click.Option(["-q", "--quiet", "_quiet_after"], count=True, expose_value=False,
                                            callback=_verbosity_after_command(-1), help="Say less."))

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise _SettingsExit(exc.problems) from None
        except UsageError as exc:
            raise click.UsageError(str(exc), ctx) from None


_Group.command_class = _Command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--vault", metavar="DIR", envvar="VAULTTOOL_VAULT",
              help="The vault folder (default: the nearest parent holding .obsidian/ or .vaulttool/, "
                   "else the current folder). Env: VAULTTOOL_VAULT.")
@click.option("-v", "--verbose", count=True, help="Say more (one line per note).")
@click.option("-q", "--quiet", count=True, help="Say less (only errors and the summary).")
@click.version_option(__version__, prog_name="vaulttool")
@click.pass_context
def cli(ctx, vault, verbose, quiet):
    """Keep a clipping vault tidy and searchable."""
    ctx.obj = Obj(vault, verbose - quiet)


def _echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """click.echo that survives a reader that went away (``vaulttool reindex | head``): the rest of
    the output is dropped and the run goes on to its end."""
    try:
        click.echo(text, err=err, nl=nl)
    except BrokenPipeError:
        import os

        stream = sys.stderr if err else sys.stdout
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _reporter(obj: Obj, *, per_file: bool, fmt: str = "text"):
    """What a writing command prints: failures and warnings on stderr; on stdout, one line per file
    (``per_file``, or ``-v``), nothing but the summary with ``--format json``."""
    from vaulttool.usecases.report import Reporter

    def sink(action: str, path: str, detail: str) -> None:
        path = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", path)  # (a name cannot drive the terminal)
        if action in ("failed", "warning"):
            _echo(f"{action}: {path}: {detail}" if path else f"{action}: {detail}", err=True)
            return
        if fmt == "json":
            return
        if action == "diff":
            _echo(detail, nl=False)
            return
        if obj.verbosity < 0 or (action in ("indexed", "info", "page") and obj.verbosity < 1):
            return
        if not per_file and obj.verbosity < 1 and action != "skipped":
            return
        _echo(f"{action:<10} {path}{'  ' + detail if detail else ''}".rstrip())

    class CliReporter(Reporter):
        def progress(self, items, length, label):
            if length < 200 or obj.verbosity < 0:
                return iter(items)
            if sys.stderr.isatty() and obj.verbosity == 0:
                return _progress(items, length, label)
            return _progress_lines(items, length, label)

    return CliReporter(sink)


def _progress(items, length, label):
    with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
        yield from bar


PROGRESS_EVERY = 5.0  # seconds between two progress lines when stderr is not a terminal


def _progress_lines(items, length, label):
    """Progress for a log or a pipe: a line every few seconds (none for a run shorter than that)."""
    import time

    last = time.monotonic()
    for done, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY and done < length:
            last = now
            _echo(f"{label}: {done} of {length} ({100 * done // length} %)", err=True)


SUMMARY_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                              show_default=True,
                              help="json: the summary as one JSON object on stdout (no per-file lines).")


def _finish(summary, ctx, fmt: str = "text", line: str | None = None) -> None:
    if fmt == "json":
        from vaulttool import output

        _echo(output.json_doc(summary.as_dict()))
    else:
        _echo(summary.line() if line is None else line)
    if summary.failed:
        ctx.exit(1)


def _open_writer(obj: Obj, command: str, *, dry_run: bool = False, ask_watch: bool = False):
    from vaulttool.usecases.session import open_session

    session = open_session(obj.vault, command, dry_run=dry_run, ask_watch=ask_watch)
    if session.note:
        click.echo(f"note: {session.note}", err=True)
    return session


@cli.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.pass_obj
def init(obj, folder):
    """Make FOLDER (default: --vault, else the current folder) a vault: .vaulttool/ with a commented
    config.toml. Writing commands refuse to run in a folder that is not a vault."""
    from vaulttool.usecases.session import init_vault

    root, created = init_vault(folder or obj.vault)
    for path in created:
        click.echo(f"created   {path}")
    if not created:
        click.echo(f"{root} is a vault already (nothing changed)")
    else:
        click.echo(f"next: vaulttool --vault {root} reindex   (settings: {root}/.vaulttool/config.toml)")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.option("--diff", is_flag=True, help="Show a unified diff of each change; write nothing.")
@SUMMARY_FORMAT
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.pass_context
def normalise(ctx, dry_run, diff, fmt, paths):
    """Normalise the clips at PATHS (files or folders inside the vault)."""
    from vaulttool.usecases.reindex import normalise_paths

    with _open_writer(ctx.obj, "normalise", dry_run=dry_run or diff) as session:
        rels = [session.vault.rel(p) for p in paths]
        summary = normalise_paths(session, _reporter(ctx.obj, per_file=True, fmt=fmt), rels, dry_run=dry_run,
                                  diff=diff)
    _finish(summary, ctx, fmt)


@cli.command()
@click.option("--full", is_flag=True, help="Re-read every note, not only those that changed.")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0,
              help="Worker processes for tokenising large runs (0: one per core, at most 4).")
@click.option("--exclude-pages", is_flag=True,
              help="Also add the pages folder to Obsidian's Excluded files (as the exclude-pages command).")
@SUMMARY_FORMAT
@click.pass_context
def reindex(ctx, full, dry_run, jobs, exclude_pages, fmt):
    """Normalise new clips, update the index and rebuild the pages."""
    from vaulttool.usecases.reindex import jobs_default, reindex as run

    with _open_writer(ctx.obj, "reindex", dry_run=dry_run) as session:
        summary = run(session, _reporter(ctx.obj, per_file=dry_run, fmt=fmt), full=full,
                      dry_run=dry_run, jobs=jobs or jobs_default())
        excluded = _exclude_pages(session, dry_run) if exclude_pages else None
    _finish(summary, ctx, fmt)
    if excluded is not None and not excluded.ok:
        ctx.exit(1)


def _exclude_pages(session, dry_run: bool):
    from vaulttool.usecases.obsidian import exclude_pages

    result = exclude_pages(session.vault, dry_run=dry_run)
    click.echo(("" if result.ok else "failed: ") + result.message, err=True)
    return result


@cli.command("exclude-pages")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.pass_context
def exclude_pages_command(ctx, dry_run):
    """Keep the pages folder out of Obsidian's search, quick switcher and graph: add it to Excluded
    files (Settings, Files and links), the userIgnoreFilters key of .obsidian/app.json, and nothing else.
    An app.json that is not valid JSON is left as it is (exit code 1)."""
    with _open_writer(ctx.obj, "exclude-pages", dry_run=dry_run) as session:
        result = _exclude_pages(session, dry_run)
    if not result.ok:
        ctx.exit(1)


@cli.command()
@click.option("--tag", "tags", multiple=True, metavar="EXPR",
              help="Tag expression: 'a, b' (and), 'a|b' or 'a OR b', '-a' or 'NOT a', globs 'ai/*'. Repeat to AND.")
@click.option("--site", help="Only notes from this site (e.g. 微博, arXiv).")
@click.option("--since", metavar="DATE", help="Only notes created on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only notes created on or before DATE.")
@click.option("--sort", default="-created", show_default=True, help="created, title or path; '-' for descending.")
@click.option("--limit", type=int, help="At most this many notes.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.pass_obj
def query(obj, tags, site, since, until, sort, limit, fmt):
    """Find notes by tag."""
    from vaulttool import output
    from vaulttool.usecases.reads import count
    from vaulttool.usecases.reads import query as run
    from vaulttool.usecases.session import open_reader

    with open_reader(obj.vault) as session:
        fields = {"paths": ["path"], "table": ["path", "title", "tags", "created"]}.get(fmt)  # None: all
        notes = run(session.store, list(tags), site=site, since=since, until=until, sort=sort, limit=limit,
                    fields=fields)
        total = len(notes)
        if fmt == "table" and limit is not None and len(notes) == limit:
            total = count(session.store, list(tags), site=site, since=since, until=until)
    if fmt == "json":
        click.echo(output.json_doc(notes))
    elif fmt == "jsonl":
        if notes:
            click.echo(output.json_lines(notes))
    elif fmt == "paths":
        if notes:
            click.echo("\n".join(n["path"] for n in notes))
    else:
        rows = [((n["created"] or "")[:10], n["title"], ", ".join(n["tags"]), n["path"]) for n in notes]
        if rows:
            click.echo(output.table(["created", "title", "tags", "path"], rows, max_col=40))
        shown = f"{len(notes)} of {total}" if total != len(notes) else f"{total}"
        click.echo(f"{shown} note{'s' if total != 1 else ''}", err=True)


@cli.command()
@click.option("--sort", type=click.Choice(["count", "name"]), default="count", show_default=True)
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Only tags on at least this many notes.")
@click.option("--limit", type=click.IntRange(min=0), help="At most this many tags.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def tags(obj, sort, min_count, limit, fmt):
    """Every tag with its note count."""
    from vaulttool import output
    from vaulttool.usecases.reads import tag_counts
    from vaulttool.usecases.session import open_reader

    from vaulttool.usecases.reads import tag_aliases

    with open_reader(obj.vault) as session:
        counts = [(t, n) for t, n in tag_counts(session.store, sort) if n >= min_count]
        aliases = tag_aliases(session.store)
    if limit is not None:
        counts = counts[:limit]
    if fmt == "json":
        click.echo(output.json_doc([{"tag": t, "count": n, "aliases": aliases.get(t, [])} for t, n in counts]))
    elif counts and any(t in aliases for t, _ in counts):  # a third column only when some tag has aliases
        click.echo(output.table(["count", "tag", "aliases"],
                                [(n, t, ", ".join(aliases.get(t, []))) for t, n in counts]))
    elif counts:
        click.echo(output.table(["count", "tag"], [(n, t) for t, n in counts]))


def _rename_tags(ctx, olds, new, dry_run, diff, undo, fmt):
    from vaulttool.usecases import tagrename

    with _open_writer(ctx.obj, "rename-tag", dry_run=dry_run or diff) as session:
        reporter = _reporter(ctx.obj, per_file=True, fmt=fmt)
        if undo:
            summary = tagrename.undo(session, reporter, list(olds), new)
            _finish(summary, ctx, fmt, f"restored {summary.restored} notes; {', '.join(olds)} is no longer "
                                       f"renamed to {new}")
            return
        summary = tagrename.rename(session, reporter, list(olds), new, dry_run=dry_run, diff=diff)
    verb = "would rewrite" if dry_run or diff else "rewrote"
    _finish(summary, ctx, fmt, f"{verb} {summary.normalised} of {summary.scanned} notes: {', '.join(olds)} -> {new}"
                               f", failed {len(summary.failed)}")


@cli.command("rename-tag")
@click.argument("old", nargs=-1, required=True)
@click.argument("new")
@click.option("--dry-run", is_flag=True, help="Say which notes would change; write nothing.")
@click.option("--diff", is_flag=True, help="Show a unified diff of each change; write nothing.")
@click.option("--undo", is_flag=True, help="Restore the notes the last such rename rewrote; drop its synonym.")
@SUMMARY_FORMAT
@click.pass_context
def rename_tag(ctx, old, new, dry_run, diff, undo, fmt):
    """Rename tag OLD (one or more) to NEW in every note: front matter and #tags in the text.

    The originals are kept (undo: --undo, or restore PATH); OLD is recorded as a synonym of NEW, so
    tags derived later use NEW."""
    _rename_tags(ctx, old, new, dry_run, diff, undo, fmt)


@cli.command("merge-tags")
@click.argument("tags_", metavar="TAG...", nargs=-1, required=True)
@click.option("--into", "into", required=True, metavar="TAG", help="The one tag they all become.")
@click.option("--dry-run", is_flag=True, help="Say which notes would change; write nothing.")
@click.option("--diff", is_flag=True, help="Show a unified diff of each change; write nothing.")
@click.option("--undo", is_flag=True, help="Restore the notes the last such merge rewrote; drop its synonyms.")
@SUMMARY_FORMAT
@click.pass_context
def merge_tags(ctx, tags_, into, dry_run, diff, undo, fmt):
    """Merge TAG... into one tag (--into) in every note, as rename-tag does."""
    _rename_tags(ctx, tags_, into, dry_run, diff, undo, fmt)


@cli.command()
@click.argument("note")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def backlinks(obj, note, fmt):
    """The notes linking to NOTE (a path or a name as in a wikilink), with the linking line."""
    from vaulttool import output
    from vaulttool.usecases.reads import backlinks as run
    from vaulttool.usecases.reads import find_note
    from vaulttool.usecases.session import open_reader

    with open_reader(obj.vault) as session:
        path = find_note(session.store, session.vault.note_arg(note))
        links = run(session.store, path)
    if fmt == "json":
        click.echo(output.json_doc({"note": path, "backlinks": links}))
    elif links:
        click.echo(output.table(["path", "line", "context"], [(b["path"], b["line"], b["context"]) for b in links]))
    else:
        click.echo(f"no note links to {path}", err=True)


@cli.command()
@click.argument("note")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def show(obj, note, fmt):
    """Properties, tags, outgoing links and backlinks of one note."""
    from vaulttool import output
    from vaulttool.usecases.reads import find_note
    from vaulttool.usecases.reads import show as run
    from vaulttool.usecases.session import open_reader

    with open_reader(obj.vault) as session:
        info = run(session.store, find_note(session.store, session.vault.note_arg(note)),
                   session.vault.config.clip_folders)
    if fmt == "json":
        click.echo(output.json_doc(info))
        return
    click.echo(f"{info['title']}\n{info['path']}  ({info['kind']})")
    if info.get("error"):
        click.echo(f"error: {info['error']}")
    if info.get("not_a_clip"):
        click.echo(f"not a clip: {info['not_a_clip']}")
    click.echo("\nproperties:")
    for key, value in info["properties"].items():
        click.echo(f"  {key}: {value if not isinstance(value, list) else ', '.join(map(str, value))}")
    click.echo(f"\ntags: {', '.join(info['tags']) or '-'}")
    if info.get("tags_note"):
        click.echo(f"  ({info['tags_note']})")
    click.echo("\nlinks:")
    for link in info["links"]:
        where = link["resolved"] or link["status"]
        click.echo(f"  line {link['line']}: {link['raw']} -> {where}")
    click.echo("\nbacklinks:")
    for b in info["backlinks"]:
        click.echo(f"  {b['path']}:{b['line']}: {b['context']}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--force", is_flag=True, help="Restore even if the note was edited after vaulttool wrote it "
              "(your text is kept first as an original of its own, and can be restored in turn).")
@click.option("--list", "list_", is_flag=True, help="List the clips vaulttool keeps an original of, and where they are now.")
@click.pass_context
def restore(ctx, paths, force, list_):
    """Put back the original bytes of clips vaulttool rewrote: found by content, also after you renamed
    or moved them, and from before every retag. PATHS may be notes or folders."""
    from vaulttool.usecases.restore import list_originals, restore as run

    if list_:
        from vaulttool.usecases.session import open_reader

        with open_reader(ctx.obj.vault) as session:
            rows = list_originals(session)
        for row in rows:
            where = row["now"] or f"({row['state']})"
            click.echo(f"{where}  <- {row['original']}  ({row['rewritten']}"
                       f"{', ' + str(row['rewrites']) + ' rewrites' if row['rewrites'] > 1 else ''})")
        if not rows:
            click.echo("no originals kept: vaulttool has rewritten no clip here")
        return
    if not paths:
        raise click.UsageError("name the notes or folders to restore (or --list)", ctx)
    with _open_writer(ctx.obj, "restore", ask_watch=True) as session:
        summary = run(session, _reporter(ctx.obj, per_file=True), list(paths), force=force)
    click.echo(f"restored {summary.restored} of {summary.scanned}, failed {len(summary.failed)}")
    if summary.failed:
        ctx.exit(1)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, required=True)
@click.option("--tag", "tags", multiple=True, metavar="EXPR", help="Only notes matching this tag expression.")
@click.option("--site", metavar="SITE", help="Only notes of this site (as in the `site` property).")
@click.option("--since", metavar="DATE", help="Only notes created on or after DATE (2025-04-01).")
@click.option("--until", metavar="DATE", help="Only notes created on or before DATE.")
@click.option("--sort", type=click.Choice(["relevance", "created", "title"]), default="relevance", show_default=True,
              help="created: newest first.")
@click.option("--all-copies", is_flag=True, help="List every copy of a clip (by default: one note per source URL).")
@click.option("--pinyin", is_flag=True, help="The words are pinyin, in full (jiqixuexi) or initials (jqxx).")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True)
@click.pass_obj
def search(obj, words, tags, site, since, until, sort, all_copies, pinyin, limit, fmt):
    """Full-text search: finds every note holding the words, as grep does (Chinese, English, C++).

    Words are ANDed; "a phrase"; a OR b; -word excludes. Traditional and simplified Chinese match
    each other. Copies of one clip (same source URL) are one result, the others counted."""
    from vaulttool import output
    from vaulttool.usecases.search import body_reader
    from vaulttool.usecases.search import search as run
    from vaulttool.usecases.session import open_reader

    info: dict = {}
    with open_reader(obj.vault) as session:
        hits = run(session.store, " ".join(words), list(tags), limit=limit, read_body=body_reader(session), site=site,
                   since=since, until=until, sort=sort, all_copies=all_copies, pinyin=pinyin, info=info)
    for typed, found in info.get("pinyin", {}).items():
        click.echo(f"{typed}: {' '.join(found) if found else 'no word of the vault reads so'}", err=True)
    if fmt == "json":
        click.echo(output.json_doc(hits))
    elif fmt == "jsonl":
        if hits:
            click.echo(output.json_lines(hits))
    else:
        for hit in hits:
            more = f", +{hit['copies']} cop{'ies' if hit['copies'] != 1 else 'y'}" if hit["copies"] else ""
            click.echo(f"{hit['path']}  ({hit['score']:.2f}{more})\n  {hit['title']}\n  {hit['snippet']}\n")
        click.echo(f"{len(hits)} note{'s' if len(hits) != 1 else ''}", err=True)


@cli.command()
@click.argument("note")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def related(obj, note, limit, fmt):
    """The notes most like NOTE (shared tags and words, rare ones counting more)."""
    from vaulttool import output
    from vaulttool.usecases.reads import find_note
    from vaulttool.usecases.reads import related as run
    from vaulttool.usecases.session import open_reader

    with open_reader(obj.vault) as session:
        notes = run(session.store, find_note(session.store, session.vault.note_arg(note)), limit=limit)
    if fmt == "json":
        click.echo(output.json_doc(notes))
    elif notes:
        click.echo(output.table(["score", "title", "path"], [(n["score"], n["title"], n["path"]) for n in notes]))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@SUMMARY_FORMAT
@click.pass_context
def retag(ctx, paths, dry_run, fmt):
    """Derive the tags of normalised clips again (all of them, or those at PATHS).

    Tags you added stay; tags you removed are not added back."""
    from vaulttool.usecases.retag import retag as run

    with _open_writer(ctx.obj, "retag", dry_run=dry_run) as session:
        rels = [session.vault.rel(p) for p in paths] or None
        summary = run(session, _reporter(ctx.obj, per_file=True, fmt=fmt), rels, dry_run=dry_run)
    verb = "would retag" if dry_run else "retagged"
    _finish(summary, ctx, fmt, f"{verb} {summary.normalised} of {summary.scanned} clips, failed "
                               f"{len(summary.failed)}, {summary.seconds:.2f} s")


@cli.command()
@click.option("--polling", is_flag=True, help="Scan the vault every second instead of inotify "
              "(network shares, Docker volumes, WSL /mnt/c).")
@click.option("--settle", type=click.FloatRange(min=0.05), metavar="SECONDS",
              help="Seconds a changed file must be quiet before it is read (default: [watch] settle).")
@click.option("-v", "--verbose", count=True, help="Say more: runs and rescans (-vv: every file event).")
@click.option("-q", "--quiet", count=True, help="Only errors and warnings.")
@click.option("--log-format", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="jsonl: one JSON object a line (time, action, path, detail), for log collectors.")
@click.pass_context
def watch(ctx, polling, settle, verbose, quiet, log_format):
    """Catch up, then normalise, index and update pages as clips arrive (Ctrl-C to stop).

    One log line per action goes to stderr. Run it on one device only (see the README)."""
    from vaulttool.watch.watcher import run_watch

    verbosity = ctx.obj.verbosity + verbose - quiet
    ctx.exit(run_watch(ctx.obj.vault, polling=polling, settle=settle, verbosity=verbosity, log_format=log_format))


def main() -> None:
    cli(prog_name="vaulttool")


if __name__ == "__main__":
    main()
