"""Translation review: English for the whole file or the selected segments.

Each segment is translated by Whisper (``task="translate"``) from its own audio
(:mod:`app.pipeline.translate`, in the background), so the pair shares the segment's timing.
The English goes into ``segment.translation`` as ONE undoable step ("Translate to English");
the table then shows an editable "English" column next to the text, and the export dialog
writes the source, the English, or both as two-line bilingual subtitles.  Cancel keeps the
segments already translated (still one step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import settings
from app.ui.job_controller import JobController
from app.ui.model_manager import DOWNLOADABLE, catalogue, status_label
from app.ui.transcribe_dialog import WHISPER_LANGUAGES, language_name
from app.ui.worker import Job, JobContext, JobStatus

if TYPE_CHECKING:
    pass


class TranslateDialog(QDialog):
    """Scope (all or selected segments), the multilingual model, the spoken language."""

    def __init__(self, *, selected: int, total: int, language: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Translate to English")
        self.setObjectName("translateDialog")
        self.all_button = QRadioButton(f"All {total} segments")
        self.sel_button = QRadioButton(f"The {selected} selected segment{'s' if selected != 1 else ''}")
        self.sel_button.setEnabled(selected > 0)
        (self.sel_button if 1 < selected < total else self.all_button).setChecked(True)
        self.model_box = QComboBox()
        self.model_box.setObjectName("translateModel")
        self._statuses: dict[str, str] = {}
        for info, status in catalogue("whisper"):
            if info.multilingual:
                self._statuses[info.name] = status
                self.model_box.addItem(f"{info.name} — {status_label(status, info.size_mb)}", info.name)
        i = self.model_box.findData(settings.get("translate/model", "base"))
        self.model_box.setCurrentIndex(max(0, i))
        self.language_box = QComboBox()
        self.language_box.setObjectName("translateLanguage")
        self.language_box.addItem("Detect for each segment", "")
        for code in sorted(WHISPER_LANGUAGES, key=lambda c: language_name(c).lower()):
            self.language_box.addItem(f"{language_name(code)} ({code})", code)
        i = self.language_box.findData(language or "")
        self.language_box.setCurrentIndex(max(0, i))
        self.message = QLabel("Each segment is translated from its own audio, so the English "
                              "keeps the segment's timing.")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Translate", self.all_button)
        form.addRow("", self.sel_button)
        form.addRow("Model", self.model_box)
        form.addRow("Spoken language", self.language_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton("Translate", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.message)
        box.addWidget(buttons)
        self.model_box.currentIndexChanged.connect(self._update)
        self._update()

    @property
    def model(self) -> str:
        return str(self.model_box.currentData())

    @property
    def model_ready(self) -> bool:
        return self._statuses.get(self.model) not in (None, DOWNLOADABLE)

    @property
    def language(self) -> str | None:
        return self.language_box.currentData() or None

    @property
    def selected_only(self) -> bool:
        return self.sel_button.isChecked()

    def _update(self) -> None:
        self.ok_button.setEnabled(self.model_ready)
        if not self.model_ready:
            self.message.setText(f"The model {self.model} is not on this computer: download it "
                                 "in Tools ▸ Models first.")

    def remember(self) -> None:
        settings.put("translate/model", self.model)


class TranslationController(JobController):
    def ask(self) -> Job | None:
        """Tools ▸ Translate to English: the dialog, then the job."""
        s = self.session
        if not len(s.doc):
            self.w.prompts.warning("Translate", "There are no segments to translate: transcribe "
                                   "the media first.")
            return None
        dlg = TranslateDialog(selected=len(s.selected_in_order()), total=len(s.doc),
                              language=s.doc.meta.get("language") or None, parent=self.w)
        if not self.w.prompts.run_dialog(dlg):
            return None
        if not dlg.model_ready:
            self.w.prompts.warning("Translate", f"The model {dlg.model} is not on this computer: "
                                   "download it in Tools ▸ Models first.")
            return None
        dlg.remember()
        ids = s.selected_in_order() if dlg.selected_only else None
        return self.start(ids, model=dlg.model, language=dlg.language)

    def start(self, seg_ids: list[str] | None = None, *, model: str = "base",
              language: str | None = None) -> Job | None:
        """Translate ``seg_ids`` (None: all) in the background; None if it cannot start."""
        from app.pipeline.translate import prepare_translation

        s = self.session
        if s.peaks is None:
            self.w.prompts.warning("Translate", "Open the media first: each segment is translated "
                                   "from its own audio.")
            return None
        if self.running:
            self.w.prompts.warning("Translate", "A translation is already running.")
            return None
        self.w.editor.flush()
        items = prepare_translation(s.doc, seg_ids)
        if not items:
            self.w.statusBar().showMessage("Nothing to translate: no segment with text and times.", 5000)
            return None
        doc = s.doc
        samples = s.peaks.samples

        def work(ctx: JobContext):
            from app.pipeline.translate import translate_items

            return translate_items(items, samples, 16000, model=model, language=language,
                                   cancel=ctx.cancel, progress=ctx.progress)

        n = len(items)
        self.job = self.w.jobs.start(
            work, f"Translating {n} segment{'s' if n != 1 else ''}", cancellable=True,
            on_finished=lambda result: self._apply(doc, result, JobStatus.FINISHED),
            on_cancelled=lambda: self._apply(doc, self.job.result if self.job else None,
                                             JobStatus.CANCELLED),
            on_failed=self._on_failed, on_progress=lambda _p: self.w.update_jobs())
        return self.job

    def _apply(self, doc, result, status: JobStatus) -> None:
        from app.pipeline.translate import apply_translations

        self.last_result = result
        self.last_status = status
        changed = 0
        if result is not None and doc is self.session.doc and result.translations:
            changed = apply_translations(doc, result.translations)
        word = "cancelled" if status is JobStatus.CANCELLED else "done"
        self.w.statusBar().showMessage(f"Translation {word}: {changed} segment"
                                       f"{'s' if changed != 1 else ''} now have English.", 8000)
        self.run_ended.emit(status)

    def _on_failed(self, exc: BaseException) -> None:
        self.last_status = JobStatus.FAILED
        self.w.show_error("Translation failed", exc, self.session.media_path)
        self.run_ended.emit(JobStatus.FAILED)
