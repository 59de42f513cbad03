"""Tag expressions (zk syntax): parsing, error messages, SQL run against a real SQLite database."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaulttool.core.query.tagexpr import (
    And,
    Not,
    Or,
    Tag,
    TagExprError,
    combine_and,
    matches,
    parse,
    to_sql,
)
from vaulttool.core.tags.rules import tag_key
from vaulttool.errors import UsageError

# A small vault: note id -> tags as written in the notes.
NOTES: dict[int, list[str]] = {
    1: ["AI", "python"],
    2: ["ai/LLM", "大模型"],
    3: ["ai-safety"],
    4: ["python", "done"],
    5: ["inbox"],
    6: ["todo", "done"],
    7: ["year/2019", "year/2020/q1"],
    8: ["ＡＩ/vision"],  # full-width letters: NFKC makes this ai/vision
    9: [],
    10: ["weird_%[x]", "o'brien"],
    11: ["aiden"],
}


def make_db(notes: dict[int, list[str]] = NOTES) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(
        """
        CREATE TABLE notes(id INTEGER PRIMARY KEY);
        CREATE TABLE note_tags(note_id INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY(note_id, key))
            WITHOUT ROWID;
        CREATE INDEX note_tags_key ON note_tags(key, note_id);
        """
    )
    db.executemany("INSERT INTO notes(id) VALUES (?)", [(i,) for i in notes])
    db.executemany(
        "INSERT OR IGNORE INTO note_tags(note_id, key) VALUES (?, ?)",
        [(i, tag_key(t)) for i, tags in notes.items() for t in tags],
    )
    return db


@pytest.fixture(scope="module")
def db():
    conn = make_db()
    yield conn
    conn.close()


def run(db: sqlite3.Connection, expr: str) -> set[int]:
    sql, params = to_sql(parse(expr))
    return {row[0] for row in db.execute(f"SELECT n.id FROM notes n WHERE {sql}", params)}


def python_side(expr: str) -> set[int]:
    e = parse(expr)
    return {i for i, tags in NOTES.items() if matches(e, tags)}


# ------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    "expr, tree",
    [
        ("ai", Tag("ai")),
        ("#ai", Tag("ai")),
        ("a, b", And((Tag("a"), Tag("b")))),
        ("a AND b", And((Tag("a"), Tag("b")))),
        ("a b", And((Tag("a"), Tag("b")))),
        ("a|b", Or((Tag("a"), Tag("b")))),
        ("a OR b", Or((Tag("a"), Tag("b")))),
        ("a | b | c", Or((Tag("a"), Tag("b"), Tag("c")))),
        ("-a", Not(Tag("a"))),
        ("NOT a", Not(Tag("a"))),
        (" -done", Not(Tag("done"))),  # zk's shell workaround
        ("NOT NOT a", Not(Not(Tag("a")))),
        ("a-b", Tag("a-b")),
        ("ai/*", Tag("ai/*", glob=True)),
        ("*llm*", Tag("*llm*", glob=True)),
        ("v?", Tag("v?", glob=True)),
        ("=ai", Tag("ai", exact=True)),
        ('"NOT"', Tag("NOT")),
        ("'a*b'", Tag("a*b")),
        ("大模型", Tag("大模型")),
        ("NOTES", Tag("NOTES")),  # a keyword only as a whole word (zk reads this as NOT ES)
        ("ANDROID, ORACLE", And((Tag("ANDROID"), Tag("ORACLE")))),
        # OR binds tighter than AND, NOT tighter than OR (zk)
        ("inbox OR todo, NOT done", And((Or((Tag("inbox"), Tag("todo"))), Not(Tag("done"))))),
        ("a b|c", And((Tag("a"), Or((Tag("b"), Tag("c")))))),
        ("a AND b OR c", And((Tag("a"), Or((Tag("b"), Tag("c")))))),
        ("-a|b", Or((Not(Tag("a")), Tag("b")))),
        ("a OR NOT b", Or((Tag("a"), Not(Tag("b"))))),
        ("(a, b) | c", Or((And((Tag("a"), Tag("b"))), Tag("c")))),
        ("-(a|b)", Not(Or((Tag("a"), Tag("b"))))),
        ("((a))", Tag("a")),
        ("a, (b, c)", And((Tag("a"), Tag("b"), Tag("c")))),
    ],
)
def test_parse_forms(expr, tree):
    assert parse(expr) == tree


@pytest.mark.parametrize(
    "expr", ["inbox | todo, -done", "a, b", "NOT (a | b), c", "(a, b) | c", '"NOT", =x, ai/*', "'say \"hi\"'"]
)
def test_str_parses_back_to_the_same_tree(expr):
    tree = parse(expr)
    assert parse(str(tree)) == tree


@pytest.mark.parametrize(
    "expr, message",
    [
        ("", "empty tag expression"),
        ("   ", "empty tag expression"),
        ("a,", "expected a tag after ',' but found the end at column 3"),
        ("a, , b", "expected a tag after ',' but found ','/AND at column 4"),
        ("a |", "expected a tag after '|' but found the end at column 4"),
        ("a||b", "expected a tag after '|' but found '|'/OR at column 3"),
        ("|a", "expected a tag but found '|'/OR at column 1"),
        ("NOT", "dangling 'NOT': expected a tag after it at column 1"),
        ("a -", "dangling '-': expected a tag after it at column 3"),
        ("a, NOT)", "dangling 'NOT'"),
        ("(a", "unclosed '(' at column 1"),
        ("(a, (b)", "unclosed '(' at column 1"),
        ("a)", "unexpected ')' at column 2"),
        ("()", "empty parentheses at column 1"),
        ('"abc', "unclosed quote \" at column 1"),
        ("a, 'b", "unclosed quote ' at column 4"),
        ('""', "empty quoted tag at column 1"),
        ("#", "empty tag at column 1"),
        ("a && b", "unknown operator or character '&' at column 3"),
        ("!a", "unknown operator or character '!' at column 1"),
        ("a~b", "unknown operator or character '~' at column 2"),
        ("ai or llm", "'or' at column 4: write OR for the operator"),
        ("not done", "'not' at column 1: write NOT"),
        ("a And b", "'And' at column 3"),
    ],
)
def test_errors_say_what_and_where(expr, message):
    with pytest.raises(TagExprError) as err:
        parse(expr)
    assert message in str(err.value)


def test_error_is_a_value_error_and_a_usage_error():
    with pytest.raises(ValueError):
        parse("a,")
    with pytest.raises(UsageError):
        parse("a,")


def test_combine_and():
    assert combine_and(["a|b", parse("-c")]) == And((Or((Tag("a"), Tag("b"))), Not(Tag("c"))))
    assert combine_and(["a"]) == Tag("a")
    with pytest.raises(TagExprError):
        combine_and([])


def test_trees_are_immutable_and_hashable():
    t = parse("a, b")
    with pytest.raises(AttributeError):
        t.operands = ()  # type: ignore[misc]
    assert len({parse("a, b"), parse("a AND b"), parse("a b")}) == 1


# ------------------------------------------------------------------------------- SQL results


@pytest.mark.parametrize(
    "expr, ids",
    [
        ("ai", {1, 2, 8}),  # case, nesting, NFKC; not ai-safety nor aiden
        ("AI", {1, 2, 8}),
        ("#ai", {1, 2, 8}),
        ("=ai", {1}),
        ("ai/llm", {2}),
        ("ai/*", {2, 8}),
        ("ai*", {1, 2, 3, 8, 11}),
        ("*llm*", {2}),
        ("year/201?", {7}),
        ("year/2020", {7}),  # the parent of year/2020/q1
        ("year/202?", {7}),  # glob + nesting
        ("year", {7}),
        ("大模型", {2}),
        ("python, done", {4}),
        ("python done", {4}),
        ("python AND done", {4}),
        ("python | inbox", {1, 4, 5}),
        ("python OR inbox", {1, 4, 5}),
        ("-done", {1, 2, 3, 5, 7, 8, 9, 10, 11}),
        ("NOT done", {1, 2, 3, 5, 7, 8, 9, 10, 11}),
        ("inbox OR todo, NOT done", {5}),
        ("-(python|ai), -done", {3, 5, 7, 9, 10, 11}),
        ("ai OR NOT python", {1, 2, 3, 5, 6, 7, 8, 9, 10, 11}),
        ("(ai, python) | inbox", {1, 5}),
        ('"weird_%[x]"', {10}),  # LIKE/GLOB specials in a literal tag are literal
        ("weird_%", set()),
        ("weird*", {10}),
        ('"o\'brien"', {10}),
        ("missing", set()),
        ("-missing", set(NOTES)),
    ],
)
def test_sql_selects_the_right_notes(db, expr, ids):
    assert run(db, expr) == ids
    assert python_side(expr) == ids


def test_glob_specials_in_a_built_glob_are_literal(db):
    # "[" cannot be typed unquoted, but a Tag built in code may hold it: GLOB must not read a class.
    for name, ids in (("weird_%[*", {10}), ("weird_%[x*", {10}), ("weird_%[y*", set()), ("*[x]", {10})):
        sql, params = to_sql(Tag(name, glob=True))
        assert {r[0] for r in db.execute(f"SELECT n.id FROM notes n WHERE {sql}", params)} == ids, name
        assert {i for i, tags in NOTES.items() if matches(Tag(name, glob=True), tags)} == ids, name


def test_repeated_options_are_anded(db):
    sql, params = to_sql(combine_and(["python|inbox", "-done"]))
    got = {r[0] for r in db.execute(f"SELECT n.id FROM notes n WHERE {sql}", params)}
    assert got == {1, 5}


def test_user_text_only_travels_as_parameters():
    evil = "x'); DROP TABLE notes; --"
    sql, params = to_sql(parse(f'"{evil}"'))
    assert evil not in sql and "DROP" not in sql
    assert tag_key(evil) in params
    db = make_db()
    db.execute(f"SELECT n.id FROM notes n WHERE {sql}", params).fetchall()
    assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == len(NOTES)


def test_column_name_is_checked():
    with pytest.raises(ValueError):
        to_sql(parse("a"), "n.id; DROP TABLE notes")
    sql, _ = to_sql(parse("a"), "notes.id")
    assert "notes.id IN" in sql


def test_fragment_combines_with_other_conditions(db):
    sql, params = to_sql(parse("python | inbox"))
    rows = db.execute(f"SELECT id FROM notes n WHERE n.id > 1 AND {sql}", params).fetchall()
    assert {r[0] for r in rows} == {4, 5}


def test_plain_terms_use_the_key_index(db):
    sql, params = to_sql(parse("ai, -done"))
    rows = db.execute(f"EXPLAIN QUERY PLAN SELECT n.id FROM notes n WHERE {sql}", params)
    plan = " ".join(row[-1] for row in rows)
    assert "note_tags_key" in plan, plan
    assert "SCAN note_tags" not in plan, plan


# ---------------------------------------------------------------- SQL and Python always agree

TAGS = ["ai", "AI/llm", "ai-x", "py", "py/3", "大模型", "done", "a_b", "a%b"]
_terms = st.sampled_from(
    ["ai", "ai/llm", "ai*", "*x", "py", "=py", "py/?", "大模型", "done", "a_b", '"a%b"', "none"]
)


def _exprs():
    return st.recursive(
        _terms,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([", ", " ", " AND ", "|", " OR "]), inner).map(
                lambda t: f"({t[0]}){t[1]}({t[2]})"
            ),
            inner.map(lambda e: f"-({e})"),
            inner.map(lambda e: f"NOT ({e})"),
        ),
        max_leaves=6,
    )


@settings(max_examples=150, deadline=None)
@given(expr=_exprs(), notes=st.lists(st.lists(st.sampled_from(TAGS), max_size=4), min_size=1, max_size=8))
def test_sql_agrees_with_python_evaluation(expr, notes):
    data = dict(enumerate(notes, start=1))
    db = make_db(data)
    tree = parse(expr)
    sql, params = to_sql(tree)
    got = {r[0] for r in db.execute(f"SELECT n.id FROM notes n WHERE {sql}", params)}
    assert got == {i for i, tags in data.items() if matches(tree, tags)}
    db.close()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ,|()-\"'*#=&!NOTAR大/")), max_size=20))
def test_parse_either_succeeds_or_raises_tag_expr_error(text):
    try:
        tree = parse(text)
    except TagExprError as err:
        assert str(err)
    else:
        sql, params = to_sql(tree)
        assert sql.count("?") == len(params)
        make_db().execute(f"SELECT n.id FROM notes n WHERE {sql}", params).fetchall()
