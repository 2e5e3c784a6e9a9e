"""Anchoring a script on heard words (no model)."""

from __future__ import annotations

from app.align.anchors import anchor, rough_times, unmatched_heard
from app.core.model import Word


def _heard(text: str, start: int = 0, step: int = 400) -> list[Word]:
    return [Word(w, start + i * step, start + i * step + 300) for i, w in enumerate(text.split())]


def test_lines_heard_and_not_heard():
    lines = ["Hello there, my friend.", "This line was never spoken at all.", "Good bye now!"]
    heard = _heard("hello there my friend um good bye now")
    a = anchor(lines, heard)
    assert a.line_heard == [True, False, True]
    # "Hello" (script word 0) is anchored on heard word 0, "bye" on heard word 6
    assert a.anchors[0] == 0
    bye = next(k for k, w in enumerate(a.words) if w.text == "bye")
    assert a.anchors[bye] == 6


def test_chance_matches_do_not_make_a_line_heard():
    lines = ["the cat sat on the mat", "a completely different line about the weather"]
    heard = _heard("the cat sat on the mat")
    a = anchor(lines, heard)
    assert a.line_heard == [True, False]
    assert all(a.words[k].line == 0 for k in a.anchors)


def test_rough_times_interpolate_and_extrapolate():
    lines = ["alpha bravo charlie delta echo"]
    heard = [Word("bravo", 1000, 1300), Word("delta", 2000, 2300)]
    a = anchor(lines, heard)
    # single short words need length >= 4 to anchor alone: "bravo", "delta" do
    r = rough_times(a, 10_000)
    assert r[1] == (1000, 1300) and r[3] == (2000, 2300)
    assert 1300 <= r[2][0] <= r[2][1] <= 2000  # between its anchors
    assert r[0][1] <= 1000 and r[4][0] >= 2300  # before / after


def test_unmatched_heard_runs_outside_the_lines():
    lines = ["one two three four"]
    heard = _heard("one two three four") + _heard("and here is something else", start=5000)
    a = anchor(lines, heard)
    runs = unmatched_heard(a, [(0, 1500)])
    assert [" ".join(w.text for w in r) for r in runs] == ["and here is something else"]
    assert unmatched_heard(a, [(0, 1500), (4800, 7000)]) == []
