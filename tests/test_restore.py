"""Originals are kept; ``restore`` puts them back byte for byte, also after a rename, and automatic runs
leave a restored clip alone."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vaulttool.cli import cli

CLIP = ("# #大模型降价#推理价格一年降了十倍\n\n**URL**: https://weibo.com/1/Xy\n\n## 原始摘要\n\n"
        '<a href="https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23大模型降价%23">'
        '<span class="surl-text">#大模型降价#</span></a>推理价格一年降了十倍。<br>详见报告。\n\n'
        "## AI 摘要\n\n推理价格快速下降。\n\n## 元数据\n\n- **来源**: ArXiv\n- **类型**: 论文\n"
        "- **保存时间**: 2025-04-01T01:31:59Z\n- **目录日期**: 2025-04-01\n")


def cli_run(root: Path, *args):
    return CliRunner().invoke(cli, ["--vault", str(root), *args], catch_exceptions=False)


def setup(vault: Path) -> tuple[Path, bytes]:
    (vault / ".vaulttool").mkdir()
    (vault / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    raw = vault / "#大模型降价#推理价格一年降了十倍.md"
    raw.write_text(CLIP, encoding="utf-8")
    assert cli_run(vault, "reindex").exit_code == 0
    assert not raw.exists()
    renamed = vault / "大模型降价 推理价格一年降了十倍.md"
    assert renamed.exists()
    return renamed, CLIP.encode()


def test_restore_after_rename_and_left_alone_afterwards(vault):
    renamed, original = setup(vault)
    result = cli_run(vault, "restore", str(renamed))
    assert result.exit_code == 0, result.output
    assert "restored 1 of 1" in result.output
    back = vault / "#大模型降价#推理价格一年降了十倍.md"
    assert back.read_bytes() == original and not renamed.exists()
    assert cli_run(vault, "reindex").exit_code == 0
    assert back.read_bytes() == original  # not normalised again by an automatic run
    # an explicit normalise does it again, on purpose
    assert cli_run(vault, "normalise", str(back)).exit_code == 0
    assert renamed.exists() and not back.exists()


def test_restore_refuses_a_note_edited_since(vault):
    renamed, original = setup(vault)
    renamed.write_text(renamed.read_text(encoding="utf-8") + "\n我自己加的一行。\n", encoding="utf-8")
    result = cli_run(vault, "restore", str(renamed))
    assert result.exit_code == 1
    assert "edited since vaulttool wrote it" in result.output
    assert "我自己加的一行" in renamed.read_text(encoding="utf-8")
    assert cli_run(vault, "restore", "--force", str(renamed)).exit_code == 0
    assert (vault / "#大模型降价#推理价格一年降了十倍.md").read_bytes() == original


def test_restore_of_a_note_never_rewritten(vault):
    (vault / "mine.md").write_text("# mine\n", encoding="utf-8")
    result = cli_run(vault, "restore", str(vault / "mine.md"))
    assert result.exit_code == 1 and "never rewrote it" in result.output


def test_records_cut_inside_a_utf8_character_by_a_kill_are_skipped(vault):
    """A kill while appending a record with a Chinese path can cut the last line inside a character:
    the next run still finishes the renames the journal holds, and restore still reads the manifest."""
    from vaulttool import config as configmod
    from vaulttool.vault.originals import Entry, Originals
    from vaulttool.vault.files import Vault, digest

    v = Vault(vault, configmod.load(vault))
    originals = Originals(v)
    data = "---\ntitle: 新的标题\n---\n正文\n".encode("utf-8")
    (vault / "旧名.md").write_bytes(data)
    done = Entry("旧名.md", "新的标题.md", digest(b"old"), digest(data), 1.0).to_json()
    cut = Entry("别的笔记.md", "另一个.md", "a" * 32, "b" * 32, 2.0).to_json().encode("utf-8")
    cut = cut[: cut.index("另".encode("utf-8")) + 1]  # ends inside a three-byte character
    for path in (originals.journal, originals.manifest):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(done.encode("utf-8") + b"\n" + cut)
    assert [e.new_path for e in originals.entries()] == ["新的标题.md"]
    assert originals.recover() == ["旧名.md -> 新的标题.md"]
    assert (vault / "新的标题.md").read_bytes() == data and not (vault / "旧名.md").exists()
    assert not originals.journal.exists()
