"""Spectrogram columns at any zoom, straight from the decoded samples of the waveform.

A pixel column covering ``[a, b)`` samples gets the power spectrum (Hann window,
:data:`N_FFT` = 512 samples, 32 ms at 16 kHz) averaged over up to :data:`MAX_WINDOWS` windows
spread evenly across the column (one window centred on it when zoomed in further than a
window per column), summed into :data:`BANDS` mel-spaced bands from 0 to the Nyquist
frequency, and mapped from decibels to 0-255 (:data:`FLOOR_DB` .. :data:`TOP_DB` below a
full-scale sine).  Nothing is precomputed: a column costs at most :data:`MAX_WINDOWS` short
FFTs whatever the zoom, so the cost of a view is bounded by its width, not the file's length.

:class:`SpectrogramTiles` computes 256-column tiles per zoom on a worker thread and keeps
them (like the waveform's peak tiles): painting never waits for an FFT; a tile not ready yet
is blank and the view repaints when it arrives (``packaging/bench/bench_video.py`` measures
both the frame time and how long a new view takes to fill, on a 2-hour file).  At the widest
zooms a column's windows sample its seconds of audio rather than cover them: enough to see
speech, music and silence, which is what the view is for.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from app.audio.samples import INT16_FULL_SCALE

N_FFT = 512
BANDS = 96
MAX_WINDOWS = 4
TILE = 256
MAX_TILES = 64
FLOOR_DB = -95.0
TOP_DB = -15.0
_GATHER_ROWS = 4096  # windows gathered per batch (4096 x 512 float32 = 8 MB)


def mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, np.float64) / 2595.0) - 1.0)


def band_matrix(sample_rate: int, n_fft: int = N_FFT, bands: int = BANDS) -> np.ndarray:
    """``(bands, n_fft // 2 + 1)`` triangular mel filters, each summing to 1 (float32).

    Low bands narrower than one FFT bin take the nearest bin, so none is empty."""
    bins = n_fft // 2 + 1
    freqs = np.linspace(0, sample_rate / 2, bins)
    edges = mel_to_hz(np.linspace(0, mel(sample_rate / 2), bands + 2))
    out = np.zeros((bands, bins), np.float64)
    for k in range(bands):
        lo, mid, hi = edges[k], edges[k + 1], edges[k + 2]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        w = np.clip(np.minimum(up, down), 0, None)
        if w.sum() <= 0:
            w[int(np.argmin(np.abs(freqs - mid)))] = 1.0
        out[k] = w / w.sum()
    return out.astype(np.float32)


class Spectrogram:
    """Spectrogram columns of a mono int16 (or float) signal; see the module doc."""

    def __init__(self, samples: np.ndarray, sample_rate: int, bands: int = BANDS) -> None:
        self.samples = samples
        self.sample_rate = int(sample_rate)
        self.bands = bands
        self._filters = band_matrix(self.sample_rate, N_FFT, bands)
        self._window = np.hanning(N_FFT).astype(np.float32)
        scale = INT16_FULL_SCALE if samples.dtype == np.int16 else 1.0
        # power of a full-scale sine through the window: the 0 dB reference
        self._ref = float((self._window.sum() * scale / 2.0) ** 2)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    def columns(self, start_s: float, end_s: float, width: int) -> np.ndarray:
        """``(width, bands)`` uint8 levels of the columns of ``[start_s, end_s)`` (band 0 is
        the lowest frequency); columns outside the signal are 0."""
        width = int(width)
        out = np.zeros((max(width, 0), self.bands), np.uint8)
        n = len(self.samples)
        if width <= 0 or n < N_FFT or not end_s > start_s:
            return out
        rate = self.sample_rate
        a = start_s * rate
        span = (end_s - start_s) * rate / width  # samples per column
        k = int(min(MAX_WINDOWS, max(1, np.ceil(span / N_FFT))))
        # window centres: k evenly inside each column
        col = np.arange(width, dtype=np.float64)[:, None]
        centre = a + (col + (np.arange(k)[None, :] + 0.5) / k) * span
        first = np.rint(centre - N_FFT / 2).astype(np.int64).ravel()
        live_col = ((a + (col[:, 0] + 1) * span) > 0) & ((a + col[:, 0] * span) < n)
        first = np.clip(first, 0, n - N_FFT)
        power = np.empty((len(first), N_FFT // 2 + 1), np.float32)
        offs = np.arange(N_FFT, dtype=np.int64)
        for lo in range(0, len(first), _GATHER_ROWS):
            idx = first[lo:lo + _GATHER_ROWS, None] + offs[None, :]
            frames = np.asarray(self.samples[idx], np.float32) * self._window
            spec = np.fft.rfft(frames, axis=1)
            power[lo:lo + len(idx)] = spec.real ** 2 + spec.imag ** 2
        power = power.reshape(width, k, -1).mean(axis=1)
        bands = power @ self._filters.T
        db = 10.0 * np.log10(bands / self._ref + 1e-12)
        level = np.clip((db - FLOOR_DB) * (255.0 / (TOP_DB - FLOOR_DB)), 0, 255)
        out[live_col] = level[live_col].astype(np.uint8)
        return out


class SpectrogramTiles:
    """Tiles of :data:`TILE` columns at one zoom, computed on a worker thread.

    :meth:`columns` returns what is ready at once (missing tiles are zeros) and queues the
    rest; ``on_ready`` is called (from the worker thread) when a queued tile is stored.
    Changing the zoom drops the tiles and skips the jobs queued for the old zoom.
    """

    def __init__(self, source: Spectrogram, on_ready: Callable[[], None] | None = None,
                 threaded: bool = True) -> None:
        self.source = source
        self.on_ready = on_ready
        self._lock = threading.Lock()
        self._mpp: float | None = None
        self._tiles: OrderedDict[int, np.ndarray] = OrderedDict()
        self._pending: dict[int, Future] = {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="spectrogram") if threaded else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def tile(self, t: int, ms_per_px: float) -> np.ndarray | None:
        """Tile ``t`` (columns ``t*TILE ..``) at ``ms_per_px`` if computed, else None (and
        it is queued)."""
        with self._lock:
            if ms_per_px != self._mpp:
                self._mpp = ms_per_px
                self._tiles.clear()
                self._pending.clear()
            found = self._tiles.get(t)
            if found is not None:
                self._tiles.move_to_end(t)
                return found
        if self._pool is None:
            self._compute(t, ms_per_px)
            return self._tiles.get(t)
        self._queue(t, ms_per_px)
        return None

    def columns(self, first_col: int, count: int, ms_per_px: float) -> tuple[np.ndarray, bool]:
        """``(count, bands)`` levels of columns ``first_col ..`` at ``ms_per_px``, and whether
        every one of them is computed."""
        bands = self.source.bands
        if count <= 0:
            return np.zeros((0, bands), np.uint8), True
        t0 = first_col // TILE
        t1 = (first_col + count - 1) // TILE
        parts = []
        complete = True
        with self._lock:
            if ms_per_px != self._mpp:
                self._mpp = ms_per_px
                self._tiles.clear()
                self._pending.clear()
            wanted = []
            for t in range(t0, t1 + 1):
                tile = self._tiles.get(t)
                if tile is None:
                    complete = False
                    wanted.append(t)
                    tile = np.zeros((TILE, bands), np.uint8)
                else:
                    self._tiles.move_to_end(t)
                parts.append(tile)
        for t in wanted:
            if self._pool is None:  # synchronous: compute now
                self._compute(t, ms_per_px)
                parts[t - t0] = self._tiles.get(t, parts[t - t0])
            else:
                self._queue(t, ms_per_px)
        if self._pool is None:
            complete = True
        off = first_col - t0 * TILE
        return np.concatenate(parts)[off:off + count], complete

    def _queue(self, t: int, mpp: float) -> None:
        with self._lock:  # held while submitting: the job cannot finish before it is recorded
            if t in self._pending or self._pool is None:
                return
            self._pending[t] = self._pool.submit(self._compute, t, mpp)

    def _compute(self, t: int, mpp: float) -> None:
        with self._lock:
            if mpp != self._mpp:
                return  # queued for a zoom the view has left
        start_s = t * TILE * mpp / 1000.0
        end_s = (t + 1) * TILE * mpp / 1000.0
        if t < 0 or start_s >= self.source.duration_s:
            tile = np.zeros((TILE, self.source.bands), np.uint8)
        else:
            tile = self.source.columns(start_s, end_s, TILE)
        with self._lock:
            if mpp != self._mpp:
                return
            self._tiles[t] = tile
            self._pending.pop(t, None)
            while len(self._tiles) > MAX_TILES:
                self._tiles.popitem(last=False)
        if self.on_ready is not None and self._pool is not None:
            self.on_ready()

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Block until no tile is queued (tests and benchmarks)."""
        import time

        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            with self._lock:
                futures = list(self._pending.values())
                if not self._pending:
                    return True
            for f in futures:
                try:
                    f.result(timeout=max(0.0, end - time.monotonic()))
                except Exception:  # noqa: BLE001 - cancelled or stale jobs
                    pass
            time.sleep(0.001)
        return False
