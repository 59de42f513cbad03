"""Hostile and broken input: every file a clipper, a sync tool or an accident can put in a vault.

A broken file is left untouched (bytes and mtime), a message names it, the run goes on (the good clips
beside it are normalised) and the run exits with 1. A file that is unusual but valid (a BOM, CRLF,
GBK, UTF-16, an empty note, odd names) is handled: normalised correctly, or indexed as it is.

One vault holds most cases and one real ``python -m vaulttool reindex`` runs over it (the module
fixture); each case is its own test of that run. When the tests run as root, that run is started
without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so a note with mode 000 really cannot be read (root
reads anything otherwise); where that cannot be arranged the permission case is skipped, and a FIFO
and a folder named ``x.md`` (faults root cannot read past either) are tested regardless. A 50 MB file,
and files deleted or replaced between the scan and the read, get runs of their own.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

# -- building blocks ------------------------------------------------------------------------------------

AI_CLIP = ("# {title}\n\n**URL**: https://weibo.com/6105753431/{slug}\n\n## 原始摘要\n\n"
           "推理成本一年下降了十倍。<br>开源模型功不可没，{slug}。\n\n## AI 摘要\n\n推理成本快速下降。\n\n"
           "## 元数据\n\n- **来源**: 微博\n- **类型**: 微博\n- **保存时间**: 2025-04-01T01:31:59Z\n"
           "- **目录日期**: 2025-04-01\n")


def ai_clip(slug: str, title: str | None = None) -> str:
    return AI_CLIP.format(slug=slug, title=title or f"大模型推理成本下降{slug}")


def web_clip(title: str, slug: str, body: str = "Body with <b>bold</b> HTML.\n", extra: str = "") -> str:
    marker = "" if "tags:" in extra else 'tags:\n  - "clippings"\n'  # Web Clipper's own mark of a clip
    return (f'---\ntitle: "{title}"\nsource: "https://example.com/{slug}"\ncreated: 2025-04-01\n{marker}{extra}---\n'
            + body)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def configure(root: Path, extra: str = "") -> None:
    (root / ".obsidian").mkdir(parents=True, exist_ok=True)
    (root / ".vaulttool").mkdir(exist_ok=True)
    (root / ".vaulttool" / "config.toml").write_text(f"{extra}[watch]\nquiet = 0\n", encoding="utf-8")


def put(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def manifest(root: Path) -> list[dict]:
    m = root / ".vaulttool" / "originals" / "manifest.jsonl"
    if not m.exists():
        return []
    return [json.loads(line) for line in m.read_text(encoding="utf-8").splitlines() if line.strip()]


def index_rows(root: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(f"file:{root / '.vaulttool' / 'index.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return {r["path"]: r for r in conn.execute("SELECT * FROM notes")}
    finally:
        conn.close()


_libc = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def _drop_dac() -> None:
    """In the child before exec: drop the two capabilities that let root read any file."""
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def permissions_enforced() -> tuple[bool, object]:
    """(whether mode 000 stops the vaulttool child from reading, the preexec_fn that arranges it)."""
    if os.geteuid() != 0:
        return True, None
    try:
        probe = subprocess.run([sys.executable, "-c", "import os; open('/proc/self/status').read()"],
                               preexec_fn=_drop_dac, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False, None
    return probe.returncode == 0, _drop_dac


@dataclass
class Run:
    root: Path
    rc: int
    out: str
    err: str
    before: dict[str, tuple[bytes, int]]
    outside: Path | None = None
    outside_before: dict | None = None
    permissions_enforced: bool = False

    def failed_line(self, rel: str) -> str | None:
        for line in self.err.splitlines():
            if line.startswith(f"failed: {rel}: "):
                return line
        return None

    def warning_line(self, rel: str) -> str | None:
        for line in self.err.splitlines():
            if line.startswith(f"warning: {rel}: "):
                return line
        return None

    def untouched(self, rel: str) -> bool:
        data, mtime = self.before[rel]
        path = self.root / rel
        return path.read_bytes() == data and path.stat().st_mtime_ns == mtime

    def entry_for(self, rel: str) -> dict | None:
        h = digest(self.before[rel][0])
        found = [e for e in manifest(self.root) if e["path"] == rel and e["hash"] == h]
        return found[-1] if found else None

    def normalised(self, rel: str) -> tuple[str, bytes]:
        """(new path, new bytes) of a clip this run rewrote; the original is kept byte for byte."""
        e = self.entry_for(rel)
        assert e is not None, f"{rel} was not normalised:\n{self.err}"
        blob = self.root / ".vaulttool" / "originals" / e["hash"][:2] / e["hash"]
        assert blob.read_bytes() == self.before[rel][0], f"{rel}: original not kept byte for byte"
        for where in (e["new_path"], rel):  # renamed, or left in place when the rename could not be done
            path = self.root / where
            if path.is_file() and digest(new := path.read_bytes()) == e["new_hash"]:
                return where, new
        raise AssertionError(f"{rel}: the normalised note is neither at {e['new_path']} nor in place")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if ".vaulttool" in dirpath.split(os.sep):
            continue
        for name in filenames:
            p = Path(dirpath) / name
            try:
                st = p.lstat()
                if stat.S_ISREG(st.st_mode):
                    out[p.relative_to(root).as_posix()] = (p.read_bytes(), st.st_mtime_ns)
            except OSError:
                continue
    return out


def reindex(root: Path, *args: str, preexec=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), "-v", "reindex", *args],
                          cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec)


# -- the vault of hostile files -------------------------------------------------------------------------

BILLION_LAUGHS = "".join(
    ['l0: &l0 "lol"\n'] + [f"l{i}: &l{i} [{', '.join(['*l' + str(i - 1)] * 9)}]\n" for i in range(1, 10)])

BROKEN = {
    # name: (bytes, what the message says)
    "broken-yaml.md": (web_clip("x", "b1", extra='description: "never closed\ntags: [a]\n'), r"broken YAML"),
    "alias-bomb.md": ("---\nsource: https://example.com/bomb\ncreated: 2025-04-01\n" + BILLION_LAUGHS + "---\nbody\n",
                      r"aliases"),
    "nested-1000-flow.md": ("---\nsource: https://example.com/n1\nx: " + "[" * 1000 + "]" * 1000 + "\n---\nbody\n",
                            r"nest"),
    "nested-1000-block.md": ("---\nsource: https://example.com/n2\nx:\n  " + "- " * 1000 + "deep\n---\nbody\n",
                             r"nest"),
    "nested-1000-mapping.md": ("---\nsource: https://example.com/n3\nx: " + "{a: " * 1000 + "1" + "}" * 1000
                               + "\n---\nbody\n", r"nest"),
    "duplicate-keys.md": (web_clip("dup", "d1", extra='title: "again"\n'), r"duplicate key 'title'"),
    "tabs.md": (web_clip("tabs", "t1", extra="tags:\n\t- a\n"), r"tabs"),
    "list-front-matter.md": ("---\n- source\n- https://example.com/l1\n---\nbody\n", r"YAML list, not a mapping"),
    "scalar-front-matter.md": ("---\nhttps://example.com/s1\n---\nbody\n", r"not a mapping"),
    "horizontal-rule.md": ("---\nA paragraph that opens with a rule, <b>html</b>.\n\n---\nMore text.\n",
                           r"not a mapping"),
    "unclosed.md": ('---\ntitle: "u"\nsource: "https://example.com/u1"\ncreated: 2025-04-01\nNo closing fence.\n',
                    r"never closed"),
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, r"binary"),
    "binary-no-nul.md": (bytes(range(0x80, 0x100)) * 16, r"not UTF-8"),
    "merge-conflict.md": (web_clip("c", "c1", body="<<<<<<< HEAD\nmine <b>x</b>\n=======\ntheirs\n>>>>>>> other\n"),
                          r"merge-conflict"),
    "Clips/merge-conflict-ai.md": (ai_clip("CONF").replace("## AI 摘要", "<<<<<<< HEAD\n## AI 摘要", 1)
                                   .replace("## 元数据", ">>>>>>> theirs\n## 元数据", 1), r"merge-conflict"),
}

BROKEN_TAGS = web_clip("x", "b2", extra="tags: [unclosed\n")  # a hand edit that broke the tags line

GOOD = {  # clips that must be normalised whatever else is in the vault
    "good-1.md": ai_clip("GOOD1"),
    "good-2.md": web_clip("good-2", "good2"),
    "Clips/good-3.md": ai_clip("GOOD3"),
}

NFC_CAFE = unicodedata.normalize("NFC", "café")
NFD_CAFE = unicodedata.normalize("NFD", "café")
LONG_STEM = "长" * 82 + "x"  # 247 bytes: with ".md", a 250-byte name
assert len((LONG_STEM + ".md").encode("utf-8")) == 250

OWN = {  # the user's own notes with names that are awkward or invalid for Obsidian links: indexed, never written
    "Notes/has # hash ^ caret [brackets] | pipe.md": "# Odd name\n\nMy note, [[good-2]].\n",
    "Notes/ leading space.md": "Leading space in the name.\n",
    f"Notes/{LONG_STEM}.md": "A 250-byte name.\n",
    "Notes/Case.md": "Upper-case C.\n",
    "Notes/case.md": "Lower-case c.\n",
    f"Notes/{NFC_CAFE}.md": "Composed é.\n",
    f"Notes/{NFD_CAFE}.md": "Decomposed é.\n",
    "Notes/Report.md": "# Report\n\nMine.\n",
    unicodedata.normalize("NFD", "Forms/Résumé.md"): "My résumé, saved by a Mac (NFD name).\n",
    "empty.md": "",
}

IGNORED = {".hidden.md": web_clip("hidden", "h1"), ".hidden folder/clip.md": web_clip("hidden2", "h2")}

GBK_TEXT = ai_clip("GBK", title="国产大模型推理成本下降")
GB18030_TEXT = ai_clip("G18", title="生僻字𠀀与欧元€")
ENCODED = {
    "enc/gbk-clip.md": GBK_TEXT.encode("gbk"),
    "enc/gb18030-clip.md": GB18030_TEXT.encode("gb18030"),
    "enc/utf16-clip.md": codecs.BOM_UTF16_LE + ai_clip("U16").encode("utf-16-le"),
    "enc/utf8-bom-clip.md": codecs.BOM_UTF8 + ai_clip("BOM").encode("utf-8"),
    "enc/crlf-webclip.md": codecs.BOM_UTF8 + web_clip("crlf-webclip", "crlf1", extra="author: \"某人\"\n",
                                                      body="Line one <b>bold</b>.\nLine two.\n")
    .replace("\n", "\r\n").encode("utf-8"),
    "enc/crlf-ai-clip.md": ai_clip("CRLF").replace("\n", "\r\n").encode("utf-8"),
    "enc/mixed-endings-clip.md": ai_clip("MIX").replace("\n", "\r\n", 6).encode("utf-8"),
    "enc/gbk-own-note.md": "# 我自己的笔记\n\n用 GBK 保存的中文笔记。\n".encode("gbk"),
    "enc/utf16-own-note.md": codecs.BOM_UTF16_BE + "# My UTF-16 note\n\nText.\n".encode("utf-16-be"),
}

ODD_CLIPS = {  # clips whose own names are awkward: normalised and given safe names, nothing clobbered
    "Clips/#tag ^x [y] |z.md": web_clip("Weird name clip", "w1"),
    f"Clips/{LONG_STEM}.md": ai_clip("LONG"),
    "Clips/ leading.md": web_clip("Leading space clip", "w2"),
    "Notes/raw-report.md": web_clip("report", "rep1"),  # wants Notes/report.md: Notes/Report.md exists
    "Forms/raw-resume.md": web_clip(unicodedata.normalize("NFC", "Résumé"), "cafe1"),  # wants the NFC twin of:
    "Clips/taken-src.md": web_clip("Taken Title", "taken1"),  # wants a name a folder has
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "vault"
    outside = base / "outside"
    configure(root)
    for rel, (data, _) in BROKEN.items():
        put(root, rel, data)
    put(root, "broken-tags-webclip.md", BROKEN_TAGS)
    for table in (GOOD, OWN, IGNORED, ENCODED, ODD_CLIPS):
        for rel, data in table.items():
            put(root, rel, data)
    # special files and folders where files are expected
    os.mkfifo(root / "fifo.md")
    put(root, "folder.md/inside.md", "# Inside a folder named like a note\n")
    put(root, "Clips/Taken Title.md/kept.txt", "a folder with a note's name")
    # symlinks out of the vault and a loop
    put(outside, "secret.md", web_clip("outside", "out1"))
    put(outside, "dir/clip.md", ai_clip("OUT2"))
    (root / "Linked").mkdir()
    os.symlink(outside / "secret.md", root / "Linked" / "outside-file.md")
    os.symlink(outside / "dir", root / "Linked" / "outside-dir")
    os.symlink("..", root / "Linked" / "loop")
    enforced, preexec = permissions_enforced()
    put(root, "no-permission.md", web_clip("no permission", "np1"))
    put(root, "locked/inner.md", web_clip("locked", "lk1"))
    os.chmod(root / "no-permission.md", 0)
    os.chmod(root / "locked", 0)
    before = snapshot(root)
    outside_before = snapshot(outside)
    try:
        p = reindex(root, preexec=preexec)
    finally:
        os.chmod(root / "locked", 0o755)
        os.chmod(root / "no-permission.md", 0o644)
    return Run(root, p.returncode, p.stdout, p.stderr, before, outside, outside_before, enforced)


# -- broken files: untouched, named, the run goes on, exit 1 ---------------------------------------------


@pytest.mark.parametrize("rel", sorted(BROKEN))
def test_broken_file_left_untouched_named_and_run_goes_on(hostile, rel):
    line = hostile.failed_line(rel)
    assert line is not None, f"{rel} not named:\n{hostile.err}"
    assert re.search(BROKEN[rel][1], line), line
    assert hostile.untouched(rel)
    assert hostile.rc == 1
    for good in GOOD:  # the run went on
        hostile.normalised(good)


def test_alias_bomb_and_deep_nesting_are_refused_fast():
    from vaulttool.core.frontmatter import split

    for rel in ("alias-bomb.md", "nested-1000-flow.md", "nested-1000-block.md"):
        t0 = time.perf_counter()
        sp = split(BROKEN[rel][0])
        assert sp.status == "error", rel
        assert time.perf_counter() - t0 < 0.5, f"{rel} took {time.perf_counter() - t0:.2f} s"


def test_broken_notes_are_named_again_by_the_next_run_until_fixed(hostile, tmp_path):
    """A problem persists, and so does exit code 1, on a warm run that reads nothing new."""
    root = tmp_path / "v"
    configure(root)
    put(root, "dup.md", BROKEN["duplicate-keys.md"][0])
    put(root, "ok.md", "# Fine\n")
    first = reindex(root)
    second = reindex(root)
    assert first.returncode == second.returncode == 1
    assert "failed: dup.md: " in second.stderr and "duplicate key" in second.stderr
    put(root, "dup.md", "# Fixed\n")
    assert reindex(root).returncode == 0


# -- valid but unusual: handled ------------------------------------------------------------------------


def test_empty_note_is_indexed_untouched_and_not_an_error(hostile):
    assert hostile.untouched("empty.md")
    assert hostile.failed_line("empty.md") is None
    assert "empty.md" in index_rows(hostile.root)


def test_gbk_clip_is_normalised_into_utf8_with_the_original_kept(hostile):
    new_path, new = hostile.normalised("enc/gbk-clip.md")
    text = new.decode("utf-8")  # strict: UTF-8 now
    assert 'title: "国产大模型推理成本下降"' in text
    assert "推理成本一年下降了十倍。" in text and "开源模型功不可没，GBK。" in text
    assert 'description: "推理成本快速下降。"' in text
    assert "converted from gb18030 to UTF-8" in hostile.out
    assert new_path == "enc/国产大模型推理成本下降.md"


def test_gb18030_four_byte_characters_survive(hostile):
    _, new = hostile.normalised("enc/gb18030-clip.md")
    text = new.decode("utf-8")
    assert "生僻字𠀀与欧元€" in text


def test_utf16_clip_is_normalised_into_utf8(hostile):
    _, new = hostile.normalised("enc/utf16-clip.md")
    assert new.startswith(b"---\n")
    assert "开源模型功不可没，U16。" in new.decode("utf-8")


def test_own_notes_in_gbk_and_utf16_are_indexed_as_text_and_never_written(hostile):
    rows = index_rows(hostile.root)
    assert rows["enc/gbk-own-note.md"]["title"] == "我自己的笔记"
    assert rows["enc/utf16-own-note.md"]["title"] == "My UTF-16 note"
    assert rows["enc/gbk-own-note.md"]["error"] == "" and rows["enc/utf16-own-note.md"]["error"] == ""
    assert hostile.untouched("enc/gbk-own-note.md") and hostile.untouched("enc/utf16-own-note.md")


def test_utf8_bom_clip_keeps_its_bom(hostile):
    _, new = hostile.normalised("enc/utf8-bom-clip.md")
    assert new.startswith(codecs.BOM_UTF8 + b"---\n")
    assert new.count(codecs.BOM_UTF8) == 1
    assert 'description: "推理成本快速下降。"' in new.decode("utf-8-sig")


def test_crlf_web_clip_keeps_bom_crlf_and_untouched_lines(hostile):
    rel = "enc/crlf-webclip.md"
    _, new = hostile.normalised(rel)
    assert new.startswith(codecs.BOM_UTF8)
    assert new.count(b"\n") == new.count(b"\r\n"), "a bare LF in a CRLF note"
    for line in (b'title: "crlf-webclip"\r\n', b'source: "https://example.com/crlf1"\r\n',
                 b"created: 2025-04-01\r\n", 'author: "某人"\r\n'.encode()):
        assert line in new, line
    assert b"**bold**" in new


def test_crlf_summary_clip_is_read_like_its_lf_twin(hostile):
    _, lf = hostile.normalised("good-1.md")
    _, crlf = hostile.normalised("enc/crlf-ai-clip.md")
    assert crlf.count(b"\n") == crlf.count(b"\r\n")
    text = crlf.decode("utf-8").replace("\r\n", "\n")
    assert 'description: "推理成本快速下降。"' in lf.decode("utf-8")  # what the LF twin gets
    assert 'description: "推理成本快速下降。"' in text
    assert "created: 2025-04-01T01:31:59Z" in text
    assert "59Z" not in text.split("\nauto_tags:")[1]


def test_mixed_line_endings_clip_is_normalised_with_one_line_ending(hostile):
    _, new = hostile.normalised("enc/mixed-endings-clip.md")
    text = new.decode("utf-8")
    assert "\r" not in text.replace("\r\n", "") and (text.count("\r\n") in (0, text.count("\n")))
    assert "开源模型功不可没，MIX。" in text and "推理成本快速下降。" in text


# -- names ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", sorted(OWN))
def test_own_notes_with_awkward_names_are_indexed_under_their_names_untouched(hostile, rel):
    assert hostile.untouched(rel)
    assert rel in index_rows(hostile.root)


def test_names_differing_by_case_or_normalisation_are_distinct_notes(hostile):
    rows = index_rows(hostile.root)
    for rel in ("Notes/Case.md", "Notes/case.md", f"Notes/{NFC_CAFE}.md", f"Notes/{NFD_CAFE}.md"):
        assert rel in rows
        assert hostile.untouched(rel)


def test_dot_names_are_ignored_by_design(hostile):
    rows = index_rows(hostile.root)
    for rel in IGNORED:
        assert hostile.untouched(rel)
        assert rel not in rows
        assert rel not in hostile.err and rel not in hostile.out


@pytest.mark.parametrize("rel", sorted(set(ODD_CLIPS) - {"Forms/raw-resume.md", "Clips/taken-src.md"}))
def test_clips_with_awkward_names_get_safe_names_and_clobber_nothing(hostile, rel):
    from vaulttool.core.filenames import is_safe_name

    new_path, new = hostile.normalised(rel)
    assert new.startswith(b"---\n")
    name = new_path.rsplit("/", 1)[-1]
    if new_path != rel:
        assert is_safe_name(name), new_path
        assert not (hostile.root / rel).exists()
    # nothing that was there before was overwritten
    for other, (data, _) in hostile.before.items():
        if other != rel and other not in GOOD and other not in ENCODED and other not in ODD_CLIPS:
            if (hostile.root / other).exists():
                assert (hostile.root / other).read_bytes() == data, other


def test_clip_wanting_a_name_taken_by_another_case_is_numbered(hostile):
    new_path, _ = hostile.normalised("Notes/raw-report.md")
    assert new_path.lower() != "notes/report.md"
    assert hostile.untouched("Notes/Report.md")


def test_clip_wanting_a_name_taken_in_another_unicode_form_is_numbered(hostile):
    new_path, _ = hostile.normalised("Forms/raw-resume.md")
    mac_name = unicodedata.normalize("NFD", "Forms/Résumé.md")
    assert hostile.untouched(mac_name)
    assert unicodedata.normalize("NFC", new_path).casefold() != unicodedata.normalize("NFC", mac_name).casefold()


def test_folder_with_a_notes_name_is_walked_not_read(hostile):
    rows = index_rows(hostile.root)
    assert "folder.md/inside.md" in rows
    assert "folder.md" not in rows
    assert hostile.failed_line("folder.md") is None


def test_folder_where_a_rename_target_is_expected_is_left_alone(hostile):
    new_path, new = hostile.normalised("Clips/taken-src.md")
    assert (hostile.root / "Clips/Taken Title.md").is_dir()
    assert (hostile.root / "Clips/Taken Title.md/kept.txt").read_text() == "a folder with a note's name"
    assert new_path == "Clips/taken-src.md" and new.startswith(b"---\n")  # normalised in place


def test_restore_can_find_a_clip_whose_rename_failed(hostile):
    entries = [e for e in manifest(hostile.root) if e["new_path"] == "Clips/taken-src.md"]
    assert entries, "restore looks up manifest entries by the note's path"


def test_web_clip_with_a_broken_tags_line_is_left_untouched(hostile):
    rel = "broken-tags-webclip.md"
    assert hostile.failed_line(rel) is not None, hostile.err
    assert hostile.untouched(rel)


# -- special files, permissions, symlinks -------------------------------------------------------------------


def test_fifo_named_like_a_note_does_not_block_the_run(hostile):
    assert stat.S_ISFIFO((hostile.root / "fifo.md").lstat().st_mode)
    assert "fifo.md" not in index_rows(hostile.root)
    assert hostile.rc == 1 and "scanned " in hostile.out  # the run finished


def test_fifo_named_like_a_note_is_named(hostile):
    assert hostile.warning_line("fifo.md") or hostile.failed_line("fifo.md")


def test_unreadable_note_and_folder_are_named_and_untouched(hostile):
    if not hostile.permissions_enforced:
        pytest.skip("running as root and root's capabilities cannot be dropped here: mode 000 is no fault")
    line = hostile.failed_line("no-permission.md")
    assert line is not None and "permission" in line, hostile.err
    assert hostile.untouched("no-permission.md")
    assert (hostile.root / "no-permission.md").stat().st_mode & 0o777 == 0o644  # the fixture restored it
    warn = hostile.warning_line("locked")
    assert warn is not None and "cannot read folder" in warn, hostile.err
    assert hostile.untouched("locked/inner.md")


def test_symlinks_out_of_the_vault_and_loops_are_never_followed(hostile):
    for rel in ("Linked/outside-file.md", "Linked/outside-dir"):
        line = hostile.warning_line(rel)
        assert line is not None and "outside the vault" in line, hostile.err
    assert hostile.warning_line("Linked/loop") is not None
    assert snapshot(hostile.outside) == hostile.outside_before  # not read into the vault, not written
    rows = index_rows(hostile.root)
    assert not any(p.startswith("Linked/") for p in rows)
    assert (hostile.root / "Linked/outside-file.md").is_symlink()


def test_run_exit_code_and_summary(hostile):
    assert hostile.rc == 1
    summary = hostile.out.strip().splitlines()[-1]
    assert summary.startswith("scanned ") and " failed " in summary
    failed = int(re.search(r"failed (\d+)", summary).group(1))
    named = [line for line in hostile.err.splitlines() if line.startswith("failed: ")]
    assert failed == len(named)
    assert "Traceback" not in hostile.err


# -- files too large --------------------------------------------------------------------------------------


# The peak is read from /proc/self/status (VmHWM) inside the child, at exit: ru_maxrss from wait4 would
# also count the memory of this test process, which the child held between fork and exec.
MEASURED = r"""
import runpy, sys
report = sys.argv.pop(1)
try:
    runpy.run_module("vaulttool", run_name="__main__", alter_sys=True)
