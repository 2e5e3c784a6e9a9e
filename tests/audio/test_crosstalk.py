"""The crosstalk gate of channel mode: each channel keeps its own speaker only."""

from __future__ import annotations

import numpy as np

from app.audio.crosstalk import FRAME_MS, HOLD_MS, CrosstalkGate, frame_levels_db

RATE = 16000


def voice(seconds: float, hz: float = 180.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * hz * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))) \
        .astype(np.float32)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def interview(bleed_db: float = -30.0) -> np.ndarray:
    """A speaks 0-2 s into channel 0, B 2-4 s into channel 1, each heard on the other."""
    a = np.concatenate([voice(2), np.zeros(2 * RATE, np.float32)])
    b = np.concatenate([np.zeros(2 * RATE, np.float32), voice(2, 230)])
    k = np.float32(10 ** (bleed_db / 20))
    return np.stack([a + k * b, b + k * a])


def test_levels_per_frame_and_channel():
    x = np.stack([voice(1.0), np.zeros(RATE, np.float32)])
    levels = frame_levels_db(x)
    assert levels.shape == (2, RATE // (FRAME_MS * 16))
    assert -20 < levels[0].mean() < -10 and (levels[1] == -70.0).all()


def test_each_channel_keeps_its_speaker_and_loses_the_other():
    x = interview()
    y = CrosstalkGate().apply(x)
    hold = int(HOLD_MS * RATE / 1000) + FRAME_MS * 16
    # channel 0: A kept whole, B's copy muted (past the hold after A stops)
    assert np.array_equal(y[0, :2 * RATE], x[0, :2 * RATE])
    assert rms(y[0, 2 * RATE + hold:]) == 0.0 and rms(x[0, 2 * RATE + hold:]) > 0
    # channel 1: A's copy muted (before the hold ahead of B), B kept whole
    assert rms(y[1, :2 * RATE - hold]) == 0.0 and rms(x[1, :2 * RATE - hold]) > 0
    assert np.array_equal(y[1, 2 * RATE:], x[1, 2 * RATE:])


def test_two_people_at_once_and_silence_are_kept_on_both():
    both = np.stack([voice(2), voice(2, 230, 0.2)])  # 3.5 dB apart: both are speaking
    assert np.array_equal(CrosstalkGate().apply(both), both)
    quiet = np.stack([np.zeros(RATE, np.float32), 1e-4 * voice(1)])
    assert np.array_equal(CrosstalkGate().apply(quiet), quiet)  # nothing to take from


def test_close_microphones_hearing_each_other_loud_keep_both():
    """Bleed within the margin (6 dB) is not told apart from speech: kept."""
    x = interview(-6.0)
    assert np.array_equal(CrosstalkGate().apply(x), x)


def test_block_by_block_is_the_same_as_at_once():
    x = interview()
    whole = CrosstalkGate().apply(x)
    gate = CrosstalkGate()
    step = 7 * 320 + 5  # blocks not aligned to frames
    parts = [gate.apply(x[:, i:i + step]) for i in range(0, x.shape[1], step)]
    blocks = np.concatenate(parts, axis=1)
    assert blocks.shape == whole.shape
    # decisions differ at most within a hold of each block edge (no look-ahead across blocks)
    differ = np.flatnonzero((blocks != whole).any(axis=0))
    assert len(differ) < 0.1 * x.shape[1]
    assert gate.muted_s > 3.0


def test_one_channel_is_returned_as_it_is():
    x = voice(1)[None]
    assert np.array_equal(CrosstalkGate().apply(x), x)
