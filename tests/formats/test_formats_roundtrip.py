"""Write then read: what each format keeps, on generated documents.

"Keeps text" means: the text the readers return is ``normalize_text`` of the text written
(line ends unified, lines stripped, empty lines dropped).  Per format:
- SRT: times to the ms; cues with no text are left out (SRT cannot hold them); styling tags
  are markup in SRT, so texts here hold no ``<``, ``>`` or ``{``.
- WebVTT: times to the ms, empty cues kept, any text (``&``, ``<``, ``>`` are escaped),
  speakers with ``speakers=True``.
- ASS: times to the centisecond, empty cues kept, any text (``\\``, ``{``, ``}`` escaped),
  speakers always (commas in names become spaces).
- JSON: everything, exactly.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.document import Document, MediaRef
from app.core.model import LOW_CONFIDENCE, WORDS_STALE, Segment, Word
from app.core.words import split_words
from app.formats import normalize_text, read_text, write_text
from tests.formats.formats_helpers import documents, texts, word_timed_segments

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _cs(ms: int) -> int:
    return int(round(ms / 10.0)) * 10


def _name(speaker: str | None, ass: bool = False) -> str | None:
    if speaker is None:
        return None
    name = " ".join((speaker.replace(",", " ") if ass else speaker).split())
    return name or None


@SETTINGS
@given(documents(text=texts(exclude="<>{")))
def test_srt_keeps_times_and_text(doc):
    back = read_text(write_text(doc, "srt"), "srt").document
    expected = [(s.start, s.end, normalize_text(s.text)) for s in doc if normalize_text(s.text)]
    assert [(s.start, s.end, s.text) for s in back] == expected


def test_srt_leaves_out_empty_cues():
    doc = Document([Segment(0, 1000, "one"), Segment(1000, 2000, " \n "), Segment(2000, 3000, "two")])
    out = write_text(doc, "srt")
    assert out.count("-->") == 2
    assert "2\n00:00:02,000 --> 00:00:03,000\ntwo" in out
    assert [s.text for s in read_text(out, "srt").document] == ["one", "two"]


def test_srt_drops_blank_lines_and_keeps_zero_length_cues():
    doc = Document([Segment(500, 500, "a\n\n  b  \n")])
    back = read_text(write_text(doc, "srt"), "srt")
    assert [(s.start, s.end, s.text) for s in back.document] == [(500, 500, "a\nb")]
    assert back.warnings == []


@SETTINGS
@given(documents())
def test_vtt_keeps_times_text_and_speakers(doc):
    back = read_text(write_text(doc, "vtt", speakers=True), "vtt")
    expected = [(s.start, s.end, normalize_text(s.text), _name(s.speaker)) for s in doc]
    assert [(s.start, s.end, s.text, s.speaker) for s in back.document] == expected
    assert back.warnings == []


@SETTINGS
@given(documents())
def test_ass_keeps_centisecond_times_text_and_speakers(doc):
    back = read_text(write_text(doc, "ass"), "ass")
    # Rounding to centiseconds can reorder cues that start within 10 ms of each other.
    rows = sorted(((_cs(s.start), _cs(s.end), normalize_text(s.text), _name(s.speaker, ass=True),
                    s.start, s.end) for s in doc), key=lambda r: (r[0], r[1]))
    got = [(s.start, s.end, s.text, s.speaker) for s in back.document]
    assert got == [r[:4] for r in rows]
    for r in rows:
        assert abs(r[0] - r[4]) <= 5 and abs(r[1] - r[5]) <= 5
    assert back.warnings == []


_OPTIONAL = st.one_of(st.none(), texts())
_FLAGS = st.frozensets(st.sampled_from([WORDS_STALE, LOW_CONFIDENCE, "custom_flag"]))


@st.composite
def _rich_documents(draw):
    segs = []
    for seg in draw(st.lists(word_timed_segments(), max_size=4)):
        probs = [draw(st.one_of(st.none(), st.floats(0, 1, allow_subnormal=False))) for _ in seg.words]
        words = tuple(Word(w.text, w.start, w.end, p, draw(st.booleans()))
                      for w, p in zip(seg.words, probs, strict=True))
        segs.append(seg.replace(words=words, translation=draw(_OPTIONAL),
                                language=draw(st.sampled_from([None, "en", "fr"])),
                                flags=draw(_FLAGS)))
    segs += draw(documents()).segments
    media = draw(st.one_of(st.none(), st.builds(
        MediaRef, path=st.text(max_size=20), size=st.one_of(st.none(), st.integers(0, 10**12)),
        duration_ms=st.one_of(st.none(), st.integers(0, 10**9)))))
    meta = draw(st.dictionaries(st.sampled_from(["title", "language", "engine"]),
                                st.text(max_size=10), max_size=3))
    return Document(segs, media=media, meta=meta)


@SETTINGS
@given(_rich_documents())
def test_json_keeps_everything(doc):
    back = read_text(write_text(doc, "json"), "json")
    assert back.warnings == []
    assert back.document.segments == doc.segments
    assert back.document.meta == doc.meta
    assert back.document.media == doc.media


def test_json_is_the_transcription_output_format():
    import json

    from tests.formats.formats_helpers import sample_document

    doc = sample_document()
    doc.meta.update(language="en", cleanup=[{"removed": "Thank you.", "reason": "hallucination"}])
    data = json.loads(write_text(doc, "json"))
    assert data["format"] == "cueline-transcript" and data["version"] == 1
    assert data["language"] == "en"
    assert data["cleanup"] == [{"removed": "Thank you.", "reason": "hallucination"}]
    first = data["segments"][0]
    assert (first["start"], first["end"], first["text"]) == (1000, 3000, "And so my fellow Americans,")
    assert first["words"][0] == {"text": "And", "start": 1000, "end": 1200, "probability": None,
                                 "estimated": False}
    assert read_text(write_text(doc, "json"), "json").document.meta["cleanup"] == data["cleanup"]


# -- word-level output ------------------------------------------------------------------------
@SETTINGS
@given(st.lists(word_timed_segments(), min_size=1, max_size=4))
def test_vtt_karaoke_keeps_word_times_exactly(segs):
    doc = Document(segs)
    out = write_text(doc, "vtt", karaoke=True)
    back = read_text(out, "vtt").document
    for a, b in zip(doc, back, strict=True):
        assert b.text == normalize_text(a.text)
        assert [(w.text, w.start, w.end) for w in b.words] == [(w.text, w.start, w.end) for w in a.words]


@SETTINGS
@given(st.lists(word_timed_segments(), min_size=1, max_size=4))
def test_ass_karaoke_keeps_word_times_to_the_centisecond(segs):
    doc = Document(segs)
    back = read_text(write_text(doc, "ass", karaoke=True), "ass").document

    # ASS keeps centiseconds: cues less than 10 ms apart may come back in another order
    def cs_key(s):
        return (round(s.start / 10), round(s.end / 10), normalize_text(s.text),
                tuple(round(w.start / 10) for w in s.words))

    for a, b in zip(sorted(doc, key=cs_key), sorted(back, key=cs_key), strict=True):
        assert b.text == normalize_text(a.text)
        assert [w.text for w in b.words] == [w.text for w in a.words]
        for wa, wb in zip(a.words, b.words, strict=True):
            assert abs(wa.start - wb.start) <= 5 and abs(wa.end - wb.end) <= 5


def test_vtt_karaoke_form():
    seg = Segment(1000, 3000, "Hello big world", speaker="Ann", words=(
        Word("Hello", 1000, 1500), Word("big", 1600, 2000), Word("world", 2000, 2900)))
    out = write_text([seg], "vtt", karaoke=True, speakers=True)
    assert out == ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n"
                   "<v Ann><c>Hello</c><00:00:01.500> <00:00:01.600><c>big</c> "
                   "<00:00:02.000><c>world</c><00:00:02.900>\n\n")


def test_ass_karaoke_form_counts_gaps():
    seg = Segment(1000, 3000, "Hello big world", words=(
        Word("Hello", 1000, 1500), Word("big", 1600, 2000), Word("world", 2000, 2900)))
    line = write_text([seg], "ass", karaoke=True).strip().split("\n")[-1]
    assert line.endswith(",,{\\k50}Hello {\\k10}{\\k40}big {\\k90}world")


def test_karaoke_without_word_times_estimates_them():
    seg = Segment(0, 4000, "one two three four")
    back = read_text(write_text([seg], "vtt", karaoke=True), "vtt").document[0]
    assert [w.text for w in back.words] == split_words(seg.text)
    assert back.words[0].start == 0 and back.words[-1].end == 4000
    assert all(a.end <= b.start for a, b in zip(back.words, back.words[1:], strict=False))


def test_speaker_labels_per_format():
    seg = Segment(0, 1000, "Hi there", speaker="Ann")
    assert "Ann: Hi there" in write_text([seg], "srt", speakers=True)
    assert "Ann:" not in write_text([seg], "srt")
    assert "<v Ann>Hi there" in write_text([seg], "vtt", speakers=True)
    assert ",Default,Ann,0,0,0,,Hi there" in write_text([seg], "ass")
    assert "Ann: Hi there" in write_text([seg], "txt", speakers=True)


def test_bilingual_writes_translation_under_the_text():
    seg = Segment(0, 1000, "Bonjour", translation="Hello")
    assert "Bonjour\nHello\n" in write_text([seg], "srt", bilingual=True)
    assert "Bonjour\nHello\n" in write_text([seg], "vtt", bilingual=True)
    assert ",,Bonjour\\NHello" in write_text([seg], "ass", bilingual=True)
    assert write_text([seg], "txt", bilingual=True) == "Bonjour\nHello\n"
    assert "Hello" not in write_text([seg], "srt")
