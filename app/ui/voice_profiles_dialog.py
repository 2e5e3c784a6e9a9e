"""Speakers ▸ Voice profiles: the voices Cueline recognises, listed and deletable.

Profiles live in the user's data folder (:mod:`app.speakers.profiles`), not in projects or
exports; deleting one forgets the voice (files already labelled keep their names)."""

from __future__ import annotations

import datetime as _dt

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

from app.speakers import profiles as store


class VoiceProfilesDialog(QDialog):
    def __init__(self, prompts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Voice profiles")
        self.setObjectName("voiceProfilesDialog")
        self.prompts = prompts
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("voiceProfilesTable")
        self.table.setHorizontalHeaderLabels(["Name", "Speech heard", "Last updated"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumSize(440, 200)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteVoice")
        self.delete_button.clicked.connect(lambda: self.delete())
        self.folder_label = QLabel("")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.delete_button)
        row.addStretch(1)
        row.addWidget(buttons)
        box = QVBoxLayout(self)
        box.addWidget(QLabel("Speaker detection names a voice it recognises.  Save a voice with "
                             "Speakers ▸ Remember voice; profiles stay on this computer and are "
                             "never written into projects or exports."))
        box.addWidget(self.table, 1)
        box.addWidget(self.folder_label)
        box.addLayout(row)
        self.profiles: list[store.VoiceProfile] = []
        self.refresh()

    def refresh(self) -> None:
        self.profiles = store.list_profiles()
        self.table.setRowCount(len(self.profiles))
        for r, p in enumerate(self.profiles):
            when = _dt.datetime.fromtimestamp(p.updated).strftime("%Y-%m-%d %H:%M") if p.updated else ""
            s = int(round(p.speech_s))
            for c, value in enumerate((p.name, f"{s // 60}:{s % 60:02d}", when)):
                item = QTableWidgetItem(value)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.folder_label.setText(f"Folder: {store.voices_dir()}")
        self.delete_button.setEnabled(bool(self.profiles))

    def delete(self, name: str | None = None) -> int:
        """Delete the selected profiles (or the one called ``name``); returns how many."""
        if name is not None:
            chosen = [p for p in self.profiles if p.name == name]
        else:
            rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
            chosen = [self.profiles[r] for r in rows if r < len(self.profiles)]
        if not chosen:
            return 0
        names = ", ".join(p.name for p in chosen)
        if not self.prompts.confirm("Delete voice profiles", f"Forget the voice of {names}?"):
            return 0
        n = 0
        for p in chosen:
            try:
                n += store.delete_profile(p.id)
            except OSError as exc:
                self.prompts.error("Cannot delete the voice profile", str(exc))
        self.refresh()
        return n
