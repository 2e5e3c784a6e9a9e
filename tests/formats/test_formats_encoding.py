"""Encodings (BOMs, UTF-16, legacy cp1252) and line ends (CRLF, CR) read the same document."""

from __future__ import annotations

import pytest

from app.formats import FormatError, read_bytes, read_file, write_text
from tests.formats.formats_helpers import DATA

SRT = ("1\n00:00:01,000 --> 00:00:02,000\nCafé crème – “quoted”\nשלום 你好\n\n"
       "2\n00:00:03,000 --> 00:00:04,500\nÀ bientôt\n")
EXPECTED = [(1000, 2000, "Café crème – “quoted”\nשלום 你好"), (3000, 4500, "À bientôt")]


def _rows(result):
    return [(s.start, s.end, s.text) for s in result.document]


@pytest.mark.parametrize("encoding, prefix, name", [
    ("utf-8", b"", "UTF-8"),
    ("utf-8", b"\xef\xbb\xbf", "UTF-8"),
    ("utf-16-le", b"\xff\xfe", "UTF-16 LE"),
    ("utf-16-be", b"\xfe\xff", "UTF-16 BE"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32 LE"),
])
def test_unicode_encodings(encoding, prefix, name):
    result = read_bytes(prefix + SRT.encode(encoding), "srt")
    assert _rows(result) == EXPECTED
    assert result.encoding == name
    assert result.warnings == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised(encoding):
    result = read_bytes(SRT.encode(encoding), "srt")
    assert _rows(result) == EXPECTED
    assert [w.message for w in result.warnings] == [
        f"read as {encoding.upper().replace('-LE', ' LE').replace('-BE', ' BE')} "
        "(the file has no byte-order mark)"]


def test_legacy_cp1252_file():
    result = read_file(DATA / "srt/cp1252.srt")
    assert _rows(result) == [(1000, 2000, "Café crème – “quoted”"), (3000, 4000, "À bientôt")]
    assert result.encoding == "Windows-1252"
    assert len(result.warnings) == 1
    assert result.warnings[0].line == 3 and "not UTF-8" in result.warnings[0].message


def test_broken_utf8_after_bom_is_replaced_with_a_warning():
    data = b"\xef\xbb\xbf" + "1\n00:00:01,000 --> 00:00:02,000\nok \xff here\n".encode("latin-1")
    result = read_bytes(data, "srt")
    assert _rows(result) == [(1000, 2000, "ok \ufffd here")]
    assert result.warnings[0].line == 3


@pytest.mark.parametrize("eol", ["\r\n", "\r", "\n"])
@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass", "txt", "json"])
def test_line_ends(fmt, eol):
    from tests.formats.formats_helpers import sample_document

    text = write_text(sample_document(), fmt, timestamps=True) if fmt == "txt" else \
        write_text(sample_document(), fmt)
    plain = read_bytes(text.encode("utf-8"), fmt)
    other = read_bytes(text.replace("\n", eol).encode("utf-8"), fmt)
    assert _rows(other) == _rows(plain)
    assert len(plain.document) == 3
    assert [w.message for w in other.warnings] == [w.message for w in plain.warnings]


def test_crlf_writing_option():
    text = write_text([], "vtt", crlf=True)
    assert text == "WEBVTT\r\n\r\n"


def test_binary_data_is_refused():
    with pytest.raises(FormatError, match="binary data"):
        read_bytes(bytes(range(32)) * 20, "srt", source="movie.srt")
