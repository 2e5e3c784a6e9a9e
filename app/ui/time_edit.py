"""A one-line field for a time (``hh:mm:ss,mmm``): Enter or leaving the field commits it,
Up/Down step it by 100 ms (Shift: by a second); invalid text is shown in red and not applied."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from app.core.timecode import format_timecode, parse_timecode

STEP_MS = 100
BIG_STEP_MS = 1000


class TimeEdit(QLineEdit):
    time_edited = Signal(object)  # the new time (ms, a Python int: any length), when changed

    def __init__(self, parent: QWidget | None = None, *, duration: bool = False) -> None:
        super().__init__(parent)
        self._ms: int | None = None
        self._duration = duration
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMaxLength(16)
        self.setPlaceholderText("0.000" if duration else "00:00:00,000")
        width = self.fontMetrics().horizontalAdvance("00:00:00,000") + 24
        self.setMinimumWidth(width)
        self.setMaximumWidth(width + 30)
        self.editingFinished.connect(self._commit)
        self.textEdited.connect(lambda _t: self._mark(True))

    def format(self, ms: int) -> str:
        return f"{ms / 1000:.3f}" if self._duration else format_timecode(ms)

    def parse(self, text: str) -> int:
        text = text.strip()
        if self._duration or (":" not in text):
            value = float(text.replace(",", "."))
            if value < 0:
                raise ValueError("negative")
            return int(round(value * 1000))
        return parse_timecode(text)

    def value(self) -> int | None:
        return self._ms

    def set_value(self, ms: int | None) -> None:
        """Show a time (from the document); does not emit ``time_edited``."""
        self._ms = ms
        if not self.hasFocus() or not self.isModified():
            self.setText("" if ms is None else self.format(ms))
            self.setModified(False)
        self._mark(True)

    def _mark(self, ok: bool) -> None:
        self.setProperty("invalid", not ok)
        self.setStyleSheet("" if ok else "QLineEdit { color: palette(bright-text); background: rgba(226,67,67,110); }")

    def _commit(self) -> None:
        if not self.isModified() or self._ms is None:
            return
        try:
            ms = self.parse(self.text())
        except ValueError:
            self._mark(False)
            return
        self.setModified(False)
        self._mark(True)
        if ms != self._ms:
            self.time_edited.emit(ms)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self._ms is not None:
            step = BIG_STEP_MS if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else STEP_MS
            new = max(0, self._ms + (step if event.key() == Qt.Key.Key_Up else -step))
            self.setModified(False)
            self.time_edited.emit(new)
            return
        if event.key() == Qt.Key.Key_Escape and self._ms is not None:
            self.setText(self.format(self._ms))
            self.setModified(False)
            self._mark(True)
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        if self._ms is not None and not self.isModified():
            self.setText(self.format(self._ms))
