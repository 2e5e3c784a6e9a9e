"""Transcribing the open media inside the editor, with live results.

The Qt-free job (:func:`app.pipeline.transcribe.transcribe_file`) runs on the thread pool;
each chunk's segments come back, in chunk order, through the job's queued ``partial`` signal
and are applied to the document at once, so they appear in the table and on the waveform
while the rest is still being transcribed.  The user can keep editing meanwhile.

Undo design: every partial is applied with ``edits.apply_result(..., merge_key=("transcribe",
run_id))`` while the history *holds* that key (:meth:`History.hold_merge`), so the pieces merge
into ONE undo step however long the run takes ("Undo Transcribe" removes the whole run and
restores the segments it replaced).  An edit the user makes during the run sits between two
pieces: the run then continues as a new step after it (undoing goes back through the pieces
and the edit in the order they happened, never leaving a half-applied command).  Undoing the
run while it is still going cancels it.  Cancel keeps the chunks that finished (one undo step
still removes them); the cleanup log of what was removed as suspected hallucinations goes into
the document's ``meta["cleanup"]`` (see :mod:`app.ui.cleanup_dialog`).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.core import edits
from app.core.model import FAILED, Segment
from app.ui.worker import Task, TaskContext, TaskStatus

if TYPE_CHECKING:
    from app.pipeline.types import PipelineOptions, TranscriptionResult
    from app.ui.main_window import MainWindow

RUN_NAME = "Transcribe"


def run_transcription(path: str, options: PipelineOptions, ctx: TaskContext) -> TranscriptionResult:
    """The job body (pool thread): decode, transcribe, hand each chunk over as it finishes."""
    from app.pipeline.transcribe import transcribe_file

    return transcribe_file(path, options, progress=ctx.progress, cancel=ctx.cancel,
                           on_partial=lambda index, segments: ctx.partial((index, segments)))


def cleanup_summary(count: int) -> str:
    if not count:
        return ""
    return f"{count} suspected hallucination{'s' if count != 1 else ''} removed"


class TranscriptionController(QObject):
    run_started = Signal(str)  # run id
    partial_applied = Signal(int, int)  # chunk index, segments added
    run_ended = Signal(object)  # TaskStatus

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.session = window.session
        self.task: Task | None = None
        self.run_id: str | None = None
        self.options: PipelineOptions | None = None
        self.profile: Any = None
        self.partial_indexes: list[int] = []
        self.applied_ids: list[str] = []
        self.last_result: TranscriptionResult | None = None
        self.last_status: TaskStatus | None = None
        self.first_segment_s: float | None = None
        self._doc = None
        self._replace = False
        self._t0 = 0.0
        self._valid = False
        self.session.document_reset.connect(self._on_document_reset)
        self.session.history_changed.connect(self._on_history_changed)

    # -- state ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.status.done

    @property
    def merge_key(self) -> tuple[str, str] | None:
        return ("transcribe", self.run_id) if self.run_id else None

    # -- starting ------------------------------------------------------------------------------
    def start(self, options: PipelineOptions, *, replace: bool = True, profile: Any = None) -> Task | None:
        """Transcribe the open media with ``options``; ``replace``: the run replaces the
        document's segments (else adds to them); ``profile``: shape the result into cues at
        the end.  Returns the job, or None when there is nothing to transcribe."""
        path = self.session.media_path
        if not path or not os.path.isfile(path):
            self.w.prompts.warning("Transcribe", "Open a media file first: Cueline transcribes "
                                   "the audio of the open media.")
            return None
        if self.running:
            self.w.prompts.warning("Transcribe", "A transcription is already running; cancel it "
                                   "first.")
            return None
        self.w.editor.flush()
        self.run_id = uuid.uuid4().hex[:10]
        self.options = options
        self.profile = profile
        self.partial_indexes = []
        self.applied_ids = []
        self.last_result = None
        self.last_status = None
        self.first_segment_s = None
        self._doc = self.session.doc
        self._replace = replace and len(self._doc) > 0
        self._valid = True
        self._t0 = time.monotonic()
        self._doc.history.hold_merge(self.merge_key)
        name = os.path.basename(path)
        self.task = self.w.tasks.start(
            lambda ctx, p=path, o=options: run_transcription(p, o, ctx), f"Transcribing {name}",
            on_partial=self._on_partial, on_finished=self._on_finished,
            on_failed=self._on_failed, on_cancelled=self._on_cancelled,
            on_progress=lambda _p: self.w.update_tasks(), cancellable=True)
        self.run_started.emit(self.run_id)
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.w.update_tasks()

    # -- live results --------------------------------------------------------------------------
    def _on_partial(self, value: tuple[int, list[Segment]]) -> None:
        index, segments = value
        if not self._valid or self.session.doc is not self._doc:
            return
        self.w.editor.flush()
        segs = [s for s in segments if not s.has(FAILED)]
        doc = self._doc
        first = not self.partial_indexes
        self.partial_indexes.append(index)
        if segs or (first and self._replace):
            edits.apply_result(doc, segs, replace_all_segments=first and self._replace,
                               name=RUN_NAME, merge_key=self.merge_key)
        self.applied_ids.extend(s.id for s in segs)
        if segs and self.first_segment_s is None:
            self.first_segment_s = time.monotonic() - self._t0
        if segs and self.session.current is None:
            self.session.set_current(segs[0].id)
        self.partial_applied.emit(index, len(segs))

    def _on_history_changed(self) -> None:
        """Undoing the run while it goes on cancels it (its pieces would come back broken)."""
        if not self.running or not self._valid or self.session.doc is not self._doc:
            return
        h = self._doc.history
        if h.can_redo and h.redo_name == RUN_NAME and self.applied_ids \
                and not any(sid in self._doc for sid in self.applied_ids):
            self._valid = False
            self.cancel()
            self.w.statusBar().showMessage("Transcription undone and cancelled.", 6000)

    def _on_document_reset(self) -> None:
        if self.running and self.session.doc is not self._doc:
            self._valid = False
            self.cancel()

    # -- the end -------------------------------------------------------------------------------
    def _finish(self, result: TranscriptionResult | None, status: TaskStatus) -> None:
        doc = self._doc
        key = self.merge_key
        self.last_result = result
        self.last_status = status
        if doc is not None and self._valid and self.session.doc is doc:
            if result is not None:
                if status is TaskStatus.FINISHED and self.profile is not None:
                    self._shape(result)
                meta = result.meta()
                meta["cancelled"] = status is TaskStatus.CANCELLED
                edits.apply_result(doc, [], name=RUN_NAME, meta=meta, merge_key=key)
        if doc is not None:
            doc.history.release_merge(key)
        self.run_ended.emit(status)
        self.w.update_tasks()

    def _shape(self, result: TranscriptionResult) -> None:
        from app.subtitles import shape

        doc = self._doc
        mine = [doc.get(sid) for sid in self.applied_ids if sid in doc]
        if not mine:
            return
        self.applied_ids = edits.replace_segments(doc, [s.id for s in mine],
                                                  shape(mine, self.profile), name=RUN_NAME,
                                                  merge_key=self.merge_key)

    def _on_finished(self, result: TranscriptionResult) -> None:
        self._finish(result, TaskStatus.FINISHED)
        n = len([s for s in result.segments if not s.has(FAILED)])
        took = time.monotonic() - self._t0
        parts = [f"Transcribed {n} segment{'s' if n != 1 else ''} in {took:.1f} s"]
        if result.cleanup_log:
            parts.append(cleanup_summary(len(result.cleanup_log)) + " (Tools ▸ Cleanup log)")
        if result.failed_regions:
            parts.append(f"the engine failed on {len(result.failed_regions)} region(s)")
        self.w.statusBar().showMessage("; ".join(parts), 12000)

    def _on_cancelled(self) -> None:
        job = self.task
        result = job.result if job is not None else None
        self._finish(result, TaskStatus.CANCELLED)
        n = len(self.applied_ids)
        self.w.statusBar().showMessage(
            f"Transcription cancelled: kept the {n} segment{'s' if n != 1 else ''} finished.", 10000)

    def _on_failed(self, exc: BaseException) -> None:
        self._finish(None, TaskStatus.FAILED)
        self.w.show_error("Transcription failed", exc, self.session.media_path)
