"""Obsidian's own settings file ``.obsidian/app.json``: read as JSON, and written back atomically
through the vault's writers (temp file, a last check that the file still holds what was read, atomic
replace), never when what is there cannot be read as a JSON object."""

from __future__ import annotations

import json

from vaulttool.errors import NoteError
from vaulttool.vault.files import Vault, digest

__all__ = ["APP_JSON", "AppJson", "read_app_json", "write_app_json"]

APP_JSON = ".obsidian/app.json"


class AppJson:
    """What ``app.json`` holds: ``settings`` (None when the file does not exist yet), the digest of its
    bytes (to write over only those), or ``problem`` when it cannot be used."""

    def __init__(self, settings: dict | None, expected: str | None, problem: str | None = None):
        self.settings = settings
        self.expected = expected
        self.problem = problem


def read_app_json(vault: Vault) -> AppJson:
    path = vault.abs(APP_JSON)
    if not path.parent.is_dir() or not path.exists():
        return AppJson(None, None)
    try:
        data, _ = vault.read(APP_JSON)
    except NoteError as exc:
        return AppJson(None, None, exc.reason)
    try:
        settings = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return AppJson(None, digest(data), f"is not valid JSON ({exc})")
    if not isinstance(settings, dict):
        return AppJson(None, digest(data), "is valid JSON but not an object of settings")
    return AppJson(settings, digest(data))


def write_app_json(vault: Vault, settings: dict, expected: str | None) -> None:
    """Write ``settings`` as Obsidian writes the file (two-space indents), over the bytes whose digest
    is ``expected`` (``None``: a new file, never over one that appeared meanwhile). Raises NoteError."""
    data = (json.dumps(settings, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if expected is None:
        vault.write_new(APP_JSON, data)
    else:
        vault.replace(APP_JSON, data, expected)
