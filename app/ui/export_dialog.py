"""Export: pick a format, optionally shape the segments into cues under a profile, choose the
writer's options (word-level karaoke, speaker labels, timestamps in text), which text to write
(the source, its translation, both stacked in each cue, or two files with the same timing),
whether times snap to the frames of a chosen rate (for a video editor's timeline), see the
first cues as they will be written, then save.

Bilingual output meets the profile's rules language by language
(:mod:`app.subtitles.bilingual`): each language's lines within the line length and the lines
chosen per language (the profile's, or one each for two-line cues), reading speed counted per
language; with shaping the cues are cut so that both fit, and what cannot is listed under the
preview.  The profile chosen lays out the lines even when the cues are not shaped.

A readable interview transcript is plain text in speaker turns with timestamps and names, or a
Word document (DOCX) with the same turns, names in bold.

Shaping applies to cue formats only (SRT, WebVTT, ASS): a TXT transcript or JSON keeps the
segments as they are (shaping would cut an interviewer's sentence around the other speaker's
words).  Whether to shape is remembered per format for the editor's session only, off at
first: the document is already shaped when it was transcribed, and re-shaping on export
would silently undo the user's own cue edits."""

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
from app.core.edits import joiner
from app.core.frames import snap_segments
from app.core.model import Segment
from app.formats import FORMATS, write_text
from app.subtitles import Profile, list_profiles, shape
from app.subtitles.bilingual import BilingualCues, bilingual_cues, split_languages
from app.ui import settings

PREVIEW_CUES = 8
CUE_FORMATS = frozenset({"srt", "vtt", "ass"})  # formats whose segments are on-screen cues
NOTE_ALL_CUES = 400  # the bilingual note covers the whole document up to this many segments
TEXT_CHOICES = (("source", "Source text"), ("english", "Translation"),
                ("both", "Both in each cue: source on top, translation under it"),
                ("two", "Two files: source and translation, same timing"))
LINES_CHOICES = ((0, "the profile's lines per language"), (1, "one line per language"))
BILINGUAL = frozenset({"both", "two"})


def unbroken(segments: list[Segment]) -> list[Segment]:
    """The segments with their subtitle line breaks turned into spaces: a transcript is
    written in sentences, not in a cue's lines."""
    return [s.replace(text=one_line(s.text), translation=one_line(s.translation))
            if "\n" in s.text or (s.translation and "\n" in s.translation) else s
            for s in segments]


def one_line(text: str | None) -> str | None:
    """A cue's lines joined as the language writes words (no space between CJK characters)."""
    if not text:
        return text
    out = ""
    for line in (ln.strip() for ln in text.split("\n")):
        if line:
            out = f"{out}{joiner(out, line)}{line}"
    return out


def english_segments(segments: list[Segment]) -> list[Segment]:
    """The segments with their English as the text (segments without English are left out)."""
    return [s.replace(text=s.translation.strip(), words=(), translation=None)
            for s in segments if s.translation and s.translation.strip()]


