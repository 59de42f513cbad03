"""Keeping the generated pages out of Obsidian's way: ``exclude-pages`` adds the pages folder to
Obsidian's Excluded files (Settings → Files and links → Excluded files; the ``userIgnoreFilters`` key
of ``.obsidian/app.json``), so that search, the quick switcher, the graph and "unlinked mentions" leave
the pages out (they can still be opened from a link).

Only that key is changed; every other setting is kept as it was read. When the file is not valid JSON
(or not an object, or the key holds something other than a list of strings) nothing is written and
the result says so, with the way to do it by hand. Obsidian reads the file when it opens the vault
and writes it when a setting changes: the change is best made while Obsidian is closed (or the vault
reloaded after it).
"""

from __future__ import annotations

from dataclasses import dataclass

from vaulttool.errors import NoteError
from vaulttool.vault.appjson import APP_JSON, read_app_json, write_app_json

__all__ = ["ExcludeResult", "exclude_pages", "IGNORE_KEY"]

IGNORE_KEY = "userIgnoreFilters"
_BY_HAND = "add it in Obsidian: Settings → Files and links → Excluded files"


@dataclass
class ExcludeResult:
    status: str  # "added", "already", "would add", "refused"
    message: str

    @property
    def ok(self) -> bool:
        return self.status != "refused"


def exclude_pages(vault, *, dry_run: bool = False) -> ExcludeResult:
    """Add ``<pages folder>/`` to Obsidian's excluded files in ``.obsidian/app.json``."""
    folder = vault.config.pages_folder
    entry = folder + "/"
    current = read_app_json(vault)
    if current.problem:
        return ExcludeResult("refused", f"{APP_JSON} {current.problem}: left as it is; {_BY_HAND} ({entry})")
    settings = dict(current.settings or {})
    filters = settings.get(IGNORE_KEY, [])
    if not isinstance(filters, list) or not all(isinstance(f, str) for f in filters):
        return ExcludeResult("refused", f"{APP_JSON}: {IGNORE_KEY} is not a list of strings: left as it is;"
                                        f" {_BY_HAND} ({entry})")
    if any(f.strip().strip("/") == folder for f in filters):
        return ExcludeResult("already", f"{entry} is already in Obsidian's excluded files ({APP_JSON})")
    if dry_run:
        return ExcludeResult("would add", f"would add {entry} to {IGNORE_KEY} in {APP_JSON}")
    settings[IGNORE_KEY] = [*filters, entry]
    try:
        write_app_json(vault, settings, current.expected)
    except NoteError as exc:
        return ExcludeResult("refused", f"{APP_JSON}: {exc.reason}; nothing written; {_BY_HAND} ({entry})")
    return ExcludeResult("added", f"added {entry} to Obsidian's excluded files ({APP_JSON}); if Obsidian has"
                                  " the vault open, reload it (or close it first) so that it does not write"
                                  " its older settings back")
