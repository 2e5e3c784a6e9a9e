"""Tools ▸ Fix common errors: choose the rules, see every fix with its cue, before and after,
untick the ones to leave, apply the rest as ONE undo step (:mod:`app.subtitles.fixes`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.document import Document
from app.subtitles.fixes import DEFAULT_RULES, ORDER, RULE_TITLES, Fix, apply_fixes, find_fixes
from app.ui import settings

COL_APPLY, COL_CUE, COL_RULE, COL_BEFORE, COL_AFTER = range(5)


def shown(text: str) -> str:
    return text.replace("\n", " ⏎ ") if text else "(cue deleted)"


class FixErrorsDialog(QDialog):
    def __init__(self, doc: Document, profile=None, language: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fix common errors")
        self.setObjectName("fixErrorsDialog")
        self.doc = doc
        self.profile = profile
        self.language = language
        self.fixes: list[Fix] = []
        self.applied = 0
        saved = settings.get("fixes/rules", None)
        chosen = set(saved.split(",")) if isinstance(saved, str) and saved else set(DEFAULT_RULES)
        self.rule_boxes: dict[str, QCheckBox] = {}
        rules_box = QGroupBox("Rules")
        grid = QGridLayout(rules_box)
        for k, rule in enumerate(ORDER):
            b = QCheckBox(RULE_TITLES[rule])
            b.setObjectName(f"rule_{rule}")
            b.setChecked(rule in chosen)
            b.toggled.connect(self.refresh)
            self.rule_boxes[rule] = b
            grid.addWidget(b, k // 2, k % 2)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("fixesTable")
        self.table.setHorizontalHeaderLabels(["Apply", "#", "Fix", "Before", "After"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        hh = self.table.horizontalHeader()
        for col in (COL_APPLY, COL_CUE, COL_RULE):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(COL_BEFORE, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(COL_AFTER, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("")
        self.summary.setObjectName("fixesSummary")
        all_b = QPushButton("Select all")
        none_b = QPushButton("Select none")
        all_b.clicked.connect(lambda: self.set_all(True))
        none_b.clicked.connect(lambda: self.set_all(False))
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(all_b)
        row.addWidget(none_b)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton("Apply selected fixes",
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(rules_box)
        box.addWidget(self.table, 1)
        box.addLayout(row)
        box.addWidget(buttons)
        self.resize(980, 560)
        self.refresh()

    # -- listing ---------------------------------------------------------------------------------
    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(r for r in ORDER if self.rule_boxes[r].isChecked())

    def refresh(self) -> None:
        self.fixes = find_fixes(self.doc.segments, self.rules, self.profile, self.language)
        t = self.table
        t.setRowCount(len(self.fixes))
        for r, f in enumerate(self.fixes):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                           | Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(Qt.CheckState.Checked)
            t.setItem(r, COL_APPLY, check)
            num = QTableWidgetItem(str(f.index + 1))
            num.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, COL_CUE, num)
            t.setItem(r, COL_RULE, QTableWidgetItem(RULE_TITLES[f.rule].split(" (")[0]))
            for col, text in ((COL_BEFORE, f.before), (COL_AFTER, f.after)):
                item = QTableWidgetItem(shown(text))
                item.setToolTip(text or "The cue is deleted")
                t.setItem(r, col, item)
        n = len(self.fixes)
        cues = len({f.seg_id for f in self.fixes})
        self.summary.setText(f"{n} fix{'es' if n != 1 else ''} in {cues} cue{'s' if cues != 1 else ''}"
                             if n else "Nothing to fix with these rules.")
        self.apply_button.setEnabled(bool(n))

    def set_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for r in range(self.table.rowCount()):
            self.table.item(r, COL_APPLY).setCheckState(state)

    def chosen(self) -> list[Fix]:
        return [f for r, f in enumerate(self.fixes)
                if self.table.item(r, COL_APPLY).checkState() == Qt.CheckState.Checked]

    # -- applying ----------------------------------------------------------------------------------
    def apply(self) -> int:
        """Apply the ticked fixes (one undo step); returns the number of cues changed."""
        settings.put("fixes/rules", ",".join(self.rules))
        self.applied = apply_fixes(self.doc, self.chosen(), self.profile, self.language)
        return self.applied
