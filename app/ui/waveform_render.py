"""Pieces of the waveform drawing that do not depend on the widget: a per-zoom cache of peak
tiles, the wave image built with numpy, and the time ruler's tick spacing.

Peaks are cached in tiles of :data:`TILE` pixel columns at one zoom (ms per pixel); scrolling
reuses the tiles already computed, zooming starts a new set.  A visible width of 2,000 pixels
touches at most 9 tiles, so a frame costs a few numpy operations whatever the media length.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Protocol

import numpy as np
from PySide6.QtGui import QColor, QImage

TILE = 256
MAX_TILES = 96


class PeakSource(Protocol):
    duration_s: float

    def query(self, start_s: float, end_s: float, width: int) -> tuple[np.ndarray, np.ndarray]: ...


class PeakTiles:
    """Min/max peaks of whole pixel columns at a given zoom, computed tile by tile."""

    def __init__(self, source: PeakSource) -> None:
        self.source = source
        self._mpp: float | None = None
        self._tiles: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def columns(self, first_col: int, count: int, ms_per_px: float) -> tuple[np.ndarray, np.ndarray]:
        """Peaks of columns ``first_col .. first_col+count`` (column k covers
        ``[k*ms_per_px, (k+1)*ms_per_px)``)."""
        if ms_per_px != self._mpp:
            self._mpp = ms_per_px
            self._tiles.clear()
        if count <= 0:
            empty = np.zeros(0, np.float32)
            return empty, empty
        t0 = first_col // TILE
        t1 = (first_col + count - 1) // TILE
        mins = []
        maxs = []
        for t in range(t0, t1 + 1):
            lo, hi = self._tile(t, ms_per_px)
            mins.append(lo)
            maxs.append(hi)
        off = first_col - t0 * TILE
        lo = np.concatenate(mins)[off:off + count]
        hi = np.concatenate(maxs)[off:off + count]
        return lo, hi

    def _tile(self, t: int, mpp: float) -> tuple[np.ndarray, np.ndarray]:
        hit = self._tiles.get(t)
        if hit is not None:
            self._tiles.move_to_end(t)
            return hit
        start_s = t * TILE * mpp / 1000.0
        end_s = (t + 1) * TILE * mpp / 1000.0
        duration = float(self.source.duration_s)
        if t < 0 or start_s >= duration:
            z = np.zeros(TILE, np.float32)
            tile = (z, z)
        else:
            mins, maxs = self.source.query(start_s, end_s, TILE)
            tile = (np.asarray(mins, np.float32)[:TILE], np.asarray(maxs, np.float32)[:TILE])
            if len(tile[0]) < TILE:
                pad = TILE - len(tile[0])
                tile = (np.pad(tile[0], (0, pad)), np.pad(tile[1], (0, pad)))
        self._tiles[t] = tile
        while len(self._tiles) > MAX_TILES:
            self._tiles.popitem(last=False)
        return tile


def _premultiplied(color: QColor) -> np.uint32:
    a = color.alpha()
    r = color.red() * a // 255
    g = color.green() * a // 255
    b = color.blue() * a // 255
    return np.uint32((a << 24) | (r << 16) | (g << 8) | b)


def wave_image(mins: np.ndarray, maxs: np.ndarray, height: int, color: QColor,
               gain: float = 1.0) -> QImage:
    """A transparent image, one column per peak pair, filled between min and max."""
    width = int(len(mins))
    height = max(1, int(height))
    if width == 0:
        return QImage()
    half = (height - 1) / 2.0
    scale = half * gain
    top = np.floor(half - np.clip(maxs, -1.0, 1.0) * scale)
    bottom = np.ceil(half - np.clip(mins, -1.0, 1.0) * scale)
    top = np.clip(top, 0, height - 1)
    bottom = np.clip(np.maximum(bottom, top), 0, height - 1)
    rows = np.arange(height, dtype=np.float64)[:, None]
    mask = (rows >= top[None, :]) & (rows <= bottom[None, :])
    buf = np.where(mask, _premultiplied(color), np.uint32(0)).astype(np.uint32)
    buf = np.ascontiguousarray(buf)
    img = QImage(buf.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied)
    return img.copy()  # own the pixels: ``buf`` dies with this frame


_STEPS_MS = (
    1, 2, 5, 10, 20, 50, 100, 200, 500,
    1000, 2000, 5000, 10_000, 15_000, 30_000,
    60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
)


def ruler_step(ms_per_px: float, min_label_px: float = 90.0) -> tuple[int, int]:
    """(labelled step, minor step) in ms so labels stay ``min_label_px`` apart, at any zoom:
    past the table, 1, 2 or 5 times a power of ten hours (a timeline of years still gets a
    label every 90 pixels, not one per two hours)."""
    need = ms_per_px * min_label_px
    step = next((s for s in _STEPS_MS if s >= need), None)
    if step is None:
        hours = need / 3_600_000
        decade = 10 ** max(0, math.floor(math.log10(hours)))
        mult = next(m for m in (1, 2, 5, 10) if m * decade >= hours)
        step = int(mult * decade) * 3_600_000
    minor_div = 5 if str(step)[0] in "15" else 4 if str(step)[0] == "2" else 5
    if step == 15_000:
        minor_div = 3
    return step, max(1, step // minor_div)


def ruler_ticks(t0: float, t1: float, step: int, limit: int) -> range:
    """The multiples of ``step`` (ms) from ``t0`` to ``t1``, at most ``limit`` of them: the
    loop that draws them is bounded by the pixels, whatever the times."""
    first = int(math.floor(t0 / step)) * step
    count = int(min(max(0.0, (t1 - first) // step + 1), limit))
    return range(first, first + count * step, step) if count else range(0)


def ruler_label(ms: int, step: int) -> str:
    h, rem = divmod(int(ms), 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, frac = divmod(rem, 1000)
    if step < 10:
        tail = f"{s:02d}.{frac:03d}"
    elif step < 100:
        tail = f"{s:02d}.{frac // 10:02d}"
    elif step < 1000:
        tail = f"{s:02d}.{frac // 100:d}"
    else:
        tail = f"{s:02d}"
    return f"{h}:{m:02d}:{tail}" if h else f"{m}:{tail}"
