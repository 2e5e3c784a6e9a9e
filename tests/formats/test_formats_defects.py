"""Fixture files with the common defects give the expected segments and warnings (with lines)."""

from __future__ import annotations

import pytest

from app.core.model import TIMES_ESTIMATED, UNTIMED
from app.formats import FormatError, read_file
from tests.formats.formats_helpers import DATA


def _read(name: str):
    result = read_file(DATA / name)
    rows = [(s.start, s.end, s.text) for s in result.document]
    warnings = [(w.line, w.message) for w in result.warnings]
    return result, rows, warnings


def _has(warnings, line, fragment):
    return any(w_line == line and fragment in msg for w_line, msg in warnings)


# -- SRT --------------------------------------------------------------------------------------
def test_srt_missing_cue_number():
    _, rows, warnings = _read("srt/missing_index.srt")
    assert rows == [(1000, 2000, "First"), (3000, 4000, "Second"), (5000, 6000, "Third")]
    assert warnings == [(5, "cue number missing")]


def test_srt_wrong_cue_numbers():
    _, rows, warnings = _read("srt/wrong_index.srt")
    assert [r[2] for r in rows] == ["First", "Second", "Third", "Fourth"]
    assert warnings == [(5, "cue number 5 out of sequence (expected 2)"),
                        (13, "cue number 2 out of sequence (expected 7)")]


def test_srt_missing_blank_lines():
    _, rows, warnings = _read("srt/no_blank_lines.srt")
    assert rows == [(1000, 2000, "First line"), (3000, 4000, "Second"), (5000, 6000, "Third")]
    assert _has(warnings, 4, "no blank line before this cue")
    assert _has(warnings, 7, "no blank line before this cue")
    assert _has(warnings, 7, "cue number missing")
    assert len(warnings) == 3


def test_srt_time_defects_dot_short_fractions_whitespace_missing_hours():
    _, rows, warnings = _read("srt/time_defects.srt")
    assert rows == [(1000, 2000, "Dot ms"), (3500, 4250, "Stray   whitespace"),
                    (5000, 6000, "Short")]
    assert warnings == [
        (2, "'.' before the fraction of a second (expected ',')"),
        (6, "1-digit fraction of a second read as tenths"),
        (6, "2-digit fraction of a second read as hundredths"),
        (10, "hours missing from the time"),
    ]


def test_srt_markup_is_stripped_and_text_kept():
    _, rows, warnings = _read("srt/markup.srt")
    assert rows == [(1000, 2000, "Italic and bold\nred caps"), (3000, 4000, "Top line\na < b")]
    assert warnings == []


def test_srt_reversed_negative_unreadable_and_missing_end():
    result, rows, warnings = _read("srt/bad_times.srt")
    assert rows == [(0, 1000, "Negative"), (4000, 5000, "Reversed"), (10_000, 13_000, "Truncated")]
    assert warnings == [
        (2, "cue ends before it starts: start and end swapped"),
        (6, "negative time set to 0"),
        (10, "unreadable timing line '00:00:0x,000 --> 00:00:09,000': cue skipped"),
        (14, "end time missing or unreadable: cue end guessed"),
    ]
    assert result.document[2].has(TIMES_ESTIMATED)
    assert not result.document[0].has(TIMES_ESTIMATED)


def test_srt_truncated_last_cue():
    _, rows, warnings = _read("srt/truncated.srt")
    assert rows == [(1000, 2000, "First"), (3000, 4000, "Second")]
    assert warnings == [(9, "the file ends with an incomplete cue (truncated file?): it is left out")]


def test_srt_blank_line_inside_a_cue_keeps_the_text():
    _, rows, warnings = _read("srt/blank_inside.srt")
    assert rows == [(1000, 2000, "Line one\nLine two"), (3000, 4000, "Next")]
    assert warnings == [(5, "blank line inside a cue: the text after it is kept in the cue")]


