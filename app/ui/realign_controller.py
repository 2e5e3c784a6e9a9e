"""Re-aligning word times in the background after the text is corrected.

Editing a segment's text keeps the times of unchanged words and estimates the others, and the
core flags the segment ``WORDS_STALE`` (shown in the table and on the waveform).  This
controller collects such segments and, about :data:`DEBOUNCE_MS` after the last edit, re-aligns
them in the background:

1. :func:`app.align.realign.prepare_realign` snapshots the segments (UI thread), in "local"
   mode: only the changed words are re-timed, the others keep their times and confidences;
   edges keep the profile's minimum gap to the neighbours;
2. :func:`app.pipeline.realign.realign_words` aligns them, reading only the audio around them
   (pool thread, the waveform's 16 kHz samples);
3. :func:`app.align.realign.apply_realign` applies the words folded into the last undo step
   (``amend``): the edit and its re-alignment undo as one.  A segment edited again meanwhile
   keeps the user's text: the core skips it and it is re-aligned after the next pause.

The cursor, the selection and the text being typed are left alone: applying words changes no
text.  An undo or redo that leaves a segment stale queues it too: its re-alignment is folded
into the step now on top and keeps the redo stack.  "Re-align selection" and "Re-align all"
re-time every word of the chosen segments on demand, as an undo step of their own; new times
less plausible than the old ones are refused either way (see :mod:`app.align.realign`).

The three steps run through the editor's one background-edit path,
:meth:`~app.ui.job_controller.JobController.run_job`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.audio.samples import ENGINE_RATE
from app.core.document import Change, Document
from app.core.model import WORDS_STALE
from app.ui import settings
from app.ui.job_controller import JobController, JobHost
from app.ui.worker import Task, TaskContext, TaskStatus

DEBOUNCE_MS = 600


class RealignController(JobController):
    applied = Signal(object)  # app.align.realign.RealignResult
    failed = Signal(object)  # the exception

    def __init__(self, host: JobHost, parent: QObject | None = None) -> None:
        super().__init__(host, parent)
        self.auto = settings.get("realign/auto", True, bool)
        self.pending: set[str] = set()
        self.last_elapsed_s: float | None = None
        self._edited_at: float | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._on_timer)
        self.session.segments_changed.connect(self._on_segments_changed)
        self.session.document_reset.connect(self._on_document_reset)
        self.session.media_changed.connect(self._on_media_changed)

    def set_auto(self, on: bool) -> None:
        self.auto = bool(on)
        settings.put("realign/auto", self.auto)
        if self.auto and self.pending:
            self.timer.start()

    # -- what needs re-aligning ----------------------------------------------------------------
    def _on_segments_changed(self, change: Change) -> None:
        doc = self.session.doc
        if change.kind not in ("changed", "inserted"):
            return  # removals never trigger
        for sid in change.ids:
            if sid in doc and doc.get(sid).has(WORDS_STALE):
                self.pending.add(sid)
                self._edited_at = time.monotonic()
        if self.pending and self.auto:
            self.timer.start()

    def _on_document_reset(self) -> None:
        self.pending.clear()
        self.timer.stop()
        if self.task is not None:
            self.task.cancel()

    def _on_media_changed(self) -> None:
        if self.auto and self.pending and self.session.peaks is not None:
            self.timer.start()

    def _on_timer(self) -> None:
        if self.host.edit_pending() or self.running:
            self.timer.start()  # the user is still typing, or a job is on: wait
            return
        doc = self.session.doc
        ids = [sid for sid in self.pending if sid in doc and doc.get(sid).has(WORDS_STALE)]
        if not doc.history.can_amend:
            return  # undone to the start with redo left: wait for the next change
        self.pending.clear()
        if ids:
            self.start(ids, automatic=True)

    # -- running -------------------------------------------------------------------------------
    def realign_selection(self) -> Task | None:
        self.host.flush_edits()
        return self.start(self.session.selected_in_order())

    def realign_all(self) -> Task | None:
        self.host.flush_edits()
        return self.start([s.id for s in self.session.doc])

    def start(self, ids: Iterable[str], *, automatic: bool = False) -> Task | None:
        """Re-align the segments ``ids`` in the background; None when nothing can be done."""
        from app.align.realign import prepare_realign

        peaks = self.session.peaks
        doc = self.session.doc
        if peaks is None:
            if not automatic:
                self.prompts.warning("Re-align", "Open the media first: word times are measured "
                                     "in its audio.")
            else:
                self.pending.update(ids)  # done once the media is loaded
            return None
        if self.running:
            self.pending.update(ids)
            self.timer.start()
            return None
        profile = self.session.profile
        gap = profile.min_gap() if profile is not None else 0
        plan = prepare_realign(doc, ids, mode="local" if automatic else "full", min_gap_ms=gap)
        if not plan.items:
            if not automatic:
                self.status("Nothing to re-align: the segments have no text.", 5000)
            return None
        samples = peaks.engine_samples()
        t0 = time.monotonic()
        edited_at = self._edited_at

        def compute(ctx: TaskContext) -> Any:
            from app.pipeline.realign import realign_words

            return realign_words(plan, samples, ENGINE_RATE, cancel=ctx.cancel,
                                 progress=ctx.progress)

        def apply(doc: Document, words: Any, _status: TaskStatus) -> None:
            self._apply(doc, plan, words, t0, edited_at, automatic)

        n = len(plan.items)
        return self.run_job(f"Re-aligning {n} segment{'s' if n != 1 else ''}", compute, apply,
                            on_failed=lambda exc: self._on_failed(exc, automatic))

    def _apply(self, doc: Document, plan: Any, words: Any, t0: float, edited_at: float | None,
               automatic: bool = False) -> None:
        from app.align.realign import apply_realign

        try:
            result = apply_realign(doc, plan, words, amend=automatic)
        except ValueError as exc:  # words that do not fit the text: nothing was applied
            self.last_status = TaskStatus.FAILED
            self._on_failed(exc, False)
            return
        result.elapsed_s = time.monotonic() - t0
        self.last_result = result
        self.last_elapsed_s = (time.monotonic() - edited_at) if edited_at is not None else None
        # segments edited again while the job ran are still stale: their turn comes next
        again = [sid for sid in result.skipped if sid in doc and doc.get(sid).has(WORDS_STALE)]
        if again:
            self.pending.update(again)
            if self.auto:
                self.timer.start()
        n = len(result.applied) - len(result.kept)
        message = f"Re-aligned the words of {n} segment{'s' if n != 1 else ''}."
        if result.kept:
            k = len(result.kept)
            message += (f" Kept the earlier times of {k} segment{'s' if k != 1 else ''}: the new "
                        "ones were less plausible (flagged E where they are estimates).")
        self.status(message, 8000 if result.kept else 4000)
        self.applied.emit(result)

    def _on_failed(self, exc: BaseException, automatic: bool) -> None:
        self.failed.emit(exc)
        if automatic:  # no dialog in the middle of typing: say it in the status bar
            self.status(f"Re-align failed: {exc}", 10000)
        else:
            self.host.show_error("Re-align failed", exc, self.session.media_path)
