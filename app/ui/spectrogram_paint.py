"""The spectrogram view of the waveform panel: colour map, image, painting, and the shot
change lines (drawn over the wave or the spectrogram).

The levels come from :class:`app.audio.spectrogram.SpectrogramTiles` (computed off the GUI
thread); this module turns the visible columns into an image (low frequencies at the bottom,
mel-spaced as the tiles are) through a 256-entry colour table, cached per view like the wave
image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

if TYPE_CHECKING:
    from app.ui.waveform_view import WaveformView

# a dark-to-bright scale (black, violet, red, orange, pale yellow): silence recedes, speech
# harmonics stand out, on light and dark themes alike
_ANCHORS = ((0.0, (0, 0, 4)), (0.25, (60, 15, 110)), (0.5, (160, 45, 120)),
            (0.75, (245, 110, 80)), (1.0, (252, 250, 190)))
MAX_TILE_IMAGES = 48
SHOT_COLOR_DARK = QColor(80, 170, 255)
SHOT_COLOR_LIGHT = QColor(20, 90, 220)


def colormap() -> np.ndarray:
    """256 opaque ARGB32 colours."""
    x = np.linspace(0.0, 1.0, 256)
    pos = [a for a, _ in _ANCHORS]
    rgb = [np.interp(x, pos, [c[k] for _, c in _ANCHORS]) for k in range(3)]
    r, g, b = (np.round(v).astype(np.uint32) for v in rgb)
    return (np.uint32(0xFF000000) | (r << 16) | (g << 8) | b).astype(np.uint32)


_LUT = colormap()


def spectrogram_image(levels: np.ndarray, height: int, gain: float = 1.0) -> QImage:
    """An opaque image of ``levels`` (``(width, bands)`` uint8), ``height`` rows."""
    width = int(levels.shape[0])
    height = max(1, int(height))
    if width == 0:
        return QImage()
    bands = levels.shape[1]
    rows = ((height - 1 - np.arange(height)) * bands // height).astype(np.int64)
    vals = levels[:, rows].T  # (height, width)
    if gain != 1.0:
        vals = np.clip(vals.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    buf = np.ascontiguousarray(_LUT[vals])
    img = QImage(buf.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied)
    return img.copy()


def ensure_tiles(view: WaveformView):
    """The view's spectrogram tiles over the session's waveform samples (made on first use)."""
    peaks = view.session.peaks
    if peaks is None:
        return None
    if view.spectrogram_tiles is None or view.spectrogram_tiles.source.samples is not peaks.samples:
        from app.audio.spectrogram import Spectrogram, SpectrogramTiles

        if view.spectrogram_tiles is not None:
            view.spectrogram_tiles.close()
        def ready() -> None:  # called on the worker thread; the view may be gone by then
            try:
                view.spectrogram_ready.emit()
            except RuntimeError:
                pass

        view.spectrogram_tiles = SpectrogramTiles(Spectrogram(peaks.samples, peaks.sample_rate),
                                                  on_ready=ready)
    return view.spectrogram_tiles


def paint_spectrogram(view: WaveformView, p: QPainter, c, lay, w: int, top: int, hgt: int) -> None:
    """The spectrogram in the wave's place, tile by tile (each tile's image is made once per
    zoom and height, so scrolling only draws images), then the selected cues and the range
    tinted over it (the opaque image covers the box fills drawn before)."""
    from app.audio.spectrogram import TILE

    tiles = ensure_tiles(view)
    if tiles is None:
        p.setPen(c.muted)
        msg = view.placeholder_text()
        if msg:
            p.drawText(QRectF(0, top, w, hgt), Qt.AlignmentFlag.AlignCenter, msg)
        return
    mpp = view.ms_per_px
    key = (mpp, hgt, view.gain)
    images = view.spectrogram_images
    if view.spectrogram_cache_key != key:
        images.clear()
        view.spectrogram_cache_key = key
    first = view.first_column
    for t in range(first // TILE, (first + w - 1) // TILE + 1):
        img = images.get(t)
        if img is None:
            levels = tiles.tile(t, mpp)
            if levels is None:
                continue  # computed on the worker: the view repaints when it is ready
            img = images[t] = spectrogram_image(levels, hgt, view.gain)
            while len(images) > MAX_TILE_IMAGES:
                images.popitem(last=False)
        else:
            images.move_to_end(t)
        p.drawImage(t * TILE - first, top, img)
    tint = QColor(c.highlight)
    tint.setAlpha(60)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(tint)
    p.drawRects(lay.chosen)
    rng = view.session.selected_range
    if rng:
        x0, x1 = view.x_of(rng[0]), view.x_of(rng[1])
        p.fillRect(QRectF(x0, top, max(1.0, x1 - x0), hgt), c.range)


def overlay_colors(c):
    """``c`` with light text colours, for labels drawn over the (dark) spectrogram."""
    import copy

    out = copy.copy(c)
    out.seg_text = QColor(255, 255, 255)
    out.muted = QColor(225, 225, 225)
    return out


def paint_shots(view: WaveformView, p: QPainter, c, ruler_h: int, h: int) -> None:
    """A line at each visible shot change, with a marker in the ruler."""
    shots = view.session.shots
    if not shots:
        return
    t0 = view.origin_ms
    t1 = t0 + view.width() * view.ms_per_px
    visible = view.session.visible_shots(t0, t1)
    if not visible:
        return
    color = SHOT_COLOR_DARK if c.dark else SHOT_COLOR_LIGHT
    pen = QPen(color, 1.5, Qt.PenStyle.DashLine)
    p.setPen(pen)
    xs = [view.x_of(t) for t in visible]
    if len(xs) > view.width():  # thousands in view: one solid column each is enough
        p.setPen(QPen(color, 1))
    p.drawLines([QLineF(x, ruler_h, x, h) for x in xs])
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    for x in xs[:2000]:
        p.drawPolygon([QPointF(x - 4, ruler_h - 8), QPointF(x + 4, ruler_h - 8), QPointF(x, ruler_h - 1)])
