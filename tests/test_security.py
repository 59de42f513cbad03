"""Security: nothing is written outside the vault, HTML from clips loses active content, generated pages
escape what notes say, YAML is loaded safely and SQL is parameterised.

Two vaults with the same hostile notes (wikilink and Markdown link style) sit beside an ``outside``
folder; every check that something was not written compares a snapshot of everything outside the vault
(names, bytes, mtimes) before and after. Pages are rendered with markdown-it-py with raw HTML enabled (as
Obsidian renders it) and the resulting HTML is parsed to look for what must not be there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from tests.conftest import ROOT
from vaulttool.cli import cli


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def web_clip(title: str, slug: str, body: str = "Body <b>text</b>.\n", extra: str = "") -> str:
    marker = "" if "tags:" in extra else 'tags:\n  - "clippings"\n'  # Web Clipper's own mark of a clip
    return (f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\nsource: \"https://example.com/{slug}\"\n"
            f"created: 2025-04-01\n{marker}{extra}---\n{body}")


def snapshot(top: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry under ``top`` (symlinks not followed) except the ``skip`` tree: name -> (kind, bytes, mtime)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        if skip is not None:
            dirnames[:] = [d for d in dirnames if Path(dirpath, d) != skip]
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            if skip is not None and p == skip:
                continue
            st = p.lstat()
            if p.is_symlink():
                out[str(p)] = ("link", os.readlink(p), None)
            elif p.is_file():
                out[str(p)] = ("file", p.read_bytes(), st.st_mtime_ns)
            else:
                out[str(p)] = ("dir", None, None)
    return out


HTML_BODY = (
    '<p>Visible paragraph</p><script>alert("s")</script><style>p{color:red}</style>'
    '<iframe src="https://evil.example/frame"></iframe><img src="pic.png" onerror="alert(1)">'
    '<a href="javascript:alert(1)">js1</a> <a href="JaVaScRiPt:alert(2)">js2</a> '
    '<a href="&#106;avascript:alert(3)">js3</a> <a href="java\tscript:alert(4)">js4</a> '
    '<a href=" javascript:alert(5)">js5</a> <a href="data:text/html,&lt;script&gt;alert(6)&lt;/script&gt;">data</a> '
    '<a href="vbscript:msgbox(7)">vb</a> <svg onload="alert(8)"><circle r="1"/></svg>'
    '<object data="x.swf"></object><embed src="x.swf"><form action="https://evil.example/"><input name="q"></form>'
    '<div onclick="alert(9)" onmouseover="alert(10)">Clickable text</div>'
    '<a href="https://ok.example/page">fine link</a>\n\n'
    "[markdown js](javascript:alert(11)) and ![img js](javascript:alert(12))\n"
)

SCRIPT_TITLE = "]]<script>alert(1)</script>"
NOTES = {
    "t-dotdot.md": web_clip("../../outside/pwned", "t1"),
    "t-abs.md": web_clip("/etc/passwd-x", "t2"),
    "t-dots.md": web_clip("..", "t3"),
    "t-windows.md": web_clip("C:\\Windows\\System32\\x", "t4"),
    "t-mixed.md": web_clip("x/../../../outside/y", "t5"),
    "t-script.md": web_clip(SCRIPT_TITLE, "t6", extra=(
        'description: "<img src=x onerror=alert(2)> | a | b |\\n# Injected heading [[Fake link]] #faketag '
        '<!-- comment --> **bold** $math$"\n')),
    "t-tags.md": web_clip("tag traversal", "t7", extra=(
        'tags: ["clippings", "../../escape", "a/../../b", "/abs", "..", "<b>x</b>", "x]]y", "..\\\\..\\\\win"]\n')),
    "html-clip.md": web_clip("html clip", "h1", body=HTML_BODY),
    "Links.md": ("# Links\n\n[[../../outside/secret]] [a](../../outside/secret.md) ![[../../../etc/passwd]] "
                 "[b](/etc/passwd) [[/abs/path]] [c](file:///etc/passwd)\n"),
    "Quotes/It's quoted.md": ('---\ntitle: "It\'s \\"quoted\\"; DROP TABLE notes; --"\ntags: [sqlsafe]\n'
                              "created: 2025-04-02\n---\nA note with quotes: Robert'); DROP TABLE notes;--\n"),
    "yaml/apply.md": "---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\nbody\n",
    "yaml/name.md": "---\nx: !!python/name:os.system\n---\nbody\n",
    "yaml/new.md": "---\nx: !!python/object/new:os.system [\"touch {marker}\"]\n---\nbody\n",
    "yaml/module.md": "---\nx: !!python/module:os\n---\nbody\n",
}
TRAVERSAL = ["t-dotdot.md", "t-abs.md", "t-dots.md", "t-windows.md", "t-mixed.md", "t-script.md"]


def build(root: Path, outside: Path, marker: Path, link_style: str) -> None:
    (root / ".obsidian").mkdir(parents=True)
    (root / ".vaulttool").mkdir()
    # the portable style lists titles, tags and descriptions (what these tests look at), a page per tag
    (root / ".vaulttool" / "config.toml").write_text(f'link_style = "{link_style}"\npage_style = "portable"\n'
                                                     'tag_page_min = 1\n[watch]\nquiet = 0\n', encoding="utf-8")
    for rel, text in NOTES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{marker}", str(marker)), encoding="utf-8")
    os.symlink(outside / "dir", root / "linkdir")  # a symlinked folder pointing out of the vault


@pytest.fixture(scope="module")
def sec(tmp_path_factory):
    base = tmp_path_factory.mktemp("security")
    outside = base / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.md").write_text("# secret\n", encoding="utf-8")
    (outside / "dir" / "raw.md").write_text(web_clip("raw outside", "o1"), encoding="utf-8")
    marker = base / "PWNED"
    vaults = {"wikilink": base / "vault", "markdown": base / "vault-md"}
    for style, root in vaults.items():
        build(root, outside, marker, style)
    before = snapshot(base, skip=None)
    before = {k: v for k, v in before.items() if not any(k.startswith(str(r)) for r in vaults.values())}
    procs = {style: subprocess.Popen([sys.executable, "-m", "vaulttool", "--vault", str(root), "-v", "reindex"],
                                     cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True) for style, root in vaults.items()}
    runs = {style: (p.communicate(timeout=120), p.returncode) for style, p in procs.items()}
    return {"base": base, "outside": outside, "marker": marker, "vaults": vaults, "before": before, "runs": runs}


def outside_unchanged(sec) -> None:
    now = snapshot(sec["base"])
    now = {k: v for k, v in now.items() if not any(k.startswith(str(r)) for r in sec["vaults"].values())}
    assert now == sec["before"], sorted(set(now) ^ set(sec["before"])) or "an outside file changed"
    assert not sec["marker"].exists()


def manifest(root: Path) -> list[dict]:
    path = root / ".vaulttool" / "originals" / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def new_path_of(root: Path, rel: str) -> str:
    return [e for e in manifest(root) if e["path"] == rel][-1]["new_path"]


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--vault", str(root), *args])


# -- nothing is written outside the vault ------------------------------------------------------------------


def test_runs_write_nothing_outside_the_vault(sec):
    for style, ((out, err), rc) in sec["runs"].items():
        assert rc == 1, err  # the four YAML files with Python tags are refused
        assert "Traceback" not in err
    outside_unchanged(sec)
    for root in sec["vaults"].values():
        real = os.path.realpath(root)
        for dirpath, dirnames, filenames in os.walk(root):  # symlinks not followed
            for name in filenames:
                p = os.path.join(dirpath, name)
                if not os.path.islink(p):
                    assert os.path.realpath(p).startswith(real + os.sep), p


@pytest.mark.parametrize("rel", TRAVERSAL)
def test_titles_that_look_like_paths_give_safe_names_in_the_same_folder(sec, rel):
    from vaulttool.core.filenames import is_safe_name

    for root in sec["vaults"].values():
        new = new_path_of(root, rel)
        assert "/" not in new and ".." not in new.split("/") and "\\" not in new, new
        assert is_safe_name(new)
        assert (root / new).is_file() and not (root / new).is_symlink()


def test_tags_that_look_like_paths_give_pages_inside_the_pages_folder(sec):
    for root in sec["vaults"].values():
        pages = os.path.realpath(root / "_index")
        found = [p for p in (root / "_index").rglob("*") if p.is_file()]
        assert found
        for p in found:
            rel = p.relative_to(root / "_index").as_posix()
            assert ".." not in rel.split("/") and "\\" not in rel, rel
            assert os.path.realpath(p).startswith(pages + os.sep)
        assert (root / "_index/tags/escape.md").is_file()


def test_symlinked_folder_pointing_out_is_never_written_through(sec):
    for style, ((out, err), rc) in sec["runs"].items():
        assert "warning: linkdir: symlink to outside the vault: not followed" in err
    assert (sec["outside"] / "dir" / "raw.md").read_text(encoding="utf-8") == web_clip("raw outside", "o1")
    outside_unchanged(sec)


def test_commands_refuse_paths_outside_the_vault(sec):
    root = sec["vaults"]["wikilink"]
    secret = sec["outside"] / "secret.md"
    for args in (["normalise", str(secret)], ["normalise", str(root / ".." / "outside" / "secret.md")],
                 ["restore", str(secret)]):
        p = subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), *args], cwd=root, env=child_env(),
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert "not inside the vault" in p.stderr
    p = subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), "normalise", "linkdir/raw.md"],
                       cwd=root, env=child_env(), capture_output=True, text=True, timeout=60)
    assert p.returncode != 0, p.stdout
    assert "linkdir" in p.stderr
    outside_unchanged(sec)


def test_pages_folder_outside_the_vault_is_refused(tmp_path):
    root, outside = tmp_path / "vault", tmp_path / "outside"
    outside.mkdir()
    (root / ".vaulttool").mkdir(parents=True)
    (root / "note.md").write_text("# Note\n", encoding="utf-8")
    for setting in ('pages_folder = "../outside"', 'pages_folder = "a/../../outside"', 'pages_folder = ".hidden"'):
        (root / ".vaulttool" / "config.toml").write_text(setting + "\n", encoding="utf-8")
        p = subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), "reindex"], cwd=ROOT,
                           env=child_env(), capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "pages_folder" in p.stderr, (setting, p.stderr)
    assert not list(outside.iterdir())
    # an absolute folder is read as a folder of the vault
    (root / ".vaulttool" / "config.toml").write_text('pages_folder = "/generated"\n', encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), "reindex"], cwd=ROOT,
                       env=child_env(), capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert (root / "generated" / "Index.md").is_file() and not Path("/generated").exists()


def _vault_and_outside(tmp_path: Path) -> tuple[Path, Path]:
    """A vault with one tagged note (so that pages are written), and an empty folder beside it."""
    root, outside = tmp_path / "vault", tmp_path / "outside"
    outside.mkdir()
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    (root / "note.md").write_text("# Note\n\n#tag\n", encoding="utf-8")
    return root, outside


def test_pages_folder_symlinked_out_of_the_vault_is_not_written_through(tmp_path):
    root, outside = _vault_and_outside(tmp_path)
    os.symlink(outside, root / "_index")
    p = subprocess.run([sys.executable, "-m", "vaulttool", "--vault", str(root), "reindex"], cwd=ROOT,
                       env=child_env(), capture_output=True, text=True, timeout=60)
    assert not list(outside.iterdir()), "a page was written through the symlink"
    assert p.returncode != 0 and "_index" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def test_pages_folder_swapped_for_a_symlink_between_two_runs_of_one_session(tmp_path):
    """What a long-lived ``watch`` meets: the folders checked in one run are checked again in the next."""
    from vaulttool.errors import UsageError
    from vaulttool.usecases.reindex import reindex
    from vaulttool.usecases.report import Reporter
    from vaulttool.usecases.session import open_session

    root, outside = _vault_and_outside(tmp_path)
    with open_session(root, "watch") as session:
        assert reindex(session, Reporter()).failed == []
        assert (root / "_index" / "Index.md").is_file()
        shutil.rmtree(root / "_index")
        os.symlink(outside, root / "_index")
        (root / "second.md").write_text("# Second\n\n#tag\n", encoding="utf-8")
        with pytest.raises(UsageError, match=r"_index/.*leads outside the vault"):
            reindex(session, Reporter())
    assert not list(outside.iterdir()), "a page was written through the symlink"


def test_forged_manifest_and_journal_cannot_steer_a_write_out(sec, tmp_path):
    root = tmp_path / "vault"
    shutil.copytree(sec["vaults"]["wikilink"], root, symlinks=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{root}/.vaulttool/index.db{suffix}").unlink(missing_ok=True)
    target = tmp_path / "pwned.md"
    note = new_path_of(root, "html-clip.md")
    current = (root / note).read_bytes()
    original = [e for e in manifest(root) if e["path"] == "html-clip.md"][-1]
    forged = {"path": "../pwned.md", "new_path": note, "hash": original["hash"], "new_hash": digest(current),
              "time": 0}
    with open(root / ".vaulttool" / "originals" / "manifest.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(forged) + "\n")
    (root / ".vaulttool" / "journal.jsonl").write_text(json.dumps(
        {"path": note, "new_path": "../pwned.md", "hash": "0" * 32, "new_hash": digest(current), "time": 0}) + "\n")
    r = invoke(root, "restore", str(root / note))
    assert r.exit_code != 0
    assert (root / note).read_bytes() == current
    r = invoke(root, "reindex")
    assert r.exit_code in (0, 1), r.output
    assert not target.exists() and not (tmp_path / "pwned.md").exists()
    assert not (root / ".vaulttool" / "journal.jsonl").exists()
    assert (root / note).read_bytes() == current


# -- HTML from clips loses active content -------------------------------------------------------------------


class Html(HTMLParser):
    """Elements, attributes and text of rendered HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    def joined(self) -> str:
        return "".join(self.text)


