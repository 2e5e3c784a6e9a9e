"""Editing commands from the menus/shortcuts: split, merge, insert, delete, set and nudge times,
shift, speakers, find and replace; each one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from app.core.frames import frame_at, frame_start_ms
from app.ui.find_replace_dialog import FindReplaceDialog

pytestmark = pytest.mark.gui


def texts(w) -> list[str]:
    return [s.text for s in w.session.doc]


def test_split_at_text_cursor_and_undo(qtbot, demo_window):
    w = demo_window
    before = w.session.doc.snapshot()
    w.session.set_current(w.session.doc[1].id)
    w.focus_text()
    qtbot.waitUntil(w.editor.text.hasFocus, timeout=2000)
    cur = w.editor.text.textCursor()
    cur.setPosition(len("This is a test"))
    w.editor.text.setTextCursor(cur)
    w.commands["split"].trigger()
    assert texts(w)[1:3] == ["This is a test", "of the editor."]
    first, second = w.session.doc[1], w.session.doc[2]
    assert first.start == 2000 and second.end == 4000 and first.end == second.start
    assert w.session.current_id == second.id
    w.commands["undo"].trigger()
    assert w.session.doc.snapshot() == before


def test_split_at_playhead(demo_window):
    w = demo_window
    seg = w.session.doc[2]
    w.session.set_current(seg.id)
    w.table.setFocus()
    w.session.seek(6200)
    w.commands["split"].trigger()
    assert len(w.session.doc) == 5
    left, right = w.session.doc[2], w.session.doc[3]
    assert left.end == 6200 == right.start
    assert (left.text + " " + right.text).replace("\n", " ") == seg.text.replace("\n", " ")


def test_merge_with_next_and_previous(demo_window):
    w = demo_window
    w.session.set_current(w.session.doc[0].id)
    w.commands["merge_next"].trigger()
    assert texts(w)[0] == "Hello world. This is a test of the editor."
    assert (w.session.doc[0].start, w.session.doc[0].end) == (500, 4000)
    w.session.set_current(w.session.doc[2].id)
    w.commands["merge_prev"].trigger()
    assert len(w.session.doc) == 2
    w.commands["undo"].trigger()
    w.commands["undo"].trigger()
    assert len(w.session.doc) == 4 and texts(w)[0] == "Hello world."


def test_insert_after_before_and_delete(demo_window):
    w = demo_window
    w.session.set_current(w.session.doc[1].id)
    w.commands["insert_after"].trigger()
    new = w.session.current
    assert new is not None and new.text == "" and new.start >= 4000 and new.end <= 5000
    assert len(w.session.doc) == 5
    w.table.setFocus()
    w.commands["delete"].trigger()
    assert len(w.session.doc) == 4
    w.session.set_current(w.session.doc[0].id)
    w.commands["insert_before"].trigger()
    assert w.session.doc[0].end <= 500 and w.session.doc[0].text == ""
    w.commands["undo"].trigger()
    w.commands["undo"].trigger()
    w.commands["undo"].trigger()
    assert len(w.session.doc) == 4


def test_nudge_by_100ms_and_by_frame(demo_window):
    w = demo_window
    seg = w.session.doc[2]
    w.session.set_current(seg.id)
    w.commands["start_earlier"].trigger()
    w.commands["end_later"].trigger()
    assert (w.session.current.start, w.session.current.end) == (4900, 7600)
    w.commands["start_frame_later"].trigger()  # no video: the profile's frame rate
    fps = w.session.profile.frame_rate
    # to the start of the next frame: edges stay on frame boundaries at any rate
    assert w.session.current.start == frame_start_ms(frame_at(4900, fps) + 1, fps)
    for _ in range(3):
        w.commands["undo"].trigger()
    assert (w.session.current.start, w.session.current.end) == (5000, 7500)


def test_set_start_and_end_at_playhead(demo_window):
    w = demo_window
    w.session.set_current(w.session.doc[2].id)
    w.session.seek(4800)
    w.commands["set_start"].trigger()
    w.session.seek(7900)
    w.commands["set_end"].trigger()
    assert (w.session.current.start, w.session.current.end) == (4800, 7900)


def test_shift_following(demo_window):
    w = demo_window
    w.session.set_current(w.session.doc[2].id)
    w.prompts.shift_ms = 1500
    w.commands["shift_following"].trigger()
    assert [s.start for s in w.session.doc] == [500, 2000, 6500, 9500]
    w.commands["undo"].trigger()
    assert [s.start for s in w.session.doc] == [500, 2000, 5000, 8000]


def test_set_and_rename_speaker(demo_window):
    w = demo_window
    doc = w.session.doc
    w.session.set_selection([doc[0].id, doc[1].id], doc[0].id)
    w.prompts.texts = ["Anna"]
    w.commands["set_speaker"].trigger()
    assert [s.speaker for s in doc] == ["Anna", "Anna", None, None]
    w.prompts.texts = ["Anna", "Ann"]
    w.commands["rename_speaker"].trigger()
    assert [s.speaker for s in doc] == ["Ann", "Ann", None, None]
    w.commands["undo"].trigger()
    assert doc[0].speaker == "Anna"


def test_editor_panel_edits_text_times_and_speaker(qtbot, demo_window):
    w = demo_window
    seg_id = w.session.doc[3].id
    w.session.set_current(seg_id)
    ed = w.editor
    ed.text.setFocus()
    ed.text.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(ed.text, " Yes")
    ed.flush()
    assert w.session.doc.get(seg_id).text == "Colour, colour, COLOUR. Yes"
    ed.start_edit.setFocus()
    ed.start_edit.selectAll()
    qtbot.keyClicks(ed.start_edit, "00:00:07,900")
    qtbot.keyClick(ed.start_edit, Qt.Key.Key_Return)
    assert w.session.doc.get(seg_id).start == 7900
    qtbot.keyClick(ed.end_edit, Qt.Key.Key_Up)
    assert w.session.doc.get(seg_id).end == 9100
    ed.speaker.setFocus()
    ed.speaker.setEditText("Narrator")
    ed.speaker.lineEdit().editingFinished.emit()
    assert w.session.doc.get(seg_id).speaker == "Narrator"
    # typing is one step, so are quick successive time edits: undo speaker, times, text
    for _ in range(3):
        w.commands["undo"].trigger()
    assert w.session.doc.get(seg_id).text == "Colour, colour, COLOUR."
    assert w.editor.text.toPlainText() == "Colour, colour, COLOUR."


def test_find_and_replace_options(qtbot, demo_window):
    w = demo_window
    dlg = FindReplaceDialog(w.session, w)
    qtbot.addWidget(dlg)
    dlg.find_edit.setText("colour")
    dlg.replace_edit.setText("color")
    dlg.word_box.setChecked(True)
    dlg.case_box.setChecked(True)
    assert dlg.replace_all() == 1
    assert w.session.doc[3].text == "Colour, color, COLOUR."
    w.commands["undo"].trigger()
    dlg.case_box.setChecked(False)
    assert dlg.replace_all() == 3
    assert w.session.doc[3].text == "color, color, color."
    w.commands["undo"].trigger()
    dlg.regex_box.setChecked(True)
    dlg.find_edit.setText(r"(\w+) world")
    dlg.replace_edit.setText(r"world \1")
    assert dlg.replace_all() == 1
    assert w.session.doc[0].text == "world Hello."
    dlg.find_edit.setText("([")
    assert dlg.replace_all() == 0
    assert "Invalid" in dlg.status.text()
    dlg.regex_box.setChecked(False)
    dlg.find_edit.setText("country")
    w.session.set_current(w.session.doc[0].id)
    assert dlg.find_next()
    assert w.session.current_id == w.session.doc[2].id


def test_undo_redo_shortcuts_reach_the_document_from_the_text_field(qtbot, demo_window):
    w = demo_window
    w.session.set_current(w.session.doc[0].id)
    w.activateWindow()
    w.commands["merge_next"].trigger()
    assert len(w.session.doc) == 3
    w.editor.text.setFocus()
    qtbot.keyClick(w.editor.text, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(w.session.doc) == 4
    qtbot.keyClick(w.editor.text, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(w.session.doc) == 3
