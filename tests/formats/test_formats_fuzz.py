"""No input bytes make a reader fail with anything but FormatError.

Readers run on random bytes and on valid files damaged the ways files get damaged: bytes
flipped, cut short, lines deleted or repeated, junk inserted (control characters, far times,
legacy-encoded text among them).  A reader either returns a document whose segments keep the
model's rules and end before :data:`~app.formats.timing.MAX_TIME_MS`, or raises FormatError
naming the source.  ``read_text`` turns an unexpected exception into a FormatError that says
"please report this"; these tests fail on that message too, so the readers themselves must
cope.  Writers run on generated documents with hostile text (control characters, lone
surrogates, markup characters): what they write reads back in every format, and writing that
again gives the same text (a fixed point).

The budget is fixed and the runs are deterministic (``derandomize``: the same examples every
run, no example database), so the suite takes the same few seconds everywhere and a failure
always reproduces.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.document import Document
from app.core.model import Segment, check_segment
from app.formats import FORMATS, FormatError, FormatWarning, read_bytes, read_text, write_text
from app.formats.timing import MAX_TIME_MS
from tests.formats.formats_helpers import DATA, sample_document

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WRITER_FUZZ = settings(FUZZ, max_examples=100)
NAMES = sorted(FORMATS)
READABLE = sorted(n for n, info in FORMATS.items() if info.can_read)  # DOCX: export only


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
        assert seg.end <= MAX_TIME_MS, seg
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
@given(data=st.text(st.sampled_from(list("0123456789:,.->\n\r {}\\<>[]kNvc&;WEBVTT\"")
                                    + ["\x1c", "\x1f", "\x00", "\x85", "\u2028", "\ufeff"]),
                    max_size=400))
def test_random_subtitle_looking_text(fmt, data):
    _read_or_format_error(data.encode("utf-8"), fmt)


_JUNK = st.binary(min_size=1, max_size=8) | st.sampled_from(
    [b"-->", b"\n\n", b"{\\k", b"<00:00:01.000>", b"\r", b"\xff\xfe", b"\x00", b"99999999999999",
     b"[Events]", b"Dialogue:", b"\"segments\"", b"{", b"]", b"NaN", b"1e999", b"-1",
     b"\x1c", b"\x1f1\n", b"9999999:00:00,000", b"999999999999", b"99:59:59.99",
     "\u5b57\u5e55".encode("shift_jis"), "\u5b57\u5e55".encode("gbk"), b"\xef\xbb\xbf",
     b"\\ud800", b"WEBVTT\n\nNOTE", b"{\\k999999999}", b"<99999:00:00.000>"]
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


# -- writers: hostile documents written, read back, written again ----------------------------
_HOSTILE_CHARS = st.one_of(
    st.characters(blacklist_characters="\ufeff"),  # everything: controls, surrogates, markup
    st.sampled_from(list("<>{}\\&;\n\r\t\x00\x1c\x85\u2028") + ["\ud800", "<i>", "{\\an8}",
                                                                   "-->", "WEBVTT", "[Events]"]),
)


@st.composite
def _hostile_documents(draw) -> Document:
    segs = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, MAX_TIME_MS))
        end = min(MAX_TIME_MS, start + draw(st.integers(0, 60_000)))
        text = "".join(draw(st.lists(_HOSTILE_CHARS, max_size=20)))
        speaker = draw(st.none() | st.lists(_HOSTILE_CHARS, max_size=6).map("".join))
        segs.append(Segment(start, end, text, speaker=speaker))
    return Document(segs)


@pytest.mark.parametrize("fmt", READABLE)
@WRITER_FUZZ
@given(doc=_hostile_documents(), speakers=st.booleans())
def test_writers_output_reads_back_and_rewrites_to_a_fixed_point(fmt, doc, speakers):
    options = {"speakers": speakers} if "speakers" in FORMATS[fmt].options else {}
    first = write_text(doc, fmt, **options).encode("utf-8", errors="replace")  # as write_file
    back = read_bytes(first, fmt, source="written").document
    for seg in back:
        check_segment(seg)
        assert seg.end <= MAX_TIME_MS
    again = read_text(write_text(back, fmt, **options), fmt, source="rewritten").document
    # SRT cannot hold a cue with no text (a cue of only "<i>" reads back empty: SRT has no
    # escape for markup), so its writer leaves those out
    kept = [s for s in back if s.text] if fmt == "srt" else list(back)
    assert [(s.start, s.end, s.text) for s in again] == [(s.start, s.end, s.text) for s in kept]


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
@FUZZ
@given(data=_mutated())
def test_same_format_rewrite_reads_the_same(fmt, data):
    """What a damaged file reads as survives writing it back in its own format, with the
    markup kept as written (app.formats.markup): the raw cues never break the file's frame."""
    try:
        first = read_bytes(data, fmt, source="fuzzed").document
    except FormatError:
        return
    again = read_text(write_text(first, fmt), fmt, source="rewritten").document
    rows = [(s.start, s.end, s.text, s.speaker) for s in first]
    if fmt == "srt":
        rows = [r for r in rows if r[2]]  # SRT cannot hold a cue with no text
    if fmt == "ass":  # centiseconds
        rows = [(round(a / 10) * 10, round(b / 10) * 10, t, sp) for a, b, t, sp in rows]
    assert sorted(rows, key=str) == sorted(((s.start, s.end, s.text, s.speaker) for s in again),
                                          key=str)
