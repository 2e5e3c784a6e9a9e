"""File ▸ Align a script to the media: a plain text (one line per cue) or a subtitle file with
wrong or missing times, timed word by word against the open media in the background
(:func:`app.pipeline.script.align_script_file`).  The result replaces the document's
segments as one undoable step; script lines the audio does not contain, and speech the script
does not contain, come back flagged ``UNMATCHED`` ("M" in the table's flags column) with
estimated times.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from app.audio.samples import ENGINE_RATE
from app.core import edits
from app.core.document import Document
from app.ui.job_controller import JobController, JobHost
from app.ui.worker import Task, TaskContext, TaskStatus

ALIGN_NAME = "Align script"


class ScriptAlignController(JobController):
    def __init__(self, host: JobHost, ask_open: Callable[[str, str], str | None],
                 parent: QObject | None = None) -> None:
        """``ask_open(title, filters)``: the file dialog that picks the script."""
        super().__init__(host, parent)
        self.ask_open = ask_open

    def ask(self) -> Task | None:
        from app.ui.file_controller import subtitle_extensions

        if self.session.peaks is None:
            self.prompts.warning(ALIGN_NAME, "Open the media first, then the script to align "
                                 "to it.")
            return None
        subs = " ".join(f"*{e}" for e in subtitle_extensions())
        path = self.ask_open("Align a script to the media",
                             f"Scripts and subtitles ({subs});;All files (*)")
        return self.start(path) if path else None

    def start(self, script_path: str, language: str | None = None) -> Task | None:
        s = self.session
        if s.peaks is None or self.running:
            return None
        self.host.flush_edits()
        samples = s.peaks.engine_samples()
        language = language or s.doc.meta.get("language") or None

        def compute(ctx: TaskContext) -> Any:
            from app.pipeline.script import align_script_file

            return align_script_file(script_path, samples, ENGINE_RATE, language=language,
                                     cancel=ctx.cancel, progress=ctx.progress)

        def apply(doc: Document, result: Any, _status: TaskStatus) -> None:
            self._apply(doc, script_path, result)

        return self.run_job(f"Aligning {os.path.basename(script_path)}", compute, apply,
                            error_title="Cannot align the script", error_path=script_path)

    def _apply(self, doc: Document, script_path: str, result: Any) -> None:
        meta = {"language": result.language} if result.language else None
        edits.apply_result(doc, result.segments, replace_all_segments=True, name=ALIGN_NAME,
                           meta=meta)
        if len(doc):
            self.session.set_current(doc[0].id)
        script = sum(1 for u in result.unmatched if u.kind == "script")
        speech = sum(1 for u in result.unmatched if u.kind == "speech")
        note = f"Aligned {os.path.basename(script_path)}: {len(result.segments)} segments"
        if script or speech:
            note += (f"; {script} line(s) not found in the audio, {speech} stretch(es) of speech "
                     "not in the script (flagged M)")
        self.status(note, 12000)
