"""Generated inputs: shaping keeps every word and breaks no limit the input lets it keep."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.model import Segment, Word, check_segment
from app.core.timecode import frames_to_ms
from app.core.words import tokenize
from app.subtitles import check, cps, line_lengths, list_profiles, shape, wpm
from app.subtitles.profiles import Profile

PROFILES = {p.id: p for p in list_profiles()}
LATIN = "abcdefghijklmnopqrstuvwxyz"
CJK = "日本語話者天気今朝散歩家休我们明早学校门公园"
PUNCT = ["", "", "", "", ",", ".", "?", "!", ";"]


def _word_text(draw, cjk: bool) -> str:
    if cjk and draw(st.booleans()):
        core = draw(st.text(CJK, min_size=1, max_size=4))
        return core + draw(st.sampled_from(["", "", "", "。", "、"]))
    size = draw(st.one_of(st.integers(1, 12), st.integers(1, 12), st.integers(13, 60)))
    core = draw(st.text(LATIN, min_size=size, max_size=size))
    if draw(st.integers(0, 4)) == 0:
        core = core.capitalize()
    return core + draw(st.sampled_from(PUNCT))


@st.composite
def transcripts(draw, slow: bool = False):
    """``(profile, segments)``: word-timed segments of random speakers, one after another.

    With ``slow``, each word leaves enough time before the next word (after the minimum gap)
    to be read on its own, so a cut that keeps every reading-speed limit always exists.
    """
    profile: Profile = PROFILES[draw(st.sampled_from(sorted(PROFILES)))]
    gap = profile.min_gap()
    cjk = profile.cjk
    segments: list[Segment] = []
    t = draw(st.integers(0, 5000))
    for _ in range(draw(st.integers(1, 6))):
        speaker = draw(st.sampled_from([None, "A", "B"]))
        words: list[Word] = []
        seps: list[str] = []
        for k in range(draw(st.integers(1, 25))):
            text = _word_text(draw, cjk)
            while slow and profile.reading_time_ms(len(text) + 1, 1) > profile.max_duration_ms:
                text = text[1:]  # a word that cannot be read within the longest cue
            duration = draw(st.integers(20, 1500))
            silence = draw(st.one_of(st.integers(0, 150), st.integers(0, 2500)))
            if slow:
                need = profile.reading_time_ms(len(text) + 1, len(tokenize(text)))
                silence = max(silence, need - duration + gap + 1)
            words.append(Word(text, t, t + duration))
            seps.append("" if (cjk and draw(st.booleans())) or k == 0 else " ")
            t += duration + silence
        text = "".join(s + w.text for s, w in zip(seps, words, strict=True))
        seg = Segment(words[0].start, words[-1].end, text, tuple(words), speaker=speaker)
        check_segment(seg)
        segments.append(seg)
    return profile, segments


def _assert_shaped(profile: Profile, segments: list[Segment], cues: list[Segment], fps=None):
    source = [(w.text, s.speaker) for s in segments for w in s.words]
    assert [w.text for c in cues for w in c.words] == [text for text, _ in source]
    k = 0
    for c in cues:
        check_segment(c)
        for _ in c.words:
            assert source[k][1] == c.speaker  # never two speakers in a cue
            k += 1
        lines = c.text.split("\n")
        assert len(lines) <= profile.lines_target
        for line, length in zip(lines, line_lengths(c.text, profile), strict=True):
            assert length <= profile.max_chars_per_line or len(line.split()) == 1, line
        spoken = c.words[-1].end - c.words[0].start if c.words else 0
        if not (len(c.words) == 1 and spoken > profile.max_duration_ms):
            assert c.duration <= profile.max_duration_ms
        assert c.duration > 0
    gap = profile.min_gap(fps)
    for a, b in zip(cues, cues[1:], strict=False):
        assert b.start - a.end >= gap, (a, b)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_shaping_keeps_words_and_hard_limits(case):
    profile, segments = case
    cues = shape(segments, profile)
    _assert_shaped(profile, segments, cues)
    rules = {v.rule for v in check(cues, profile) if v.severity == "error"}
    assert not rules & {"overlap", "min_gap", "line_count"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts(slow=True))
def test_shaping_keeps_reading_speed_when_there_is_time(case):
    profile, segments = case
    cues = shape(segments, profile)
    _assert_shaped(profile, segments, cues)
    for c in cues:
        if profile.max_cps:
            assert cps(c, profile) <= profile.max_cps, c
        if profile.max_wpm:
            assert wpm(c) <= profile.max_wpm, c


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts(), st.sampled_from([23.976, 24.0, 25.0, 29.97, 30.0]))
def test_shaping_on_frames(case, fps):
    profile, segments = case
    cues = shape(segments, profile, fps=fps)
    _assert_shaped(profile, segments, cues, fps=fps)
    for c in cues:
        for t in (c.start, c.end):
            frame = round(t * fps / 1000)
            assert frames_to_ms(frame, fps) == t


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_text_only_segments_keep_their_text(case):
    profile, segments = case
    untimed = [Segment(s.start, s.end, s.text, speaker=s.speaker) for s in segments]
    cues = shape(untimed, profile)
    for c in cues:
        check_segment(c)
        assert c.words == ()
    flat = [w for c in cues for w in c.text.split()]
    assert "".join(flat) == "".join(w for s in untimed for w in s.text.split())
