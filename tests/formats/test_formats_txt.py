"""Plain text: transcripts for reading, scripts for alignment."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, UNTIMED, Segment
from app.formats import normalize_text, read_text, write_text
from app.formats.txt import split_sentences
from tests.formats.formats_helpers import chars


def _doc() -> Document:
    return Document([
        Segment(0, 2000, "Good morning.", speaker="Ann"),
        Segment(2100, 4000, "How are you?", speaker="Ann"),
        Segment(4200, 6000, "Fine,\nthanks.", speaker="Bob"),
        Segment(9000, 10_000, "Later on.", speaker="Bob"),
    ])


def test_paragraphs_break_on_speaker_change_and_long_pauses():
    assert write_text(_doc(), "txt") == (
        "Good morning. How are you?\n\nFine, thanks.\n\nLater on.\n")


def test_paragraphs_with_speaker_names():
    assert write_text(_doc(), "txt", speakers=True) == (
        "Ann: Good morning. How are you?\n\nBob: Fine, thanks.\n\nBob: Later on.\n")


def test_timestamped_transcript_form():
    assert write_text(_doc(), "txt", timestamps=True, speakers=True) == (
        "[00:00:00] Ann: Good morning.\n[00:00:02] Ann: How are you?\n\n"
        "[00:00:04] Bob: Fine,\nthanks.\n[00:00:09] Bob: Later on.\n")


def test_timestamped_transcript_reads_back():
    back = read_text(write_text(_doc(), "txt", timestamps="ms", speakers=True), "txt").document
    assert [(s.start, s.text, s.speaker) for s in back] == [
        (s.start, s.text, s.speaker) for s in _doc()]
    assert [s.end for s in back][:3] == [2100, 4200, 9000]  # the next segment's start
    assert all(s.has(TIMES_ESTIMATED) and not s.has(UNTIMED) for s in back)


_WORDS = st.text(chars(exclude="[]():\n\r"), min_size=1, max_size=30).filter(
    lambda t: normalize_text(t) != "")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**8), _WORDS, st.sampled_from(["Ann", "Bob Smith"])),
                min_size=2, max_size=6))
def test_timestamped_round_trip_keeps_starts_text_and_speakers(rows):
    # Two entries at least: a single "Name: text" line is not enough to trust a speaker prefix.
    doc = Document([Segment(start, start + 500, text, speaker=name) for start, text, name in rows])
    back = read_text(write_text(doc, "txt", timestamps="ms", speakers=True), "txt").document
    assert [(s.start, s.text, s.speaker) for s in back] == [
        (s.start, normalize_text(s.text), s.speaker) for s in doc]


def test_script_lines_and_sentences_become_untimed_segments():
    text = "First line without a stop\nTwo sentences here. And here!\n\n  Third paragraph?  \n"
    doc = read_text(text, "txt").document
    assert [s.text for s in doc] == ["First line without a stop", "Two sentences here.",
                                     "And here!", "Third paragraph?"]
    assert all(s.flags == {UNTIMED, TIMES_ESTIMATED} for s in doc)
    assert doc[0].start == 0
    assert all(a.end == b.start for a, b in zip(doc, doc[1:], strict=False))
    assert all(not s.words and s.speaker is None for s in doc)


def test_sentence_splitting_spares_abbreviations_initials_and_lowercase():
    assert split_sentences("Mr. Smith met J. F. Kennedy. It was e.g. fine... yes. 好。再见！") == [
        "Mr. Smith met J. F. Kennedy.", "It was e.g. fine... yes.", "好。", "再见！"]


def test_a_lone_colon_is_not_a_speaker():
    doc = read_text("Warning: do not touch.\nThen leave.\n", "txt").document
    assert [s.text for s in doc] == ["Warning: do not touch.", "Then leave."]
    assert all(s.speaker is None for s in doc)


def test_bilingual_text():
    doc = Document([Segment(0, 1000, "Bonjour.", translation="Hello."),
                    Segment(1000, 2000, "Merci.", translation="Thanks.")])
    assert write_text(doc, "txt", bilingual=True) == "Bonjour.\nHello.\n\nMerci.\nThanks.\n"
    assert write_text(doc, "txt", bilingual=True, timestamps=True) == (
        "[00:00:00] Bonjour.\nHello.\n[00:00:01] Merci.\nThanks.\n")


def test_empty_document():
    assert write_text([], "txt") == ""
    assert len(read_text("", "txt").document) == 0
    assert len(read_text("\n \n", "txt").document) == 0


def test_a_script_reads_and_writes_back_line_for_line():
    from tests.formats.formats_helpers import DATA

    script = read_text((DATA / "txt/script.txt").read_text(), "txt").document
    out = write_text(script, "txt", speakers=True)
    assert out == ("Interview opening\n\nJOHN: Good morning.\nThanks for coming, Dr. Smith.\n\n"
                   "SMITH: My pleasure!\n\nJOHN: Let's begin.\n")
    back = read_text(out, "txt").document
    assert [(s.text, s.speaker) for s in back] == [(s.text, s.speaker) for s in script]
