"""Voice activity: where the speech is, in integer milliseconds.

Two detectors:

* ``"silero"``: the Silero VAD model bundled with faster-whisper (onnx, offline), imported
  lazily.  Its defaults (2 s minimum silence, 400 ms pad) merge sentences; Cueline uses a
  300 ms minimum silence and a 30 ms pad, which find the pauses between sentences (see
  ENGINES.md section 3).  Long audio runs in 10-minute blocks (bounded memory, progress,
  cancellation); regions cut by a block edge are joined again.
* ``"energy"``: frame loudness against a threshold set between the recording's noise floor
  and its loud parts, with the same minimum silence and padding.  Used when Silero is not
  available (``method="auto"``) or when asked for.

:class:`SpeechMap` answers questions about a list of regions: silences, the share of speech,
and whether a time range holds speech (to catch "text over silence" hallucinations).
"""

from __future__ import annotations

import bisect
import functools
import logging
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from app.audio.samples import ENGINE_RATE, as_float
from app.core.cancel import CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

Region = tuple[int, int]
VAD_RATE = ENGINE_RATE  # Silero hears 16 kHz, the rate everything is decoded at
METHODS = ("auto", "silero", "energy")
_BLOCK_S = 600
_warned_fallback = False


@functools.lru_cache(maxsize=1)
def silero_available() -> bool:
    """True when faster-whisper's Silero model and onnxruntime can be loaded."""
    try:
        import onnxruntime  # noqa: F401
        from faster_whisper.utils import get_assets_path
    except Exception:  # noqa: BLE001 - missing or broken install: use the energy detector
        return False
    return (Path(get_assets_path()) / "silero_vad_v6.onnx").is_file()


