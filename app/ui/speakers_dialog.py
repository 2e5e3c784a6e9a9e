"""Speakers ▸ Manage speakers: every speaker with its number of segments and speaking time;
rename one (renaming to a name that already exists merges the two), merge several into one,
select a speaker's segments.  Each change is one undoable step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import edits
from app.core.speaker_edits import merge_speakers, speaker_counts
from app.ui.session import EditorSession

NO_SPEAKER = "(no speaker)"


class SpeakersDialog(QDialog):
    def __init__(self, session: EditorSession, prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Speakers")
        self.setObjectName("speakersDialog")
        self.session = session
        self.prompts = prompts
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("speakersTable")
        self.table.setHorizontalHeaderLabels(["Speaker", "Segments", "Speaking time"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumSize(420, 220)
        self.table.cellDoubleClicked.connect(lambda _r, _c: self.select_segments())
        self.rename_button = QPushButton("Rename…")
        self.merge_button = QPushButton("Merge into…")
        self.select_button = QPushButton("Select segments")
        self.rename_button.clicked.connect(lambda: self.rename())
        self.merge_button.clicked.connect(lambda: self.merge())
        self.select_button.clicked.connect(self.select_segments)
        row = QHBoxLayout()
        for b in (self.rename_button, self.merge_button, self.select_button):
            row.addWidget(b)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        box = QVBoxLayout(self)
        box.addWidget(self.table, 1)
        box.addWidget(QLabel("Renaming a speaker to a name that already exists merges them."))
        box.addLayout(row)
        self.rows: list[tuple[str | None, int, int]] = []
        session.committed.connect(lambda _n: self.refresh())
        session.document_reset.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.rows = speaker_counts(self.session.doc)
        self.table.setRowCount(len(self.rows))
        for r, (name, n, ms) in enumerate(self.rows):
            s = ms // 1000
            cells = (name or NO_SPEAKER, str(n), f"{s // 60}:{s % 60:02d}")
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)

    def selected_names(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.rows[r][0] for r in rows if r < len(self.rows) and self.rows[r][0]]

    def select(self, names: list[str]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r, (name, _n, _ms) in enumerate(self.rows):
            if name in names:
                self.table.selectRow(r)
        self.table.setSelectionMode(mode)

    def rename(self, old: str | None = None, new: str | None = None) -> int:
        """Rename ``old`` (default: the selected speaker) to ``new`` (default: asked)."""
        old = old or next(iter(self.selected_names()), None)
        if not old:
            return 0
        if new is None:
            new = self.prompts.ask_text("Rename speaker", f"New name for {old} (an existing name "
                                        "merges the two):", old, None)
        if new is None or new.strip() == old:
            return 0
        return edits.rename_speaker(self.session.doc, old, new.strip() or None)

    def merge(self, names: list[str] | None = None, into: str | None = None) -> int:
        """Merge the selected speakers (or ``names``) into ``into`` (default: asked)."""
        names = names or self.selected_names()
        if not names:
            return 0
        if into is None:
            into = self.prompts.ask_text("Merge speakers", f"Merge {', '.join(names)} into:",
                                         names[0], self.session.doc.speakers())
        if not into or not into.strip():
            return 0
        return merge_speakers(self.session.doc, names, into.strip())

    def select_segments(self) -> list[str]:
        names = set(self.selected_names())
        ids = [s.id for s in self.session.doc if s.speaker in names]
        if ids:
            self.session.set_selection(ids, ids[0])
        return ids
