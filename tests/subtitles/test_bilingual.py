"""Bilingual output that meets the rules: each language within the line length, the lines per
cue and the reading speed on its own; shaped consistently, or reported; two files with the
same timing."""

from __future__ import annotations

import pytest

from app.core.model import TR_APPROVED, Segment
from app.core.words import distribute, split_words
from app.formats import read_text, write_text
from app.subtitles import load_profile
from app.subtitles.bilingual import (
    SOURCE,
    TRANSLATION,
    bilingual_cues,
    language_profile,
    split_languages,
)
from app.subtitles.measure import cps, line_lengths

NETFLIX = load_profile("netflix-en")
DE = ("Morgen wird es regnen, aber am Wochenende scheint die Sonne wieder über ganz "
      "Deutschland, sagt der Wetterdienst.")
EN = ("It will rain tomorrow, but at the weekend the sun will shine again over all of Germany, "
      "says the weather service.")


def timed(start, end, text, **kw):
    return Segment(start, end, text, tuple(distribute(text.split(), start, end, estimated=False)),
                   **kw)


def long_segment(**kw):
    return timed(1000, 10000, DE, language="de", translation=EN, **kw)


def assert_within(cues, lines, profile=NETFLIX):
    for c in cues:
        for text in (c.text, c.translation):
            if not text:
                continue
            lengths = line_lengths(text, profile)
            assert len(lengths) <= lines, text
            assert max(lengths) <= profile.max_chars_per_line, text
            assert cps(c.replace(text=text), profile) <= profile.max_cps + 1e-9, (text, c.duration)


@pytest.mark.parametrize("lines", [2, 1])
def test_shaped_bilingual_cues_keep_each_language_within_its_lines(lines):
    seg = long_segment()
    result = bilingual_cues([seg], NETFLIX, source_language="de", target_language="en",
                            lines_per_language=lines, shape_cues=True)
    assert result.problems == []
    assert len(result.cues) >= 2
    assert_within(result.cues, lines)
    # nothing dropped, nothing reordered, in either language
    assert split_words(" ".join(c.text for c in result.cues)) == split_words(DE)
    assert split_words(" ".join(c.translation for c in result.cues)) == split_words(EN)
    # written stacked: the source block on top, the translation under it, no long line
    srt = write_text(result.cues, "srt", bilingual=True)
    for block, c in zip(srt.strip().split("\n\n"), result.cues, strict=True):
        body = block.splitlines()[2:]
        n = len(c.text.splitlines())
        assert body[:n] == c.text.splitlines() and body[n:] == c.translation.splitlines()
        assert len(body) <= 2 * lines
        assert max(len(x) for x in body) <= NETFLIX.max_chars_per_line


def test_the_translations_share_ends_a_sentence_where_its_cues_source_does():
    # by length the first cue would end at "rain,": the sentence ends 4 words on
    seg = timed(0, 8000, "Es regnet morgen. Am Wochenende scheint die Sonne in ganz Deutschland.",
                translation="Tomorrow it will rain, as the forecast says. At the weekend the sun shines "
                "all over Germany.")
    result = bilingual_cues([seg], NETFLIX, lines_per_language=2, shape_cues=True)
    assert [c.text.replace("\n", " ") for c in result.cues][0] == "Es regnet morgen."
    assert result.cues[0].translation.replace("\n", " ") == "Tomorrow it will rain, as the forecast says."


def test_without_shaping_cues_keep_their_times_and_lines_are_broken_anew_only_when_needed():
    short = timed(0, 3000, "Guten Morgen!", translation="Good morning!")
    long = timed(4000, 12000, "Heute ist das Wetter in Berlin schön.",
                 translation="Today the weather in Berlin is beautiful and warm, isn't it?")
    result = bilingual_cues([short, long], NETFLIX, lines_per_language=2)
    assert result.problems == []
    assert [(c.start, c.end) for c in result.cues] == [(0, 3000), (4000, 12000)]
    assert result.cues[0].translation == "Good morning!"
    assert result.cues[1].text == long.text  # fits one line as written
    assert result.cues[1].translation.count("\n") == 1  # 61 characters: two lines
    assert_within(result.cues, 2)


def test_what_cannot_fit_without_new_cues_is_reported_never_cut():
    seg = long_segment()
    result = bilingual_cues([seg], NETFLIX, lines_per_language=1)
    assert [c.translation for c in result.cues][0].split() == EN.split()
    langs = {p.language for p in result.problems}
    assert langs == {SOURCE, TRANSLATION}
    assert all(p.index == 0 and p.seg_id == seg.id for p in result.problems)
    assert "lines (at most 1)" in str(result.problems[0])
    assert "cue" in result.summary()


def test_reading_speed_is_counted_per_language():
    # 2 s: the 13-character source reads in time, the 60-character translation does not
    seg = timed(0, 2000, "Ja, natürlich.", translation="Yes, of course, that is exactly what I was going to say.")
    result = bilingual_cues([seg], NETFLIX, lines_per_language=2)
    assert [(p.language, "reading speed" in p.message) for p in result.problems] == [
        (TRANSLATION, True)]


def test_untranslated_cues_are_counted_and_kept():
    segs = [timed(0, 2000, "Eins.", translation="One."), timed(2500, 4500, "Zwei.")]
    result = bilingual_cues(segs, NETFLIX)
    assert result.untranslated == 1 and len(result.cues) == 2
    assert "without a translation" in result.summary()


def test_two_files_have_identical_timing_and_the_states_stay_behind(tmp_path):
    segs = [long_segment(translation_state=TR_APPROVED), timed(11000, 13000, "Danke.", translation="Thanks.")]
    result = bilingual_cues(segs, NETFLIX, lines_per_language=2, shape_cues=True)
    source, target = split_languages(result.cues)
    assert [(c.start, c.end) for c in source] == [(c.start, c.end) for c in target]
    src_srt = read_text(write_text(source, "srt"), "srt").document
    tgt_srt = read_text(write_text(target, "srt"), "srt").document
    assert [(c.start, c.end) for c in src_srt] == [(c.start, c.end) for c in tgt_srt]
    assert split_words(" ".join(c.text for c in tgt_srt)) == split_words(EN + " Thanks.")
    assert all(c.translation is None and c.translation_state is None for c in source + target)


def test_shaped_cues_keep_the_translation_state():
    result = bilingual_cues([long_segment(translation_state=TR_APPROVED)], NETFLIX,
                            shape_cues=True)
    assert {c.translation_state for c in result.cues} == {TR_APPROVED}


def test_language_profile_holds_one_language_block():
    p = language_profile(NETFLIX, 1, "en")
    assert (p.max_lines, p.lines_target, p.language) == (1, 1, "en")
    assert language_profile(NETFLIX, 5).max_lines == NETFLIX.max_lines  # never past the profile
