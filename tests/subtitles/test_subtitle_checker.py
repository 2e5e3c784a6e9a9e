from __future__ import annotations

import math

import pytest

from app.core.model import UNTIMED, Segment
from app.subtitles import (
    ERROR,
    RULES,
    WARNING,
    check,
    check_segment_rules,
    cps,
    default_profile,
    line_lengths,
    load_profile,
    reading_chars,
    wpm,
)

DEFAULT = default_profile()
BBC = load_profile("bbc")


def cue(start, end, text, **kw):
    return Segment(start, end, text, **kw)


def rules(violations):
    return [v.rule for v in violations]


def test_a_clean_cue_passes():
    cues = [
        cue(1000, 4000, "A clean cue, short enough\nto read in three seconds."),
        cue(4100, 5000, "And another one."),
    ]
    assert check(cues, DEFAULT) == []
    assert check(cues, "netflix-en") == []


def test_cps_counts_spaces_and_punctuation_not_line_breaks():
    c = cue(0, 2000, "Hello, world!\nHow are you?")
    assert reading_chars(c.text) == 25
    assert cps(c) == pytest.approx(12.5)
    assert cps(cue(0, 0, "text")) == math.inf
    assert cps(cue(0, 0, "")) == 0.0
    assert line_lengths("  Hello  \nworld", DEFAULT) == [5, 5]
    assert line_lengths("", DEFAULT) == []


def test_each_rule_is_flagged():
    cases = {
        "cps": [cue(0, 1000, "Far too many words for one second.")],
        "line_length": [cue(0, 5000, "This single line is much longer than forty-two characters.")],
        "line_count": [cue(0, 5000, "One\nTwo\nThree")],
        "min_duration": [cue(0, 400, "Hi.")],
        "max_duration": [cue(0, 9000, "A long time on screen.")],
        "overlap": [cue(0, 2000, "First cue here."), cue(1500, 3500, "Second cue here.")],
        "min_gap": [cue(0, 2000, "First cue here."), cue(2040, 4000, "Second cue here.")],
    }
    for rule, cues in cases.items():
        found = check(cues, DEFAULT)
        assert rules(found) == [rule], (rule, found)
        v = found[0]
        assert v.severity == ERROR
        assert v.segment_index == 0 and v.segment_id == cues[0].id
        assert v.message
    assert check(cases["min_gap"], DEFAULT)[0].value == 40
    assert check(cases["min_gap"], DEFAULT)[0].limit == 83
    assert check(cases["overlap"], DEFAULT)[0].value == 500
    over = check(cases["cps"], DEFAULT)[0]
    assert over.value == pytest.approx(34.0) and over.limit == 20


def test_words_per_minute_for_the_bbc():
    fast = cue(0, 2000, "one two three four five six seven")  # 210 words per minute
    assert wpm(fast) == pytest.approx(210.0)
    found = check([fast], BBC)
    assert rules(found) == ["wpm"]
    assert found[0].limit == 180
    assert check([cue(0, 3000, "one two three four five six seven")], BBC) == []


def test_preferred_limits_give_warnings():
    found = check([cue(0, 4000, "This line has thirty-eight characters.")], BBC)
    assert [(v.rule, v.severity) for v in found] == [("line_length", WARNING)]
    found = check([cue(0, 4000, "Three\nshort\nlines")], BBC)
    assert [(v.rule, v.severity) for v in found] == [("line_count", WARNING)]
    found = check([cue(0, 4000, "One\nTwo\nThree\nFour")], BBC)
    assert [(v.rule, v.severity) for v in found] == [("line_count", ERROR)]


def test_frame_based_gap_follows_the_frame_rate():
    cues = [cue(0, 2000, "First cue here."), cue(2080, 4000, "Second cue here.")]
    netflix = load_profile("netflix-en")
    assert rules(check(cues, netflix)) == ["min_gap"]  # 2 frames at 24 fps: 83 ms
    assert check(cues, netflix, fps=25) == []  # 2 frames at 25 fps: 80 ms


def test_cjk_profile_counts_characters_without_spaces():
    ja = load_profile("netflix-ja")
    ok = cue(0, 4000, "今日は 良い天気です")  # 9 characters without the space
    assert check([ok], ja) == []
    long_line = cue(0, 7000, "今日はとても良い天気ですね散歩")  # 15 characters on one line
    assert rules(check([long_line], ja)) == ["line_length"]
    fast = cue(0, 1000, "今日は良い天気")
    assert rules(check([fast], ja)) == ["cps"]


def test_untimed_segments_are_checked_for_layout_only():
    untimed = cue(0, 0, "Script line without any time", flags=frozenset({UNTIMED}))
    timed = cue(0, 2000, "A timed line.")
    assert check([untimed, timed], DEFAULT) == []
    too_long = cue(0, 0, "x" * 50 + " y", flags=frozenset({UNTIMED}))
    assert rules(check([too_long], DEFAULT)) == ["line_length"]


def test_check_one_segment():
    found = check_segment_rules(cue(0, 300, "Hi."), DEFAULT, index=7)
    assert [(v.rule, v.segment_index) for v in found] == [("min_duration", 7)]


def test_rule_names():
    assert set(RULES) == {"cps", "wpm", "line_length", "line_count", "min_duration",
                          "max_duration", "overlap", "min_gap", "shot_edge", "shot_crossing"}
