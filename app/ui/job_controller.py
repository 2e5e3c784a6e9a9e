"""The editor's one background-edit path (like Anki's ``CollectionOp``).

Every machine edit of the document that takes time (transcription, re-alignment, translation,
aligning a script, speaker detection) has the same three steps:

1. **prepare** on the UI thread: the controller snapshots what the work needs (ids, texts,
   times, the waveform's samples) and checks it can run (media open, nothing else running);
2. **compute** on a pool thread: a Qt-free pipeline function on the snapshot only, with the
   task's cancel token and progress callback;
3. **apply** on the UI thread: the result becomes ONE undoable core command, only if the
   document is still the one the job started on (a document opened meanwhile is left alone).

:meth:`JobController.run_job` runs steps 2 and 3 and does the bookkeeping every job shares:
the task on the runner (status bar progress and Cancel), ``last_result`` / ``last_status``,
``run_ended``, errors shown the same way, what a cancelled job keeps.  Subclasses write the
prepare step and the apply step, nothing else.

Controllers receive a :class:`JobHost` (what they use of the editor: the session, the prompts,
the task runner, the status bar, typing in the segment panel), never the main window, so no
controller reaches into another's members.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.core.document import Document
from app.ui.worker import Task, TaskContext, TaskRunner, TaskStatus

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.ui.prompts import Prompts
    from app.ui.session import EditorSession

STATUS_MS = 8000  # how long a job's closing message stays in the status bar


@dataclass(frozen=True)
class JobHost:
    """What a background-edit controller uses of the editor, and nothing more."""

    session: EditorSession
    prompts: Prompts
    tasks: TaskRunner
    status: Callable[[str, int], None]  # a message in the status bar for so many ms
    show_error: Callable[[str, BaseException, str | None], None]  # title, error, file
    flush_edits: Callable[[], None]  # commit what is being typed in the segment panel
    edit_pending: Callable[[], bool]  # typing not committed yet (the user is mid-word)
    tasks_changed: Callable[[], None]  # refresh the status bar's task area
    dialog_parent: QWidget | None = None


class JobController(QObject):
    """Runs background edits of the document (see the module doc)."""

    run_ended = Signal(object)  # TaskStatus

    def __init__(self, host: JobHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.session = host.session
        self.prompts = host.prompts
        self.task: Task | None = None
        self.last_result: Any = None
        self.last_status: TaskStatus | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.status.done

    def status(self, message: str, ms: int = STATUS_MS) -> None:
        self.host.status(message, ms)

    def run_job(self, name: str, compute: Callable[[TaskContext], Any],
                apply: Callable[[Document, Any, TaskStatus], None] | None, *,
                error_title: str = "", error_path: str | None = None,
                on_failed: Callable[[BaseException], None] | None = None,
                on_partial: Callable[[Any], None] | None = None,
                on_cancelled: Callable[[], None] | None = None,
                on_end: Callable[[TaskStatus], None] | None = None,
                keep_on_cancel: bool = False, cancellable: bool = True) -> Task:
        """Compute in the background, then apply on the UI thread (see the module doc).

        ``apply(doc, result, status)`` runs once, only while ``doc`` is still the session's
        document, and makes the result one undo step.  ``keep_on_cancel``: a cancelled job's
        partial result (what the function returned anyway) is applied too, with status
        ``CANCELLED``; otherwise ``on_cancelled`` (or nothing) runs.  A failure calls
        ``on_failed``, or shows ``error_title`` with the error and ``error_path`` (default:
        the media).  ``on_end(status)`` runs at every end, after ``apply`` (tidying that does
        not depend on the document).  ``last_result``, ``last_status`` and ``run_ended``
        follow every end.
        """
        doc = self.session.doc
        self.last_result = None
        self.last_status = None

        def finished(result: Any) -> None:
            self._end(doc, result, TaskStatus.FINISHED, apply, on_end)

        def cancelled() -> None:
            if keep_on_cancel:
                task = self.task
                self._end(doc, task.result if task is not None else None, TaskStatus.CANCELLED,
                          apply, on_end)
                return
            if on_cancelled is not None:
                on_cancelled()
            self._end(doc, None, TaskStatus.CANCELLED, None, on_end)

        def failed(exc: BaseException) -> None:
            self.last_status = TaskStatus.FAILED
            if on_end is not None:
                on_end(TaskStatus.FAILED)
            if on_failed is not None:
                on_failed(exc)
            else:
                self.host.show_error(error_title or f"{name} failed", exc,
                                     error_path if error_path is not None
                                     else self.session.media_path)
            self.run_ended.emit(TaskStatus.FAILED)
            self.host.tasks_changed()

        self.task = self.host.tasks.start(
            compute, name, on_finished=finished, on_failed=failed, on_cancelled=cancelled,
            on_partial=on_partial, on_progress=lambda _p: self.host.tasks_changed(),
            cancellable=cancellable)
        return self.task

    def _end(self, doc: Document, result: Any, status: TaskStatus,
             apply: Callable[[Document, Any, TaskStatus], None] | None,
             on_end: Callable[[TaskStatus], None] | None) -> None:
        self.last_result = result
        self.last_status = status
        if apply is not None and result is not None and doc is self.session.doc:
            apply(doc, result, status)
        if on_end is not None:
            on_end(status)
        self.run_ended.emit(self.last_status)  # an apply that failed says FAILED
        self.host.tasks_changed()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.host.tasks_changed()
