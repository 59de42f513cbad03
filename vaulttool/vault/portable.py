"""Names that work here but not on every system the vault may be synced to.

A vault is often synced to Windows, macOS or an Android phone. Linux takes almost any name; these do
not, or show it as something else:

* **Windows** (and Android's shared storage, and FAT/exFAT cards): the device names ``CON``, ``PRN``,
  ``AUX``, ``NUL``, ``COM0``-``COM9``, ``LPT0``-``LPT9`` (also with a superscript digit: ``COM¹``) and
  ``CONIN$``, ``CONOUT$``, whatever follows them after a dot and however they are cased, trailing
  spaces ignored (``con.txt note.md``, ``CON .txt.md``); the characters ``< > : " \\ | ? *`` and
  controls; a name ending in a space or a dot.
* **macOS** shows ``:`` as ``/``; names are at most 255 UTF-16 units.
* **Linux and Android**: at most 255 bytes of UTF-8.
* **Everywhere**: characters that do not show, or show text in another order than it is stored: C1
  controls (U+0080-U+009F), bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
  U+061C), zero-width characters and a byte order mark (U+200B-U+200D, U+2060, U+FEFF). A name holding
  them looks like another name (``invoice\\u202eexe.md``), or cannot be told from it.

:func:`name_problems` says what is wrong with a name, one reason per system rule; the run reports it
and leaves the file alone (renaming a user's file to please another system is the user's call).
"""

from __future__ import annotations

import re

__all__ = ["name_problems"]

_DEVICES = {"con", "prn", "aux", "nul", "conin$", "conout$",
            *(f"{p}{d}" for p in ("com", "lpt") for d in "0123456789\u00b9\u00b2\u00b3")}
_WINDOWS_CHARS = re.compile(r'[<>:"\\|?*\x00-\x1f]')
_INVISIBLE = {
    **{chr(c): "a C1 control character" for c in range(0x80, 0xA0)},
    **{c: "a bidirectional control (text shown in another order)" for c in
       "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"},
    **{c: "a zero-width character" for c in "\u200b\u200c\u200d\u2060"},
    "\ufeff": "a byte order mark",
}


def name_problems(name: str) -> list[str]:
    """Why the file name ``name`` (one path part) would not work, or not show as it is, somewhere."""
    out = []
    base = name.split(".", 1)[0].rstrip(" ").lower()
    if base in _DEVICES:
        out.append(f"{name.split('.', 1)[0].rstrip(' ')!r} is a device name on Windows: the file cannot be "
                   "made or opened there")
    bad = sorted(set(_WINDOWS_CHARS.findall(name)))
    if bad:
        shown = " ".join(repr(c)[1:-1] for c in bad)
        out.append(f"holds {shown}, which Windows and Android refuse in names")
    if name.endswith((" ", ".")):
        out.append("ends in a space or a dot, which Windows drops")
    seen = {}
    for ch in name:
        if ch in _INVISIBLE and _INVISIBLE[ch] not in seen:
            seen[_INVISIBLE[ch]] = ch
    for what, ch in seen.items():
        out.append(f"holds {what} (U+{ord(ch):04X}): the name does not show as it is stored")
    if len(name.encode("utf-8", "surrogatepass")) > 255:
        out.append("is longer than 255 bytes: Linux and Android refuse it")
    elif len(name.encode("utf-16-le", "surrogatepass")) // 2 > 255:
        out.append("is longer than 255 UTF-16 units: macOS and Windows refuse it")
    return out
