"""The cleanup log: what a transcription removed because the audio did not support it (text
over silence, very low word probabilities, repetition loops...), with the evidence for each
removal (speech share under the text, mean word probability, the rule that decided), where it
was, and a Restore button that puts a removal back as a segment.

The log lives in the document (``meta["cleanup"]``, a list of dicts ``{reason, text, start,
end[, segment, speech_share, mean_probability, rule]}``, saved with the project and in Cueline
JSON).  Restoring inserts the segment and drops the entry from the log in ONE undoable step
("Restore removed text").
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.cleanup_log import cleanup_entries, restore_entries, restore_entry
from app.core.timecode import format_timecode
from app.ui.session import EditorSession

COLUMNS = ("Time", "Reason", "Text", "Speech", "Word prob.", "Rule", "")
COL_TEXT, COL_SPEECH, COL_PROB, COL_RULE, COL_RESTORE = 2, 3, 4, 5, 6


def entry_cells(e: dict[str, Any]) -> tuple[str, ...]:
    """The texts of one log entry's row (evidence not measured shows as "–")."""
    share, prob = e.get("speech_share"), e.get("mean_probability")
    return (f"{format_timecode(e['start'])} – {format_timecode(e['end'])}",
            str(e.get("reason", "")), str(e.get("text", "")),
            f"{share:.0%}" if isinstance(share, (int, float)) else "–",
            f"{prob:.2f}" if isinstance(prob, (int, float)) else "–",
            str(e.get("rule") or ""), "")


class CleanupDialog(QDialog):
    """Lists the log; Restore inserts the selected removals back (the dialog stays open)."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Removed by cleanup")
        self.setObjectName("cleanupDialog")
        self.session = session
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("cleanupTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        hh = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(COL_RULE, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)  # the rule is a sentence: shown whole
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumSize(980, 260)
        self.table.cellDoubleClicked.connect(lambda row, _c: self.session.seek(self._entries[row]["start"])
                                             if row < len(self._entries) else None)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.restore_button = buttons.addButton("Restore selected", QDialogButtonBox.ButtonRole.ActionRole)
        self.restore_button.clicked.connect(self.restore_selected)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.summary)
        box.addWidget(self.table, 1)
        box.addWidget(QLabel("Double-click a row to hear where it was; restored text becomes a "
                             "segment again (undoable)."))
        box.addWidget(buttons)
        self._entries: list[dict[str, Any]] = []
        session.committed.connect(lambda _n: self.refresh())
        session.document_reset.connect(self.refresh)
        self.refresh()

    @property
    def entries(self) -> list[dict[str, Any]]:
        return list(self._entries)

    def refresh(self) -> None:
        self._entries = cleanup_entries(self.session.doc)
        n = len(self._entries)
        self.summary.setText(
            f"The transcription removed {n} piece{'s' if n != 1 else ''} of text the audio did "
            "not support. Each row shows the evidence: how much of the text's time was speech, "
            "how sure the engine was of its words, and the rule that decided."
            if n else "Nothing was removed by cleanup.")
        self.table.setRowCount(n)
        for row, e in enumerate(self._entries):
            for col, value in enumerate(entry_cells(e)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if col in (COL_SPEECH, COL_PROB):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
            self.table.setCellWidget(row, COL_RESTORE, self._restore_button(row))
        self.restore_button.setEnabled(bool(n))

    def _restore_button(self, row: int) -> QWidget:
        from PySide6.QtWidgets import QPushButton

        b = QPushButton("Restore")
        b.setObjectName(f"restore_{row}")
        b.clicked.connect(lambda _c=False, r=row: self.restore(r))
        return b

    def restore(self, row: int) -> str | None:
        """Restore the entry shown on ``row`` (one undoable step); returns the new segment id."""
        entry = self._entries[row] if 0 <= row < len(self._entries) else None
        if entry is None:
            return None
        log = self.session.doc.meta.get("cleanup") or []
        index = next((i for i, e in enumerate(log) if e is entry), None)
        if index is None:
            return None
        sid = restore_entry(self.session.doc, index)
        self.session.set_current(sid)
        return sid

    def restore_selected(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        out = restore_entries(self.session.doc, [self._entries[r] for r in rows])
        if out:
            self.session.set_current(out[-1])
        return out

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.table.hasFocus():
            self.restore_selected()
            return
        super().keyPressEvent(event)
