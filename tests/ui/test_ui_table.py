"""The segment table: fed by the core's change events, inline editing, rule colouring, problem
navigation and selection in step with the session."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from app.core import edits
from app.core.document import Document
from app.core.model import Segment
from app.ui.segment_table_model import (
    COL_CPS,
    COL_DUR,
    COL_END,
    COL_NUM,
    COL_START,
    COL_TEXT,
    PROBLEM_TINT,
    SEGMENT_ID_ROLE,
)

pytestmark = pytest.mark.gui


class Recorder:
    def __init__(self, model) -> None:
        self.events: list[tuple] = []
        model.rowsInserted.connect(lambda _p, a, b: self.events.append(("inserted", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.events.append(("removed", a, b)))
        model.dataChanged.connect(lambda tl, br, roles=(): self.events.append(
            ("changed", tl.row(), br.row(), tl.column(), br.column()) if not roles
            or Qt.ItemDataRole.DisplayRole in roles else ("styled", tl.row())))
        model.modelReset.connect(lambda: self.events.append(("reset",)))


def test_model_follows_core_changes_without_reset(window):
    doc = Document([Segment(0, 1000, "one"), Segment(2000, 3000, "two"), Segment(4000, 5000, "three")])
    window.session.set_document(doc)
    model = window.table.model()
    rec = Recorder(model)
    edits.edit_text(doc, doc[1].id, "deux")
    assert ("reset",) not in rec.events
    changed = [e for e in rec.events if e[0] == "changed"]
    assert changed and all(e[1] == e[2] == 1 for e in changed)
    # only the text-related columns of that row
    assert all(e[3] >= 4 for e in changed)
    assert model.index(1, COL_TEXT).data() == "deux"
    rec.events.clear()
    edits.insert(doc, Segment(1200, 1500, "new"))
    assert ("inserted", 1, 1) in rec.events
    assert model.rowCount() == 4
    assert model.index(3, COL_NUM).data() == "4"
    rec.events.clear()
    edits.delete(doc, [doc[0].id])
    assert ("removed", 0, 0) in rec.events
    assert model.rowCount() == 3 and model.index(0, COL_TEXT).data() == "new"
    assert ("reset",) not in rec.events


def test_edit_text_through_model_then_undo_redo(demo_window):
    w = demo_window
    model = w.table.model()
    idx = model.index(1, COL_TEXT)
    assert model.setData(idx, "This was edited.", Qt.ItemDataRole.EditRole)
    assert w.session.doc[1].text == "This was edited."
    w.commands["undo"].trigger()
    assert w.session.doc[1].text == "This is a test of the editor."
    w.commands["redo"].trigger()
    assert w.session.doc[1].text == "This was edited."
    assert model.index(1, COL_TEXT).data() == "This was edited."


def test_edit_text_with_the_cell_editor(qtbot, demo_window):
    w = demo_window
    view = w.table
    idx = view.model().index(0, COL_TEXT)
    view.setCurrentIndex(idx)
    view.edit(idx)
    editor = view.findChild(QPlainTextEdit)
    assert editor is not None
    editor.setPlainText("Hello there.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert w.session.doc[0].text == "Hello there."
    w.commands["undo"].trigger()
    assert w.session.doc[0].text == "Hello world."


def test_edit_times_in_cells(demo_window):
    w = demo_window
    model = w.table.model()
    seg_id = w.session.doc[2].id
    assert model.setData(model.index(2, COL_START), "00:00:04,500")
    assert w.session.doc.get(seg_id).start == 4500
    assert model.setData(model.index(2, COL_END), "00:00:07,000")
    assert w.session.doc.get(seg_id).end == 7000
    assert model.setData(model.index(2, COL_DUR), "2.25")
    assert w.session.doc.get(seg_id).end == 4500 + 2250
    assert not model.setData(model.index(2, COL_START), "not a time")
    assert w.session.doc.get(seg_id).start == 4500


def test_rule_problems_are_coloured_with_reason_and_navigable(window):
    doc = Document([
        Segment(0, 2000, "Fine."),
        Segment(3000, 3300, "This line is far too long to be read in three hundred milliseconds."),
        Segment(5000, 7000, "Also fine."),
    ])
    window.session.set_document(doc)
    window._select_profile("netflix-en")
    model = window.table.model()
    cps_cell = model.index(1, COL_CPS)
    assert cps_cell.data(Qt.ItemDataRole.BackgroundRole) == PROBLEM_TINT
    assert "reading speed" in cps_cell.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, COL_CPS).data(Qt.ItemDataRole.BackgroundRole) != PROBLEM_TINT
    window.session.set_current(doc[0].id)
    window.commands["next_problem"].trigger()
    assert window.session.current_id == doc[1].id
    # fixing it clears the colour
    edits.set_times(doc, doc[1].id, 3000, 7000 - 1000)
    edits.edit_text(doc, doc[1].id, "Short now.")
    window.session.recheck()
    assert model.index(1, COL_CPS).data(Qt.ItemDataRole.BackgroundRole) != PROBLEM_TINT


def test_selection_in_step_between_table_session_and_waveform(qtbot, demo_window):
    w = demo_window
    view = w.table
    view.selectRow(2)
    sid = w.session.doc[2].id
    assert w.session.current_id == sid
    assert w.session.selected_ids == [sid]
    assert w.editor.text.toPlainText() == w.session.doc[2].text
    # selection made elsewhere shows in the table
    w.session.set_selection([w.session.doc[0].id, w.session.doc[3].id], w.session.doc[3].id)
    rows = sorted(i.row() for i in view.selectionModel().selectedRows())
    assert rows == [0, 3]
    assert view.model().index(3, 0).data(SEGMENT_ID_ROLE) == w.session.current_id


def test_retimed_row_keeps_its_selection(demo_window):
    w = demo_window
    sid = w.session.doc[1].id
    w.session.set_current(sid)
    edits.set_times(w.session.doc, sid, 4500, 4900)  # moves after segment 3 -> re-sorted
    rows = [i.row() for i in w.table.selectionModel().selectedRows()]
    assert rows == [w.session.doc.index_of(sid)]
    assert w.table.model().index(rows[0], COL_END).data() == "00:00:04,900"


@pytest.mark.parametrize("column", [COL_START, COL_END, COL_DUR])
def test_single_keys_type_into_time_cells(qtbot, demo_window, column):
    """The time cells' editors take "[" and "]" and Insert as text: no retiming, no new row."""
    from PySide6.QtWidgets import QApplication, QLineEdit

    w = demo_window
    seg = w.session.doc[2]
    w.session.set_current(seg.id)
    w.session.seek(9500)
    w.activateWindow()
    w.table.edit_current(column)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit), timeout=2000)
    cell = QApplication.focusWidget()
    cell.clear()
    for key in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight, Qt.Key.Key_Insert, Qt.Key.Key_W):
        qtbot.keyClick(cell, key)
    assert cell.text() == "[]w"
    qtbot.keyClick(cell, Qt.Key.Key_Escape)
    now = w.session.doc.get(seg.id)
    assert (now.start, now.end) == (seg.start, seg.end) and len(w.session.doc) == 4


def test_clicking_a_row_with_nothing_selected_enables_the_segment_commands(qtbot, demo_window):
    w = demo_window
    w.session.set_selection([])
    assert w.session.current is None and not w.commands["split"].isEnabled()
    rect = w.table.visualRect(w.table.model().index(2, COL_TEXT))
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.session.current_id == w.session.doc[2].id
    for name in ("split", "merge_next", "delete", "set_start", "balance_lines"):
        assert w.commands[name].isEnabled(), name
    assert w.editor.words_title.text().startswith("Words")
