"""Speakers ▸ Detect speakers: who speaks each segment, found offline in the background.

The dialog asks for the number of speakers (found automatically, or a given number) and
whether saved voice profiles may name them.  The job (:func:`app.speakers.detect_speakers`)
runs on a worker thread with progress and cancel; its result is applied as ONE undoable step
("Detect speakers"): segments relabelled, and split at word boundaries where the speaker
changes.  Speakers ▸ Remember voice saves a speaker's voice as a profile from the audio of its
segments (also in the background).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.audio.samples import ENGINE_RATE, SAMPLES_PER_MS, int16_to_float
from app.core import speaker_edits
from app.core.document import Document
from app.ui import settings
from app.ui.job_controller import JobController
from app.ui.worker import Task, TaskContext, TaskStatus

MIN_VOICE_MS = 3000  # a voice profile needs at least this much speech


class DetectSpeakersDialog(QDialog):
    def __init__(self, *, segments: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Detect speakers")
        self.setObjectName("detectSpeakersDialog")
        self.auto_button = QRadioButton("Find the number of speakers")
        self.count_button = QRadioButton("Exactly")
        self.count_box = QSpinBox()
        self.count_box.setObjectName("speakerCount")
        self.count_box.setRange(1, 20)
        self.count_box.setSuffix(" speakers")
        self.count_box.setValue(settings.get("speakers/count", 2, int))
        (self.count_button if settings.get("speakers/fixed", False, bool)
         else self.auto_button).setChecked(True)
        self.profiles_box = QCheckBox("Name the voices I saved (voice profiles)")
        self.profiles_box.setChecked(settings.get("speakers/profiles", True, bool))
        note = QLabel(f"Each of the {segments} segments gets the speaker heard in it; a "
                      "segment where the speaker changes is split between words.  This "
                      "replaces the speakers the segments have now (one undo step).")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Speakers", self.auto_button)
        form.addRow("", self.count_button)
        form.addRow("", self.count_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Detect", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.profiles_box)
        box.addWidget(note)
        box.addWidget(buttons)
        self.count_button.toggled.connect(self.count_box.setEnabled)
        self.count_box.setEnabled(self.count_button.isChecked())

    @property
    def n_speakers(self) -> int | None:
        return self.count_box.value() if self.count_button.isChecked() else None

    @property
    def use_profiles(self) -> bool:
        return self.profiles_box.isChecked()

    def remember(self) -> None:
        settings.put("speakers/fixed", self.count_button.isChecked())
        settings.put("speakers/count", self.count_box.value())
        settings.put("speakers/profiles", self.profiles_box.isChecked())


class SpeakerDetectionController(JobController):
    def ask(self) -> Task | None:
        s = self.session
        if not len(s.doc):
            self.prompts.warning("Detect speakers", "There are no segments yet: transcribe "
                                 "the media first.")
            return None
        dlg = DetectSpeakersDialog(segments=len(s.doc), parent=self.host.dialog_parent)
        if not self.prompts.run_dialog(dlg):
            return None
        dlg.remember()
        return self.start(dlg.n_speakers, use_profiles=dlg.use_profiles)

    def _samples(self) -> np.ndarray | None:
        peaks = self.session.peaks
        if peaks is None or peaks.sample_rate != ENGINE_RATE:
            return None
        return int16_to_float(peaks.engine_samples())

    def start(self, n_speakers: int | None = None, *, use_profiles: bool = True) -> Task | None:
        """Detect the speakers of every segment in the background; None if it cannot start."""
        from app.engines.voice import INSTALL_HINT, available

        samples = self._samples()
        if samples is None:
            self.prompts.warning("Detect speakers", "Open the media first: speakers are "
                                 "told apart by their voices.")
            return None
        if self.running:
            self.prompts.warning("Detect speakers", "Speaker detection is already running.")
            return None
        if not available():
            self.prompts.warning("Detect speakers", INSTALL_HINT[0].upper() + INSTALL_HINT[1:] + ".")
            return None
        self.host.flush_edits()
        segments = list(self.session.doc)

        def compute(ctx: TaskContext) -> Any:
            from app.speakers import detect_speakers

            return detect_speakers(samples, segments, n_speakers=n_speakers,
                                   use_profiles=use_profiles, progress=ctx.progress,
                                   cancel=ctx.cancel)

        return self.run_job("Detecting speakers", compute, self._apply,
                            error_title="Speaker detection failed",
                            on_cancelled=lambda: self.status(
                                "Speaker detection cancelled: nothing changed.", 6000))

    def _apply(self, doc: Document, result: Any, _status: TaskStatus) -> None:
        changed = speaker_edits.apply_speakers(doc, result.replacements)
        self.status(f"Speakers: {result.summary()}; {changed} segment"
                    f"{'s' if changed != 1 else ''} changed.", 10000)

    # -- voice profiles (a file, not a document edit: a plain task) -------------------------
    def remember_voice(self, speaker: str | None = None) -> Task | None:
        """Save the voice of ``speaker`` (default: the current segment's) as a profile, from
        the audio of all its segments."""
        s = self.session
        if speaker is None:
            cur = s.current
            speaker = cur.speaker if cur is not None else None
        if not speaker:
            speaker = self.prompts.ask_text("Remember voice", "Speaker whose voice to remember:",
                                            "", s.doc.speakers() or None)
        if not speaker:
            return None
        spans = [(x.start, x.end) for x in s.doc if x.speaker == speaker and x.end > x.start]
        total = sum(e - a for a, e in spans)
        samples = self._samples()
        if samples is None or total < MIN_VOICE_MS:
            self.prompts.warning("Remember voice", f"{speaker} needs at least "
                                 f"{MIN_VOICE_MS // 1000} s of speech in segments of the open "
                                 "media to remember the voice.")
            return None

        def work(ctx: TaskContext):
            from app.engines.voice import load_encoder
            from app.speakers.profiles import save_profile

            audio = np.concatenate([samples[a * SAMPLES_PER_MS:e * SAMPLES_PER_MS]
                                    for a, e in spans])
            emb = load_encoder().embed(audio)
            return save_profile(speaker, emb, total / 1000.0)

        self.task = self.host.tasks.start(
            work, f"Remembering the voice of {speaker}", cancellable=False,
            on_finished=lambda p: self.status(
                f"Voice of {p.name} remembered: later files name this voice {p.name}.", 8000),
            on_failed=lambda exc: self.host.show_error("Cannot remember the voice", exc, None))
        return self.task
