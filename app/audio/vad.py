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
    x = _to_vad_rate(x, sample_rate)
    detector = SpeechStream(min_silence_ms, pad_ms, method="silero", threshold=threshold,
                            min_speech_ms=min_speech_ms)
    block = _BLOCK_S * VAD_RATE
    total = len(x)
    regions: list[Region] = []
    for a in range(0, total, block):
        if cancel is not None:
            cancel.raise_if_cancelled()
        chunk = _float_block(x, a, a + block)
        regions += detector.feed(chunk)
        if progress is not None:
            progress(Progress((a + len(chunk)) / VAD_RATE, total / VAD_RATE, "finding speech"))
    regions += detector.finish()
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
    return _energy_from_levels(level, duration_ms(len(x), sample_rate), min_silence_ms, pad_ms,
                               threshold_db, min_speech_ms)


def _energy_from_levels(level: np.ndarray, total_ms: int, min_silence_ms: int, pad_ms: int,
                        threshold_db: float | None, min_speech_ms: int) -> list[Region]:
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
    return normalize([(s - pad_ms, e + pad_ms) for s, e in kept], total_ms)


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


class _Decisions:
    """``faster_whisper.vad.get_speech_timestamps``'s decisions, made window by window:
    speech from ``threshold``, silence below ``threshold - 0.15``, a region ends after
    ``min_silence_ms`` of silence, shorter than ``min_speech_ms`` dropped, ``pad_ms`` added
    on both sides (padded regions that touch are merged)."""

    def __init__(self, min_silence_ms: int, pad_ms: int, min_speech_ms: int,
                 threshold: float | None, window: int) -> None:
        self.window = window
        self.on = 0.5 if threshold is None else float(threshold)
        self.off = max(self.on - 0.15, 0.01)
        self.min_silence = VAD_RATE * min_silence_ms // 1000
        self.min_speech = VAD_RATE * min_speech_ms / 1000
        self.pad = VAD_RATE * pad_ms // 1000
        self.windows = 0  # windows decided so far
        self.start: int | None = None  # sample where the open region began
        self.temp_end = 0
        self.pending: list[Region] = []  # found, padded, not yet final (may merge)

    def step(self, probs: np.ndarray) -> None:
        for p in probs.tolist():
            pos = self.windows * self.window
            self.windows += 1
            if p >= self.on:
                self.temp_end = 0
                if self.start is None:
                    self.start = pos
                continue
            if p < self.off and self.start is not None:
                if not self.temp_end:
                    self.temp_end = pos
                if pos - self.temp_end < self.min_silence:
                    continue
                if self.temp_end - self.start > self.min_speech:
                    self._add(self.start, self.temp_end)
                self.start, self.temp_end = None, 0

    def close(self, samples: int) -> None:
        """The recording ended after ``samples``: a region still open ends there."""
        if self.start is not None and samples - self.start > self.min_speech:
            self._add(self.start, samples)
        self.start = None

    def _add(self, start: int, end: int) -> None:
        s = max(0, start - self.pad) * 1000 // VAD_RATE
        e = -(-(end + self.pad) * 1000 // VAD_RATE)
        if self.pending and s <= self.pending[-1][1]:
            self.pending[-1] = (self.pending[-1][0], max(e, self.pending[-1][1]))
        else:
            self.pending.append((s, e))

    def final(self, everything: bool, samples: int) -> list[Region]:
        """Pending regions no later region can merge with (all of them: ``everything``)."""
        total = duration_ms(samples, VAD_RATE)
        if everything:
            out, self.pending = self.pending, []
        else:
            edge = self.start if self.start is not None else self.windows * self.window
            horizon = max(0, edge - self.pad) * 1000 // VAD_RATE  # a later region starts here
            out = [r for r in self.pending if r[1] < horizon]
            self.pending = self.pending[len(out):]
        return [(s, min(e, total)) for s, e in out if min(e, total) > s]

    @property
    def known_ms(self) -> int:
        pos = self.windows * self.window - self.min_silence - self.pad
        return max(0, pos) * 1000 // VAD_RATE

    def provisional(self) -> list[Region]:
        out = list(self.pending)
        if self.start is not None:
            s, e = max(0, self.start - self.pad) * 1000 // VAD_RATE, self.known_ms
            if out and s <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], e))
            elif e > s:
                out.append((s, e))
        return out


