"""Export: pick a format, optionally shape the segments into cues under a profile, choose the
writer's options (word-level karaoke, speaker labels, timestamps in text), which text to write
(the source, its English translation, or both as two-line bilingual cues), whether times snap
to the frames of a chosen rate (for a video editor's timeline), see the first cues as they will
be written, then save.

A readable interview transcript is plain text with timestamps and speaker names."""

from __future__ import annotations

import os

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.document import Document
from app.core.frames import snap_segments
from app.core.model import Segment
from app.formats import FORMATS, write_text
from app.subtitles import Profile, list_profiles, shape
from app.ui import settings

PREVIEW_CUES = 8
TEXT_CHOICES = (("source", "Source text"), ("english", "English translation"),
                ("both", "Both: source with the English under it (bilingual)"))


def english_segments(segments: list[Segment]) -> list[Segment]:
    """The segments with their English as the text (segments without English are left out)."""
    return [s.replace(text=s.translation.strip(), words=(), translation=None)
            for s in segments if s.translation and s.translation.strip()]


class ExportDialog(QDialog):
    def __init__(self, doc: Document, profile: Profile | None, parent: QWidget | None = None,
                 fps: float | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export subtitles")
        self.setObjectName("exportDialog")
        self.doc = doc
        self.format_box = QComboBox()
        self.format_box.setObjectName("exportFormat")
        for info in FORMATS.values():
            if info.can_write:
                self.format_box.addItem(f"{info.description} ({', '.join(info.extensions)})", info.name)
        self.shape_box = QCheckBox("Shape into cues with the profile")
        self.shape_box.setObjectName("exportShape")
        self.profile_box = QComboBox()
        self.profile_box.setObjectName("exportProfile")
        self.profiles = list_profiles()
        for p in self.profiles:
            self.profile_box.addItem(p.name, p.id)
        if profile is not None:
            i = self.profile_box.findData(profile.id)
            if i >= 0:
                self.profile_box.setCurrentIndex(i)
        self.karaoke_box = QCheckBox("Word-level karaoke timing")
        self.speakers_box = QCheckBox("Speaker labels")
        self.timestamps_box = QCheckBox("Timestamps in the text")
        self.text_box = QComboBox()
        self.text_box.setObjectName("exportText")
        for key, title in TEXT_CHOICES:
            self.text_box.addItem(title, key)
        if not any(s.translation for s in doc):
            self.text_box.setEnabled(False)
            self.text_box.setToolTip("No segment has an English translation (Tools ▸ Translate)")
        self.frames_box = QCheckBox("Snap times to frames at")
        self.frames_box.setObjectName("exportFrames")
        self.frames_box.setToolTip("Round every start and end to a frame boundary of this rate")
        self.fps_box = QComboBox()
        self.fps_box.setObjectName("exportFps")
        self.fps_box.setEditable(True)
        for r in (23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0):
            self.fps_box.addItem(f"{r:g}", r)
        self.fps_box.setCurrentText(f"{fps or settings.get('export/fps', 25.0, float):g}")
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("exportPreview")
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setMinimumSize(520, 240)
        self.note = QLabel("")
        self.note.setWordWrap(True)

        fmt = settings.get("export/format", "srt")
        i = self.format_box.findData(fmt)
        if i >= 0:
            self.format_box.setCurrentIndex(i)
        self.shape_box.setChecked(settings.get("export/shape", False, bool))
        self.karaoke_box.setChecked(settings.get("export/karaoke", False, bool))
        self.speakers_box.setChecked(settings.get("export/speakers", False, bool))
        self.timestamps_box.setChecked(settings.get("export/timestamps", False, bool))
        self.frames_box.setChecked(settings.get("export/frames", False, bool))
        if self.text_box.isEnabled():
            self.set_text_choice(settings.get("export/text", "source"))

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        prof = QHBoxLayout()
        prof.addWidget(self.shape_box)
        prof.addWidget(self.profile_box, 1)
        form.addRow("Cues", prof)
        form.addRow("Text", self.text_box)
        frames = QHBoxLayout()
        frames.addWidget(self.frames_box)
        frames.addWidget(self.fps_box)
        frames.addWidget(QLabel("fps"))
        frames.addStretch(1)
        form.addRow("Timing", frames)
        opts = QGroupBox("Options")
        ob = QVBoxLayout(opts)
        for b in (self.karaoke_box, self.speakers_box, self.timestamps_box):
            ob.addWidget(b)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(opts)
        box.addWidget(QLabel("Preview (first cues)"))
        box.addWidget(self.preview, 1)
        box.addWidget(self.note)
        box.addWidget(buttons)
        for w in (self.format_box, self.profile_box, self.text_box):
            w.currentIndexChanged.connect(self.update_preview)
        for b in (self.shape_box, self.karaoke_box, self.speakers_box, self.timestamps_box,
                  self.frames_box):
            b.toggled.connect(self.update_preview)
        self.fps_box.currentTextChanged.connect(lambda _t: self.update_preview())
        self.update_preview()

    # -- choices -----------------------------------------------------------------------------
    @property
    def format_name(self) -> str:
        return str(self.format_box.currentData())

    @property
    def extension(self) -> str:
        return FORMATS[self.format_name].extensions[0]

    @property
    def text_choice(self) -> str:
        """``source``, ``english`` or ``both``."""
        return str(self.text_box.currentData()) if self.text_box.isEnabled() else "source"

    def set_text_choice(self, choice: str) -> bool:
        i = self.text_box.findData(choice)
        if i >= 0:
            self.text_box.setCurrentIndex(i)
        return i >= 0

    def profile(self) -> Profile | None:
        if not self.shape_box.isChecked():
            return None
        pid = self.profile_box.currentData()
        return next((p for p in self.profiles if p.id == pid), None)

    def options(self) -> dict[str, object]:
        allowed = FORMATS[self.format_name].options
        opts: dict[str, object] = {}
        if "karaoke" in allowed and self.karaoke_box.isChecked():
            opts["karaoke"] = True
        if "speakers" in allowed and self.speakers_box.isChecked():
            opts["speakers"] = True
        if "timestamps" in allowed and self.timestamps_box.isChecked():
            opts["timestamps"] = True
        if "bilingual" in allowed and self.text_choice == "both":
            opts["bilingual"] = True
        return opts

    @property
    def frame_rate(self) -> float | None:
        """The rate times snap to, or None (not asked for, or not a rate)."""
        if not self.frames_box.isChecked():
            return None
        try:
            fps = float(self.fps_box.currentText().replace(",", "."))
        except ValueError:
            return None
        return fps if 1 <= fps <= 240 else None

    def segments(self, limit: int | None = None) -> list[Segment]:
        segs = list(self.doc.segments)
        if self.text_choice == "english":
            segs = english_segments(segs)
        profile = self.profile()
        if profile is not None:
            source = segs if limit is None else segs[: max(limit * 2, limit + 4)]
            segs = shape(source, profile)
        if self.frame_rate is not None:
            segs = snap_segments(segs if limit is None else segs[:limit], self.frame_rate)
        return segs if limit is None else segs[:limit]

    def render(self, limit: int | None = None) -> str:
        return write_text(self.segments(limit), self.format_name, **self.options())

    def update_preview(self) -> None:
        allowed = FORMATS[self.format_name].options
        self.karaoke_box.setEnabled("karaoke" in allowed)
        self.speakers_box.setEnabled("speakers" in allowed)
        self.timestamps_box.setEnabled("timestamps" in allowed)
        self.profile_box.setEnabled(self.shape_box.isChecked())
        self.fps_box.setEnabled(self.frames_box.isChecked())
        try:
            self.preview.setPlainText(self.render(PREVIEW_CUES))
            self.note.setText("")
        except Exception as exc:  # noqa: BLE001 - shown to the user, never raised
            self.preview.setPlainText("")
            self.note.setText(f"Cannot preview: {exc}")

    def remember(self) -> None:
        settings.put("export/format", self.format_name)
        settings.put("export/shape", self.shape_box.isChecked())
        settings.put("export/karaoke", self.karaoke_box.isChecked())
        settings.put("export/speakers", self.speakers_box.isChecked())
        settings.put("export/timestamps", self.timestamps_box.isChecked())
        settings.put("export/frames", self.frames_box.isChecked())
        if self.frame_rate is not None:
            settings.put("export/fps", self.frame_rate)
        if self.text_box.isEnabled():
            settings.put("export/text", self.text_choice)

    def suggested_name(self, base: str | None) -> str:
        stem = os.path.splitext(os.path.basename(base))[0] if base else "subtitles"
        return stem + self.extension