finally:
    with open("/proc/self/status") as fh:
        hwm = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    with open(report, "w") as fh:
        fh.write(hwm)
"""


def _run_measured(root: Path) -> tuple[int, str, str, int]:
    """Run reindex and return (exit code, stdout, stderr, peak RSS of that process in KiB)."""
    report = root.parent / "hwm.txt"
    report.unlink(missing_ok=True)
    p = subprocess.run([sys.executable, "-c", MEASURED, str(report), "--vault", str(root), "reindex"], cwd=ROOT,
                       env=child_env(), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr, int(report.read_text())


def test_50mb_file_is_skipped_with_bounded_memory(tmp_path):
    root = tmp_path / "vault"
    configure(root)
    put(root, "attachment.png", b"\x89PNG\r\n\x1a\n")
    rc0, _, err0, rss0 = _run_measured(root)  # the same vault without the big note
    assert rc0 == 0, err0
    big = root / "big.md"
    with open(big, "wb") as fh:
        fh.write(web_clip("big", "big1", body="").encode())
        chunk = ("大模型推理成本下降。" * 100 + "\n").encode() * 64
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    st = big.stat()
    rc, out, err, rss = _run_measured(root)
    assert rc == 1
    assert re.search(r"^failed: big\.md: too large \(5\d\.\d MB > max_file_mb 8\): skipped$", err, re.M), err
    assert big.stat().st_mtime_ns == st.st_mtime_ns and big.stat().st_size == st.st_size
    grew_mb = (rss - rss0) / 1024
    assert grew_mb < 16, f"peak RSS grew by {grew_mb:.0f} MB for a 50 MB file that is never read"
    assert rss / 1024 < 150, f"peak RSS {rss / 1024:.0f} MB"


def test_size_limit_is_configurable(tmp_path):
    root = tmp_path / "vault"
    configure(root, extra="max_file_mb = 0.05\n")
    put(root, "small.md", web_clip("small", "s1"))
    put(root, "large.md", web_clip("large", "l1", body="<p>" + "字" * 30_000 + "</p>\n"))
    before = (root / "large.md").read_bytes()
    p = reindex(root)
    assert p.returncode == 1
    assert re.search(r"^failed: large\.md: too large \(0\.1 MB > max_file_mb 0\.05\): skipped$", p.stderr, re.M), p.stderr
    assert (root / "large.md").read_bytes() == before
    assert manifest(root) and manifest(root)[0]["path"] == "small.md"


# -- files that change between the scan and the read ---------------------------------------------------------

# Runs the real CLI in a child whose vault walk is followed, for real, by the file system changes the test
# asks for (the moment a sync tool or the user would have to hit by chance). A helper thread notices when the
# run is stuck opening a FIFO (a reader blocked in open() is what lets a non-blocking writer open succeed),
# records it and lets the run go on.
SWAP_DRIVER = r"""
import json, os, sys, threading, time
vault, actions, flag = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
from vaulttool.vault import files as vaultio
real_walk = vaultio.Vault.walk
fifos = []

