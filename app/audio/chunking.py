"""Cutting long audio into engine-sized chunks at natural pauses.

:func:`plan_chunks` walks the recording: from the end of the previous chunk it looks for a
cut in the search window ``[min_s, max_s]`` ahead.  When the window holds a pause (a gap
between speech regions) the cut goes in a pause, preferring long pauses near ``target_s``,
so no word is cut in two; only when the window is speech from end to end does it cut at the
quietest 10 ms of the window.  The chunks cover the audio exactly once (contiguous, no gap,
no overlap), none is longer than ``max_s``, and chunks with no speech at all are marked
``silent`` so an engine can skip them.

Defaults fit Whisper's 30 s window (target 25 s, at most 30 s); pass e.g. ``target_s=90,
max_s=120`` for Qwen3-ASR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.audio.vad import Region, SpeechMap, duration_ms, frame_levels_db, speech_regions


@dataclass(frozen=True)
class Chunk:
    """One stretch of audio for an engine: ``[start_ms, end_ms)``."""

    index: int
    start_ms: int
    end_ms: int
    silent: bool = False
    speech_ms: int = 0

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def slice(self, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """This chunk's samples out of the whole recording (last axis is time)."""
        a = self.start_ms * sample_rate // 1000
        b = self.end_ms * sample_rate // 1000
        return samples[..., a:b]


def plan_chunks(
    samples: np.ndarray,
    sample_rate: int,
    regions: Sequence[Region] | None = None,
    target_s: float = 25.0,
    max_s: float = 30.0,
    min_s: float | None = None,
) -> list[Chunk]:
    """Split ``samples`` (mono, or ``(channels, n)``) into chunks; see the module doc.

    ``regions``: speech regions in ms (from :func:`~app.audio.vad.speech_regions`); found
    with the default detector when None.  ``min_s`` (default 40 % of ``target_s``) is the
    shortest chunk the search may produce, except the last one.
    """
    if min_s is None:
        min_s = 0.4 * target_s
    if not 0 < min_s <= target_s <= max_s:
        raise ValueError("chunk lengths must satisfy 0 < min_s <= target_s <= max_s")
    x = np.asarray(samples)
    mono = x.mean(axis=0) if x.ndim == 2 else x
    total = duration_ms(mono.shape[-1], sample_rate)
    if total == 0:
        return []
    if regions is None:
        regions = speech_regions(mono, sample_rate)
    speech = SpeechMap(regions, total)
    pauses = speech.silences(1)
    lo_ms, target_ms, hi_ms = (int(round(v * 1000)) for v in (min_s, target_s, max_s))

    cuts = [0]
    pos = 0
    while total - pos > hi_ms:
        a, b = pos + lo_ms, pos + hi_ms
        cut = _cut_in_pause(pauses, a, b, pos + target_ms, hi_ms - lo_ms)
        if cut is None:
            cut = _quietest(mono, sample_rate, a, b, pos + target_ms)
        cut = min(max(cut, pos + 1), b)
        cuts.append(cut)
        pos = cut
    cuts.append(total)
    chunks = []
    for i, (s, e) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        voiced = speech.overlap_ms(s, e)
        chunks.append(Chunk(i, s, e, silent=voiced == 0, speech_ms=voiced))
    return chunks


def _cut_in_pause(pauses: Sequence[Region], a: int, b: int, target: int, window: int) -> int | None:
    """The best cut inside a pause overlapping ``[a, b]``, or None if there is none.

    A pause is scored by its length (up to 1.5 s: sentence breaks beat breaths) against its
    distance from ``target`` relative to the window; the cut is the middle of the part of the
    pause inside the window.
    """
    best = None
    best_score = -np.inf
    for s, e in pauses:
        if e < a:
            continue
        if s > b:
            break
        lo, hi = max(s, a), min(e, b)
        if hi < lo:
            continue
        cut = (lo + hi) // 2
        length = min(e - s, 1500) / 1500.0
        score = length - abs(cut - target) / max(window, 1)
        if score > best_score:
            best, best_score = cut, score
    return best


def _quietest(mono: np.ndarray, sample_rate: int, a: int, b: int, target: int) -> int:
    """The middle of the quietest 30 ms in ``[a, b]`` ms (ties: nearest the target)."""
    s0 = a * sample_rate // 1000
    s1 = min(b * sample_rate // 1000, mono.shape[-1])
    if s1 - s0 < 2:
        return b
    level = frame_levels_db(mono[s0:s1], sample_rate)
    if len(level) >= 3:
        level = np.convolve(level, np.ones(3) / 3.0, mode="same")
    t = a + np.arange(len(level)) * 10 + 5
    quiet = level <= level.min() + 1e-9
    candidates = t[quiet]
    cut = int(candidates[np.argmin(np.abs(candidates - target))])
    return min(max(cut, a), b)
