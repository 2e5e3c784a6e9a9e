"""Chunk plans on synthetic speech with random pauses: exact coverage, never longer than the
maximum, cuts in pauses whenever the search window holds one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audio.chunking import Chunk, plan_chunks
from app.audio.vad import speech_regions

RATE = 1000  # one sample per millisecond keeps the arithmetic obvious


def synth(parts: list[tuple[bool, int]], seed: int = 0):
    """Noise bursts (speech) and near-silence; returns (samples, speech regions in ms)."""
    rng = np.random.default_rng(seed)
    pieces, regions, t = [], [], 0
    for is_speech, length in parts:
        amp = 0.3 if is_speech else 0.001
        pieces.append(rng.standard_normal(length).astype(np.float32) * amp)
        if is_speech:
            regions.append((t, t + length))
        t += length
    return np.concatenate(pieces), regions


def check_plan(chunks: list[Chunk], total: int, regions, lo: int, hi: int) -> None:
    assert chunks[0].start_ms == 0 and chunks[-1].end_ms == total
    for i, c in enumerate(chunks):
        assert c.index == i
        assert 0 < c.duration_ms <= hi
        if i + 1 < len(chunks):
            assert c.end_ms == chunks[i + 1].start_ms  # no gap, no overlap
            assert c.duration_ms >= lo
        overlap = sum(max(0, min(e, c.end_ms) - max(s, c.start_ms)) for s, e in regions)
        assert c.silent == (overlap == 0) and c.speech_ms == overlap
    pauses, prev = [], 0
    for s, e in regions:
        if s > prev:
            pauses.append((prev, s))
        prev = e
    if total > prev:
        pauses.append((prev, total))
    for c in chunks[:-1]:
        a, b = c.start_ms + lo, c.start_ms + hi
        cut = c.end_ms
        if any(min(e, b) >= max(s, a) for s, e in pauses):
            assert not any(s < cut < e for s, e in regions), (
                f"cut at {cut} inside speech although the window [{a}, {b}] has a pause")


part = st.one_of(
    st.tuples(st.just(True), st.integers(200, 9000)),
    st.tuples(st.just(True), st.integers(20_000, 70_000)),  # too long to hold a pause
    st.tuples(st.just(False), st.integers(30, 3000)),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(part, min_size=1, max_size=25), seed=st.integers(0, 3),
       sizes=st.sampled_from([(25, 30, None), (10, 12, 4), (90, 120, None), (25, 30, 25)]))
def test_plan_properties(parts, seed, sizes):
    target, hi, lo = sizes
    x, regions = synth(parts, seed)
    chunks = plan_chunks(x, RATE, regions=regions, target_s=target, max_s=hi, min_s=lo)
    lo_ms = int((lo if lo is not None else 0.4 * target) * 1000)
    check_plan(chunks, len(x), regions, lo_ms, hi * 1000)


def test_no_pause_cuts_at_the_quietest_point():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(60_000).astype(np.float32) * 0.3
    x[23_000:23_040] *= 0.01  # a dip inside continuous speech
    chunks = plan_chunks(x, RATE, regions=[(0, 60_000)], target_s=25, max_s=30)
    assert 22_990 <= chunks[0].end_ms <= 23_050
    assert all(c.duration_ms <= 30_000 for c in chunks)


def test_prefers_the_long_pause_near_the_target():
    x, regions = synth([(True, 11_000), (False, 200), (True, 12_000), (False, 1200),
                        (True, 4000), (False, 300), (True, 20_000)])
    chunks = plan_chunks(x, RATE, regions=regions)
    assert 23_200 <= chunks[0].end_ms <= 24_400  # the 1.2 s pause, not the breath at 11 s


def test_silent_chunks_are_marked():
    x, regions = synth([(True, 5000), (False, 80_000), (True, 5000)])
    chunks = plan_chunks(x, RATE, regions=regions)
    assert [c.silent for c in chunks].count(True) >= 1
    check_plan(chunks, len(x), regions, 10_000, 30_000)


def test_short_audio_is_one_chunk_and_slicing(jfk16):
    chunks = plan_chunks(jfk16, 16000)  # regions found by the VAD
    assert chunks == [Chunk(0, 0, 11000, False, chunks[0].speech_ms)]
    assert 5000 < chunks[0].speech_ms < 9000
    assert len(chunks[0].slice(jfk16, 16000)) == len(jfk16)
    regions = speech_regions(jfk16)
    small = plan_chunks(jfk16, 16000, regions=regions, target_s=4, max_s=5, min_s=2)
    check_plan(small, 11000, regions, 2000, 5000)
    assert sum(len(c.slice(jfk16, 16000)) for c in small) == len(jfk16)
    assert plan_chunks(np.zeros(0, np.float32), 16000) == []


def test_invalid_lengths():
    with pytest.raises(ValueError):
        plan_chunks(np.zeros(100, np.float32), RATE, regions=[], target_s=40, max_s=30)
