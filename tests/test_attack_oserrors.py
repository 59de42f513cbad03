"""One error path for a write the system refuses: an immutable or append-only clip (``chattr +i``,
``+a``, for real), a read-only clip (mode 444), and a full disk (a small tmpfs, for real) are each
named in one clear line; the other clips are normalised, no temp file is left, nothing is deleted, the
index is committed, and the next run after the cause is gone finishes the work."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from vaulttool.cli import cli


def clip(n: int, pad: int = 0) -> str:
    return (f"# 第{n}条 推理价格一年降了十倍\n\n**URL**: https://weibo.com/1/X{n}\n\n## 原始摘要\n\n"
            f"推理价格一年降了十倍，第{n}条。{'长' * pad}\n\n## AI 摘要\n\n推理价格快速下降。\n\n## 元数据\n\n"
            "- **来源**: ArXiv\n- **类型**: 论文\n- **保存时间**: 2025-04-01T01:31:59Z\n- **目录日期**: 2025-04-01\n")


def run(root: Path, *args):
    r = CliRunner().invoke(cli, ["--vault", str(root), *args])
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def chattr(flag: str, path: Path) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except OSError:
        return False


def temps(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name.endswith((".vaulttool-tmp", ".tmp")))


def indexed(root: Path) -> dict[str, str]:
    conn = sqlite3.connect(root / ".vaulttool" / "index.db")
    try:
        return dict(conn.execute("SELECT path, error FROM notes"))
    finally:
        conn.close()


@pytest.fixture
def vault3(tmp_path):
    root = tmp_path / "vault"
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    for n in (1, 2, 3):
        (root / f"c{n}.md").write_text(clip(n), encoding="utf-8")
    return root


@pytest.mark.parametrize("flag", ["+i", "+a"], ids=["immutable", "append-only"])
def test_an_immutable_clip_is_named_and_the_run_goes_on(vault3, flag):
    root = vault3
    frozen = root / "c2.md"
    before = frozen.read_bytes()
    if not chattr(flag, frozen):
        pytest.skip("chattr is not available here (needs root and a file system with attributes)")
    try:
        r = run(root, "reindex")
        assert r.exit_code == 1, r.output
        lines = [line for line in r.output.splitlines() if "c2.md" in line]
        assert len(lines) == 1 and "immutable or append-only" in lines[0], r.output
        assert frozen.read_bytes() == before
        assert not (root / "c1.md").exists() and not (root / "c3.md").exists()  # normalised and renamed
        assert temps(root) == []
        index = indexed(root)
        assert "immutable or append-only" in index["c2.md"]  # the index was committed, with the reason
        assert len(index) == 3
        again = run(root, "reindex")  # the next run names it again, and changes nothing else
        assert again.exit_code == 1 and "c2.md" in again.output and "immutable" in again.output
        assert temps(root) == []
    finally:
        chattr(flag.replace("+", "-"), frozen)
    assert run(root, "reindex").exit_code == 0
    assert not frozen.exists()


def test_a_read_only_clip_is_not_rewritten_without_a_word(vault3):
    """A clip of mode 444 (a copy of a read-only folder, as ``cp -R`` makes it, or the user's wish):
    its line and one warning of the run say so, its original is kept (restore puts it back) and it
    stays read-only."""
    root = vault3
    ro = root / "c2.md"
    ro.chmod(0o444)
    r = run(root, "-v", "reindex")
    assert r.exit_code == 0, r.output
    [line] = [line for line in r.output.splitlines() if line.startswith("normalised") and "c2.md" in line]
    assert "was read-only (mode 444): left read-only" in line
    assert r.output.count("read-only (e.g. c2.md)") == 1 and "ignore" in r.output
    [new] = [p for p in root.glob("*.md") if p.name not in ("c1.md", "c3.md") and "第2条" in p.name]
    assert new.stat().st_mode & 0o777 == 0o444 and temps(root) == []
    assert run(root, "restore", str(new)).exit_code == 0
    assert ro.read_text(encoding="utf-8") == clip(2)


def test_a_clip_in_an_immutable_folder_is_named_and_the_others_normalised(vault3):
    root = vault3
    sub = root / "frozen"
    sub.mkdir()
    (sub / "c4.md").write_text(clip(4), encoding="utf-8")
    if not chattr("+i", sub):
        pytest.skip("chattr is not available here")
    try:
        r = run(root, "reindex")
    finally:
        chattr("-i", sub)
    assert r.exit_code == 1
    [line] = [line for line in r.output.splitlines() if "c4.md" in line]
    assert "immutable or append-only" in line
    assert (sub / "c4.md").read_text(encoding="utf-8") == clip(4)
    assert not (root / "c1.md").exists() and temps(root) == []


# -- a full disk, for real: a small tmpfs --------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(mnt: Path, leave: int) -> Path:
    """Fill the disk to ``leave`` bytes free (blocks of 4 KiB)."""
    filler = mnt / "filler.bin"
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


def cli_child(root: Path, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), *args], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.parametrize("leave", [120, 16], ids=["full while normalising", "full at the index's open"])
def test_a_full_disk_is_reported_once_nothing_is_deleted_and_the_next_run_finishes(small_disk, leave):
    root = small_disk / "vault"
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    (root / "own.md").write_text("# My own note\n\nabout pricing\n", encoding="utf-8")
    first = cli_child(root, "reindex")
    assert first.returncode == 0, first.stderr
    texts = {f"c{n}.md": clip(n, pad=3000) for n in range(1, 41)}  # about 9 KB each
    for name, text in texts.items():
        (root / name).write_text(text, encoding="utf-8")
    filler = fill(small_disk, leave * 1024)
    r = cli_child(root, "reindex")
    out = r.stdout + r.stderr
    assert "Traceback" not in out
    assert r.returncode == 1, out
    assert out.count("no space left on") == 1, out
    assert f"no space left on {small_disk}" in out or f"no space left on the disk holding {root}" in out, out
    assert "nothing was deleted" in out
    assert "reindex --full" not in out and "internal error" not in out and "corrupt" not in out, out
    assert temps(root) == [], temps(root)
    assert (root / ".vaulttool" / "index.db").stat().st_size > 0  # not taken for corruption and deleted
    # every clip is either as it was or normalised (its original kept): not a byte lost
    from vaulttool.config import Config
    from vaulttool.vault.files import Vault
    from vaulttool.vault.originals import Originals

    originals = Originals(Vault(root, Config()))
    kept = {e.path for e in originals.entries()}
    for name, text in texts.items():
        if (root / name).exists():
            assert (root / name).read_text(encoding="utf-8") == text
        else:
            assert name in kept
    filler.unlink()
    assert "own.md" in indexed(root)
    again = cli_child(root, "reindex")
    assert again.returncode == 0, again.stdout + again.stderr
    assert not any((root / name).exists() for name in texts)
    assert len(indexed(root)) == 41
