"""Painting the timeline: ruler, speech band, wave, segment boxes with text and word ticks,
selection range and playhead.  Only what is visible is drawn (segments found by bisection).

Boxes take their speaker's colour (:mod:`app.ui.speaker_colors`).  Segments that overlap in
time (two speakers at once) are drawn in lanes, one above the other, each as tall as the
group of overlapping segments allows (:func:`assign_lanes`), so both texts stay readable; a
segment that overlaps nothing keeps the full height."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPalette, QPen

from app.core.model import WORDS_STALE, Segment
from app.ui.speaker_colors import SpeakerColors
from app.ui.spectrogram_paint import overlay_colors, paint_shots, paint_spectrogram
from app.ui.waveform_render import ruler_label, ruler_step, ruler_ticks, wave_image

if TYPE_CHECKING:
    from app.ui.waveform_view import WaveformView

RULER_H = 22
SPEECH_H = 4
MIN_TEXT_W = 28  # px: narrower boxes carry no text
MIN_WORD_W = 4  # px per word on average before ticks are drawn
DENSE_LIMIT = 400  # more visible segments than this: draw covered columns instead of boxes
SPEAKER_FILL = 0.22  # share of the speaker's colour in a box fill (selected: more)
SPEAKER_FILL_SELECTED = 0.40
LANE_GAP = 2  # px between lanes
CHANNEL_NAMES = ("L", "R")


def assign_lanes(spans: list[tuple[str, float, float]]) -> dict[str, tuple[int, int]]:
    """``id -> (lane, lanes)`` for segments ``(id, start, end)``: overlapping segments go to
    different lanes (first free lane, in order of start); ``lanes`` is the number of lanes
    the segment's group of overlapping segments needs (1 when it overlaps nothing)."""
    out: dict[str, tuple[int, int]] = {}
    group: list[tuple[str, int]] = []
    lane_ends: list[float] = []
    group_end = float("-inf")

    def close() -> None:
        n = max((lane for _i, lane in group), default=0) + 1
        for sid, lane in group:
            out[sid] = (lane, n)

    for sid, a, b in sorted(spans, key=lambda t: (t[1], t[2])):
        if a >= group_end:
            close()
            group, lane_ends, group_end = [], [], b
        group_end = max(group_end, b)
        lane = next((k for k, end in enumerate(lane_ends) if end <= a), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(b)
        else:
            lane_ends[lane] = b
        group.append((sid, lane))
    close()
    return out

class Colors:
    """Colours taken from the palette (light or dark), plus a few accents readable on both."""

    def __init__(self, pal: QPalette) -> None:
        self.base = pal.color(QPalette.ColorRole.Base)
        self.dark = self.base.lightness() < 128
        self.ruler_bg = pal.color(QPalette.ColorRole.Window)
        self.text = pal.color(QPalette.ColorRole.Text)
        self.muted = pal.color(QPalette.ColorRole.PlaceholderText)
        self.mid = pal.color(QPalette.ColorRole.Mid)
        hl = pal.color(QPalette.ColorRole.Highlight)
        self.highlight = hl
        self.wave = QColor(96, 190, 200, 235) if self.dark else QColor(30, 112, 135, 235)
        self.axis = QColor(self.text)
        self.axis.setAlpha(40)
        self.box_fill = mix(self.base, hl, 0.15)
        self.box_selected_fill = mix(self.base, hl, 0.30)
        self.box_dense = mix(self.base, hl, 0.55)
        self.start_edge = QColor(64, 190, 110) if self.dark else QColor(24, 140, 70)
        self.end_edge = QColor(232, 110, 80) if self.dark else QColor(200, 70, 40)
        self.stale = QColor(235, 160, 40, 150)
        self.speech = QColor(80, 200, 120, 170) if self.dark else QColor(40, 160, 90, 170)
        self.range = QColor(hl)
        self.range.setAlpha(55)
        self.playhead = QColor(255, 80, 80) if self.dark else QColor(215, 30, 30)
        self.word_now = QColor(255, 210, 80, 90)
        self.snap = QColor(255, 200, 0)
        self.seg_text = QColor(self.text)
        self.problem = QColor(226, 67, 67)

    def key(self) -> tuple:
        return (self.base.rgba(), self.wave.rgba(), self.highlight.rgba())


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """The opaque colour ``t`` of the way from ``a`` to ``b``."""
    return QColor(int(a.red() + (b.red() - a.red()) * t), int(a.green() + (b.green() - a.green()) * t),
                  int(a.blue() + (b.blue() - a.blue()) * t))


def paint(view: WaveformView, p: QPainter) -> None:
    w, h = view.width(), view.height()
    c = view.colors
    p.fillRect(0, 0, w, h, c.base)
    _paint_ruler(view, p, c, w)
    wave_top = RULER_H
    wave_h = max(1, h - RULER_H - SPEECH_H)
    _paint_speech(view, p, c, w, h)
    lay = SegmentLayout(view, w, wave_top, wave_h)
    _paint_segment_boxes(view, p, c, lay, w)
    if getattr(view, "show_spectrogram", False):
        paint_spectrogram(view, p, c, lay, w, wave_top, wave_h)
        c = overlay_colors(c)  # light labels over the dark spectrogram
    else:
        _paint_range(view, p, c, wave_top, wave_h)
        _paint_wave(view, p, c, w, wave_top, wave_h)
    paint_shots(view, p, c, RULER_H, h)
    _paint_segment_overlay(view, p, c, lay)
    _paint_playhead(view, p, c, h)


def _paint_ruler(view: WaveformView, p: QPainter, c: Colors, w: int) -> None:
    p.fillRect(0, 0, w, RULER_H, c.ruler_bg)
    p.setPen(QPen(c.mid, 1))
    p.drawLine(0, RULER_H - 1, w, RULER_H - 1)
    mpp = view.ms_per_px
    step, minor = ruler_step(mpp)
    t0 = view.origin_ms
    t1 = t0 + w * mpp
    limit = w + 2  # never more ticks than pixels, whatever the times
    lines = []
    for t in ruler_ticks(t0, t1, minor, limit):
        x = (t - t0) / mpp
        tall = t % step == 0
        lines.append(QLineF(x, RULER_H - (9 if tall else 4), x, RULER_H - 1))
    p.setPen(QPen(c.muted, 1))
    p.drawLines(lines)
    p.setPen(c.text)
    p.setFont(view.small_font)
    for t in ruler_ticks(t0, t1, step, limit):
        x = (t - t0) / mpp
        if t >= 0:
            p.drawText(QPointF(x + 3, 12), ruler_label(t, step))


def _paint_speech(view: WaveformView, p: QPainter, c: Colors, w: int, h: int) -> None:
    if not view.session.speech:
        return
    t0, t1 = view.origin_ms, view.origin_ms + w * view.ms_per_px
    rects = []
    for a, b in view.visible_speech(t0, t1):
        x0, x1 = view.x_of(a), view.x_of(b)
        rects.append(QRectF(x0, h - SPEECH_H, max(1.0, x1 - x0), SPEECH_H))
    if rects:
        p.fillRect(QRectF(0, h - SPEECH_H, w, SPEECH_H), c.ruler_bg)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(c.speech)
        p.drawRects(rects)


def _paint_range(view: WaveformView, p: QPainter, c: Colors, top: int, hgt: int) -> None:
    rng = view.session.selected_range
    if not rng:
        return
    x0, x1 = view.x_of(rng[0]), view.x_of(rng[1])
    p.fillRect(QRectF(x0, top, max(1.0, x1 - x0), hgt), c.range)


def _paint_wave(view: WaveformView, p: QPainter, c: Colors, w: int, top: int, hgt: int) -> None:
    p.setPen(QPen(c.axis, 1))
    p.drawLine(0, top + hgt // 2, w, top + hgt // 2)
    tiles = view.tiles
    if tiles is None:
        p.setPen(c.muted)
        p.setFont(view.font())
        msg = view.placeholder_text()
        if msg:
            p.drawText(QRectF(0, top, w, hgt), Qt.AlignmentFlag.AlignCenter, msg)
        return
    col0 = view.first_column
    channels = getattr(view, "channel_tiles", None)
    if channels:
        _paint_channel_waves(view, p, c, channels, w, top, hgt)
        return
    key = (col0, view.ms_per_px, w, hgt, view.gain, c.key())
    if view.wave_cache_key != key:
        mins, maxs = tiles.columns(col0, w, view.ms_per_px)
        view.wave_cache = wave_image(mins, maxs, hgt, c.wave, view.gain)
        view.wave_cache_key = key
    if not view.wave_cache.isNull():
        p.drawImage(0, top, view.wave_cache)


def _paint_channel_waves(view: WaveformView, p: QPainter, c: Colors, channels: list, w: int,
                         top: int, hgt: int) -> None:
    """One waveform per channel, stacked, each with its axis and name (L, R, 3, ...)."""
    n = len(channels)
    band = hgt / n
    key = ("channels", n, view.first_column, view.ms_per_px, w, hgt, view.gain, c.key())
    if view.wave_cache_key != key:
        view.channel_images = [wave_image(*t.columns(view.first_column, w, view.ms_per_px),
                                          int(band), c.wave, view.gain) for t in channels]
        view.wave_cache_key = key
    p.setFont(view.small_font)
    for k, img in enumerate(getattr(view, "channel_images", [])):
        y = top + k * band
        p.setPen(QPen(c.axis, 1))
        p.drawLine(QLineF(0, y + band / 2, w, y + band / 2))
        if k:
            p.setPen(QPen(c.mid, 1, Qt.PenStyle.DotLine))
            p.drawLine(QLineF(0, y, w, y))
        if not img.isNull():
            p.drawImage(QPointF(0, y), img)
        p.setPen(c.muted)
        p.drawText(QPointF(4, y + 12), CHANNEL_NAMES[k] if k < len(CHANNEL_NAMES) else str(k + 1))


class SegmentLayout:
    """Where the visible segments are this frame (computed once, used by both passes)."""

    def __init__(self, view: WaveformView, w: int, top: int, hgt: int) -> None:
        session = view.session
        doc = session.doc
        preview = view.preview
        t0 = view.origin_ms
        mpp = view.ms_per_px
        t1 = t0 + w * mpp
        self.selected = selected = set(session.selected_ids)
        self.box_top = box_top = top + 2
        self.box_h = box_h = hgt - 4
        self.plain: list[QRectF] = []
        self.chosen: list[QRectF] = []
        self.fills: dict[int, tuple[QColor, list[QRectF]]] = {}  # speaker-coloured boxes
        self.stale: list[QRectF] = []
        self.starts: list[QLineF] = []
        self.ends: list[QLineF] = []
        self.texts: list[tuple[int, Segment, QRectF, float, float]] = []
        self.dense: range | None = None
        rng = session.visible_range(t0, t1)
        if len(rng) > DENSE_LIMIT:
            self.dense = rng
            rng = [doc.index_of(i) for i in selected if i in doc]
        visible: list[tuple[int, Segment, float, float]] = []
        for i in rng:
            seg = doc[i]
            if seg.id in preview or seg.end < t0 or seg.start > t1:
                continue
            visible.append((i, seg, seg.start, seg.end))
        for sid, (s, e) in preview.items():
            if sid in doc:
                visible.append((doc.index_of(sid), doc.get(sid), s, e))
        lanes = assign_lanes([(seg.id, s, e) for _i, seg, s, e in visible])
        view.lanes = {sid: lane for sid, lane in lanes.items() if lane[1] > 1}
        colors: SpeakerColors | None = getattr(view, "speaker_colors", None)
        base = view.colors.base
        for i, seg, s, e in visible:
            x0 = (s - t0) / mpp
            x1 = (e - t0) / mpp
            lane, n = lanes.get(seg.id, (0, 1))
            top_y, h_y = lane_rect(box_top, box_h, lane, n)
            r = QRectF(x0, top_y, max(1.0, x1 - x0), h_y)
            chosen = seg.id in selected
            fill = colors.tint(seg.speaker, base, SPEAKER_FILL_SELECTED if chosen else SPEAKER_FILL) \
                if colors is not None and seg.speaker else None
            if fill is not None:
                self.fills.setdefault(fill.rgba(), (fill, []))[1].append(r)
            else:
                (self.chosen if chosen else self.plain).append(r)
            if seg.has(WORDS_STALE):
                self.stale.append(r)
            self.starts.append(QLineF(x0, top_y, x0, top_y + h_y))
            self.ends.append(QLineF(x1, top_y, x1, top_y + h_y))
            if r.width() >= MIN_TEXT_W:
                self.texts.append((i, seg, r, s, e))


def lane_rect(top: float, height: float, lane: int, lanes: int) -> tuple[float, float]:
    """``(top, height)`` of lane ``lane`` of ``lanes`` in a band ``[top, top + height)``."""
    if lanes <= 1:
        return top, height
    h = (height - LANE_GAP * (lanes - 1)) / lanes
    return top + lane * (h + LANE_GAP), max(1.0, h)


def _paint_segment_boxes(view: WaveformView, p: QPainter, c: Colors, lay: SegmentLayout, w: int) -> None:
    """Opaque box fills, under the wave (opaque fills are many times cheaper than blending)."""
    if lay.dense is not None:
        _paint_dense(view, p, c, lay.dense, w, lay.box_top, lay.box_h)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(c.box_fill)
    p.drawRects(lay.plain)
    p.setBrush(c.box_selected_fill)
    p.drawRects(lay.chosen)
    for color, rects in lay.fills.values():
        p.setBrush(color)
        p.drawRects(rects)
    if lay.stale:
        p.setBrush(QBrush(c.stale, Qt.BrushStyle.BDiagPattern))
        p.drawRects(lay.stale)


def _paint_segment_overlay(view: WaveformView, p: QPainter, c: Colors, lay: SegmentLayout) -> None:
    """Edges, borders, texts and word ticks, over the wave."""
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(QPen(c.start_edge, 2))
    p.drawLines(lay.starts)
    p.setPen(QPen(c.end_edge, 2))
    p.drawLines(lay.ends)
    if lay.stale:
        p.setPen(QPen(c.stale, 1, Qt.PenStyle.DashLine))
        for r in lay.stale:
            p.drawRect(r.adjusted(1, 1, -1, -1))
    playing = view.session.playing_id
    for i, seg, r, s, e in lay.texts:
        _paint_segment_text(view, p, c, i, seg, r, s, e, seg.id == playing, seg.id in lay.selected)


def _runs(x0: np.ndarray, x1: np.ndarray, w: int) -> list[QRectF]:
    """Merge pixel spans into the runs of columns they cover."""
    if not len(x0):
        return []
    a = np.clip(np.floor(x0), 0, w).astype(np.int64)
    b = np.clip(np.ceil(x1), 0, w).astype(np.int64)
    b = np.maximum(b, a + 1)
    cover = np.zeros(w + 2, np.int32)
    np.add.at(cover, a, 1)
    np.add.at(cover, b, -1)
    mask = np.cumsum(cover)[: w + 1] > 0
    edges = np.flatnonzero(np.diff(np.concatenate(([False], mask, [False])).astype(np.int8)))
    return [(float(s), float(e - s)) for s, e in zip(edges[::2], edges[1::2], strict=True)]


def _paint_dense(view: WaveformView, p: QPainter, c: Colors, rng: range, w: int,
                 box_top: float, box_h: float) -> None:
    """Many narrow boxes (zoomed far out): draw the columns they cover, not each box."""
    starts, ends, stale = view.session.time_arrays()
    sl = slice(rng.start, rng.stop)
    s, e, st = starts[sl], ends[sl], stale[sl]
    if view.preview:
        doc = view.session.doc
        drop = [doc.index_of(i) - rng.start for i in view.preview if i in doc]
        drop = [d for d in drop if 0 <= d < len(s)]
        keep = np.ones(len(s), bool)
        keep[drop] = False
        s, e, st = s[keep], e[keep], st[keep]
    t0, mpp = view.origin_ms, view.ms_per_px
    x0 = (s - t0) / mpp
    x1 = (e - t0) / mpp
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(c.box_dense)
    p.drawRects([QRectF(a, box_top, n, box_h) for a, n in _runs(x0, x1, w)])
    if st.any():
        p.setBrush(QBrush(c.stale, Qt.BrushStyle.BDiagPattern))
        p.drawRects([QRectF(a, box_top, n, box_h) for a, n in _runs(x0[st], x1[st], w)])


def _paint_segment_text(view: WaveformView, p: QPainter, c: Colors, index: int, seg: Segment,
                        r: QRectF, s: float, e: float, playing: bool, selected: bool) -> None:
    if selected or playing:
        p.setPen(QPen(c.highlight if selected else c.playhead, 2 if selected else 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(r.adjusted(1, 1, -1, -1))
    words_band = 16 if seg.words else 0
    inner = r.adjusted(5, 3, -4, -3 - words_band)
    p.save()
    p.setClipRect(r.adjusted(2, 0, -2, 0))
    p.setFont(view.small_font)
    p.setPen(c.muted)
    label = f"#{index + 1}"
    if view.session.violations_for(seg.id):
        p.setPen(c.problem)
        label += " ⚠"
    p.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)
    text_rect = inner.adjusted(0, 14, 0, 0)
    if seg.text and text_rect.height() > 8:
        p.setFont(view.font())
        p.setPen(c.seg_text)
        p.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                   seg.text)
    if seg.words:
        _paint_words(view, p, c, seg, r, s, e)
    p.restore()


def _paint_words(view: WaveformView, p: QPainter, c: Colors, seg: Segment, r: QRectF,
                 s: float, e: float) -> None:
    offset = s - seg.start  # a preview moves the words with the box
    scale = (e - s) / seg.duration if seg.duration and (e - s) != seg.duration else 1.0
    if r.width() / max(1, len(seg.words)) < MIN_WORD_W:
        return
    y1 = r.bottom() - 1
    y0 = y1 - 14
    now = view.session.position_ms
    fm = QFontMetrics(view.small_font)
    ticks = []
    p.setFont(view.small_font)
    for w in seg.words:
        ws = s + (w.start - seg.start) * scale if scale != 1.0 else w.start + offset
        we = s + (w.end - seg.start) * scale if scale != 1.0 else w.end + offset
        x0, x1 = view.x_of(ws), view.x_of(we)
        if x1 < 0 or x0 > view.width():
            continue
        if ws <= now < we:
            p.fillRect(QRectF(x0, y0, max(1.0, x1 - x0), 14), c.word_now)
        ticks.append(QLineF(x0, y0 + 6, x0, y1))
        if x1 - x0 >= fm.horizontalAdvance(w.text) + 4:
            p.setPen(c.muted if not w.estimated else c.stale)
            p.drawText(QRectF(x0 + 2, y0, x1 - x0, 14), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       w.text)
    p.setPen(QPen(c.muted, 1))
    p.drawLines(ticks)


def _paint_playhead(view: WaveformView, p: QPainter, c: Colors, h: int) -> None:
    if view.snap_line is not None:
        x = view.x_of(view.snap_line)
        p.setPen(QPen(c.snap, 1, Qt.PenStyle.DashLine))
        p.drawLine(QLineF(x, RULER_H, x, h))
    x = view.x_of(view.session.position_ms)
    if -2 <= x <= view.width() + 2:
        p.setPen(QPen(c.playhead, 1.5))
        p.drawLine(QLineF(x, 0, x, h))
        p.setBrush(c.playhead)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)])


def small_font(base: QFont) -> QFont:
    f = QFont(base)
    size = f.pointSizeF()
    if size > 0:
        f.setPointSizeF(max(7.0, size * 0.85))
    return f
