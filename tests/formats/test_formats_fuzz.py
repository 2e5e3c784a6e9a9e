"""No input bytes make a reader fail with anything but FormatError.

Readers run on random bytes and on valid files damaged the ways files get damaged: bytes
flipped, cut short, lines deleted or repeated, junk inserted.  A reader either returns a
document whose segments keep the model's rules, or raises FormatError naming the source.
``read_text`` turns an unexpected exception into a FormatError that says "please report this";
these tests fail on that message too, so the readers themselves must cope.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.model import check_segment
from app.formats import FORMATS, FormatError, FormatWarning, read_bytes, write_text
from tests.formats.formats_helpers import DATA, sample_document

FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAMES = sorted(FORMATS)


def _valid_files() -> list[bytes]:
    files = [p.read_bytes() for p in sorted(DATA.glob("*/*")) if p.is_file()]
    doc = sample_document()
    for name in NAMES:
        files.append(write_text(doc, name, speakers=True).encode("utf-8"))
    files.append(write_text(doc, "vtt", karaoke=True).encode("utf-8"))
    files.append(write_text(doc, "ass", karaoke=True).encode("utf-8"))
    files.append(write_text(doc, "txt", timestamps=True).encode("utf-8"))
    return files


VALID = _valid_files()


def _read_or_format_error(data: bytes, fmt: str | None) -> None:
    try:
        result = read_bytes(data, fmt, source="fuzzed")
    except FormatError as exc:
        assert "please report" not in str(exc), str(exc)
        assert str(exc).startswith("fuzzed")
        return
    for seg in result.document:
        check_segment(seg)
    assert result.format in FORMATS
    for w in result.warnings:
        assert isinstance(w, FormatWarning)
        assert w.line is None or (isinstance(w.line, int) and w.line >= 1)


@pytest.mark.parametrize("fmt", [*NAMES, None])
@FUZZ
@given(data=st.binary(max_size=3000))
def test_random_bytes(fmt, data):
    _read_or_format_error(data, fmt)


@pytest.mark.parametrize("fmt", [*NAMES, None])
@FUZZ
@given(data=st.text(st.sampled_from(list("0123456789:,.->\n\r {}\\<>[]kNvc&;WEBVTT\"")),
                    max_size=400))
def test_random_subtitle_looking_text(fmt, data):
    _read_or_format_error(data.encode("utf-8"), fmt)


_JUNK = st.binary(min_size=1, max_size=8) | st.sampled_from(
    [b"-->", b"\n\n", b"{\\k", b"<00:00:01.000>", b"\r", b"\xff\xfe", b"\x00", b"99999999999999",
     b"[Events]", b"Dialogue:", b"\"segments\"", b"{", b"]", b"NaN", b"1e999", b"-1"]
)


@st.composite
def _mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "delete_line", "duplicate_line", "insert"]))
        lines = bytes(data).split(b"\n")
        if op == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        elif op == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif op == "delete_line" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = bytearray(b"\n".join(lines))
        elif op == "duplicate_line" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            data = bytearray(b"\n".join(lines))
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(_JUNK)
    return bytes(data)


@pytest.mark.parametrize("fmt", [*NAMES, None])
@FUZZ
@given(data=_mutated())
def test_mutated_valid_files(fmt, data):
    _read_or_format_error(data, fmt)


@pytest.mark.parametrize("text", [
    "[" * 100_000,
    '{"segments": [' + "[" * 50_000 + "]}",
    '{"segments": [{"start": 1' + "0" * 5000 + ', "end": 1}]}',
    '{"segments": [{"start": NaN, "end": Infinity, "text": "x"}]}',
    '{"segments": [{"start": 1e400, "end": -1e400, "text": 5}]}',
    '{"segments": [{"start": 0, "end": 1, "text": "a\\ud800b", "words": [{"text": "a\\ud800b", '
    '"start": 0, "end": 1}]}]}',
    '{"segments": {"not": "a list"}}',
    "42",
])
def test_hostile_json(text):
    _read_or_format_error(text.encode("utf-8"), "json")


def test_lone_surrogates_in_json_become_replacement_characters():
    data = b'{"segments": [{"start": 0, "end": 1, "text": "a\\ud800b"}]}'
    seg = read_bytes(data, "json").document[0]
    assert seg.text == "a\ufffdb"
    assert write_text([seg], "srt").encode("utf-8")
