"""Find and replace in segment texts (regular expression, match case, whole word).

"Find next" selects the next segment whose text matches, from the current one, wrapping;
"Replace all" is one undoable command (:func:`app.core.edits.replace_all`).
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import edits
from app.ui import settings
from app.ui.session import EditorSession


def compile_pattern(pattern: str, *, regex: bool, case: bool, whole_word: bool) -> re.Pattern[str]:
    """The same matching rules as :func:`app.core.edits.replace_all`."""
    body = pattern if regex else re.escape(pattern)
    if whole_word:
        body = rf"(?<!\w)(?:{body})(?!\w)"
    return re.compile(body, 0 if case else re.IGNORECASE)


class FindReplaceDialog(QDialog):
    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find and replace")
        self.setObjectName("findReplaceDialog")
        self.session = session
        self.find_edit = QLineEdit()
        self.find_edit.setObjectName("findEdit")
        self.replace_edit = QLineEdit()
        self.replace_edit.setObjectName("replaceEdit")
        self.regex_box = QCheckBox("Regular expression")
        self.case_box = QCheckBox("Match case")
        self.word_box = QCheckBox("Whole word")
        self.selection_box = QCheckBox("Selected segments only")
        self.status = QLabel("")
        self.status.setObjectName("findStatus")
        self.regex_box.setChecked(settings.get("find/regex", False, bool))
        self.case_box.setChecked(settings.get("find/case", False, bool))
        self.word_box.setChecked(settings.get("find/word", False, bool))

        form = QFormLayout()
        form.addRow("Find", self.find_edit)
        form.addRow("Replace with", self.replace_edit)
        opts = QHBoxLayout()
        for b in (self.regex_box, self.case_box, self.word_box, self.selection_box):
            opts.addWidget(b)
        opts.addStretch(1)
        self.find_button = QPushButton("Find next")
        self.find_button.setDefault(True)
        self.replace_button = QPushButton("Replace all")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.find_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.replace_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        self.find_button.clicked.connect(self.find_next)
        self.replace_button.clicked.connect(self.replace_all)

        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addLayout(opts)
        box.addWidget(self.status)
        box.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def options(self) -> dict[str, bool]:
        return {"regex": self.regex_box.isChecked(), "case": self.case_box.isChecked(),
                "whole_word": self.word_box.isChecked()}

    def _remember(self) -> None:
        settings.put("find/regex", self.regex_box.isChecked())
        settings.put("find/case", self.case_box.isChecked())
        settings.put("find/word", self.word_box.isChecked())

    def _pattern(self) -> re.Pattern[str] | None:
        text = self.find_edit.text()
        if not text:
            self._say("Type something to find.")
            return None
        try:
            return compile_pattern(text, **self.options())
        except re.error as exc:
            self._say(f"Invalid regular expression: {exc}", error=True)
            return None

    def _say(self, message: str, error: bool = False) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("color: rgb(226,67,67);" if error else "")

    def find_next(self) -> bool:
        rx = self._pattern()
        if rx is None:
            return False
        self._remember()
        doc = self.session.doc
        n = len(doc)
        cur = self.session.current_index
        start = -1 if cur is None else cur
        for k in range(1, n + 1):
            i = (start + k) % n
            if rx.search(doc[i].text):
                self.session.set_current(doc[i].id)
                self._say(f"Found in segment {i + 1}.")
                return True
        self._say("Not found.")
        return False

    def replace_all(self) -> int:
        rx = self._pattern()
        if rx is None:
            return 0
        self._remember()
        ids = self.session.selected_in_order() if self.selection_box.isChecked() else None
        try:
            count = edits.replace_all(self.session.doc, self.find_edit.text(), self.replace_edit.text(),
                                      seg_ids=ids, **self.options())
        except re.error as exc:
            self._say(f"Invalid replacement: {exc}", error=True)
            return 0
        self._say(f"Replaced {count} occurrence{'s' if count != 1 else ''}." if count else "Not found.")
        return count

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.find_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.find_edit.selectAll()
