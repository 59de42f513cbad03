"""Telling real HTML markup from prose that merely holds angle brackets (``<think>``, ``a < b``)."""

from __future__ import annotations

import re

__all__ = ["HTML_ELEMENTS", "VOID_ELEMENTS", "HTML_TAG", "closers", "is_real_tag", "looks_like_html"]

HTML_ELEMENTS = frozenset("""
a abbr address area article aside audio b bdi bdo blockquote body br button canvas caption
center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed
fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img
input ins kbd label legend li link main map mark meta meter nav noscript object ol optgroup
option output p picture pre progress q rp rt ruby s samp script section select small source
span strong style sub summary sup table tbody td template textarea tfoot th thead time title tr
track u ul var video wbr
""".split())
VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())

# The attributes (group 3) end before the tag's closing ``\s*/?>``: a blank run or ``/`` is taken into
# them only when something other than the end follows. Each step is decided at once, so the match is
# linear (a lazy ``(?:\s[^<>]*?)?\s*`` backtracked quadratically on ``<a`` followed by many spaces).
HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9\-]*+)((?:\s(?:[^\s<>/]++|/(?!>)|\s++(?=[^\s<>/]|/(?!>)))*+)?)\s*(/?)>")
# (tried only where a run of name characters begins, each part possessive: linear; trying every
# position of a long run such as ``tag:tag:tag:...`` that ends in no ``=`` was quadratic. It finds a
# match exactly when the plain ``[A-Za-z_:][\w:.\-]*\s*=\s*value`` does: it is only asked whether.)
_ATTR_VALUE = re.compile(r"""(?<![\w:.\-])(?:[.\-]|(?![A-Za-z_:])\w)*+[A-Za-z_:][\w:.\-]*+\s*+=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_CLOSER = re.compile(r"</([A-Za-z][A-Za-z0-9\-]*)\s*>")


def closers(text: str) -> frozenset[str]:
    """The names of the elements closed somewhere in ``text`` (lower case)."""
    return frozenset(m.group(1).lower() for m in _CLOSER.finditer(text))


def is_real_tag(m: re.Match, closed: frozenset[str]) -> bool:
    """Whether a match of :data:`HTML_TAG` is markup; ``closed``: the elements the text closes
    somewhere (see :func:`closers`)."""
    closing, name, attrs, selfclose = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
    if name not in HTML_ELEMENTS:
        return False
    if closing or name in VOID_ELEMENTS:
        return True
    if _ATTR_VALUE.search(attrs):
        return True
    if selfclose or attrs.strip():
        return False
    return name in closed


def looks_like_html(text: str) -> bool:
    """True when ``text`` holds real HTML markup: a void element (``<br>``, ``<img ...>``),
    a known element with ``name=value`` attributes, a closing tag of a known element, or an
    opening tag that is closed later. Prose such as ``<circle>``, ``<think>`` or ``a < b``
    is not HTML."""
    if "<" not in text:
        return False
    names = closers(text)
    return any(is_real_tag(m, names) for m in HTML_TAG.finditer(text))