def test_srt_text_before_the_first_cue():
    _, rows, warnings = _read("srt/text_before.srt")
    assert rows == [(1000, 2000, "Hello")]
    assert warnings == [(1, "text before the first cue ignored")]


def test_srt_with_no_cue_is_an_error_naming_file_and_line():
    with pytest.raises(FormatError) as info:
        read_file(DATA / "srt/not_srt.srt")
    err = info.value
    assert err.line == 1 and err.file.endswith("not_srt.srt")
    assert str(err) == f"{DATA / 'srt/not_srt.srt'}:1: " + err.reason
    assert "no SRT cue" in err.reason


def test_many_identical_defects_are_summarised():
    from app.formats import read_text

    text = "".join(f"00:00:{i:02d}.000 --> 00:00:{i:02d}.500\nCue {i}\n\n" for i in range(30))
    warnings = read_text(text, "srt").warnings
    assert len(warnings) == 10 + 10 + 2  # '.' and missing number: 10 each, then a summary each
    assert warnings[-1].line is None and "20 more warning(s) like" in warnings[-1].message


# -- WebVTT -----------------------------------------------------------------------------------
def test_vtt_header_blocks_identifiers_settings_voices_entities():
    result, rows, warnings = _read("vtt/full.vtt")
    assert rows == [(1000, 2500, "We are in New York City"),
                    (3000, 4000, "Hello & welcome <3\nSecond line"),
                    (60_000, 61_000, "No speaker here")]
    assert [s.speaker for s in result.document] == ["Roger Bingham", "Neil", None]
    assert result.document.meta["language"] == "en"
    assert set(result.document.meta) == {"language", "markup"}  # blocks, settings: kept
    assert warnings == []
    assert all(not s.words for s in result.document)


def test_vtt_inline_timestamps_give_word_times():
    result, _, warnings = _read("vtt/karaoke.vtt")
    words = [[(w.text, w.start, w.end) for w in s.words] for s in result.document]
    assert words == [
        [("Never", 1000, 1400), ("drink", 1400, 2000), ("liquid", 2000, 2700)],
        [("Youtube", 4000, 4500), ("style", 4500, 5000), ("words", 5000, 6000)],
        [("Syllables", 7000, 8000)],
    ]
    assert warnings == []


def test_vtt_defects():
    _, rows, warnings = _read("vtt/defects.vtt")
    assert rows == [(1000, 2000, "First"), (3000, 4000, "Second"), (4000, 5000, "Third")]
    assert warnings == [
        (1, "'WEBVTT' header missing"),
        (1, "',' before the fraction of a second (expected '.')"),
        (3, "no blank line before this cue"),
        (6, "text outside any cue ignored"),
        (8, "cue ends before it starts: start and end swapped"),
    ]


def test_not_vtt_is_an_error():
    with pytest.raises(FormatError, match=r"not_vtt\.vtt:1: not a WebVTT file"):
        read_file(DATA / "vtt/not_vtt.vtt")


# -- ASS / SSA --------------------------------------------------------------------------------
def test_ass_fields_line_breaks_tags_names_comments():
    result, rows, warnings = _read("ass/basic.ass")
    assert rows == [(1000, 3250, "First line\nSecond line\u00a0here"),
                    (5000, 6500, "Second cue, with commas"),
                    (7000, 8000, "Soft break done")]
    assert [s.speaker for s in result.document] == ["Alice", "Bob", None]
    assert result.document.meta["play_res_y"] == "720"
    assert result.document.meta["title"] == "Basic test"
    assert warnings == []


def test_ass_karaoke_tags_give_word_times_with_gaps():
    result, _, _ = _read("ass/karaoke.ass")
    seg = result.document[0]
    assert seg.text == "Hello world again"
    assert [(w.text, w.start, w.end) for w in seg.words] == [
        ("Hello", 1000, 1800), ("world", 2000, 2400), ("again", 2400, 3000)]


