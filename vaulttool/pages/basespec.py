"""What a ``.base`` file may hold, as Obsidian's help documents it, and a check of a parsed base
against it (used by the tests on every ``.base`` file and ```` ```base ```` block vaulttool writes).

Sources (the obsidianmd/obsidian-help vault, ``en/Bases/``): ``Bases syntax.md`` (the top-level keys,
the filter tree of ``and``/``or``/``not``, the keys of a view, file properties, operators),
``Functions.md`` (global functions, functions by type, the fields of files, dates, strings and lists),
``Views.md`` (the layouts: table, cards, list; kanban and map need newer versions or a plugin and are
not used here) and ``Layouts/Cards view.md`` (a cover image from a property). Two view keys are not
spelled out in the help text but are what Obsidian itself writes when a view is sorted or given a
cover in its interface: ``sort`` (a list of ``{property, direction}``) and, on cards, ``image`` (the
property holding the cover); they are listed apart in :data:`APP_VIEW_KEYS`.
"""

from __future__ import annotations

import re

__all__ = ["TOP_KEYS", "VIEW_KEYS", "APP_VIEW_KEYS", "VIEW_TYPES", "FILTER_KEYS", "GLOBAL_FUNCTIONS",
           "METHODS", "FILE_FIELDS", "check_base", "expression_problems"]

# Bases syntax.md: filters, formulas, properties, (summaries), views.
TOP_KEYS = frozenset({"filters", "formulas", "properties", "summaries", "views"})
# Bases syntax.md, "Views": type, name, limit, filters, groupBy, order, summaries.
VIEW_KEYS = frozenset({"type", "name", "limit", "filters", "groupBy", "order", "summaries"})
# Written by Obsidian when a view is sorted (sort) or a cards view given a cover (image).
APP_VIEW_KEYS = frozenset({"sort", "image"})
VIEW_TYPES = frozenset({"table", "cards", "list"})  # Views.md: 1.9 (table, cards), 1.10 (list)
FILTER_KEYS = frozenset({"and", "or", "not"})
GROUP_KEYS = frozenset({"property", "direction"})
DIRECTIONS = frozenset({"ASC", "DESC"})
PROPERTY_CONFIG_KEYS = frozenset({"displayName"})

# Functions.md, "Global".
GLOBAL_FUNCTIONS = frozenset({"escapeHTML", "date", "duration", "file", "html", "if", "image", "icon", "link",
                              "list", "max", "min", "now", "number", "today"})
# Functions.md, by type (Any, Date, String, Number, List, Link, File, Object, Regular expression).
METHODS = frozenset({
    "isTruthy", "isType", "toString",  # any
    "date", "format", "time", "relative", "isEmpty",  # date
    "contains", "containsAll", "containsAny", "endsWith", "lower", "replace", "repeat", "reverse", "slice",
    "split", "startsWith", "title", "trim",  # string
    "abs", "ceil", "floor", "round", "toFixed",  # number
    "filter", "flat", "join", "map", "reduce", "sort", "unique",  # list
    "asFile", "linksTo",  # link
    "asLink", "hasLink", "hasProperty", "hasTag", "inFolder",  # file
    "keys", "values",  # object
    "matches",  # regular expression
})
# Bases syntax.md "File properties" and Functions.md "File / Fields".
FILE_FIELDS = frozenset({"backlinks", "ctime", "embeds", "ext", "file", "folder", "links", "mtime", "name",
                         "basename", "path", "properties", "size", "tags"})
