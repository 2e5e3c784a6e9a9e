"""Pasting segments (one undo step, new ids, spacing kept) and the clipboard encoding: Cueline's
JSON round trip and SRT text from another program."""

from __future__ import annotations

from app.core.document import Document
from app.core.model import Segment, Word
from app.core.paste import paste_segments
from app.formats.clipboard import MIME_TYPE, decode_json, decode_text, encode


def test_paste_shifts_copies_to_the_position_as_one_step():
    doc = Document([Segment(0, 1000, "a"), Segment(5000, 6000, "b")])
    src = [Segment(200, 900, "x", speaker="Ann"), Segment(1000, 1500, "y")]
    before = doc.snapshot()
    ids = paste_segments(doc, src, 2000)
    assert [(s.start, s.end, s.text) for s in doc] == [
        (0, 1000, "a"), (2000, 2700, "x"), (2800, 3300, "y"), (5000, 6000, "b")]
    assert set(ids).isdisjoint({s.id for s in src}) and len(ids) == 2
    assert doc.get(ids[0]).speaker == "Ann"
    assert doc.history.undo_name == "Paste 2 segments"
    doc.history.undo()
    assert doc.snapshot() == before
    # pasting the same segments twice gives distinct ids
    a = paste_segments(doc, src, 0)
    b = paste_segments(doc, src, 0)
    assert not set(a) & set(b)
    doc.check()


def test_clipboard_json_round_trip_keeps_words_and_flags():
    seg = Segment(100, 900, "Hi there", (Word("Hi", 100, 400), Word("there", 400, 900)),
                  speaker="Bo", translation="Salut", flags=frozenset({"words_stale"}))
    data, srt = encode([seg])
    assert MIME_TYPE.startswith("application/")
    back = decode_json(data)
    assert back[0].words == seg.words and back[0].speaker == "Bo" and back[0].flags == seg.flags
    assert srt.startswith("1\n00:00:00,100 --> 00:00:00,900\n")
    assert decode_text(srt)[0].text == "Hi there"


def test_text_from_other_programs():
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFrom a browser\n"
    assert [s.text for s in decode_text(vtt)] == ["From a browser"]
    assert decode_text("just a sentence") == []
    assert decode_text("") == []
    import pytest

    with pytest.raises(ValueError):
        decode_json(b'{"kind": "other"}')
    with pytest.raises(ValueError):
        decode_json(b"\xff")
