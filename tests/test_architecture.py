"""The package's parts import only what docs/architecture.md allows, and no module imports itself back.

Every import is read with :mod:`ast`, including the imports inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency. The rules are checked on the real package and,
to show each rule can fail, on a copy of it with a planted import.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "vaulttool"

# part -> the parts it may import (besides itself). A part is a folder of the package, or a module
# at its top. See docs/architecture.md.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "core": {"errors"},
    "config": {"core", "errors"},
    "vault": {"core", "config", "errors"},
    "index": {"core", "config", "errors"},
    "pages": {"core", "errors"},
    "usecases": {"core", "config", "errors", "vault", "index", "pages"},
    "watch": {"usecases", "config", "errors"},
    "output": set(),
    "api": {"core", "errors"},
    "cli": {"package", "usecases", "watch", "output", "config", "errors"},
    "main": {"cli"},
    "package": set(),
}

# Inside the core: the subjects that may import another subject (the shared modules at the top of
# core/ may be imported by every subject and may import any).
CORE_SUBJECTS = {"clip", "tags", "links", "query"}
CORE_ALLOWED = {"clip": {"tags", "links"}, "query": {"tags"}, "tags": set(), "links": set()}

ONLY_CLICK = "vaulttool.cli"


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(package: Path) -> dict[str, set[str]]:
    """module -> the modules (of the package or outside it) it imports, relative imports resolved."""
    modules = {module_name(p, package): p for p in package.rglob("*.py")}
    out: dict[str, set[str]] = {}
    for mod, path in modules.items():
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    found.add(sub if sub in modules else base)
        out[mod] = found
    return out


def part_of(mod: str) -> str:
    parts = mod.split(".")
    if len(parts) == 1:
        return "package"
    if parts[1] == "__main__":
        return "main"
    return parts[1]


def core_subject(mod: str) -> str | None:
    parts = mod.split(".")
    if len(parts) >= 4 and parts[1] == "core" and parts[2] in CORE_SUBJECTS:
        return parts[2]
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles among the package's own modules (one path per circle found)."""
    own = {m: {t for t in deps if t in graph and t != m} for m, deps in graph.items()}
    found, state, stack = [], {}, []

    def visit(m: str) -> None:
        state[m] = "open"
        stack.append(m)
        for t in sorted(own[m]):
            if state.get(t) == "open":
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(own):
        if m not in state:
            visit(m)
    return found


def violations(package: Path) -> list[str]:
    graph = imports_of(package)
    name = package.name
    out = []
    for mod, deps in sorted(graph.items()):
        part = part_of(mod)
        for dep in sorted(deps):
            top = dep.split(".")[0]
            if top == "click" and mod != f"{name}.cli":
                out.append(f"{mod} imports click (only {name}.cli may)")
            if top != name:
                continue
            target = part_of(dep)
            if target != part and target not in ALLOWED.get(part, set()):
                out.append(f"{mod} ({part}) imports {dep} ({target})")
            sub, dsub = core_subject(mod), core_subject(dep)
            if sub and dsub and sub != dsub and dsub not in CORE_ALLOWED[sub]:
                out.append(f"{mod} (core/{sub}) imports {dep} (core/{dsub})")
    for circle in cycles(graph):
        out.append("import circle: " + " -> ".join(circle))
    return out


def test_every_part_of_the_package_is_known():
    parts = {part_of(m) for m in imports_of(PACKAGE)}
    assert parts <= set(ALLOWED), parts - set(ALLOWED)


def test_the_package_imports_only_what_its_parts_allow():
    assert violations(PACKAGE) == []


def test_every_part_says_what_it_owns():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, f"{init.relative_to(ROOT)} has no docstring saying what it owns"


def test_the_architecture_doc_names_every_part():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for folder in sorted(p.parent for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE):
        assert f"{folder.relative_to(PACKAGE).as_posix()}/" in doc, folder


@pytest.mark.parametrize("module, planted, expected", [
    ("core/tags/rules.py", "from vaulttool.index.store import Store", "(core) imports vaulttool.index.store"),
    ("core/query/search.py", "from vaulttool.core.clip import urls", "(core/query) imports vaulttool.core.clip"),
    ("pages/render.py", "from vaulttool.vault.files import Vault", "(pages) imports vaulttool.vault.files"),
    ("watch/runner.py", "from vaulttool.index.store import Store", "(watch) imports vaulttool.index.store"),
    ("index/store.py", "from vaulttool.vault import lock", "(index) imports vaulttool.vault.lock"),
    ("usecases/reads.py", "import click", "imports click (only vaulttool.cli may)"),
    ("core/model.py", "    from vaulttool.core.links.resolve import Resolver",
     "import circle: vaulttool.core.links.resolve -> vaulttool.core.model"),
])
def test_a_planted_forbidden_import_is_caught(tmp_path, module, planted, expected):
    copy = tmp_path / "vaulttool"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    text = target.read_text(encoding="utf-8")
    if planted.startswith(" "):  # a lazy import, inside a function
        text += f"\n\ndef _planted():\n{planted}\n"
    else:
        text += f"\n{planted}\n"
    target.write_text(text, encoding="utf-8")
    found = violations(copy)
    assert any(expected in line for line in found), found