# Functions.md: fields of dates, strings and lists.
VALUE_FIELDS = frozenset({"year", "month", "day", "hour", "minute", "second", "millisecond", "length"})

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_CALL = re.compile(r"(\.)?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_FILE_FIELD = re.compile(r"(?<![\w.])(?:this\.)?file\.([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()")


def expression_problems(expr: object) -> list[str]:
    """What in one filter or formula expression is not documented: unknown functions, methods or
    file fields, and unbalanced quotes or brackets."""
    if not isinstance(expr, str) or not expr.strip():
        return [f"expression must be a non-empty string: {expr!r}"]
    bare = _STRING.sub('""', expr)
    out = []
    if '"' in bare.replace('""', "") or "'" in bare:
        out.append(f"unbalanced quotes: {expr}")
    depth = 0
    for ch in bare:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        out.append(f"unbalanced parentheses: {expr}")
    for dot, name in _CALL.findall(bare):
        if dot and name not in METHODS:
            out.append(f"undocumented function .{name}(): {expr}")
        elif not dot and name not in GLOBAL_FUNCTIONS:
            out.append(f"undocumented function {name}(): {expr}")
    for name in _FILE_FIELD.findall(bare):
        if name not in FILE_FIELDS:
            out.append(f"undocumented file property file.{name}: {expr}")
    return out


def _filter_problems(node: object, where: str) -> list[str]:
    if isinstance(node, str):
        return [f"{where}: {p}" for p in expression_problems(node)]
    if not isinstance(node, dict) or len(node) != 1:
        return [f"{where}: a filter is a string or a mapping with one of and/or/not"]
    (key, items), = node.items()
    if key not in FILTER_KEYS:
        return [f"{where}: undocumented filter key {key!r}"]
    if not isinstance(items, list) or not items:
        return [f"{where}.{key}: must be a non-empty list"]
    out = []
    for i, item in enumerate(items):
        out += _filter_problems(item, f"{where}.{key}[{i}]")
    return out


def _property_name(name: object, formulas: dict) -> str | None:
    if not isinstance(name, str) or not name:
        return f"a property name must be a string: {name!r}"
    head, _, rest = name.partition(".")
    if head == "formula" and rest not in formulas:
        return f"formula.{rest} is not defined in formulas"
    if head == "file" and rest not in FILE_FIELDS:
        return f"undocumented file property {name}"
    return None


def check_base(base: object) -> list[str]:
    """Every way a parsed base (a ``.base`` file or a ```` ```base ```` block) departs from the
    documented syntax; empty when it follows it."""
    if not isinstance(base, dict):
        return ["a base is a mapping"]
    out = [f"undocumented top-level key {k!r}" for k in base if k not in TOP_KEYS]
    formulas = base.get("formulas") or {}
    if not isinstance(formulas, dict):
        out.append("formulas must be a mapping")
        formulas = {}
    for name, expr in formulas.items():
        out += [f"formulas.{name}: {p}" for p in expression_problems(expr)]
    if "filters" in base:
        out += _filter_problems(base["filters"], "filters")
    for name, conf in (base.get("properties") or {}).items():
        p = _property_name(name, formulas)
        if p:
            out.append(f"properties: {p}")
        if not isinstance(conf, dict) or set(conf) - PROPERTY_CONFIG_KEYS:
            out.append(f"properties.{name}: only displayName is documented")
    views = base.get("views")
    if not isinstance(views, list) or not views:
        return out + ["views must be a non-empty list"]
    for i, view in enumerate(views):
        where = f"views[{i}]"
        if not isinstance(view, dict):
            out.append(f"{where}: a view is a mapping")
            continue
        out += [f"{where}: undocumented key {k!r}" for k in view if k not in VIEW_KEYS | APP_VIEW_KEYS]
        if view.get("type") not in VIEW_TYPES:
            out.append(f"{where}: view type {view.get('type')!r} is not table, cards or list")
        if not isinstance(view.get("name"), str) or not view["name"]:
            out.append(f"{where}: a view needs a name")
        if "limit" in view and (not isinstance(view["limit"], int) or view["limit"] < 1):
            out.append(f"{where}: limit must be a positive whole number")
        if "filters" in view:
            out += _filter_problems(view["filters"], f"{where}.filters")
        for name in view.get("order", []):
            p = _property_name(name, formulas)
            if p:
                out.append(f"{where}.order: {p}")
        group = view.get("groupBy")
        if group is not None:
            if not isinstance(group, dict) or set(group) - GROUP_KEYS or "property" not in group:
                out.append(f"{where}.groupBy: property and direction only")
            else:
                p = _property_name(group["property"], formulas)
                if p:
                    out.append(f"{where}.groupBy: {p}")
                if group.get("direction", "ASC") not in DIRECTIONS:
                    out.append(f"{where}.groupBy: direction is ASC or DESC: {group['direction']!r}")
        for s in view.get("sort", []):
            if not isinstance(s, dict) or set(s) - GROUP_KEYS or s.get("direction", "ASC") not in DIRECTIONS:
                out.append(f"{where}.sort: each entry is property and direction (ASC or DESC): {s!r}")
            else:
                p = _property_name(s.get("property"), formulas)
                if p:
                    out.append(f"{where}.sort: {p}")
        if "image" in view:
            if view.get("type") != "cards":
                out.append(f"{where}: image is a setting of cards views")
            p = _property_name(view["image"], formulas)
            if p:
                out.append(f"{where}.image: {p}")
    return out
