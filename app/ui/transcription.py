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
the document's ``meta["cleanup"]`` (see :mod:`app.core.cleanup_log`).

It runs through the editor's one background-edit path
(:meth:`~app.ui.job_controller.JobController.run_job`): the pieces are applied as they come
(``on_partial``), the end (shaping into cues, the run's metadata) is the job's apply step, and
the merge key is released whatever the outcome.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.core import edits
from app.core.document import Document
from app.core.model import FAILED, Segment
from app.ui.job_controller import JobController, JobHost
from app.ui.worker import Task, TaskContext, TaskStatus

if TYPE_CHECKING:
    from app.pipeline.types import PipelineOptions, TranscriptionResult

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


class TranscriptionController(JobController):
    run_started = Signal(str)  # run id
    partial_applied = Signal(int, int)  # chunk index, segments added

    def __init__(self, host: JobHost, parent: QObject | None = None) -> None:
        super().__init__(host, parent)
        self.run_id: str | None = None
        self.options: PipelineOptions | None = None
        self.profile: Any = None
        self.partial_indexes: list[int] = []
        self.applied_ids: list[str] = []
        self.first_segment_s: float | None = None
        self._doc: Document | None = None
        self._replace = False
        self._t0 = 0.0
        self._valid = False
        self.session.document_reset.connect(self._on_document_reset)
        self.session.history_changed.connect(self._on_history_changed)

    # -- state ---------------------------------------------------------------------------------
    @property
    def merge_key(self) -> tuple[str, str] | None:
        return ("transcribe", self.run_id) if self.run_id else None

    # -- starting ------------------------------------------------------------------------------
    def start(self, options: PipelineOptions, *, replace: bool = True, profile: Any = None) -> Task | None:
        """Transcribe the open media with ``options``; ``replace``: the run replaces the
        document's segments (else adds to them); ``profile``: shape the result into cues at
        the end.  Returns the task, or None when there is nothing to transcribe."""
        path = self.session.media_path
        if not path or not os.path.isfile(path):
            self.prompts.warning("Transcribe", "Open a media file first: Cueline transcribes "
                                 "the audio of the open media.")
            return None
        if self.running:
            self.prompts.warning("Transcribe", "A transcription is already running; cancel it "
                                 "first.")
            return None
        self.host.flush_edits()
        self.run_id = uuid.uuid4().hex[:10]
        self.options = options
        self.profile = profile
        self.partial_indexes = []
        self.applied_ids = []
        self.first_segment_s = None
        doc = self._doc = self.session.doc
        self._replace = replace and len(doc) > 0
        self._valid = True
        self._t0 = time.monotonic()
        key = self.merge_key
        doc.history.hold_merge(key)
        task = self.run_job(
            f"Transcribing {os.path.basename(path)}",
            lambda ctx, p=path, o=options: run_transcription(p, o, ctx), self._apply_end,
            error_title="Transcription failed", on_partial=self._on_partial,
            on_end=lambda status: self._on_end(doc, key, status), keep_on_cancel=True)
        self.run_started.emit(self.run_id)
        return task

    # -- live results --------------------------------------------------------------------------
    def _on_partial(self, value: tuple[int, list[Segment]]) -> None:
        index, segments = value
        doc = self._doc
        if not self._valid or doc is None or self.session.doc is not doc:
            return
        self.host.flush_edits()
        segs = [s for s in segments if not s.has(FAILED)]
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
        doc = self._doc
        if not self.running or not self._valid or doc is None or self.session.doc is not doc:
            return
        h = doc.history
        if h.can_redo and h.redo_name == RUN_NAME and self.applied_ids \
                and not any(sid in doc for sid in self.applied_ids):
            self._valid = False
            self.cancel()
            self.status("Transcription undone and cancelled.", 6000)

    def _on_document_reset(self) -> None:
        if self.running and self.session.doc is not self._doc:
            self._valid = False
            self.cancel()

    # -- the end -------------------------------------------------------------------------------
    def _apply_end(self, doc: Document, result: TranscriptionResult, status: TaskStatus) -> None:
        """The job's apply step: shape the run into cues (when asked and it finished) and
        record its metadata, merged into the run's one undo step."""
        if not self._valid:
            return
        if status is TaskStatus.FINISHED and self.profile is not None:
            self._shape(doc)
        meta = result.meta()
        meta["cancelled"] = status is TaskStatus.CANCELLED
        edits.apply_result(doc, [], name=RUN_NAME, meta=meta, merge_key=self.merge_key)

    def _shape(self, doc: Document) -> None:
        from app.subtitles import shape

        mine = [doc.get(sid) for sid in self.applied_ids if sid in doc]
        if not mine:
            return
        self.applied_ids = edits.replace_segments(doc, [s.id for s in mine],
                                                  shape(mine, self.profile), name=RUN_NAME,
                                                  merge_key=self.merge_key)

    def _on_end(self, doc: Document, key: tuple[str, str] | None, status: TaskStatus) -> None:
        doc.history.release_merge(key)
        result = self.last_result
        if status is TaskStatus.FINISHED and result is not None:
            # what the user now has in the table: the cues the run was shaped into
            n = sum(1 for sid in self.applied_ids if sid in doc and not doc.get(sid).has(FAILED))
            took = time.monotonic() - self._t0
            parts = [f"Transcribed {n} segment{'s' if n != 1 else ''} in {took:.1f} s"]
            if result.cleanup_log:
                parts.append(cleanup_summary(len(result.cleanup_log)) + " (Tools ▸ Cleanup log)")
            if result.failed_regions:
                parts.append(f"the engine failed on {len(result.failed_regions)} region(s)")
            self.status("; ".join(parts), 12000)
        elif status is TaskStatus.CANCELLED:
            n = len(self.applied_ids)
            self.status(f"Transcription cancelled: kept the {n} segment"
                        f"{'s' if n != 1 else ''} finished.", 10000)