ACTIVE = {"script", "style", "iframe", "object", "embed", "form", "input", "svg", "math", "frame", "frameset",
          "base", "link", "meta", "applet", "template"}
BAD_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|data|file):", re.I)


def render(markdown: str) -> Html:
    return Html(MarkdownIt("commonmark", {"html": True}).render(markdown))


def assert_inert(doc: Html, where: str) -> None:
    for tag, attrs in doc.tags:
        assert tag not in ACTIVE, f"{where}: <{tag}> survives"
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), f"{where}: <{tag} {name}=...> survives"
            if name.lower() in ("href", "src", "action", "formaction", "poster", "srcset", "xlink:href"):
                assert not BAD_SCHEME.match(unquote(value or "")), f"{where}: {name}={value!r}"


def body_of(text: str) -> str:
    return text.split("\n---\n", 1)[1] if text.startswith("---\n") else text


def test_html_from_clips_loses_scripts_styles_iframes_handlers_and_js_urls(sec):
    for root in sec["vaults"].values():
        text = (root / new_path_of(root, "html-clip.md")).read_text(encoding="utf-8")
        doc = render(body_of(text))
        assert_inert(doc, "html-clip")
        seen = doc.joined()
        for words in ("Visible paragraph", "Clickable text", "fine link", "js1", "js4"):
            assert words in seen, words  # the text survives, the active part does not
        assert ("a", {"href": "https://ok.example/page"}) in doc.tags
    out = sec["runs"]["wikilink"][0][0]
    for what in ("removed <script>", "removed <style>", "removed <iframe", "onerror", "unsafe link: javascript:"):
        assert what in out, what


