"""The one audio primitive: the engine rate, the int16 <-> float pair, windows, resampling."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.peaks import PeakPyramid
from app.audio.samples import (
    ENGINE_RATE,
    SAMPLES_PER_MS,
    as_float,
    audio_window,
    float_to_int16,
    int16_to_float,
    to_engine_rate,
)


def test_int16_round_trip_is_exact_on_the_storage_grid():
    pcm = np.array([-32767, -1, 0, 1, 12345, 32767], dtype=np.int16)
    assert np.array_equal(float_to_int16(int16_to_float(pcm)), pcm)
    assert int16_to_float(pcm)[-1] == 1.0 and int16_to_float(pcm)[0] == -1.0
    assert float_to_int16(np.array([2.0, -2.0], np.float32)).tolist() == [32767, -32768]
    # int16 anywhere is read with the same scale (the aligners used 32768 once)
    assert np.array_equal(as_float(pcm), int16_to_float(pcm))
    assert np.array_equal(to_engine_rate(pcm, ENGINE_RATE), int16_to_float(pcm))


def test_audio_window_converts_only_the_window_and_clips_to_the_recording():
    pcm = (np.arange(ENGINE_RATE * 3) % 100).astype(np.int16)
    w = audio_window(pcm, 1000, 2500)
    assert w.dtype == np.float32 and len(w) == 1500 * SAMPLES_PER_MS
    assert w[0] == np.float32(pcm[16000]) / np.float32(32767.0)
    assert len(audio_window(pcm, 2500, 9000)) == 500 * SAMPLES_PER_MS
    assert len(audio_window(pcm, 5000, 9000)) == 0
    assert len(audio_window(pcm, -200, 100)) == 100 * SAMPLES_PER_MS


def test_to_engine_rate_mixes_channels_and_resamples():
    t = np.arange(48000) / 48000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)]).astype(np.float32)
    x = to_engine_rate(stereo, 48000)
    assert x.dtype == np.float32 and len(x) == ENGINE_RATE
    ref = np.sin(2 * np.pi * 440 * np.arange(ENGINE_RATE) / ENGINE_RATE)
    assert np.abs(x - ref).max() < 0.01
    with pytest.raises(ValueError, match="sample rate"):
        to_engine_rate(stereo, 0)


def test_waveform_cache_hands_jobs_its_int16_engine_samples():
    x = np.sin(np.linspace(0, 100, ENGINE_RATE)).astype(np.float32)
    pyramid = PeakPyramid.from_samples(x)
    got = pyramid.engine_samples()
    assert got.dtype == np.int16 and got is pyramid.samples
    assert np.abs(int16_to_float(got) - x).max() <= 0.5 / 32767 + 1e-7
    other = PeakPyramid.from_samples(x, sample_rate=8000)
    with pytest.raises(ValueError, match="8000 Hz"):
        other.engine_samples()
