"""Golden files: one folder per clip format under tests/fixtures/normalise/<format>/.

``case.md`` is the input; ``case.in.name`` (optional) the path the clip has in the vault, as its
clipper names it (default ``<format>/case.md``); ``case.out.md`` the expected output (absent when the
note must be left as it is) and ``case.out.name`` the expected new file name when it is renamed.
Every case is written from the clipper's public template or documentation. Regenerate with
``VAULTTOOL_UPDATE_GOLDEN=1 pytest tests/test_normalise_golden.py`` and review the diff.
"""

import os

import pytest

from tests.conftest import FIXTURES
from tests.helpers import normalise_bytes
from vaulttool.core.clip import formats
from vaulttool.core.frontmatter import split
from vaulttool.core.textio import decode

ROOT = FIXTURES / "normalise"
CASES = sorted(p for p in ROOT.glob("*/*.md") if not p.name.endswith(".out.md"))
UPDATE = os.environ.get("VAULTTOOL_UPDATE_GOLDEN") == "1"


def _ids(p):
    return f"{p.parent.name}/{p.stem}"


def rel_of(case) -> str:
    side = case.with_name(case.stem + ".in.name")
    return side.read_text(encoding="utf-8").strip() if side.exists() else f"{case.parent.name}/{case.name}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_golden(case):
    fmt = case.parent.name
    data = case.read_bytes()
    text = decode(data).text
    rel = rel_of(case)
    detected = formats.detect(text, split(text), rel)
    assert detected == (None if fmt == "note" else fmt)
    out, new_path, draft = normalise_bytes(rel, data, explicit=fmt == "note")
    expected = case.with_name(case.stem + ".out.md")
    name_file = case.with_name(case.stem + ".out.name")
    if UPDATE:
        if out is None:
            expected.unlink(missing_ok=True)
        else:
            expected.write_bytes(out)
        if new_path:
            name_file.write_text(new_path.rpartition("/")[2] + "\n", encoding="utf-8")
        else:
            name_file.unlink(missing_ok=True)
    if expected.exists():
        assert out == expected.read_bytes()
    else:
        assert out is None
    want_name = name_file.read_text(encoding="utf-8").strip() if name_file.exists() else None
    assert (new_path.rpartition("/")[2] if new_path else None) == want_name
    if new_path:  # a rename never loses a name: the old one is an alias
        assert rel.rpartition("/")[2][:-3] in draft.props.get("aliases", [])


@pytest.mark.parametrize("case", [c for c in CASES if c.parent.name != "note"], ids=_ids)
def test_golden_output_is_stable(case):
    """The output is itself a normalised clip: normalising it again changes nothing."""
    rel = rel_of(case)
    out, new_path, _ = normalise_bytes(rel, case.read_bytes())
    again, again_path, draft = normalise_bytes(new_path or rel, out)
    assert again is None and again_path is None


def test_links_read_before_writing_are_those_of_the_written_note(tmp_path):
    """A clip's links are read in the worker before its front matter exists; once written and
    indexed they must be exactly what reading the written file gives (lines counted in the file)."""
    import shutil

    from vaulttool.core.noteinfo import read_note
    from vaulttool.usecases.reindex import reindex
    from vaulttool.usecases.report import Reporter
    from vaulttool.usecases.session import open_reader, open_session

    for case in CASES:
        data = case.read_bytes()
        rel = rel_of(case)
        for top in (case.parent.name, f"{case.parent.name}-crlf"):
            (tmp_path / top / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(case, tmp_path / case.parent.name / rel)
        crlf = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        (tmp_path / f"{case.parent.name}-crlf" / rel).write_bytes(crlf)
    with open_session(tmp_path, "reindex") as session:
        summary = reindex(session, Reporter())
    assert summary.normalised >= 2 * len([c for c in CASES if c.parent.name != "note"])
    checked = 0
    with open_reader(tmp_path) as session:
        rows = session.store.conn.execute(
            "SELECT n.path, l.line, l.kind, l.target, l.fragment, l.alias FROM links l JOIN notes n"
            " ON n.id = l.note_id ORDER BY n.path, l.id").fetchall()
        indexed: dict[str, list[tuple]] = {}
        for r in rows:
            indexed.setdefault(r[0], []).append(tuple(r[1:]))
        for path in session.store.paths():
            info = read_note(path, decode((tmp_path / path).read_bytes()).text)
            want = [(ln.line, ln.kind, ln.target, ln.fragment, ln.alias) for ln in info.links]
            assert indexed.get(path, []) == want, path
            checked += len(want)
    assert checked > 10  # the fixtures hold links: the comparison saw some