def watch_fifos():
    while True:
        for f in fifos:
            try:
                fd = os.open(f, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            open(flag, "a").write(f + "\n")
            os.close(fd)
        time.sleep(0.05)

def walk(self):
    found = real_walk(self)
    for rel, what, arg in actions:
        p = os.path.join(vault, rel)
        if what == "delete":
            os.unlink(p)
        elif what == "replace":
            tmp = p + ".swap"
            open(tmp, "wb").write(arg.encode("utf-8"))
            os.replace(tmp, p)
        elif what == "folder":
            os.unlink(p); os.mkdir(p)
        elif what == "fifo":
            os.unlink(p); os.mkfifo(p); fifos.append(p)
        elif what == "symlink":
            os.unlink(p); os.symlink(arg, p)
    threading.Thread(target=watch_fifos, daemon=True).start()
    return found

vaultio.Vault.walk = walk
sys.argv = ["vaulttool", "--vault", vault, "-v", "reindex"]
from vaulttool.cli import main
main()
"""


@pytest.fixture(scope="module")
def swapped(tmp_path_factory):
    base = tmp_path_factory.mktemp("swap")
    root = base / "vault"
    configure(root)
    outside = put(base, "outside/secret.md", web_clip("secret outside", "sec1"))
    names = ["deleted", "replaced", "now-fifo", "now-symlink-out", "steady"]
    for n in names:
        put(root, f"{n}.md", web_clip(n, n))
    replacement = web_clip("replaced", "replaced", body="The user's newer version <i>saved</i> after the scan.\n")
    actions = [("deleted.md", "delete", ""), ("replaced.md", "replace", replacement), ("now-fifo.md", "fifo", ""),
               ("now-symlink-out.md", "symlink", str(outside))]
    flag = base / "blocked.txt"
    outside_before = outside.read_bytes(), outside.stat().st_mtime_ns
    p = subprocess.run([sys.executable, "-c", SWAP_DRIVER, str(root), json.dumps(actions), str(flag)], cwd=ROOT,
                       env=child_env(), capture_output=True, text=True, timeout=120)
    return {"root": root, "p": p, "flag": flag, "replacement": replacement.encode(), "outside": outside,
            "outside_before": outside_before}


def _failed(p, rel):
    return next((line for line in p.stderr.splitlines() if line.startswith(f"failed: {rel}: ")), None)


def test_file_deleted_between_scan_and_read_is_named(swapped):
    p = swapped["p"]
    line = _failed(p, "deleted.md")
    assert line is not None and "disappeared" in line, p.stderr
    assert not (swapped["root"] / "deleted.md").exists()
    assert p.returncode == 1 and "Traceback" not in p.stderr


def test_file_replaced_between_scan_and_read_is_read_as_it_is_now(swapped):
    root = swapped["root"]
    entries = [e for e in manifest(root) if e["path"] == "replaced.md"]
    assert len(entries) == 1 and entries[0]["hash"] == digest(swapped["replacement"])
    assert "*saved*" in (root / entries[0]["new_path"]).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Folders where vaulttool expects files: a page's path, and a note that became a folder after the scan."""
    base = tmp_path_factory.mktemp("folders")
    root = base / "vault"
    configure(root)
    put(root, "_index/Tags.md/mine.txt", "a folder where a page goes")
    for n in ("now-folder", "steady"):
        put(root, f"{n}.md", web_clip(n, n))
    p = subprocess.run([sys.executable, "-c", SWAP_DRIVER, str(root), json.dumps([("now-folder.md", "folder", "")]),
                        str(base / "blocked.txt")], cwd=ROOT, env=child_env(), capture_output=True, text=True,
                       timeout=120)
    return root, p


def test_file_replaced_by_a_folder_between_scan_and_read_is_named(folders):
    root, p = folders
    line = _failed(p, "now-folder.md")
    assert line is not None and ("folder" in line or "not a regular file" in line), p.stderr
    assert (root / "now-folder.md").is_dir()
    assert any(e["path"] == "steady.md" for e in manifest(root)), "the run did not go on"
    assert p.returncode == 1 and "Traceback" not in p.stderr


def test_folder_where_a_page_is_expected_is_left_alone_and_named(folders):
    root, p = folders
    assert (root / "_index/Tags.md/mine.txt").read_text() == "a folder where a page goes"
    assert any(line.startswith("warning: _index/Tags.md: ") for line in p.stderr.splitlines()), p.stderr
    assert (root / "_index/Index.md").is_file(), "the other pages were not written"
    assert "Traceback" not in p.stderr


def test_file_replaced_by_a_fifo_between_scan_and_read_does_not_block(swapped):
    assert not swapped["flag"].exists(), "the run blocked opening the FIFO"
    line = _failed(swapped["p"], "now-fifo.md")
    assert line is not None and "not a regular file" in line


def test_file_replaced_by_a_symlink_out_of_the_vault_is_not_followed(swapped):
    root = swapped["root"]
    assert (root / "now-symlink-out.md").is_symlink()
    assert (swapped["outside"].read_bytes(), swapped["outside"].stat().st_mtime_ns) == swapped["outside_before"]
    assert not any(e["path"] == "now-symlink-out.md" for e in manifest(root))
    for p in root.rglob("*.md"):  # regular files only: now-fifo.md is a FIFO (opening it would block)
        if ".vaulttool" not in p.parts and "_index" not in p.parts and not p.is_symlink() and p.is_file():
            assert "secret outside" not in p.read_text(encoding="utf-8", errors="replace"), p


def test_the_run_goes_on_past_files_changing_under_it(swapped):
    root = swapped["root"]
    assert any(e["path"] == "steady.md" for e in manifest(root))
    assert "scanned " in swapped["p"].stdout
    assert not list(root.rglob("*.vaulttool-tmp"))
