"""Voice activity on real speech (JFK, the stereo interview) with Silero and the energy
fallback; SpeechMap questions."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from app.audio import vad
from app.audio.decode import decode
from app.audio.vad import SpeechMap, silences, silero_available, speech_regions
from tests.conftest import need


def need_silero() -> None:
    # it ships inside faster-whisper: missing means a broken install (a failure under make test)
    need(silero_available(), "faster-whisper's Silero model is not installed")


# JFK: "And so my fellow Americans | ask not | what your country can do for you |
#       ask what you can do for your country."  Pauses measured at about 2.3-3.3 s,
#       4.4-5.4 s and 7.6-8.2 s; speech starts at about 0.3 s.
PAUSES_S = (2.8, 4.9, 7.9)


def check_jfk(regions, start_tol=0.15):
    assert regions == sorted(regions)
    assert all(e > s for s, e in regions)
    assert abs(regions[0][0] / 1000 - 0.3) <= start_tol
    smap = SpeechMap(regions, 11000)
    for t in PAUSES_S:
        assert not smap.speech_at(int(t * 1000)), f"no pause found around {t} s: {regions}"
    for t in (1.0, 3.5, 6.5, 9.5):  # inside words
        assert smap.speech_at(int(t * 1000))
    assert 0.5 < smap.speech_fraction < 0.85


def test_silero_on_jfk(jfk16):
    need_silero()
    regions = speech_regions(jfk16, method="silero")
    check_jfk(regions)
    assert len(regions) >= 4


def test_energy_fallback_on_jfk(jfk16):
    check_jfk(speech_regions(jfk16, method="energy"))


def test_auto_uses_energy_with_one_warning_when_silero_is_missing(jfk16, monkeypatch, caplog):
    monkeypatch.setattr(vad, "silero_available", lambda: False)
    monkeypatch.setattr(vad, "_warned_fallback", False)
    with caplog.at_level(logging.WARNING, logger="app.audio.vad"):
        a = speech_regions(jfk16)
        b = speech_regions(jfk16)
    assert a == b == speech_regions(jfk16, method="energy")
    assert len([r for r in caplog.records if "Silero" in r.getMessage()]) == 1


@pytest.mark.parametrize("method", ["auto", "energy"])
def test_other_rates_int16_and_silence(jfk_path, method):
    x44 = decode(jfk_path, sample_rate=44100)
    regions = speech_regions(x44, 44100, method=method)
    assert abs(regions[0][0] / 1000 - 0.3) <= 0.15
    x16 = decode(jfk_path, dtype=np.int16)
    assert speech_regions(x16, method=method) == speech_regions(x16.astype(np.float32) / 32767,
                                                                 method=method)
    assert speech_regions(np.zeros(16000 * 3, np.float32), method=method) == []
    assert speech_regions(np.zeros(0, np.float32), method=method) == []


def test_each_speaker_of_the_stereo_interview(stereo_path):
    left, right = decode(stereo_path, mono=False)
    for ch in (left, right):
        regions = speech_regions(ch)
        assert regions and regions[0][0] < 600
    # the left speaker talks longer than the right one
    speech = [SpeechMap(speech_regions(ch), 5000).speech_ms for ch in (left, right)]
    assert speech[0] > speech[1]


def test_long_audio_is_processed_in_blocks_and_rejoined(jfk16, monkeypatch):
    need_silero()
    one = speech_regions(jfk16, method="silero")
    monkeypatch.setattr(vad, "_BLOCK_S", 4)  # force block edges inside speech
    seen = []
    blocks = vad.speech_regions(jfk16, method="silero", progress=seen.append)
    assert len(seen) == 3 and seen[-1].done == pytest.approx(11.0)
    smap = SpeechMap(blocks, 11000)
    for t in PAUSES_S:
        assert not smap.speech_at(int(t * 1000))
    assert abs(smap.speech_ms - SpeechMap(one, 11000).speech_ms) < 600


def test_speech_map_questions():
    smap = SpeechMap([(1000, 2000), (3000, 3500), (2500, 3100)], 5000)
    assert smap.regions == [(1000, 2000), (2500, 3500)]
    assert smap.speech_ms == 2000 and smap.speech_fraction == pytest.approx(0.4)
    assert smap.overlap_ms(0, 5000) == 2000
    assert smap.overlap_ms(1500, 2700) == 700
    assert smap.silences() == [(0, 1000), (2000, 2500), (3500, 5000)]
    assert smap.silences(min_ms=600) == [(0, 1000), (3500, 5000)]
    assert silences([(0, 5000)], 5000) == []
    assert smap.is_silent(3600, 4900)
    assert not smap.is_silent(1900, 2100) and smap.is_silent(1900, 2100, max_speech_ms=100)
    assert smap.is_speech(1000, 1800) and not smap.is_speech(0, 1100)
    assert smap.fraction(0, 0) == 0.0
    assert smap.speech_at(1000) and not smap.speech_at(2000)


def test_bad_method():
    with pytest.raises(ValueError):
        speech_regions(np.zeros(10, np.float32), method="magic")


def _held(seconds: float, kind: str) -> np.ndarray:
    n = int(seconds * 16000)
    if kind == "tone":
        return (0.1 * np.sin(2 * np.pi * 1000.0 * np.arange(n) / 16000)).astype(np.float32)
    return (np.random.default_rng(3).standard_normal(n) * 0.05).astype(np.float32)


@pytest.mark.parametrize("kind", ["tone", "hiss"])
def test_energy_detector_hears_no_speech_in_a_held_tone_or_hiss(kind):
    """Steady sound without syllables: the engine would make text up over it."""
    assert vad.energy_regions(_held(20, kind)) == []


@pytest.mark.parametrize("snr_db", [0, -5])
def test_energy_detector_still_passes_speech_buried_in_steady_noise(jfk16, snr_db):
    """As loud as the noise, or quieter: the level still moves with the syllables."""
    rng = np.random.default_rng(0)
    power = float(np.mean(jfk16.astype(np.float64) ** 2))
    noisy = jfk16 + rng.standard_normal(len(jfk16)) * np.sqrt(power / 10 ** (snr_db / 10))
    regions = vad.energy_regions(noisy.astype(np.float32))
    covered = sum(e - s for s, e in regions)
    assert covered >= 3000  # JFK speaks for about 7 s of the 11
    assert any(s <= 1000 < e for s, e in regions)  # "And so my fellow Americans"
