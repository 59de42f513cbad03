"""Bytes to text and back, without guessing wrong.

A note is decoded once, and everything needed to write it back the way it came is kept beside the
text: the encoding, whether it had a byte-order mark, and its line ending. Text that cannot be decoded
with confidence is refused (:class:`UndecodableError`); it is never decoded with ``errors="replace"``,
because writing such text back destroys the note.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Decoded", "UndecodableError", "decode", "encode", "newline_of"]


class UndecodableError(ValueError):
    """The bytes are binary or in an encoding vaulttool cannot identify."""


@dataclass(frozen=True)
class Decoded:
    text: str  # without BOM; line endings as in the file
    encoding: str  # "utf-8", "utf-16-le", "utf-16-be", "gb18030"
    bom: bool
    newline: str  # the dominant line ending: "\n" or "\r\n"
    mixed_newlines: bool

    @property
    def is_utf8(self) -> bool:
        return self.encoding == "utf-8"


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad / len(text)


def newline_of(text: str) -> tuple[str, bool]:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    if crlf and lf:
        return ("\r\n" if crlf > lf else "\n"), True
    return ("\r\n" if crlf else "\n"), False


def _done(text: str, encoding: str, bom: bool) -> Decoded:
    if "\x00" in text or _control_share(text) > 0.01:
        raise UndecodableError("binary content (control bytes)")
    nl, mixed = newline_of(text)
    return Decoded(text, encoding, bom, nl, mixed)


def decode(data: bytes) -> Decoded:
    """Decode a note's bytes. UTF-8 (with or without BOM), UTF-16 with BOM, and GB18030/GBK text
    that is clearly Chinese are accepted; anything else raises :class:`UndecodableError`."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return _done(data[3:].decode("utf-8"), "utf-8", True)
        except UnicodeDecodeError as exc:
            raise UndecodableError(f"UTF-8 BOM but invalid UTF-8 at byte {exc.start + 3}") from None
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return _done(data[2:].decode(enc), enc, True)
            except UnicodeDecodeError:
                raise UndecodableError(f"{enc.upper()} BOM but invalid {enc.upper()}") from None
    if b"\x00" in data:
        raise UndecodableError("binary content (NUL bytes)")
    try:
        return _done(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        non_ascii = [ch for ch in text if ord(ch) > 127]
        cjk = sum(1 for ch in non_ascii if _CJK.match(ch))
        # GB18030 decodes almost any byte string; accept it only when what comes out is Chinese.
        if non_ascii and cjk / len(non_ascii) >= 0.9:
            return _done(text, "gb18030", False)
    raise UndecodableError(
        f"not UTF-8 (invalid byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}) "
        "and not recognisable GBK/GB18030 text"
    )


def encode(text: str, decoded: Decoded, *, to_utf8: bool = False) -> bytes:
    """Encode text the way ``decoded`` came in. ``to_utf8`` writes UTF-8 instead of a legacy
    encoding (a UTF-8 BOM is kept; a UTF-16 BOM is dropped)."""
    if decoded.encoding == "utf-8" or to_utf8:
        out = text.encode("utf-8")
        return (codecs.BOM_UTF8 + out) if decoded.bom and decoded.encoding == "utf-8" else out
    out = text.encode(decoded.encoding)
    if decoded.encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + out
    if decoded.encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + out
    return out