def regions_from_probabilities(probs: np.ndarray, samples: int, min_silence_ms: int = 100,
                               pad_ms: int = 30, min_speech_ms: int = 50,
                               threshold: float | None = None) -> list[Region]:
    """Speech regions (ms from the first window) of ``samples`` samples whose Silero speech
    probabilities (one per 512-sample window, e.g. from :meth:`SpeechStream.probabilities`)
    are ``probs``: other thresholds on the same analysis, without running the model again."""
    d = _Decisions(min_silence_ms, pad_ms, min_speech_ms, threshold, SpeechStream.WINDOW)
    d.step(np.asarray(probs, dtype=np.float32))
    d.close(samples)
    return normalize(d.final(True, samples), duration_ms(samples, VAD_RATE))


class SpeechStream:
    """Speech regions found block by block, for media too long to hold in memory.

    Feed consecutive 16 kHz mono float32 blocks of any length; each :meth:`feed` returns
    the regions that became final, :meth:`finish` the rest.  :attr:`known_ms` says how far
    speech and silence are settled (final regions plus :meth:`provisional` ones).

    Silero runs window by window (512 samples) with its state carried from block to block,
    then the decisions of ``faster_whisper.vad.get_speech_timestamps`` (:class:`_Decisions`):
    the regions of a whole file are the same however it is cut in blocks.  A region is final
    once the silence after it is long enough; until then :meth:`provisional` reports it (a
    long stretch of speech is known to be speech before it ends, so a caller can go on
    cutting it).  With ``keep_probabilities`` the speech probabilities are kept (until
    :meth:`release`) for other thresholds on the same analysis
    (:func:`regions_from_probabilities`).  The energy detector needs the whole recording's
    loudness for its threshold: with it nothing is final before :meth:`finish`.
    """

    WINDOW = 512
    CONTEXT = 64
    HOP = VAD_RATE // 100  # the energy detector's 10 ms frames

    def __init__(self, min_silence_ms: int = 300, pad_ms: int = 30, *, method: str = "auto",
                 threshold: float | None = None, min_speech_ms: int = 100,
                 keep_probabilities: bool = False) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        if method == "auto":
            method = "silero" if silero_available() else "energy"
            if method == "energy":
                _warn_fallback()
        self.method = method
        self.min_silence_ms, self.pad_ms, self.min_speech_ms = min_silence_ms, pad_ms, \
            min_speech_ms
        self.threshold = threshold
        self.samples = 0  # fed so far
        self._levels: list[np.ndarray] = []  # energy: frame levels of the whole recording
        self._rest = np.zeros(0, np.float32)  # samples short of a whole window or frame
        self._keep = keep_probabilities and method == "silero"
        self._probs: list[np.ndarray] = []  # kept probabilities, from window _probs_base
        self._probs_base = 0
        self._decisions = _Decisions(min_silence_ms, pad_ms, min_speech_ms, threshold,
                                     self.WINDOW)
        if method == "silero":
            from faster_whisper.vad import get_vad_model

            self._model = get_vad_model()
            self._h = np.zeros((1, 1, 128), np.float32)
            self._c = np.zeros((1, 1, 128), np.float32)
            self._context = np.zeros(self.CONTEXT, np.float32)

    # ------------------------------------------------------------------ feeding
    def feed(self, block: np.ndarray) -> list[Region]:
        x = np.asarray(block, dtype=np.float32).reshape(-1)
        self.samples += len(x)
        if self.method == "energy":
            x = np.concatenate([self._rest, x]) if len(self._rest) else x
            n = len(x) // self.HOP * self.HOP
            self._rest = x[n:].copy()
            if n:
                self._levels.append(frame_levels_db(x[:n], VAD_RATE))
            return []
        x = np.concatenate([self._rest, x]) if len(self._rest) else x
        n = len(x) // self.WINDOW
        self._rest = x[n * self.WINDOW:].copy()
        if n:
            self._step(self._probabilities(x[:n * self.WINDOW]))
        return self._decisions.final(False, self.samples)

    def finish(self) -> list[Region]:
        """The regions still open or pending, once the recording has ended."""
        if self.method == "energy":
            if len(self._rest):
                self._levels.append(frame_levels_db(self._rest, VAD_RATE))
                self._rest = np.zeros(0, np.float32)
            level = np.concatenate(self._levels) if self._levels else np.zeros(0)
            self._levels = []
            return _energy_from_levels(level, duration_ms(self.samples, VAD_RATE),
                                       self.min_silence_ms, self.pad_ms, self.threshold,
                                       self.min_speech_ms)
        if len(self._rest):
            tail = np.zeros(self.WINDOW, np.float32)
            tail[:len(self._rest)] = self._rest
            self._rest = np.zeros(0, np.float32)
            self._step(self._probabilities(tail))
        self._decisions.close(self.samples)
        return self._decisions.final(True, self.samples)

    @property
    def known_ms(self) -> int:
        """How far speech and silence are settled: before this time, the final regions plus
        :meth:`provisional` are exactly what the whole recording will give (a region still
        open is speech at least up to here)."""
        return 0 if self.method == "energy" else self._decisions.known_ms

    def provisional(self) -> list[Region]:
        """Regions found but not final yet (they may still grow or merge), the open one
        ending at :attr:`known_ms`."""
        return [] if self.method == "energy" else self._decisions.provisional()

    def probabilities(self, a: int, b: int) -> tuple[int, np.ndarray]:
        """Kept speech probabilities of the windows inside samples ``[a, b)``:
        ``(sample where the first of them starts, probabilities)``."""
        if not self._probs:
            return a, np.zeros(0, np.float32)
        first = -(-max(a, 0) // self.WINDOW)
        first = max(first, self._probs_base)
        last = min(b // self.WINDOW, self._probs_base + sum(len(p) for p in self._probs))
        if last <= first:
            return first * self.WINDOW, np.zeros(0, np.float32)
        kept = np.concatenate(self._probs) if len(self._probs) > 1 else self._probs[0]
        self._probs = [kept]
        return first * self.WINDOW, kept[first - self._probs_base:last - self._probs_base]

    def release(self, before: int) -> None:
        """Forget the kept probabilities of windows that end before sample ``before``."""
        drop = before // self.WINDOW - self._probs_base
        while self._probs and drop > 0:
            head = self._probs[0]
            if len(head) <= drop:
                self._probs.pop(0)
                self._probs_base += len(head)
                drop -= len(head)
            else:
                self._probs[0] = head[drop:]
                self._probs_base += drop
                drop = 0

    # ------------------------------------------------------------------ internals
    def _step(self, probs: np.ndarray) -> None:
        if self._keep:
            self._probs.append(probs)
        self._decisions.step(probs)

    def _probabilities(self, x: np.ndarray) -> np.ndarray:
        windows = x.reshape(-1, self.WINDOW)
        context = np.empty((len(windows), self.CONTEXT), np.float32)
        context[0] = self._context
        context[1:] = windows[:-1, -self.CONTEXT:]
        self._context = windows[-1, -self.CONTEXT:].copy()
        batched = np.concatenate([context, windows], axis=1)
        out = []
        for i in range(0, len(batched), 10000):
            prob, self._h, self._c = self._model.session.run(
                None, {"input": batched[i:i + 10000], "h": self._h, "c": self._c})
            out.append(np.asarray(prob, dtype=np.float32).reshape(-1))
        return np.concatenate(out)
