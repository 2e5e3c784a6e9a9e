"""Words the alignment left in the window's leading or trailing pause are moved into speech."""

from __future__ import annotations

from app.align.edges import snap_edges


def test_first_word_in_the_leading_pause_moves_to_the_speech():
    times = [[0.0, 30.0], [354.0, 860.0], [860.0, 1200.0]]
    out = snap_edges(times, [(0.0, 354.0)], weights=[4.5, 8.5, 5.5])
    assert out[0][0] == 354.0  # starts with the speech, not in the silence
    assert out[0][1] == out[1][0] and out[1][1] == 860.0
    assert (out[0][1] - out[0][0]) < (out[1][1] - out[1][0])  # "The" shorter than "horizon"


def test_last_word_in_the_trailing_pause_moves_back():
    times = [[100.0, 500.0], [500.0, 900.0], [1300.0, 1330.0]]
    out = snap_edges(times, [(900.0, 1400.0)])
    assert out[2][1] <= 900.0 and out[1][0] == 500.0
    assert out[1][1] == out[2][0]


def test_words_in_speech_are_left_alone():
    times = [[100.0, 400.0], [450.0, 800.0]]
    assert snap_edges(times, [(0.0, 100.0), (800.0, 1000.0)]) == times
