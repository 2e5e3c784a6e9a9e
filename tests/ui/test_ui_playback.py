"""Playback on the silent clock (this machine has no sound device): play/pause, play the
current segment, loop, play around it, speed; the segment and word under the playhead are
highlighted in the table, the editor panel and the waveform."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.ui.segment_table_model import COL_TEXT

pytestmark = pytest.mark.gui


def test_space_plays_and_pauses_the_media_clock(qtbot, demo_window):
    w = demo_window
    assert w.playback.player is not None and w.playback.player.backend == "silent"
    w.session.seek(400)
    w.playback.actions["play_pause"].trigger()
    assert w.playback.is_playing
    qtbot.waitUntil(lambda: w.session.position_ms > 700, timeout=5000)
    w.playback.actions["play_pause"].trigger()
    assert not w.playback.is_playing
    stopped = w.session.position_ms
    qtbot.wait(150)
    assert w.session.position_ms == stopped
    # the segment under the playhead is highlighted in the table
    row = w.session.doc.index_of(w.session.playing_id)
    font = w.table.model().index(row, COL_TEXT).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()


def test_play_segment_highlights_words_and_stops_at_its_end(qtbot, window, worded_doc):
    w = window
    w.session.set_document(worded_doc)
    seg = worded_doc[0]
    w.session.set_current(seg.id)
    w.playback.set_speed(2.0)
    w.playback.actions["play_segment"].trigger()
    assert w.playback.player.speed == 2.0
    qtbot.waitUntil(lambda: w.editor.current_word_index() is not None, timeout=5000)
    idx = w.editor.current_word_index()
    assert w.editor.text.extraSelections(), "the current word is highlighted in the text"
    assert w.editor.words.item(idx, 0).background().color().alpha() > 0
    assert w.session.playing_id == seg.id
    qtbot.waitUntil(lambda: not w.playback.is_playing, timeout=5000)
    assert abs(w.session.position_ms - seg.end) <= 60


def test_loop_current_segment_wraps(qtbot, window, worded_doc):
    w = window
    w.session.set_document(worded_doc)
    seg = worded_doc[0]
    w.session.set_current(seg.id)
    w.playback.set_speed(2.0)
    w.playback.actions["loop"].trigger()
    assert w.playback.actions["loop"].isChecked()
    w.playback.actions["play_segment"].trigger()
    seen = []
    w.session.position_changed.connect(seen.append)
    qtbot.waitUntil(lambda: any(b < a for a, b in zip(seen, seen[1:], strict=False)), timeout=5000)
    assert w.playback.is_playing
    assert all(seg.start <= p <= seg.end for p in seen)
    w.playback.stop()


def test_play_half_second_before_and_after(qtbot, window, worded_doc):
    w = window
    w.session.set_document(worded_doc)
    seg = worded_doc[2]
    w.session.set_current(seg.id)
    w.playback.actions["play_before"].trigger()
    qtbot.waitUntil(lambda: not w.playback.is_playing, timeout=5000)
    assert abs(w.session.position_ms - seg.start) <= 60
    w.playback.actions["play_after"].trigger()
    qtbot.waitUntil(lambda: not w.playback.is_playing, timeout=5000)
    assert abs(w.session.position_ms - (seg.end + 500)) <= 60


def test_playhead_follows_into_the_waveform_and_table(qtbot, demo_window):
    w = demo_window
    w.waveform.zoom_to(0, 2000)
    w.session.set_current(w.session.doc[0].id)
    w.session.seek(8500)
    assert w.waveform.start_ms <= 8500 <= w.waveform.start_ms + w.waveform.visible_ms
    assert w.session.playing_id == w.session.doc[3].id


def test_current_segment_follows_playback(qtbot, window, worded_doc):
    w = window
    w.session.set_document(worded_doc)
    w.session.set_current(worded_doc[0].id)
    w.table.setFocus()
    w.session.seek(1500)
    w.playback.set_speed(2.0)
    w.playback.play()
    qtbot.waitUntil(lambda: w.session.current_id == worded_doc[1].id, timeout=5000)
    assert w.table.currentIndex().row() == 1
    assert w.editor.text.toPlainText() == worded_doc[1].text
    w.playback.stop()
