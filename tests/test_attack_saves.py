"""A save of the user's is never lost, whatever its name: the race in which a second save lands while
vaulttool swaps the first one back, with names near the file system's limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vaulttool.config import Config
from vaulttool.errors import NoteError
from vaulttool.vault import files as vaultio
from vaulttool.vault.files import ChangedUnderUs, Vault, digest
from vaulttool.vault.keep import KEPT_MARK, fit_name


def _vault_with(tmp_path: Path, name: str, text: bytes):
    root = tmp_path / "vault"
    root.mkdir()
    (root / name).write_bytes(text)
    vault = Vault(root, Config())
    data, st = vault.read(name)
    return vault, root / name, digest(data), st


def _two_saves(monkeypatch, note: Path):
    """Each exchange is preceded by a real save of the note by an editor that renames (for real)."""
    real_exchange = vaultio.exchange
    calls = []

    def save_then_exchange(a, b):
        calls.append(1)
        side = note.with_name(".editor-save.tmp")
        side.write_bytes(f"# clip\n\nsave {len(calls)}\n".encode())
        os.rename(side, note)
        return real_exchange(a, b)

    monkeypatch.setattr(vaultio, "exchange", save_then_exchange)
    return calls


@pytest.mark.parametrize("name", [
    "微博" * 40 + ".md",  # 240 bytes: the name with the mark would be 272
    "a" * 251 + ".md",  # at the limit already
    "研究" * 20 + "x" * 100 + "é" * 10 + ".md",
])
def test_second_save_of_a_long_named_note_is_kept_under_a_name_that_fits(tmp_path, monkeypatch, name):
    vault, note, expected, st = _vault_with(tmp_path, name, b"# clip\n\nv1\n")
    calls = _two_saves(monkeypatch, note)
    tmp = vault.stage(name, b"normalised\n")
    with pytest.raises(ChangedUnderUs, match="second save"):
        vault.commit(name, tmp, expected, st)
    assert len(calls) == 2
    assert note.read_bytes() == b"# clip\n\nsave 1\n"
    others = [p for p in note.parent.iterdir() if p != note]
    assert len(others) == 1, others  # no temp file left, nothing else
    kept = others[0]
    assert kept.read_bytes() == b"# clip\n\nsave 2\n"
    assert KEPT_MARK in kept.name and kept.name.endswith(".md")
    assert len(os.fsencode(kept.name)) <= 255


def _chattr(flag: str, path: Path) -> bool:
    import subprocess

    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except OSError:
        return False


def test_a_save_is_never_unlinked_when_no_name_can_be_given_to_it(tmp_path, monkeypatch):
    """The folder is made immutable (for real, ``chattr +i``) between the two exchanges: the swap back
    and every rename fail. The save stays where it is, and the message says where."""
    vault, note, expected, st = _vault_with(tmp_path, "clip.md", b"# clip\n\nv1\n")
    real_exchange = vaultio.exchange
    calls = []

    def save_then_exchange(a, b):
        calls.append(1)
        side = note.with_name(".editor-save.tmp")
        side.write_bytes(f"# clip\n\nsave {len(calls)}\n".encode())
        os.rename(side, note)
        if len(calls) == 2 and not _chattr("+i", note.parent):
            pytest.skip("chattr +i is not available here")
        return real_exchange(a, b)

    monkeypatch.setattr(vaultio, "exchange", save_then_exchange)
    tmp = vault.stage("clip.md", b"normalised\n")
    try:
        with pytest.raises(NoteError) as info:
            vault.commit("clip.md", tmp, expected, st)
    finally:
        _chattr("-i", note.parent)
    assert len(calls) == 2
    assert str(tmp) in info.value.reason and "move it somewhere safe" in info.value.reason
    saves = sorted(p.read_bytes() for p in note.parent.iterdir())
    assert saves == [b"# clip\n\nsave 1\n", b"# clip\n\nsave 2\n"] or \
        saves == [b"# clip\n\nsave 2\n", b"normalised\n"]  # (the folder froze before the swap back)
    assert b"# clip\n\nsave 2\n" in saves


def test_fit_name_cuts_at_a_character_boundary():
    name = fit_name("中" * 100, " (tail).md")
    assert len(name.encode()) <= 255 and name.endswith(" (tail).md")
    assert name.encode().decode("utf-8") == name
    assert fit_name("short", ".md") == "short.md"