PAYLOADS = [
    "<script>alert(1)</script>text",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>text",
    "<scr<script>ipt>alert(1)</script>text",
    '<img src="x" onerror="alert(1)">text',
    '<IMG SRC="jav&#x09;ascript:alert(1)">text',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">text</a>',
    '<a href="javascript&colon;alert(1)">text</a>',
    '<body onload="alert(1)">text</body>',
    '<details open ontoggle="alert(1)">text</details>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>text',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>text',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">text</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">text',
    '<video poster="javascript:alert(1)"><source src="javascript:alert(2)"></video>text',
    '<p style="background:url(javascript:alert(1))">text</p>',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_converter_leaves_nothing_active(payload):
    from vaulttool.core.clip.html import html_to_markdown

    md = html_to_markdown(payload).markdown
    doc = render(md)
    assert_inert(doc, payload)
    assert "style=" not in MarkdownIt("commonmark", {"html": True}).render(md)
    assert "text" in doc.joined()


# -- generated pages escape what notes say -------------------------------------------------------------------


def pages_of(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in (root / "_index").rglob("*.md")}


def resolves(root: Path, page: str, href: str) -> bool:
    """A link written on ``page`` leads to a file of the vault."""
    parts = urlsplit(href)
    if parts.scheme in ("http", "https"):
        return True
    if parts.scheme or parts.netloc:
        return False
    target = (root / page).parent / unquote(parts.path)
    real = os.path.realpath(target)
    return real.startswith(os.path.realpath(root) + os.sep) and os.path.isfile(real)


WIKILINK = re.compile(r"(?<!\\)\[\[([^\[\]|#^]+)(?:#[^\[\]|]*)?(?:\|[^\[\]]*)?\]\]")  # as Obsidian reads the source


def wikilink_resolves(root: Path, target: str) -> bool:
    """As Obsidian looks a wikilink up: a path from the vault root, else a unique file name."""
    name = target if target.lower().endswith(".md") else target + ".md"
    if (root / name).is_file():
        return True
    hits = [p for p in root.rglob("*") if p.is_file() and p.name.lower() == Path(name).name.lower()]
    return len(hits) == 1


@pytest.mark.parametrize("style", ["wikilink", "markdown"])
def test_pages_escape_titles_tags_and_descriptions(sec, style):
    root = sec["vaults"][style]
    pages = pages_of(root)
    assert "_index/Index.md" in pages
    script_note = new_path_of(root, "t-script.md")
    for rel, text in pages.items():
        body = text.split("\n---\n", 1)[1]
        html = MarkdownIt("commonmark", {"html": True}).render(body)
        doc = Html(html)
        assert_inert(doc, rel)
        assert not any(tag == "img" for tag, _ in doc.tags), f"{rel}: an image element from a note"
        assert not any(tag == "table" for tag, _ in doc.tags), f"{rel}: a table made by a note's text"
        assert sum(tag == "h1" for tag, _ in doc.tags) == 1, f"{rel}: a heading made by a note's text"
        assert "<!--" not in html
        for tag, attrs in doc.tags:
            if tag == "a":
                assert resolves(root, rel, attrs.get("href", "")), f"{rel}: link {attrs.get('href')!r} leads nowhere"
        for m in WIKILINK.finditer(re.sub(r"`[^`]*`", "", body)):
            assert wikilink_resolves(root, m.group(1)), f"{rel}: [[{m.group(1)}]] leads nowhere"
    index = pages["_index/Index.md"].split("\n---\n", 1)[1]
    doc = Html(MarkdownIt("commonmark", {"html": True}).render(index))
    text = doc.joined()
    assert SCRIPT_TITLE in text, "the title does not read as written"
    assert "# Injected heading [[Fake link]] #fake" in text  # (the one-line summary stops at 80 characters)
    if style == "markdown":
        hrefs = [a.get("href", "") for t, a in doc.tags if t == "a"]
        assert any(unquote(h).endswith(script_note) for h in hrefs), hrefs
    else:  # the alias cannot be a wikilink alias: the link is written in Markdown form, to the same note
        assert re.search(r"\[\\\]\\\]\\<script\\>alert\(1\)\\</script\\>\]\(([^)]+)\)", index)
    items = sum(tag == "li" for tag, _ in doc.tags)
    notes = len([r for r in index_paths(root) if not r.startswith("_index/")])
    assert items == notes, f"{items} list items for {notes} notes"
    outside_unchanged(sec)


def index_paths(root: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{root / '.vaulttool' / 'index.db'}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT path FROM notes WHERE kind != 'page'")]
    finally:
        conn.close()


# -- YAML is loaded safely --------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", ["yaml/apply.md", "yaml/name.md", "yaml/new.md", "yaml/module.md"])
def test_python_yaml_tags_are_refused_and_the_note_untouched(sec, rel):
    for style, root in sec["vaults"].items():
        err = sec["runs"][style][0][1]
        assert re.search(rf"^failed: {re.escape(rel)}: .*(constructor|tag)", err, re.M), err
        assert (root / rel).read_text(encoding="utf-8") == NOTES[rel].replace("{marker}", str(sec["marker"]))
    assert not sec["marker"].exists()


def test_yaml_loader_refuses_python_tags_directly(tmp_path):
    from vaulttool.core.frontmatter import FrontMatterError, load_yaml

    marker = tmp_path / "PWNED"
    for block in (f"x: !!python/object/apply:os.system ['touch {marker}']\n", "x: !!python/name:os.system\n",
                  f"x: !!python/object/new:os.system ['touch {marker}']\n", "x: !!python/module:os\n",
                  "x: !<tag:yaml.org,2002:python/object/apply:os.system> ['true']\n"):
        with pytest.raises(FrontMatterError):
            load_yaml(block)
    assert not marker.exists()


def test_no_unsafe_yaml_loader_in_the_code():
    """Every YAML load goes through the strict safe loader; ruamel.yaml is only used round-trip."""
    bad = re.compile(r"yaml\.(?:unsafe_load|full_load|load_all)\b|Loader\s*=\s*yaml\.(?:Loader|FullLoader|UnsafeLoader)"
                     r"|typ\s*=\s*['\"](?:unsafe|full)['\"]")
    for path in (ROOT / "vaulttool").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not bad.search(text), path
        for m in re.finditer(r"\byaml\.load\(([^)]*)\)", text):
            assert "_StrictLoader" in m.group(1), f"{path}: {m.group(0)}"


def test_hostile_metadata_keys_cannot_inject_front_matter(tmp_path):
    """A summary clip's metadata line becomes a property: its name must not break out of the YAML block."""
    root = tmp_path / "vault"
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    clip = ("# 标题{s}\n\n**URL**: https://weibo.com/1/{s}\n\n## 原始摘要\n\n正文。\n\n## AI 摘要\n\n摘要。\n\n"
            "## 元数据\n\n- **来源**: 微博\n{meta}")
    metas = {"k1.md": "- **evil\n---\n<script>alert(1)</script>\nauto_tags**: []\n", "k2.md": "- **a: b**: c\n"}
    for name, meta in metas.items():
        (root / name).write_text(clip.format(s=name[:2], meta=meta), encoding="utf-8")
    r = invoke(root, "reindex")
    from vaulttool.core.frontmatter import split

    for p in root.glob("*.md"):
        text = p.read_text(encoding="utf-8")
        sp = split(text)
        assert sp.status in ("ok", "none"), f"{p.name}: vaulttool wrote front matter it cannot read: {sp.error}"
        if sp.status == "ok":
            assert "<script>" not in text.split("\n---\n", 1)[1] or "auto_tags" not in sp.data
    assert r.exit_code in (0, 1)


def test_metadata_keys_with_yaml_syntax_are_quoted_not_refused(tmp_path):
    root = tmp_path / "vault"
    (root / ".vaulttool").mkdir(parents=True)
    (root / ".vaulttool" / "config.toml").write_text("[watch]\nquiet = 0\n", encoding="utf-8")
    (root / "k.md").write_text("# 标题K\n\n**URL**: https://weibo.com/1/K\n\n## 原始摘要\n\n正文。\n\n## 元数据\n\n"
                               "- **来源: 备注**: 微博\n- **#话题**: 有\n", encoding="utf-8")
    r = invoke(root, "reindex")
    assert r.exit_code == 0, r.output


# -- SQL is parameterised ------------------------------------------------------------------------------------

INJECTIONS = ["'; DROP TABLE notes; --", "x' OR '1'='1", '" OR 1=1 --', "x%' OR path LIKE '%", "1); DELETE FROM notes; --",
              "sqlsafe') UNION SELECT sql FROM sqlite_master --", "*\"* OR *", "NEAR(a b", "title:x", "\\x00"]


def schema_and_counts(root: Path) -> tuple:
    conn = sqlite3.connect(f"file:{root / '.vaulttool' / 'index.db'}?mode=ro", uri=True)
    try:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        counts = tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                       for t in ("notes", "note_tags", "links", "files", "pages"))
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return schema, counts
    finally:
        conn.close()


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_is_parameterised(sec, text):
    root = sec["vaults"]["wikilink"]
    before = schema_and_counts(root)
    calls = [["query", "--tag", text, "--format", "json"], ["query", "--site", text, "--format", "json"],
             ["query", "--since", text, "--format", "json"], ["query", "--tag", "sqlsafe", "--until", text, "--format", "json"],
             ["search", text, "--format", "json"], ["backlinks", text], ["show", text], ["related", text]]
    for args in calls:
        r = invoke(root, *args)
        assert r.exception is None or isinstance(r.exception, SystemExit), (args, repr(r.exception))
        assert r.exit_code in (0, 1, 2), (args, r.output)
        if args[0] == "query" and r.exit_code == 0:
            found = json.loads(r.stdout or "[]")
            assert found == [] or all(n["path"].startswith("Quotes/") for n in found), (args, found)
        if args[0] == "search" and r.exit_code == 0:
            # every hit holds one of the words searched for: "OR 1=1" matched as words, not as SQL
            words = {w.lower() for w in re.findall(r"\w+", text)} - {"or", "and", "not", "near"}
            for hit in json.loads(r.stdout or "[]"):
                note = (root / hit["path"]).read_text(encoding="utf-8").lower()
                assert any(w in note or w in hit["path"].lower() for w in words), (text, hit["path"])
    assert schema_and_counts(root) == before


def test_quotes_in_notes_are_data(sec):
    root = sec["vaults"]["wikilink"]
    r = invoke(root, "query", "--tag", "sqlsafe", "--format", "json")
    assert r.exit_code == 0
    assert [n["path"] for n in json.loads(r.stdout)] == ["Quotes/It's quoted.md"]
    r = invoke(root, "show", "Quotes/It's quoted.md", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["title"] == 'It\'s "quoted"; DROP TABLE notes; --'
    r = invoke(root, "search", "Robert", "--format", "json")
    assert r.exit_code == 0 and [h["path"] for h in json.loads(r.stdout)] == ["Quotes/It's quoted.md"]
