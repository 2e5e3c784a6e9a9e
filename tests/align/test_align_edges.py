"""Word edges moved out of silences (synthetic signals, no model)."""

from __future__ import annotations

import numpy as np

from app.align.edges import quiet_runs, silences, snap_edges

SR = 16000


def _tone(ms: int, amp: float = 0.3) -> np.ndarray:
    t = np.arange(ms * SR // 1000) / SR
    return (amp * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _gap(ms: int) -> np.ndarray:
    return np.random.default_rng(ms).normal(0, 0.001, ms * SR // 1000).astype(np.float32)


def test_quiet_runs_find_the_gaps_between_sounds():
    x = np.concatenate([_gap(300), _tone(400), _gap(120), _tone(300), _gap(30), _tone(200),
                        _gap(400)])
    runs = quiet_runs(x, SR)
    # the 30 ms gap is too short to count; the others are found within 10 ms
    assert len(runs) == 3
    (a0, b0), (a1, b1), (a2, b2) = runs
    assert a0 == 0 and abs(b0 - 300) <= 10
    assert abs(a1 - 700) <= 10 and abs(b1 - 820) <= 10
    assert abs(a2 - 1350) <= 10 and b2 == 1750


def test_speech_regions_are_authoritative_at_pauses():
    x = np.concatenate([_gap(300), _tone(400), _gap(120), _tone(300), _gap(400)])
    sil = silences(x, SR, speech=[(290, 1130)])
    assert sil[0] == (0.0, 290) and sil[-1] == (1130, 1520.0)
    assert any(abs(a - 700) <= 10 and abs(b - 820) <= 10 for a, b in sil[1:-1])


def test_no_contrast_no_silence():
    assert quiet_runs(_tone(1000), SR) == []


def test_snap_moves_boundaries_onto_the_gaps():
    # two words at 300-700 and 820-1120; the alignment put the boundary at 690 and let the
    # first word start at the window's edge and the last run into the trailing silence
    sil = [(0.0, 300.0), (700.0, 820.0), (1120.0, 1500.0)]
    out = snap_edges([[0.0, 690.0], [690.0, 1400.0]], sil)
    assert out == [[300.0, 700.0], [820.0, 1120.0]]


def test_snap_keeps_a_word_out_of_a_short_gap_that_would_swallow_it():
    # a 60 ms gap inside the second word (a stop consonant's closure) must not take it over
    sil = [(900.0, 960.0)]
    out = snap_edges([[0.0, 500.0], [500.0, 1000.0]], sil)
    assert out == [[0.0, 500.0], [500.0, 1000.0]]


def test_snap_moves_a_word_across_a_real_pause():
    # "what" spans a 1 s pause: it belongs after it
    sil = [(4382.0, 5410.0)]
    out = snap_edges([[3740.0, 4240.0], [4240.0, 5520.0]], sil)
    assert out == [[3740.0, 4382.0], [5410.0, 5520.0]]


def test_snap_output_is_ordered():
    rng = np.random.default_rng(3)
    for _ in range(50):
        bounds = np.sort(rng.uniform(0, 5000, 12))
        words = [[float(bounds[i]), float(bounds[i + 1])] for i in range(0, 12, 2)]
        gaps = np.sort(rng.uniform(0, 5000, 8))
        sil = [(float(gaps[i]), float(gaps[i + 1])) for i in range(0, 8, 2)]
        out = snap_edges(words, sil)
        prev = -1.0
        for s, e in out:
            assert prev <= s <= e
            prev = e