class ExportDialog(QDialog):
    def __init__(self, doc: Document, profile: Profile | None, parent: QWidget | None = None,
                 shape_choices: dict[str, bool] | None = None,
                 fps: float | None = None) -> None:
        """``shape_choices``: whether to shape, per format, as last chosen in this session
        (updated by :meth:`remember`); ``fps``: the frame rate offered for snapping."""
        super().__init__(parent)
        self.setWindowTitle("Export subtitles")
        self.setObjectName("exportDialog")
        self.doc = doc
        self.shape_choices = shape_choices if shape_choices is not None else {}
        self._shape_format: str | None = None  # the format the shape box's state belongs to
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
        self.turns_box = QCheckBox("Speaker turns (interview transcript: one paragraph per turn)")
        self.turns_box.setObjectName("exportTurns")
        self.text_box = QComboBox()
        self.text_box.setObjectName("exportText")
        for key, title in TEXT_CHOICES:
            self.text_box.addItem(title, key)
        if not any(s.translation for s in doc):
            self.text_box.setEnabled(False)
            self.text_box.setToolTip("No segment has a translation (Tools ▸ Translate…)")
        self.lines_box = QComboBox()
        self.lines_box.setObjectName("exportLinesPerLanguage")
        for key, title in LINES_CHOICES:
            self.lines_box.addItem(title, key)
        self.lines_box.setCurrentIndex(max(0, self.lines_box.findData(
            settings.get("export/lines_per_language", 0, int))))
        self.bilingual_result: BilingualCues | None = None
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
        self.karaoke_box.setChecked(settings.get("export/karaoke", False, bool))
        self.speakers_box.setChecked(settings.get("export/speakers", False, bool))
        self.timestamps_box.setChecked(settings.get("export/timestamps", False, bool))
        self.frames_box.setChecked(settings.get("export/frames", False, bool))
        self.turns_box.setChecked(settings.get("export/turns", False, bool))
        if self.text_box.isEnabled():
            self.set_text_choice(settings.get("export/text", "source"))

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        prof = QHBoxLayout()
        prof.addWidget(self.shape_box)
        prof.addWidget(self.profile_box, 1)
        form.addRow("Cues", prof)
        form.addRow("Text", self.text_box)
        form.addRow("Bilingual", self.lines_box)
        frames = QHBoxLayout()
        frames.addWidget(self.frames_box)
        frames.addWidget(self.fps_box)
        frames.addWidget(QLabel("fps"))
        frames.addStretch(1)
        form.addRow("Timing", frames)
        opts = QGroupBox("Options")
        ob = QVBoxLayout(opts)
        for b in (self.karaoke_box, self.speakers_box, self.timestamps_box, self.turns_box):
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
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        self._on_format_changed()
        for w in (self.format_box, self.profile_box, self.text_box, self.lines_box):
            w.currentIndexChanged.connect(self.update_preview)
        for b in (self.shape_box, self.karaoke_box, self.speakers_box, self.timestamps_box,
                  self.frames_box, self.turns_box):
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
        """``source``, ``english`` (the translation), ``both`` or ``two`` (files)."""
        return str(self.text_box.currentData()) if self.text_box.isEnabled() else "source"

    def set_text_choice(self, choice: str) -> bool:
        i = self.text_box.findData(choice)
        if i >= 0:
            self.text_box.setCurrentIndex(i)
        return i >= 0

    @property
    def shapes(self) -> bool:
        """The segments will be shaped into cues (a cue format, and the box checked)."""
        return self.format_name in CUE_FORMATS and self.shape_box.isChecked()

    def _on_format_changed(self) -> None:
        """The shape box shows the choice made for this format (off for TXT and JSON)."""
        if self._shape_format in CUE_FORMATS:
            self.shape_choices[self._shape_format] = self.shape_box.isChecked()
        fmt = self.format_name
        self._shape_format = fmt
        cue = fmt in CUE_FORMATS
        self.shape_box.blockSignals(True)
        self.shape_box.setChecked(cue and self.shape_choices.get(fmt, False))
        self.shape_box.blockSignals(False)
        self.shape_box.setEnabled(cue)
        self.shape_box.setToolTip(
            "Re-cut the segments into cues that meet the profile (replaces your own cue "
            "breaks in the exported file)" if cue else
            f"{FORMATS[fmt].description} keeps the segments as they are: shaping is for "
            "subtitle cues")

    def profile(self, fmt: str | None = None) -> Profile | None:
        """The profile to shape with when writing ``fmt`` (the chosen format by default)."""
        if (fmt or self.format_name) not in CUE_FORMATS or not self.shape_box.isChecked():
            return None
        pid = self.profile_box.currentData()
        return next((p for p in self.profiles if p.id == pid), None)

    def options(self, fmt: str | None = None) -> dict[str, object]:
        """The writer's options for ``fmt`` (the chosen format by default)."""
        allowed = FORMATS[fmt or self.format_name].options
        opts: dict[str, object] = {}
        if "karaoke" in allowed and self.karaoke_box.isChecked():
            opts["karaoke"] = True
        # explicit either way: a Word transcript shows names and times unless unticked
        if "speakers" in allowed:
            opts["speakers"] = self.speakers_box.isChecked()
        if "timestamps" in allowed:
            opts["timestamps"] = self.timestamps_box.isChecked()
        if "turns" in allowed and self.turns_box.isChecked():
            opts["turns"] = True
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

    @property
    def lines_per_language(self) -> int | None:
        return int(self.lines_box.currentData()) or None

    def layout_profile(self) -> Profile:
        """The profile the box names, shaping or not: bilingual lines follow it."""
        pid = self.profile_box.currentData()
        return next((p for p in self.profiles if p.id == pid), self.profiles[0])

    def bilingual(self, limit: int | None = None, fmt: str | None = None) -> BilingualCues:
        """Both languages laid out under the profile (shaped when asked), problems listed."""
        segs = list(self.doc.segments)
        if limit is not None:
            segs = segs[: max(limit * 2, limit + 4)]
        lang = self.doc.meta.get("translation_language")
        result = bilingual_cues(segs, self.layout_profile(),
                                source_language=self.doc.meta.get("language"),
                                target_language=lang if isinstance(lang, str) else None,
                                lines_per_language=self.lines_per_language,
                                shape_cues=self.profile(fmt) is not None)
        if self.frame_rate is not None:
            result.cues = snap_segments(result.cues, self.frame_rate)
        self.bilingual_result = result
        return result

    def translation_suffix(self) -> str:
        lang = self.doc.meta.get("translation_language")
        return str(lang) if isinstance(lang, str) and lang.strip() else "translation"

    def outputs(self, path: str, fmt: str | None = None
                ) -> list[tuple[str, list[Segment], dict[str, object]]]:
        """What to write: ``(path, segments, options)``, one file or (two files) the source
        at ``path`` and the translation beside it, named with its language."""
        if self.text_choice != "two":
            return [(path, self.segments(fmt=fmt), self.options(fmt))]
        source, target = split_languages(self.bilingual(fmt=fmt).cues)
        stem, ext = os.path.splitext(path)
        return [(path, source, self.options(fmt)),
                (f"{stem}.{self.translation_suffix()}{ext}", target, self.options(fmt))]

    def segments(self, limit: int | None = None, fmt: str | None = None) -> list[Segment]:
        """The segments to write as ``fmt`` (the chosen format by default)."""
        if self.text_choice in BILINGUAL:
            cues = self.bilingual(limit, fmt).cues
            if self.text_choice == "two":
                cues = split_languages(cues)[0]
            return cues if limit is None else cues[:limit]
        segs = list(self.doc.segments)
        if self.text_choice == "english":
            segs = english_segments(segs)
        profile = self.profile(fmt)
        if profile is not None:
            source = segs if limit is None else segs[: max(limit * 2, limit + 4)]
            segs = shape(source, profile)
        if (fmt or self.format_name) == "txt":
            segs = unbroken(segs)
        if self.frame_rate is not None:
            segs = snap_segments(segs if limit is None else segs[:limit], self.frame_rate)
        return segs if limit is None else segs[:limit]

    def render(self, limit: int | None = None) -> str:
        if self.text_choice == "two":
            source, target = split_languages(self.bilingual(limit).cues)
            if limit is not None:
                source, target = source[:limit], target[:limit]
            return (f"— {self.suggested_name(None)} —\n"
                    + write_text(source, self.format_name, **self.options())
                    + f"\n— the {self.translation_suffix()} file —\n"
                    + write_text(target, self.format_name, **self.options()))
        return write_text(self.segments(limit), self.format_name, **self.options())

    def update_preview(self) -> None:
        allowed = FORMATS[self.format_name].options
        self.karaoke_box.setEnabled("karaoke" in allowed)
        self.speakers_box.setEnabled("speakers" in allowed)
        self.timestamps_box.setEnabled("timestamps" in allowed)
        bilingual = self.text_choice in BILINGUAL
        self.profile_box.setEnabled(self.shapes or bilingual)
        self.lines_box.setEnabled(bilingual)
        self.fps_box.setEnabled(self.frames_box.isChecked())
        self.turns_box.setEnabled("turns" in allowed)
        try:
            self.preview.setPlainText(self.render(PREVIEW_CUES))
            self.note.setText("")
            if bilingual:
                whole = len(self.doc) <= NOTE_ALL_CUES
                summary = self.bilingual(None if whole else PREVIEW_CUES).summary()
                where = "" if whole else f" (in the first {PREVIEW_CUES} cues)"
                self.note.setText(f"Not within the rules{where}: {summary}." if summary else
                                  f"Each language is within the profile's lines and speed{where}.")
        except Exception as exc:  # noqa: BLE001 - shown to the user, never raised
            self.preview.setPlainText("")
            self.note.setText(f"Cannot preview: {exc}")

    def remember(self) -> None:
        settings.put("export/format", self.format_name)
        if self.format_name in CUE_FORMATS:
            self.shape_choices[self.format_name] = self.shape_box.isChecked()
        settings.put("export/karaoke", self.karaoke_box.isChecked())
        settings.put("export/speakers", self.speakers_box.isChecked())
        settings.put("export/timestamps", self.timestamps_box.isChecked())
        settings.put("export/frames", self.frames_box.isChecked())
        if self.frame_rate is not None:
            settings.put("export/fps", self.frame_rate)
        settings.put("export/turns", self.turns_box.isChecked())
        if self.text_box.isEnabled():
            settings.put("export/text", self.text_choice)
        settings.put("export/lines_per_language", self.lines_per_language or 0)

    def suggested_name(self, base: str | None) -> str:
        stem = os.path.splitext(os.path.basename(base))[0] if base else "subtitles"
        return stem + self.extension
