"""Aligning a script: lines the audio lacks are flagged, not forced; the rest is timed."""

from __future__ import annotations

import pytest

from app.align.errors import AlignError
from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, UNMATCHED, UNTIMED, Segment
from app.core.words import split_words
from app.pipeline.script import align_script
from tests.align.groundtruth import SR
from tests.conftest import JFK_TEXT

pytestmark = pytest.mark.slow

EXTRA = "The quick brown fox jumps over the lazy dog near the old river bank."


def _starts(segments):
    return {w.text: w.start for s in segments if not s.has(UNMATCHED) for w in s.words}


def test_plain_text_script(aligner, jfk_samples):
    res = align_script(jfk_samples, SR, JFK_TEXT, "en", aligner)
    assert res.unmatched == []
    (seg,) = res.segments
    assert seg.text == JFK_TEXT and [w.text for w in seg.words] == split_words(JFK_TEXT)
    assert abs(seg.words[0].start - 300) <= 150
    assert not seg.has(UNTIMED) and not seg.has(UNMATCHED)
    Document(res.segments).check()


def test_extra_paragraph_is_flagged_and_the_rest_aligned(aligner, jfk_samples):
    lines = ["And so my fellow Americans,", "ask not what your country can do for you,",
             EXTRA, "ask what you can do for your country."]
    script = [Segment(0, 0, t, flags=frozenset({UNTIMED})) for t in lines]
    res = align_script(jfk_samples, SR, script, "en", aligner, include_extra_speech=False)
    Document(res.segments).check()
    by_text = {s.text: s for s in res.segments}
    assert [s.id for s in res.segments if s.text != EXTRA] == \
        [s.id for s in script if s.text != EXTRA]  # ids kept, in time order
    extra = by_text[EXTRA]
    assert extra.has(UNMATCHED) and extra.has(TIMES_ESTIMATED)
    assert all(w.estimated for w in extra.words)
    assert [(u.kind, u.text, u.line) for u in res.unmatched] == [("script", EXTRA, 2)]
    # placed between its neighbours, not over their speech
    assert by_text[lines[1]].end <= extra.start <= extra.end <= by_text[lines[3]].start
    # the heard lines are aligned as if the extra paragraph were not there
    alone = align_script(jfk_samples, SR, "\n".join(x for x in lines if x != EXTRA), "en",
                         aligner)
    ref = _starts(alone.segments)
    got = _starts(res.segments)
    for text in ("And", "fellow", "country.", "Americans,"):
        assert abs(got[text] - ref[text]) <= 150, text
    for line in (lines[0], lines[1], lines[3]):
        seg = by_text[line]
        assert not seg.has(UNMATCHED) and not seg.has(UNTIMED)
        assert not any(w.estimated for w in seg.words)


def test_speech_missing_from_the_script_is_reported(aligner, jfk_samples):
    script = "And so my fellow Americans,\nask what you can do for your country."
    res = align_script(jfk_samples, SR, script, "en", aligner)
    speech = [u for u in res.unmatched if u.kind == "speech"]
    assert len(speech) == 1
    u = speech[0]
    assert "country" in u.text.lower() and 2500 <= u.start and u.end <= 8300
    added = [s for s in res.segments if s.id == u.segment_id]
    assert added and added[0].has(UNMATCHED) and added[0].text == u.text
    heard = [s for s in res.segments if not s.has(UNMATCHED)]
    assert [s.text for s in heard] == script.splitlines()
    assert abs(heard[1].words[0].start - 8200) <= 250


def test_wrong_subtitle_times_are_replaced(aligner, jfk_samples):
    lines = ["And so my fellow Americans,", "ask not what your country can do for you,",
             "ask what you can do for your country."]
    wrong = [Segment(20000 + 1000 * i, 20500 + 1000 * i, t, speaker="JFK")
             for i, t in enumerate(lines)]
    res = align_script(jfk_samples, SR, wrong, "en", aligner)
    assert [s.text for s in res.segments] == lines
    assert all(s.speaker == "JFK" for s in res.segments)
    assert res.segments[0].start < 600 and res.segments[2].end < 11000


def test_audio_without_the_script(aligner, jfk_samples):
    res = align_script(jfk_samples[:2 * SR], SR, "Completely different words here.\nAnd more.",
                       "en", aligner)
    assert all(s.has(UNMATCHED) for s in res.segments)
    assert {u.kind for u in res.unmatched} >= {"script"}


def test_empty_script_is_an_error(aligner, jfk_samples):
    with pytest.raises(AlignError, match="no text"):
        align_script(jfk_samples, SR, "  \n\n ", "en", aligner)


def _heard_jfk(jfk_samples):
    from app.pipeline.script import transcribe_words

    heard, _ = transcribe_words(jfk_samples, "en")
    return heard


def test_line_the_quick_transcription_missed_is_recovered(aligner, jfk_samples):
    heard = _heard_jfk(jfk_samples)
    # the listening model "dropped" the middle sentence (3.2-7.7 s)
    dropped = [w for w in heard if not 3000 <= (w.start + w.end) // 2 <= 7700]
    assert len(dropped) < len(heard)
    lines = ["And so my fellow Americans,", "ask not what your country can do for you,",
             "ask what you can do for your country."]
    res = align_script(jfk_samples, SR, "\n".join(lines), "en", aligner, heard=dropped)
    assert res.unmatched == []
    middle = next(s for s in res.segments if s.text == lines[1])
    assert not middle.has(UNMATCHED) and abs(middle.words[0].start - 3300) <= 250


def test_line_forced_on_other_speech_stays_unmatched(aligner, jfk_samples):
    heard = _heard_jfk(jfk_samples)
    lines = ["And so my fellow Americans,", EXTRA, "ask what you can do for your country."]
    res = align_script(jfk_samples, SR, "\n".join(lines), "en", aligner, heard=heard)
    extra = next(s for s in res.segments if s.text == EXTRA)
    assert extra.has(UNMATCHED)
    kinds = {(u.kind, u.text) for u in res.unmatched}
    assert ("script", EXTRA) in kinds
    assert any(k == "speech" and "country" in t for k, t in kinds)