def test_ssa_v4_with_marked_field():
    result, rows, warnings = _read("ass/ssa.ssa")
    assert rows == [(1500, 2500, "Old SSA line")]
    assert result.document[0].speaker == "Narrator"
    assert result.format == "ass" and warnings == []


def test_ass_defects():
    _, rows, warnings = _read("ass/defects.ass")
    assert rows == [(1000, 2000, "No format line"), (7000, 8000, "After drawing"),
                    (9000, 10_000, "Reversed")]
    assert warnings == [
        (5, "no Format line before the events: the standard ASS order assumed"),
        (6, "Dialogue line has 4 fields, the format has 10: line skipped"),
        (7, "unreadable start time 'x:00:05.00': line skipped"),
        (9, "cue ends before it starts: start and end swapped"),
    ]


def test_not_ass_is_an_error():
    with pytest.raises(FormatError, match=r"not_ass\.ass:1: not an ASS/SSA file"):
        read_file(DATA / "ass/not_ass.ass")


# -- plain text -------------------------------------------------------------------------------
def test_plain_script_gives_untimed_segments_in_order():
    result, rows, warnings = _read("txt/script.txt")
    assert [r[2] for r in rows] == ["Interview opening", "Good morning.",
                                    "Thanks for coming, Dr. Smith.", "My pleasure!", "Let's begin."]
    assert [s.speaker for s in result.document] == [None, "JOHN", "JOHN", "SMITH", "JOHN"]
    assert all(s.has(UNTIMED) and s.has(TIMES_ESTIMATED) for s in result.document)
    assert rows[0][0] == 0
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(rows, rows[1:], strict=False))
    assert warnings == []


def test_timestamped_transcript():
    result, rows, warnings = _read("txt/transcript.txt")
    assert rows == [(1000, 5000, "Hello there.\nStill Ann speaking."), (5000, 62_500, "Hi Ann."),
                    (62_500, 63_500, "Bye.")]
    assert [s.speaker for s in result.document] == ["Ann", "Bob", "Ann"]
    assert warnings == [(1, "text before the first timestamp ignored")]


def test_whisper_cpp_text_with_time_ranges():
    result, rows, _ = _read("txt/whisper_cpp.txt")
    assert rows[0][:2] == (0, 11_000) and rows[0][2].startswith("And so my fellow Americans,")
    assert not result.document[0].flags


# -- JSON -------------------------------------------------------------------------------------
def test_whisper_json_in_seconds():
    result, rows, warnings = _read("json/whisper.json")
    assert rows == [(0, 2500, "And so my fellow Americans,"), (3000, 4000, "ask not.")]
    seg = result.document[0]
    assert [(w.text, w.start, w.end, w.probability) for w in seg.words][:2] == [
        ("And", 0, 300, 0.91), ("so", 300, 520, 0.99)]
    assert result.document.meta == {"language": "en"}
    assert warnings == []


def test_json_defects():
    result, rows, warnings = _read("json/defects.json")
    assert rows == [(1000, 2000, "Hello world"), (2500, 3000, "Reversed"), (5000, 6000, "Words outside")]
    messages = [m for _, m in warnings]
    assert "segment 1: the words do not match the text: word times dropped" in messages
    assert "segment 2: ends before it starts: start and end swapped" in messages
    assert "segment 2: duplicate id 'a' replaced" in messages
    assert "segment 3: no start time: skipped" in messages
    assert "segment 5: not an object: skipped" in messages
    fitted = result.document[2].words
    assert [(w.start, w.end) for w in fitted] == [(5000, 5500), (5600, 6000)]
    assert all(w.estimated for w in fitted)
    assert len({s.id for s in result.document}) == 3


def test_invalid_json_reports_the_line():
    from app.formats import read_text

    with pytest.raises(FormatError) as info:
        read_text('{\n  "segments": [\n    {"start": 1,,}\n  ]\n}', "json", source="t.json")
    assert info.value.line == 3 and str(info.value).startswith("t.json:3: not valid JSON")
