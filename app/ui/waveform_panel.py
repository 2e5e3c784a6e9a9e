"""The waveform dock: the timeline view, its scrollbar and a small row of view controls.

A QScrollBar counts in C ``int``: a document longer than :data:`SCROLL_UNITS_MAX` ms (about 12
days) scrolls in units of several ms (:attr:`WaveformPanel.ms_per_unit`), so any length fits.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.timecode import format_duration
from app.ui import settings
from app.ui.session import EditorSession
from app.ui.waveform_view import ZOOM_STEP, WaveformView

SCROLL_UNITS_MAX = 1 << 30  # below int32's 2**31 - 1, with room for value + page step


class WaveformPanel(QWidget):
    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waveformPanel")
        self.view = WaveformView(session)
        self.view.setObjectName("waveformView")
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.scrollbar.setObjectName("waveformScroll")
        self.scrollbar.valueChanged.connect(self._on_scrollbar_value_changed)
        self.ms_per_unit = 1.0  # scrollbar units are ms until the document outgrows int32
        self.view.view_changed.connect(self._sync_scrollbar)

        def tool(text: str, tip: str, slot) -> QToolButton:
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.clicked.connect(slot)
            return b

        self.snap_box = QCheckBox("Snap")
        self.snap_box.setObjectName("snapBox")
        self.snap_box.setToolTip("Snap dragged edges to neighbouring segments, speech edges and the playhead")
        self.snap_box.setChecked(settings.get("waveform/snap", True, bool))
        self.snap_box.toggled.connect(self.set_snap)
        self.follow_box = QCheckBox("Follow playhead")
        self.follow_box.setChecked(settings.get("waveform/follow", True, bool))
        self.follow_box.toggled.connect(self.set_follow)
        self.span_label = QLabel("")
        self.span_label.setObjectName("waveformSpan")
        row = QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 0)
        row.setSpacing(2)
        row.addWidget(tool("−", "Zoom out (−, Ctrl+wheel)", lambda: self.view.zoom(ZOOM_STEP)))
        row.addWidget(tool("+", "Zoom in (+, Ctrl+wheel)", lambda: self.view.zoom(1 / ZOOM_STEP)))
        row.addWidget(tool("Fit", "Show the whole file (0)", self.view.fit_all))
        row.addSpacing(8)
        row.addWidget(self.span_label)
        row.addStretch(1)
        row.addWidget(self.follow_box)
        row.addSpacing(8)
        row.addWidget(self.snap_box)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(row)
        box.addWidget(self.view, 1)
        box.addWidget(self.scrollbar)
        self.set_snap(self.snap_box.isChecked())
        self.set_follow(self.follow_box.isChecked())

    def set_snap(self, on: bool) -> None:
        self.view.snap_enabled = bool(on)
        if self.snap_box.isChecked() != bool(on):
            self.snap_box.setChecked(bool(on))
        settings.put("waveform/snap", bool(on))

    def set_follow(self, on: bool) -> None:
        self.view.follow_playhead = bool(on)
        settings.put("waveform/follow", bool(on))

    def _sync_scrollbar(self) -> None:
        v = self.view
        visible = float(v.visible_ms)
        total = float(v.duration_ms)
        self.ms_per_unit = unit = max(1.0, (total + visible) / SCROLL_UNITS_MAX)
        sb = self.scrollbar
        sb.blockSignals(True)
        sb.setRange(0, max(0, int((total - visible) / unit)))
        sb.setPageStep(max(1, int(visible / unit)))
        sb.setSingleStep(max(1, int(visible / 10 / unit)))
        sb.setValue(int(v.start_ms / unit))
        sb.blockSignals(False)
        self.span_label.setText(f"View: {format_duration(int(visible))}")

    def _on_scrollbar_value_changed(self, value: int) -> None:
        self.view.scroll_to(value * self.ms_per_unit)
