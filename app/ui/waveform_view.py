"""The waveform/timeline: peaks at any zoom, a ruler, segment boxes, word ticks, the playhead.

Mouse: click to seek (and select the segment under the mouse); drag a segment edge to retime
it, drag its body to move it (with the other selected segments); Alt while dragging moves the
neighbour's shared edge too; edges snap to other segments' edges, speech edges, the playhead
and shot changes (toggle :attr:`snap_enabled`); drag over empty space to select a time range
a segment can be added to.  Ctrl (or Alt) + wheel zooms around the mouse, the wheel scrolls, Shift +
wheel changes the wave's height; keys ``+``/``-`` zoom, ``0`` fits the whole file.

A drag shows a preview without touching the document and commits ONE undoable command on
release (Escape cancels).  :meth:`set_spectrogram` shows a spectrogram in the wave's place.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict

from PySide6.QtCore import QPoint, QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.audio.samples import ENGINE_RATE
from app.core import edits
from app.core.model import Segment
from app.ui.session import EditorSession
from app.ui.speaker_colors import SpeakerColors
from app.ui.timeline_drag import END, MOVE, START, TimelineDrag, snap_targets
from app.ui.waveform_paint import RULER_H, SPEECH_H, Colors, lane_rect, paint, small_font
from app.ui.waveform_render import PeakTiles

EDGE_PX = 5
DRAG_START_PX = 3
SNAP_PX = 8
ZOOM_STEP = 1.25
DEFAULT_SAMPLE_RATE = ENGINE_RATE
# The longest timeline the view spans: 2**53 ms (285,000 years), where float ms stop being
# exact.  A document whose times go past it (built by code; no reader or project allows it)
# still opens, its far end just beyond the scroll range.
MAX_VIEW_MS = float(1 << 53)


class WaveformView(QWidget):
    view_changed = Signal()  # zoom or scroll moved: the scrollbar follows
    segment_activated = Signal(str)  # double-click on a segment
    context_menu_requested = Signal(QPoint, object)  # global position, time (ms) under the mouse
    drag_committed = Signal(str)  # the name of the command a drag committed
    spectrogram_ready = Signal()  # a spectrogram tile was computed (from a worker thread)

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(110)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.ms_per_px = 10.0
        self._start = 0.0
        self.gain = 1.0
        self.snap_enabled = True
        self.follow_playhead = True
        self.tiles: PeakTiles | None = None
        self.channel_tiles: list[PeakTiles] | None = None  # View ▸ One waveform per channel
        self.wave_cache = QImage()
        self.wave_cache_key: tuple | None = None
        self.show_spectrogram = False
        self.spectrogram_tiles = None  # app.audio.spectrogram.SpectrogramTiles, made on demand
        self.spectrogram_images: OrderedDict[int, QImage] = OrderedDict()  # per tile
        self.spectrogram_cache_key: tuple | None = None  # (zoom, height, gain) of the images
        self.spectrogram_ready.connect(self._on_spectrogram_ready)
        self.preview: dict[str, tuple[int, int]] = {}
        self.snap_line: int | None = None
        self.loading_text = ""
        self.colors = Colors(self.palette())
        self.small_font = small_font(self.font())
        self.speaker_colors = SpeakerColors()  # box colours (see waveform_paint)
        self.lanes: dict[str, tuple[int, int]] = {}  # id -> (lane, lanes) of overlapping boxes
        self._drag: TimelineDrag | None = None
        self._press: tuple[QPointF, int, str, str | None] | None = None  # pos, ms, what, id
        self._dragging = False
        self._fitted = False
        s = session
        s.document_reset.connect(self._on_session_document_reset)
        s.committed.connect(self._on_session_committed)
        s.media_changed.connect(self._on_session_media_changed)
        s.position_changed.connect(self._on_session_position_changed)
        s.selection_changed.connect(self.update)
        s.current_changed.connect(self._on_session_current_changed)
        s.speech_changed.connect(self.update)
        s.range_changed.connect(self.update)
        s.violations_changed.connect(self.update)
        s.playing_segment_changed.connect(self.update)
        s.shots_changed.connect(self.update)

    # -- geometry ----------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(900, 220)

    @property
    def first_column(self) -> int:
        return int(math.floor(self._start / self.ms_per_px))

    @property
    def origin_ms(self) -> float:
        return self.first_column * self.ms_per_px

    @property
    def start_ms(self) -> float:
        return self._start

    @property
    def visible_ms(self) -> float:
        return max(1, self.width()) * self.ms_per_px

    def x_of(self, ms: float) -> float:
        return (ms - self.origin_ms) / self.ms_per_px

    def ms_at(self, x: float) -> int:
        return int(round(self.origin_ms + x * self.ms_per_px))

    @property
    def duration_ms(self) -> float:
        return float(min(MAX_VIEW_MS, max(1000, self.session.duration_ms)))

    @property
    def sample_rate(self) -> int:
        return int(getattr(self.session.peaks, "sample_rate", 0) or DEFAULT_SAMPLE_RATE)

    @property
    def min_ms_per_px(self) -> float:
        """Single samples, 16 pixels each."""
        return 1000.0 / self.sample_rate / 16.0

    @property
    def max_ms_per_px(self) -> float:
        return max(self.min_ms_per_px, self.duration_ms / max(1, self.width()))

    def set_view(self, start_ms: float, ms_per_px: float | None = None) -> None:
        if ms_per_px is not None:
            self.ms_per_px = float(min(max(ms_per_px, self.min_ms_per_px), self.max_ms_per_px))
        limit = max(0.0, self.duration_ms - self.visible_ms)
        self._start = float(min(max(0.0, start_ms), limit))
        self.update()
        self.view_changed.emit()

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        if anchor_x is None:
            px = self.x_of(self.session.position_ms)
            anchor_x = px if 0 <= px <= self.width() else self.width() / 2
        t = self.origin_ms + anchor_x * self.ms_per_px
        mpp = min(max(self.ms_per_px * factor, self.min_ms_per_px), self.max_ms_per_px)
        self.ms_per_px = mpp
        self.set_view(t - anchor_x * mpp)

    def zoom_to(self, start_ms: float, end_ms: float) -> None:
        span = max(1.0, end_ms - start_ms)
        self.set_view(start_ms, span / max(1, self.width()))

    def fit_all(self) -> None:
        self.set_view(0, self.duration_ms / max(1, self.width()))

    def scroll_to(self, start_ms: float) -> None:
        self.set_view(start_ms)

    def ensure_visible(self, start: int, end: int | None = None) -> None:
        end = start if end is None else end
        v0, v1 = self._start, self._start + self.visible_ms
        if start >= v0 and end <= v1:
            return
        if end - start > self.visible_ms * 0.9:
            self.set_view(start - self.visible_ms * 0.05)
        else:
            self.set_view((start + end) / 2 - self.visible_ms / 2)

    def placeholder_text(self) -> str:
        if self.loading_text:
            return self.loading_text
        return "" if self.session.media_path else "No media: open a media file (Ctrl+O) or drop one here"

    def visible_speech(self, t0: float, t1: float) -> list[tuple[int, int]]:
        regions = self.session.speech
        i = bisect.bisect_left(regions, (int(t0) - 1, 0))
        i = max(0, i - 1)
        out = []
        while i < len(regions) and regions[i][0] <= t1:
            if regions[i][1] >= t0:
                out.append(regions[i])
            i += 1
        return out

    # -- session events ----------------------------------------------------------------------
    def _on_session_document_reset(self) -> None:
        self.speaker_colors.refresh(self.session.doc)
        self.preview = {}
        self._drag = None
        if not self._fitted:
            self.fit_all()
        self.update()

    def _on_session_committed(self, _name: str) -> None:
        self.speaker_colors.refresh(self.session.doc)
        self.view_changed.emit()
        self.update()

    def set_channel_tiles(self, tiles: list[PeakTiles] | None) -> None:
        """Draw one waveform per channel (None or a single channel: the mono mix)."""
        self.channel_tiles = tiles if tiles and len(tiles) > 1 else None
        self.wave_cache_key = None
        self.update()

    def _on_session_media_changed(self) -> None:
        peaks = self.session.peaks
        self.tiles = PeakTiles(peaks) if peaks is not None else None
        self.wave_cache_key = None
        if self.spectrogram_tiles is not None:
            self.spectrogram_tiles.close()
            self.spectrogram_tiles = None
        self.spectrogram_cache_key = None
        self._fitted = False
        self.fit_all()
        self._fitted = self.tiles is not None
        self.update()

    def _on_session_position_changed(self, ms: int) -> None:
        if self.follow_playhead and not self._dragging:
            v0, v1 = self._start, self._start + self.visible_ms
            if ms < v0 or ms > v1 - self.visible_ms * 0.02:
                self.set_view(ms - self.visible_ms * 0.05)
                return
        self.update()

    def _on_session_current_changed(self, seg_id: str | None) -> None:
        seg = self.session.current
        if seg is not None and not self._dragging:
            self.ensure_visible(seg.start, seg.end)
        self.update()

    # -- spectrogram -------------------------------------------------------------------------
    def set_spectrogram(self, on: bool) -> None:
        """Show the spectrogram (True) or the wave (False) in the wave's place."""
        self.show_spectrogram = bool(on)
        self.spectrogram_cache_key = None
        self.update()

    def release_spectrogram(self) -> None:
        """Stop the spectrogram's worker (the window is closing)."""
        if self.spectrogram_tiles is not None:
            self.spectrogram_tiles.close()
            self.spectrogram_tiles = None

    def _on_spectrogram_ready(self) -> None:
        self.update()

    # -- painting ----------------------------------------------------------------------------
    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.FontChange, event.Type.StyleChange):
            self.colors = Colors(self.palette())
            self.small_font = small_font(self.font())
            self.wave_cache_key = None
            self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self._fitted or self.ms_per_px > self.max_ms_per_px:
            self.set_view(0, self.duration_ms / max(1, self.width()))
        else:
            self.set_view(self._start)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        try:
            paint(self, p)
        finally:
            p.end()

    # -- hit testing -------------------------------------------------------------------------
    def segment_hit(self, x: float, y: float) -> tuple[str | None, str | None]:
        """(segment id, START / END / MOVE) under the point, edges first, selected first."""
        if y < RULER_H:
            return None, None
        ms = self.origin_ms + x * self.ms_per_px
        pad = EDGE_PX * self.ms_per_px
        doc = self.session.doc
        cands: list[Segment] = [doc[i] for i in self.session.visible_range(ms - pad, ms + pad)]
        cands = [s for s in cands if self._in_lane(s.id, y)]
        sel = set(self.session.selected_ids)
        cands.sort(key=lambda s: (s.id not in sel, -s.start))
        best_edge = None
        for s in cands:
            for edge, kind in ((s.end, END), (s.start, START)):
                d = abs(self.x_of(edge) - x)
                if d <= EDGE_PX and (best_edge is None or d < best_edge[0] - 0.5):
                    best_edge = (d, s.id, kind)
        if best_edge is not None:
            return best_edge[1], best_edge[2]
        for s in cands:
            if s.start <= ms <= s.end:
                return s.id, MOVE
        return None, None

    def _in_lane(self, seg_id: str, y: float) -> bool:
        """Overlapping boxes are drawn in lanes: a point hits only the box of its lane."""
        lane = self.lanes.get(seg_id)
        if lane is None:
            return True
        top, h = lane_rect(RULER_H + 2, max(1, self.height() - RULER_H - SPEECH_H) - 4, *lane)
        return top - 1 <= y <= top + h + 1

    # -- mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        ms = self.ms_at(pos.x())
        if pos.y() < RULER_H:
            self._press = (pos, ms, "seek", None)
            self._seek(ms)
            return
        sid, part = self.segment_hit(pos.x(), pos.y())
        mods = event.modifiers()
        if sid is not None and mods & Qt.KeyboardModifier.ControlModifier:
            self.session.toggle_selected(sid)
            self._press = None
            return
        if sid is not None and part in (START, END):
            self.session.set_current(sid, select=sid not in self.session.selected_ids)
            self._drag = TimelineDrag.begin(self.session.doc, sid, part, ms)
            self._press = (pos, ms, "edge", sid)
            self._dragging = True
            return
        if sid is not None:
            if sid not in self.session.selected_ids:
                self.session.set_current(sid)
            else:
                self.session.set_selection(self.session.selected_ids, sid)
            self._press = (pos, ms, "body", sid)
            return
        self._press = (pos, ms, "empty", None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._press is None:
            self._update_cursor(pos)
            return
        start_pos, press_ms, what, sid = self._press
        ms = self.ms_at(pos.x())
        moved = abs(pos.x() - start_pos.x()) >= DRAG_START_PX
        if what == "seek":
            self._seek(ms)
        elif what == "body" and (moved or self._drag is not None):
            if self._drag is None:
                group = self.session.selected_ids if sid in self.session.selected_ids else [sid]
                self._drag = TimelineDrag.begin(self.session.doc, sid, MOVE, press_ms, group)
                self._dragging = True
            self._update_drag(ms, event)
        elif what == "edge" and self._drag is not None:
            self._update_drag(ms, event)
        elif what == "empty" and (moved or self.session.selected_range):
            self._dragging = True
            self.session.set_range((press_ms, ms))
        self._autoscroll(pos.x())

    def _update_drag(self, ms: int, event: QMouseEvent) -> None:
        drag = self._drag
        assert drag is not None
        linked = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        targets = None
        if self.snap_enabled:
            exclude = drag.moving_ids | ({drag.prev.id} if linked and drag.prev else set()) | (
                {drag.next.id} if linked and drag.next else set())
            targets = snap_targets(self._nearby_segments(ms), exclude, self.session.speech,
                                   (self.session.position_ms, *self._shot_targets(ms)))
        self.preview = dict(drag.update(ms, linked=linked, targets=targets,
                                        threshold_ms=SNAP_PX * self.ms_per_px))
        self.snap_line = drag.snapped_to
        self.update()

    def _shot_targets(self, ms: int) -> list[int]:
        """Shot changes near ``ms``, and the points ``gap`` frames before them where the
        profile wants cue ends."""
        span = max(self.visible_ms, 10_000)
        shots = self.session.visible_shots(ms - span, ms + span)
        if not shots:
            return []
        from app.subtitles.shotrules import ShotZone

        zone = ShotZone.of(self.session.profile, self.session.frame_rate, force=True) \
            if self.session.profile is not None else None
        gap = zone.gap_ms if zone is not None else 0
        return shots + [t - gap for t in shots] if gap else shots

    def _nearby_segments(self, ms: int) -> list[Segment]:
        span = max(self.visible_ms, 10_000)
        doc = self.session.doc
        return [doc[i] for i in self.session.visible_range(ms - span, ms + span)]

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return super().mouseReleaseEvent(event)
        _pos, _ms, what, sid = self._press
        ms = self.ms_at(event.position().x())
        drag = self._drag
        self._press = None
        self._drag = None
        self._dragging = False
        self.snap_line = None
        if drag is not None:
            self.preview = {}
            if drag.preview:
                name = "Move" if drag.kind == MOVE else "Retime"
                drag.commit(self.session.doc)
                self.drag_committed.emit(name)
            self.update()
            return
        if what == "empty":
            if self.session.selected_range is None:
                self._seek(ms)
            return
        if what == "body":
            self.session.set_range(None)
            self._seek(ms)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        sid, _part = self.segment_hit(event.position().x(), event.position().y())
        if sid is not None:
            self.session.set_current(sid)
            self._seek(self.session.doc.get(sid).start)
            self.segment_activated.emit(sid)

    def _seek(self, ms: int) -> None:
        self.session.seek(max(0, min(ms, self.duration_ms)))

    def _autoscroll(self, x: float) -> None:
        if not self._dragging:
            return
        edge = 20
        if x < edge and self._start > 0:
            self.set_view(self._start - self.visible_ms * 0.02)
        elif x > self.width() - edge:
            self.set_view(self._start + self.visible_ms * 0.02)

    def _update_cursor(self, pos: QPointF) -> None:
        _sid, part = self.segment_hit(pos.x(), pos.y())
        if part in (START, END):
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        elif part == MOVE:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(Qt.CursorShape.IBeamCursor if pos.y() >= RULER_H else Qt.CursorShape.PointingHandCursor)

    def cancel_drag(self) -> None:
        self._drag = None
        self._press = None
        self._dragging = False
        self.preview = {}
        self.snap_line = None
        self.update()

    # -- wheel and keys ----------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        d = event.angleDelta()
        mods = event.modifiers()
        steps = (d.y() or d.x()) / 120.0
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            self.zoom(ZOOM_STEP ** (-steps), event.position().x())
        elif mods & Qt.KeyboardModifier.ShiftModifier:
            self.gain = float(min(max(self.gain * (1.15 ** steps), 0.25), 16.0))
            self.wave_cache_key = None
            self.update()
        elif d.x() and not d.y():
            self.set_view(self._start - d.x() / 120.0 * self.visible_ms * 0.1)
        else:
            self.set_view(self._start - steps * self.visible_ms * 0.1)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1 / ZOOM_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom(ZOOM_STEP)
        elif key == Qt.Key.Key_0:
            self.fit_all()
        elif key == Qt.Key.Key_Escape:
            if self._drag is not None or self._press is not None:
                self.cancel_drag()
            else:
                self.session.set_range(None)
        else:
            return super().keyPressEvent(event)
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        ms = self.ms_at(event.pos().x())
        sid, _ = self.segment_hit(event.pos().x(), event.pos().y())
        if sid is not None and sid not in self.session.selected_ids:
            self.session.set_current(sid)
        self.context_menu_requested.emit(event.globalPos(), ms)

    # -- commands the window offers -----------------------------------------------------------
    def add_segment_from_range(self) -> str | None:
        rng = self.session.selected_range
        if not rng:
            return None
        sid = edits.insert(self.session.doc, Segment(rng[0], rng[1], ""))
        self.session.set_range(None)
        self.session.set_current(sid)
        return sid
