"""No input makes a parser hang: every parsing entry point (the whole normaliser over each clip format,
front matter, note info, links, the tagger's text preparation, tag expressions, search queries) on
generated hostile notes, each input with a bound on its time.

The bound is a hang guard, not a speed measurement (that is ``benchmarks/fuzz_parsers.py``): each input
runs in a worker process that is stopped when it takes longer than ``BOUND`` seconds, a catastrophic
backtracking taking minutes to hours on such inputs. The inputs of the examples below are the ones that
hung before (a title ending in many spaces, runs of ``[``, ``<a`` and many spaces...)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz_parsers import RUNS, TEMPLATES, WORDS, Worker

BOUND = 10.0  # seconds; the slowest of these inputs takes well under one

SIMPREAD = "> 本文由 [简悦 SimpRead](http://ksria.com/simpread/) 转码，原文地址 [x](https://x.org/a)\n\n"
AIINFO = "# t\n\n**URL**: https://weibo.com/1/X\n\n"


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


piece = st.builds(lambda p, n: p * n, st.sampled_from(RUNS), st.integers(1, 6000))
word = st.sampled_from(WORDS)
text = st.lists(st.one_of(piece, word), min_size=1, max_size=8).map("".join)


@st.composite
def note(draw):
    shape = draw(st.sampled_from(sorted(TEMPLATES) + ["title", "section"]))
    if shape == "title":  # a heading line made of the pieces, as the clip formats read it
        return draw(st.sampled_from(["", SIMPREAD, AIINFO])) + "# " + draw(text).replace("\n", " ") + "x\n"
    if shape == "section":
        return AIINFO + "## " + draw(text).replace("\n", " ") + "x\n\n" + draw(text)
    head = TEMPLATES[shape](__import__("random").Random(draw(st.integers(0, 10**6))), 200)
    return head + draw(text)


def _check(worker, value: str) -> None:
    got = worker.run(value, BOUND)
    assert got is not None, f"an input of {len(value)} characters took over {BOUND:g} s: {value[:120]!r}..."


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@example(SIMPREAD + "# a" + " " * 3000 + "b\n")  # simpread's H1: cubic
@example("# a" + " " * 50000 + "b\n")  # an own note's H1
@example("[" * 40000)  # wikilinks in the tagger's text
@example("<a" + " " * 25000 + "x")  # an HTML tag's attributes
@example(AIINFO + "## a" + " " * 100000 + "b\n")  # an ai-info section heading
@example(AIINFO + "## 元数据\n\n- **k**: a" + " " * 100000 + "b\n")  # an ai-info metadata line
@example("![" * 30000)  # images in the tagger's text
@example("<div " + "tag:" * 20000 + ">")  # attribute names without a value
@given(note())
def test_no_parser_hangs_on_hostile_notes(worker, value):
    _check(worker, value)
