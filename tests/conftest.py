"""Shared fixtures: the real clip corpus (copied before anything writes to it) and small vaults."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("VAULTTOOL_CORPUS", ROOT.parent / "shared" / "corpus" / "ai-info-clips"))
EXAMPLE_VAULT = ROOT / "example-vault"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def corpus_files() -> list[Path]:
    """Every clip of the corpus, sorted (empty when the corpus is not beside the project)."""
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*.md"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The read-only corpus. Tests must not write to it: use ``corpus_copy``."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (set VAULTTOOL_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_copy_session(tmp_path_factory, corpus_dir) -> Path:
    """One copy of the corpus shared by the tests of a session that only read it."""
    dest = tmp_path_factory.mktemp("corpus") / "vault"
    shutil.copytree(corpus_dir, dest, ignore=shutil.ignore_patterns("LICENSE", "SOURCE.md"))
    return dest


@pytest.fixture
def corpus_copy(tmp_path, corpus_dir) -> Path:
    """A private, writable copy of the corpus."""
    dest = tmp_path / "vault"
    shutil.copytree(corpus_dir, dest, ignore=shutil.ignore_patterns("LICENSE", "SOURCE.md"))
    return dest


@pytest.fixture
def vault(tmp_path) -> Path:
    """An empty vault (a folder with ``.obsidian/``)."""
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    return root


# Property tests run the same examples on every `make test` (a suite that passes keeps passing);
# set HYPOTHESIS_PROFILE=explore to search new examples while developing.
from hypothesis import settings as _hsettings  # noqa: E402

_hsettings.register_profile("default", derandomize=True, deadline=None, print_blob=True)
_hsettings.register_profile("explore", derandomize=False, deadline=None, max_examples=1000)
_hsettings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
