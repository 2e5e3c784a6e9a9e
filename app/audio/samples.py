"""The one audio primitive: the rate engines hear, the int16 <-> float pair, windows of it.

Every layer that handles samples (decoding, the waveform cache, engines, aligners, speaker
detection, the pipeline's jobs) uses these, so a recording means the same thing everywhere:

* :data:`ENGINE_RATE`: 16 kHz mono, what Whisper, Qwen3-ASR, the aligners, the voice encoder
  and the voice activity detector all take, and what the waveform cache stores;
* :func:`float_to_int16` / :func:`int16_to_float`: the storage format of the cache (int16,
  full scale 32767) and its exact inverse, so samples read back from the cache are the
  samples that were decoded (a second scale, 32768, used to be applied to the same samples
  in two places: 0.003 % louder there);
* :func:`to_engine_rate`: any mono or multichannel, int16 or float signal as float32 at
  :data:`ENGINE_RATE`;
* :func:`audio_window`: ``[start_ms, end_ms)`` of a long (possibly memory-mapped int16)
  recording as float32, converting only that stretch.
"""

from __future__ import annotations

import numpy as np

ENGINE_RATE = 16000  # Hz
SAMPLES_PER_MS = ENGINE_RATE // 1000  # a time in ms times this is a sample index
INT16_FULL_SCALE = 32767.0


def float_to_int16(x: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to int16 (rounded, clipped): the int16 storage format."""
    scaled = np.rint(np.asarray(x, dtype=np.float32) * np.float32(INT16_FULL_SCALE))
    return np.clip(scaled, -32768, 32767).astype(np.int16)


def int16_to_float(x: np.ndarray) -> np.ndarray:
    """The inverse of :func:`float_to_int16` (``x / 32767`` as float32)."""
    return np.asarray(x, dtype=np.float32) / np.float32(INT16_FULL_SCALE)


def as_float(x: np.ndarray) -> np.ndarray:
    """float32 samples: int16 scaled by :func:`int16_to_float`, floats as they are."""
    a = np.asarray(x)
    if a.dtype == np.int16:
        return int16_to_float(a)
    return a.astype(np.float32, copy=False)


def to_engine_rate(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at :data:`ENGINE_RATE` (channels averaged; linear resampling when the
    rate differs, enough for alignment and speaker embeddings).  Raises ``ValueError`` for a
    rate that is not positive."""
    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=0)
    x = as_float(x)
    if sample_rate == ENGINE_RATE or len(x) == 0:
        return x
    if sample_rate <= 0:
        raise ValueError(f"invalid sample rate {sample_rate}")
    n = int(round(len(x) * ENGINE_RATE / sample_rate))
    t = np.arange(n, dtype=np.float64) * (sample_rate / ENGINE_RATE)
    return np.interp(t, np.arange(len(x)), x).astype(np.float32)


def audio_window(samples: np.ndarray, start_ms: int, end_ms: int,
                 sample_rate: int = ENGINE_RATE) -> np.ndarray:
    """Mono float32 samples of ``[start_ms, end_ms)``, clipped to the recording (int16 input
    is scaled by :func:`int16_to_float`; only the window is converted)."""
    a = max(0, int(start_ms) * sample_rate // 1000)
    b = max(a, min(len(samples), int(end_ms) * sample_rate // 1000))
    return as_float(np.asarray(samples[a:b]))

