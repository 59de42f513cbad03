"""Bytes are decoded only when the encoding is certain, and written back the way they came."""

import codecs

import pytest

from vaulttool.core.textio import UndecodableError, decode, encode

ZH = "# 标题\n\n大模型的推理能力正在快速提升，研究者们提出了新的评测方法。\n"


@pytest.mark.parametrize("data, encoding, bom", [
    (ZH.encode("utf-8"), "utf-8", False),
    (codecs.BOM_UTF8 + ZH.encode("utf-8"), "utf-8", True),
    (codecs.BOM_UTF16_LE + ZH.encode("utf-16-le"), "utf-16-le", True),
    (codecs.BOM_UTF16_BE + ZH.encode("utf-16-be"), "utf-16-be", True),
    (ZH.encode("gbk"), "gb18030", False),
    (ZH.encode("gb18030"), "gb18030", False),
])
def test_decode_round_trip(data, encoding, bom):
    d = decode(data)
    assert d.text == ZH
    assert (d.encoding, d.bom) == (encoding, bom)
    assert encode(d.text, d) == data


def test_legacy_text_written_as_utf8_when_asked():
    d = decode(ZH.encode("gbk"))
    assert encode(d.text, d, to_utf8=True) == ZH.encode("utf-8")


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    bytes(range(256)) * 4,
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9".encode("latin-1"),  # not Chinese: refused, not guessed
])
def test_undecodable_refused(data):
    with pytest.raises(UndecodableError):
        decode(data)


def test_newlines():
    assert decode(b"a\r\nb\r\n").newline == "\r\n"
    d = decode(b"a\r\nb\nc\n")
    assert d.newline == "\n" and d.mixed_newlines
