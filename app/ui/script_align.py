"""File ▸ Align a script to the media: a plain text (one line per cue) or a subtitle file with
wrong or missing times, timed word by word against the open media in the background
(:func:`app.pipeline.jobs.align_script_file`).  The result replaces the document's segments
as one undoable step; script lines the audio does not contain, and speech the script does not
contain, come back flagged ``UNMATCHED`` ("M" in the table's flags column) with estimated times.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from app.audio.samples import ENGINE_RATE
from app.core import edits
from app.ui.job_controller import JobController
from app.ui.worker import Task, TaskContext, TaskStatus

if TYPE_CHECKING:
    pass

ALIGN_NAME = "Align script"


class ScriptAlignController(JobController):
    def ask(self) -> Task | None:
        from app.ui.file_controller import subtitle_extensions

        if self.session.peaks is None:
            self.w.prompts.warning(ALIGN_NAME, "Open the media first, then the script to align "
                                   "to it.")
            return None
        subs = " ".join(f"*{e}" for e in subtitle_extensions())
        path = self.w.files.ask_open("Align a script to the media",
                                     f"Scripts and subtitles ({subs});;All files (*)")
        return self.start(path) if path else None

    def start(self, script_path: str, language: str | None = None) -> Task | None:
        s = self.session
        if s.peaks is None or self.running:
            return None
        self.w.editor.flush()
        doc = s.doc
        samples = s.peaks.engine_samples()
        language = language or doc.meta.get("language") or None

        def work(ctx: TaskContext):
            from app.pipeline.jobs import align_script_file

            return align_script_file(script_path, samples, ENGINE_RATE, language=language,
                                     cancel=ctx.cancel, progress=ctx.progress)

        self.task = self.w.tasks.start(
            work, f"Aligning {os.path.basename(script_path)}", cancellable=True,
            on_finished=lambda result: self._on_finished(doc, script_path, result),
            on_failed=lambda exc: self._on_failed(script_path, exc),
            on_cancelled=lambda: self._ended(TaskStatus.CANCELLED),
            on_progress=lambda _p: self.w.update_tasks())
        return self.task

    def _ended(self, status: TaskStatus) -> None:
        self.last_status = status
        self.run_ended.emit(status)

    def _on_finished(self, doc, script_path: str, result) -> None:
        self.last_result = result
        if doc is self.session.doc:
            meta = {"language": result.language} if result.language else None
            edits.apply_result(doc, result.segments, replace_all_segments=True,
                               name=ALIGN_NAME, meta=meta)
            if len(doc):
                self.session.set_current(doc[0].id)
        script = sum(1 for u in result.unmatched if u.kind == "script")
        speech = sum(1 for u in result.unmatched if u.kind == "speech")
        note = f"Aligned {os.path.basename(script_path)}: {len(result.segments)} segments"
        if script or speech:
            note += (f"; {script} line(s) not found in the audio, {speech} stretch(es) of speech "
                     "not in the script (flagged M)")
        self.w.statusBar().showMessage(note, 12000)
        self._ended(TaskStatus.FINISHED)

    def _on_failed(self, script_path: str, exc: BaseException) -> None:
        self.w.show_error("Cannot align the script", exc, script_path)
        self._ended(TaskStatus.FAILED)
