"""Help ▸ Keyboard shortcuts: every command and its keys in a table, filtered as you type (by
the command's name or by a key: "ctrl+j", "F8")."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.shortcuts import keys_text, window_actions


def action_rows(window) -> list[tuple[str, str, str]]:
    """``(command, keys as shown, keys as typed)`` of every named action, by command name."""
    rows = []
    for a in window_actions(window).values():
        title = a.text().replace("&", "").rstrip("…").strip()
        keys = a.shortcuts()
        rows.append((title, keys_text(keys, native=True) or "—", keys_text(keys)))
    return sorted(rows, key=lambda r: (r[1] == "—", r[0].lower()))


class KeysFilter(QSortFilterProxyModel):
    """Rows whose command or keys contain every word typed (any case)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.words: list[str] = []

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self.words = text.lower().split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.words = text.lower().split()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt override
        m = self.sourceModel()
        hay = " ".join(str(m.index(row, c, parent).data(Qt.ItemDataRole.UserRole) or
                           m.index(row, c, parent).data() or "") for c in range(2)).lower()
        return all(w in hay for w in self.words)


class ShortcutsDialog(QDialog):
    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        self.model = QStandardItemModel(0, 2, self)
        self.model.setHorizontalHeaderLabels(["Command", "Keys"])
        for title, shown, typed in action_rows(window):
            keys = QStandardItem(shown)
            keys.setData(f"{shown} {typed}", Qt.ItemDataRole.UserRole)
            self.model.appendRow([QStandardItem(title), keys])
        self.proxy = KeysFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit()
        self.filter.setObjectName("shortcutsFilter")
        self.filter.setPlaceholderText("Filter: a command (\"merge\") or a key (\"ctrl+j\")")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.table = QTableView()
        self.table.setObjectName("shortcutsTable")
        self.table.setModel(self.proxy)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("Change them in Edit ▸ Preferences ▸ Shortcuts.")
        note.setForegroundRole(note.foregroundRole())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(self.filter)
        box.addWidget(self.table, 1)
        box.addWidget(note)
        box.addWidget(buttons)
        self.resize(560, 640)

    def visible_commands(self) -> list[str]:
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]