def speech_regions(
    samples: np.ndarray,
    sample_rate: int = VAD_RATE,
    min_silence_ms: int = 300,
    pad_ms: int = 30,
    *,
    method: str = "auto",
    threshold: float | None = None,
    min_speech_ms: int = 100,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[Region]:
    """Speech regions ``[(start_ms, end_ms), ...]`` of mono ``samples``, sorted, disjoint.

    ``method``: ``"auto"`` (Silero when available, else energy, with one warning),
    ``"silero"`` or ``"energy"``.  ``threshold``: Silero speech probability (default 0.5) or,
    for the energy detector, a level in dBFS (default: adaptive).  Pauses shorter than
    ``min_silence_ms`` do not split speech; bursts shorter than ``min_speech_ms`` are
    dropped; each region is widened by ``pad_ms`` on both sides.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=0, dtype=np.float32)
    if x.dtype != np.int16:  # int16 (the compact store) is converted block by block
        x = x.astype(np.float32, copy=False)
    if len(x) == 0:
        return []
    if method == "auto":
        method = "silero" if silero_available() else "energy"
        if method == "energy":
            _warn_fallback()
    if method == "silero":
        return _silero(x, sample_rate, min_silence_ms, pad_ms, threshold, min_speech_ms,
                       progress, cancel)
    return energy_regions(x, sample_rate, min_silence_ms, pad_ms, threshold, min_speech_ms,
                          cancel)


def _warn_fallback() -> None:
    global _warned_fallback
    if not _warned_fallback:
        _warned_fallback = True
        log.warning("Silero VAD (faster-whisper + onnxruntime) is not available; "
                    "detecting speech by loudness instead")


def _float_block(x: np.ndarray, a: int, b: int) -> np.ndarray:
    """``x[a:b]`` as float32 in [-1, 1] (int16 input scaled)."""
    return as_float(x[a:b])


def _to_vad_rate(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Linear resampling to 16 kHz: enough for voice activity."""
    if sample_rate == VAD_RATE:
        return x
    x = _float_block(x, 0, len(x))
    n = int(round(len(x) * VAD_RATE / sample_rate))
    t = np.arange(n, dtype=np.float64) * (sample_rate / VAD_RATE)
    return np.interp(t, np.arange(len(x)), x).astype(np.float32)


def _silero(x, sample_rate, min_silence_ms, pad_ms, threshold, min_speech_ms, progress, cancel):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    x = _to_vad_rate(x, sample_rate)
    options = VadOptions(
        threshold=0.5 if threshold is None else float(threshold),
        min_silence_duration_ms=int(min_silence_ms),
        speech_pad_ms=int(pad_ms),
        min_speech_duration_ms=int(min_speech_ms),
    )
    block = _BLOCK_S * VAD_RATE
    total = len(x)
    regions: list[Region] = []
    for a in range(0, total, block):
        if cancel is not None:
            cancel.raise_if_cancelled()
        chunk = _float_block(x, a, a + block)
        edge = a + len(chunk)
        for r in get_speech_timestamps(chunk, options, sampling_rate=VAD_RATE):
            s = (a + int(r["start"])) * 1000 // VAD_RATE
            e = -(-(a + int(r["end"])) * 1000 // VAD_RATE)
            at_edge = regions and regions[-1][1] >= a * 1000 // VAD_RATE and a > 0
            if at_edge and s - regions[-1][1] < min_silence_ms:
                regions[-1] = (regions[-1][0], max(e, regions[-1][1]))  # joined across blocks
            else:
                regions.append((s, e))
        if progress is not None:
            progress(Progress(edge / VAD_RATE, total / VAD_RATE, "finding speech"))
    return normalize(regions, duration_ms(total, VAD_RATE))


def energy_regions(
    x: np.ndarray,
    sample_rate: int = VAD_RATE,
    min_silence_ms: int = 300,
    pad_ms: int = 30,
    threshold_db: float | None = None,
    min_speech_ms: int = 100,
    cancel: CancelToken | None = None,
) -> list[Region]:
    """Loudness-based speech regions (10 ms frames, 30 ms smoothing)."""
    level = frame_levels_db(x, sample_rate, cancel=cancel)
    hop_ms = 10
    if len(level) == 0:
        return []
    if threshold_db is None:
        threshold_db = adaptive_threshold_db(level)
    smooth = np.convolve(level, np.ones(3) / 3.0, mode="same")
    loud = smooth > threshold_db
    runs = _runs(loud)
    regions = [(s * hop_ms, e * hop_ms) for s, e in runs]
    # join across short pauses, drop short bursts, pad
    joined: list[Region] = []
    for s, e in regions:
        if joined and s - joined[-1][1] < min_silence_ms:
            joined[-1] = (joined[-1][0], e)
        else:
            joined.append((s, e))
    kept = [(s, e) for s, e in joined if e - s >= min_speech_ms]
    total = duration_ms(len(x), sample_rate)
    return normalize([(s - pad_ms, e + pad_ms) for s, e in kept], total)


def frame_levels_db(x: np.ndarray, sample_rate: int, hop_ms: int = 10,
                    cancel: CancelToken | None = None) -> np.ndarray:
    """RMS level (dBFS) of consecutive ``hop_ms`` frames (the last partial frame included)."""
    hop = max(1, sample_rate * hop_ms // 1000)
    n = len(x)
    frames = -(-n // hop)
    out = np.empty(frames, np.float64)
    step = hop * 8192
    for a in range(0, n, step):
        if cancel is not None:
            cancel.raise_if_cancelled()
        seg = _float_block(x, a, a + step).astype(np.float64)
        full = len(seg) // hop
        f0 = a // hop
        if full:
            blocks = seg[: full * hop].reshape(full, hop)
            out[f0:f0 + full] = np.einsum("ij,ij->i", blocks, blocks) / hop
        if len(seg) > full * hop:
            tail = seg[full * hop:]
            out[f0 + full] = float(np.dot(tail, tail)) / len(tail)
    return 10.0 * np.log10(out + 1e-12)


STEADY_STD_DB = 1.0  # frame-level spread below which a sound is a held tone, hum or hiss


def adaptive_threshold_db(level_db: np.ndarray) -> float:
    """A loudness threshold between the noise floor and the loud parts of a recording.

    Without contrast (a steady sound throughout) the level's spread tells speech from a held
    tone, a hum or hiss: speech rises and falls with its syllables, so even speech buried in
    equally loud noise spreads its 10 ms levels by about 2 dB or more (measured:
    tests/audio/test_audio_vad.py), while a sine tone spreads them by ~0 dB and white noise by
    ~0.5 dB.  Steady sound without that modulation is not speech: nothing passes the threshold,
    so the engine never hears it (it makes text up over tones).  Steady sound that moves is
    all passed, as before: when in doubt the engine listens.
    """
    floor = float(np.percentile(level_db, 10))
    peak = float(np.percentile(level_db, 99))
    if peak < -55.0:  # nothing but near-silence
        return peak + 1.0
    if peak - floor < 6.0:  # no contrast: steady sound throughout
        if float(np.std(level_db)) < STEADY_STD_DB:
            return peak + 1.0  # a held tone, hum or hiss: no syllables, no speech
        return min(floor - 1.0, -55.0)
    return max(floor + max(6.0, 0.3 * (peak - floor)), -60.0)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where ``mask`` is True."""
    if not mask.any():
        return []
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def duration_ms(n_samples: int, sample_rate: int) -> int:
    return int(math.ceil(n_samples * 1000 / sample_rate))


def normalize(regions: Iterable[Sequence[int]], total_ms: int | None = None) -> list[Region]:
    """Sorted, clipped to ``[0, total_ms]``, overlapping or touching regions merged."""
    out: list[Region] = []
    for s, e in sorted((int(s), int(e)) for s, e in regions):
        s = max(0, s)
        if total_ms is not None:
            e = min(e, total_ms)
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def silences(regions: Sequence[Region], total_ms: int, min_ms: int = 0) -> list[Region]:
    """The gaps between speech regions over ``[0, total_ms]`` at least ``min_ms`` long."""
    return SpeechMap(regions, total_ms).silences(min_ms)


class SpeechMap:
    """Speech regions of one recording, for fast questions about time ranges."""

    def __init__(self, regions: Iterable[Sequence[int]], total_ms: int) -> None:
        self.total_ms = int(total_ms)
        self.regions = normalize(regions, self.total_ms)
        self._starts = [s for s, _ in self.regions]
        ends = [e for _, e in self.regions]
        self._ends = ends
        self._cum = np.concatenate([[0], np.cumsum([e - s for s, e in self.regions])]).astype(np.int64)

    @property
    def speech_ms(self) -> int:
        return int(self._cum[-1])

    @property
    def speech_fraction(self) -> float:
        return self.speech_ms / self.total_ms if self.total_ms > 0 else 0.0

    def _speech_before(self, t: int) -> int:
        """Speech time in ``[0, t)``."""
        i = bisect.bisect_right(self._starts, t)  # regions starting at or before t
        if i == 0:
            return 0
        s, e = self.regions[i - 1]
        return int(self._cum[i - 1]) + max(0, min(t, e) - s)

    def overlap_ms(self, start_ms: int, end_ms: int) -> int:
        """Speech time inside ``[start_ms, end_ms)``."""
        if end_ms <= start_ms:
            return 0
        return self._speech_before(int(end_ms)) - self._speech_before(int(start_ms))

    def fraction(self, start_ms: int, end_ms: int) -> float:
        """Share of ``[start_ms, end_ms)`` that is speech (0 for an empty range)."""
        if end_ms <= start_ms:
            return 0.0
        return self.overlap_ms(start_ms, end_ms) / (end_ms - start_ms)

    def is_speech(self, start_ms: int, end_ms: int, min_fraction: float = 0.25) -> bool:
        """Whether at least ``min_fraction`` of the range is speech."""
        return self.overlap_ms(start_ms, end_ms) > 0 and self.fraction(start_ms, end_ms) >= min_fraction

    def is_silent(self, start_ms: int, end_ms: int, max_speech_ms: int = 0) -> bool:
        """Whether the range holds no more than ``max_speech_ms`` of speech ("text over
        silence" when a recognised segment lies there)."""
        return self.overlap_ms(start_ms, end_ms) <= max_speech_ms

    def silences(self, min_ms: int = 0) -> list[Region]:
        gaps = []
        prev = 0
        for s, e in self.regions:
            if s - prev > 0:
                gaps.append((prev, s))
            prev = e
        if self.total_ms - prev > 0:
            gaps.append((prev, self.total_ms))
        return [(s, e) for s, e in gaps if e - s >= max(min_ms, 1)]

    def speech_at(self, t_ms: int) -> bool:
        i = bisect.bisect_right(self._starts, t_ms)
        return i > 0 and t_ms < self.regions[i - 1][1]
