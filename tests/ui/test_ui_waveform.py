"""Timing with the mouse on the waveform: edge drags, body drags, Alt-drag of a shared edge,
snapping to speech, range selection, click to seek, zoom; each drag is one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui

L = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def view(demo_window):
    v = demo_window.waveform
    v.zoom_to(0, 11_000)
    v.snap_enabled = False
    return v


def pt(view, ms: float) -> QPoint:
    return QPoint(int(round(view.x_of(ms))), view.height() // 2)


def drag(qtbot, view, from_ms: float, to_ms: float, steps: int = 4) -> None:
    a, b = pt(view, from_ms), pt(view, to_ms)
    qtbot.mousePress(view, L, NO_MOD, a)
    for k in range(1, steps + 1):
        qtbot.mouseMove(view, QPoint(a.x() + (b.x() - a.x()) * k // steps, a.y()))
    qtbot.mouseRelease(view, L, NO_MOD, b)


def delta(view, from_ms: float, to_ms: float) -> int:
    """How far a drag between the two (pixel-rounded) points moves an edge."""
    return view.ms_at(pt(view, to_ms).x()) - view.ms_at(pt(view, from_ms).x())


def send(view, kind: QEvent.Type, pos: QPoint, mods=NO_MOD, button=L) -> None:
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else L
    ev = QMouseEvent(kind, QPointF(pos), QPointF(view.mapToGlobal(pos)),
                     button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton, buttons, mods)
    QApplication.sendEvent(view, ev)


def seg(w, i):
    s = w.session.doc[i]
    return s.start, s.end


def test_drag_end_edge_retimes_as_one_undo_step(qtbot, demo_window, view):
    w = demo_window
    steps = len(w.session.doc.history)
    target = pt(view, 7900)
    a = pt(view, 7500)
    qtbot.mousePress(view, L, NO_MOD, a)
    qtbot.mouseMove(view, QPoint((a.x() + target.x()) // 2, a.y()))
    qtbot.mouseMove(view, target)
    # during the drag only the preview changes, not the document
    assert seg(w, 2) == (5000, 7500)
    sid = w.session.doc[2].id
    end = 7500 + delta(view, 7500, 7900)
    assert view.preview[sid][1] == end
    qtbot.mouseRelease(view, L, NO_MOD, target)
    assert seg(w, 2) == (5000, end)
    assert len(w.session.doc.history) == steps + 1
    w.commands["undo"].trigger()
    assert seg(w, 2) == (5000, 7500)


def test_drag_start_edge_snaps_to_speech_edge(qtbot, demo_window, view):
    w = demo_window
    assert (5410, 7646) in w.session.speech
    view.snap_enabled = True
    drag(qtbot, view, 5000, 5380)
    assert seg(w, 2) == (5410, 7500)
    w.commands["undo"].trigger()
    view.snap_enabled = False
    drag(qtbot, view, 5000, 5380)
    assert seg(w, 2)[0] == 5000 + delta(view, 5000, 5380) != 5410


def test_edge_does_not_cross_its_neighbour(qtbot, demo_window, view):
    w = demo_window
    drag(qtbot, view, 7500, 8600)
    assert seg(w, 2) == (5000, 8000)  # stops at the next segment's start


def test_alt_drag_moves_the_shared_edge(qtbot, demo_window, view):
    w = demo_window
    w.session.set_current(w.session.doc[0].id)
    a, b = pt(view, 2000), pt(view, 2500)
    send(view, QEvent.Type.MouseButtonPress, a, ALT)
    send(view, QEvent.Type.MouseMove, QPoint((a.x() + b.x()) // 2, a.y()), ALT)
    send(view, QEvent.Type.MouseMove, b, ALT)
    send(view, QEvent.Type.MouseButtonRelease, b, ALT)
    t = 2000 + delta(view, 2000, 2500)
    assert seg(w, 0) == (500, t)
    assert seg(w, 1) == (t, 4000)
    w.commands["undo"].trigger()
    assert seg(w, 0) == (500, 2000) and seg(w, 1) == (2000, 4000)


def test_drag_body_moves_segment_and_is_clamped(qtbot, demo_window, view):
    w = demo_window
    drag(qtbot, view, 6000, 6300)
    d = delta(view, 6000, 6300)
    assert seg(w, 2) == (5000 + d, 7500 + d)
    w.commands["undo"].trigger()
    drag(qtbot, view, 6000, 7500)
    assert seg(w, 2) == (5500, 8000)  # stopped by the next segment


def test_drag_words_move_with_the_segment(qtbot, window, worded_doc, view_on_doc=None):
    w = window
    w.session.set_document(worded_doc)
    v = w.waveform
    v.zoom_to(0, 10_000)
    v.snap_enabled = False
    words_before = [x.start for x in worded_doc[2].words]
    drag(qtbot, v, 6000, 6500)
    moved = worded_doc[2].start - 5000
    assert moved > 0
    assert [x.start for x in worded_doc[2].words] == [s + moved for s in words_before]


def test_drag_over_empty_space_selects_a_range_to_add_a_segment(qtbot, demo_window, view):
    w = demo_window
    drag(qtbot, view, 9300, 10300)
    rng = w.session.selected_range
    assert rng is not None and abs(rng[0] - 9300) < 30 and abs(rng[1] - 10300) < 30
    w.table.setFocus()
    w.commands["insert_after"].trigger()  # Insert with a range: a segment over it
    assert len(w.session.doc) == 5
    new = w.session.doc[4]
    assert (new.start, new.end) == rng and new.text == ""
    assert w.session.current_id == new.id
    assert w.session.selected_range is None


def test_click_seeks_and_selects(qtbot, demo_window, view):
    w = demo_window
    qtbot.mouseClick(view, L, NO_MOD, pt(view, 4500))
    assert abs(w.session.position_ms - 4500) < 20
    qtbot.mouseClick(view, L, NO_MOD, pt(view, 8500))
    assert w.session.current_id == w.session.doc[3].id
    assert abs(w.session.position_ms - 8500) < 20
    assert w.table.currentIndex().row() == 3


def test_ctrl_wheel_zooms_around_the_mouse(qtbot, demo_window, view):
    x = view.width() // 3
    before_ms = view.ms_at(x)
    mpp = view.ms_per_px
    pos = QPointF(x, view.height() / 2)
    ev = QWheelEvent(pos, QPointF(view.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, ev)
    assert view.ms_per_px < mpp
    assert abs(view.ms_at(x) - before_ms) <= 2 * mpp
    qtbot.keyClick(view, Qt.Key.Key_0)
    assert view.start_ms == 0 and view.visible_ms >= 11_000 - view.ms_per_px


def test_zoom_reaches_single_samples_and_draws(qtbot, demo_window, view):
    view.zoom_to(5000, 5000 + view.width() * view.min_ms_per_px)
    assert view.ms_per_px == pytest.approx(view.min_ms_per_px)
    img = view.grab().toImage()
    assert not img.isNull()


# -- issue 11: the view copes with any length (documents built directly in the core) ----------
EXTREME_MS = {
    "past int32": 2**31 + 5,  # overflowed QScrollBar.setRange
    "999,999,999,999 ms": 999_999_999_999,  # 2 s per paint
    "9999999 hours": 9_999_999 * 3_600_000,  # froze the ruler for minutes
    "past 2**53": 2**53 + 7,
    "past int64": 10**20,
}


@pytest.mark.parametrize("far", EXTREME_MS.values(), ids=EXTREME_MS.keys())
def test_any_length_opens_scrolls_zooms_seeks_and_plays(qtbot, window, far):
    from app.core.document import Document
    from app.core.model import Segment
    from app.ui.waveform_view import MAX_VIEW_MS

    doc = Document([Segment(i * 100, i * 100 + 50, "near") for i in range(500)]
                   + [Segment(far + i * 10, far + i * 10 + 5, f"far {i}") for i in range(3)])
    window.session.set_document(doc)
    view, sb = window.waveform, window.waveform_panel.scrollbar
    view.fit_all()
    assert not view.grab().toImage().isNull()  # ruler, dense boxes: painted, bounded
    view.zoom_to(0, 10_000)
    assert 0 < sb.maximum() <= 2**31 - 1
    sb.setValue(sb.maximum())
    assert view.start_ms + view.visible_ms == pytest.approx(view.duration_ms, rel=1e-6)
    sb.setValue(sb.maximum() // 2)
    assert view.start_ms == pytest.approx(view.duration_ms / 2, rel=0.01)
    window.session.set_current(doc[500].id)
    if far < MAX_VIEW_MS:
        assert view.start_ms <= far <= view.start_ms + view.visible_ms
    assert not view.grab().toImage().isNull()
    window.session.seek(far)  # a C int signal overflowed here
    assert window.session.position_ms == far
    window.playback.toggle()  # the silent clock spans the document without an array of it
    assert window.playback.player.duration_ms >= min(far, 10**15)
    window.playback.toggle()
    assert window.prompts.errors == []


@pytest.mark.parametrize("ms_per_px", [0.01, 1, 100, 10_000, 1e6, 8.4e8, 3e10, 7.5e12, 1e20])
def test_ruler_ticks_are_bounded_by_the_pixels_at_any_zoom(ms_per_px):
    from app.ui.waveform_render import ruler_step, ruler_ticks

    width = 2000
    step, minor = ruler_step(ms_per_px)
    assert step / ms_per_px >= 90 - 1e-9  # labels stay apart
    assert step % minor == 0 and minor >= 1
    for t0 in (0.0, 1e12, 3.6e13, 2.0**53):
        t1 = t0 + width * ms_per_px
        assert len(ruler_ticks(t0, t1, minor, width + 2)) <= width / 18 + 2
        labels = ruler_ticks(t0, t1, step, width + 2)
        assert 1 <= len(labels) <= width / 90 + 2
