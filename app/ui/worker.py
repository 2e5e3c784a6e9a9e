"""Run Qt-free work on the thread pool and report back on the main thread.

A :class:`Task` wraps a plain function ``fn(ctx)``; ``ctx`` (a :class:`TaskContext`) carries the
cancel token and two callbacks, ``ctx.progress(Progress)`` and ``ctx.partial(value)``.  The
task's :class:`TaskSignals` live on the main thread, so every signal arrives there, in order:
``progress``, ``partial``, then exactly one of ``finished(result)``, ``failed(exception)`` or
``cancelled()``; ``status_changed(TaskStatus)`` follows each state change.  The outcome is a
value (:class:`TaskStatus`), never text to parse.  The signals are emitted on the pool thread
and delivered through queued connections, so the main thread only ever runs the (short)
receivers; a cancelled task that still returned a value (a transcription keeps what it
finished) leaves it in ``task.result``.

:class:`TaskRunner` starts tasks and keeps them alive until their last signal is delivered;
``active`` lists the running ones (the status bar shows them, with a Cancel button for the
``cancellable`` ones: transcription, translation, alignment, downloads).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.core.cancel import Cancelled, CancelToken, Progress


class TaskStatus(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def done(self) -> bool:
        return self in (TaskStatus.FINISHED, TaskStatus.FAILED, TaskStatus.CANCELLED)


class TaskSignals(QObject):
    progress = Signal(object)  # Progress
    partial = Signal(object)  # any partial result the function hands over
    finished = Signal(object)  # the function's return value
    failed = Signal(object)  # the exception it raised
    cancelled = Signal()
    status_changed = Signal(object)  # TaskStatus


class TaskContext:
    """What the task's function gets: the cancel token and the two reporting callbacks."""

    __slots__ = ("_signals", "cancel")

    def __init__(self, signals: TaskSignals, cancel: CancelToken) -> None:
        self._signals = signals
        self.cancel = cancel

    def progress(self, progress: Progress) -> None:
        self._signals.progress.emit(progress)

    def partial(self, value: Any) -> None:
        self._signals.partial.emit(value)

    def raise_if_cancelled(self) -> None:
        self.cancel.raise_if_cancelled()


class Task(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], name: str = "", *,
                 cancellable: bool = False) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.name = name
        self.cancellable = cancellable
        self.token = CancelToken()
        self.signals = TaskSignals()
        self.status = TaskStatus.PENDING
        self.result: Any = None
        self.error: BaseException | None = None
        self.last_progress: Progress | None = None
        self.signals.progress.connect(self._remember_progress)

    def _remember_progress(self, p: Progress) -> None:
        self.last_progress = p

    def _set_status(self, status: TaskStatus) -> None:
        self.status = status
        self.signals.status_changed.emit(status)

    def cancel(self) -> None:
        self.token.cancel()

    def run(self) -> None:  # on a pool thread
        if self.token.cancelled:
            self._end(TaskStatus.CANCELLED)
            return
        self._set_status(TaskStatus.RUNNING)
        try:
            result = self.fn(TaskContext(self.signals, self.token))
        except Cancelled:
            self._end(TaskStatus.CANCELLED)
            return
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread as a value
            self.error = exc
            self._end(TaskStatus.FAILED)
            return
        self.result = result
        self._end(TaskStatus.CANCELLED if self.token.cancelled else TaskStatus.FINISHED)

    def _end(self, status: TaskStatus) -> None:
        """The outcome signal first, the status last (receivers may drop the task then)."""
        self.status = status
        if status is TaskStatus.FINISHED:
            self.signals.finished.emit(self.result)
        elif status is TaskStatus.FAILED:
            self.signals.failed.emit(self.error)
        else:
            self.signals.cancelled.emit()
        self.signals.status_changed.emit(status)


class TaskRunner(QObject):
    """Starts tasks on a thread pool and keeps each alive until it is done."""

    tasks_changed = Signal()

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self._tasks: list[Task] = []
        # Finished tasks stay referenced a while: a pool thread may still be returning from
        # run() when the last signal reaches the main thread.
        self._done: deque[Task] = deque(maxlen=32)

    def start(self, fn: Callable[[TaskContext], Any], name: str = "", *,
              on_finished: Callable[[Any], None] | None = None,
              on_failed: Callable[[BaseException], None] | None = None,
              on_progress: Callable[[Progress], None] | None = None,
              on_partial: Callable[[Any], None] | None = None,
              on_cancelled: Callable[[], None] | None = None,
              cancellable: bool = False) -> Task:
        task = Task(fn, name, cancellable=cancellable)
        s = task.signals
        if on_progress:
            s.progress.connect(on_progress)
        if on_partial:
            s.partial.connect(on_partial)
        if on_finished:
            s.finished.connect(on_finished)
        if on_failed:
            s.failed.connect(on_failed)
        if on_cancelled:
            s.cancelled.connect(on_cancelled)
        s.status_changed.connect(lambda status, task=task: self._on_task_status_changed(task, status))
        self._tasks.append(task)
        self.tasks_changed.emit()
        self.pool.start(task)
        return task

    def _on_task_status_changed(self, task: Task, status: TaskStatus) -> None:
        if status.done and task in self._tasks:
            self._tasks.remove(task)
            self._done.append(task)
        self.tasks_changed.emit()

    @property
    def active(self) -> list[Task]:
        return list(self._tasks)

    @property
    def cancellable(self) -> list[Task]:
        """Running tasks the user may cancel (not media loading), newest last."""
        return [j for j in self._tasks if j.cancellable and not j.token.cancelled]

    def cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (used on close and in tests)."""
        return self.pool.waitForDone(msecs)


def progress_text(task: Task) -> str:
    """What the status bar says about a task: its name, its progress (chunks done of the
    total for a transcription, else its message and percentage) and the time left when the
    task estimates it."""
    name = task.name or "Working"
    if task.token.cancelled:
        return f"{name}: cancelling…"
    p = task.last_progress
    if p is None:
        return f"{name}…"
    stage = getattr(p, "stage", "")
    parts = []
    if stage in ("transcribing", "done") and p.total:
        parts.append(f"{int(p.done)}/{int(p.total)} chunks")
    else:
        if p.message:
            parts.append(p.message)
        if p.total:
            parts.append(f"{100 * p.fraction:.0f}%")
    eta = getattr(p, "eta_s", None)
    if eta is not None and eta > 0:
        s = int(round(eta))
        parts.append(f"{s // 60}:{s % 60:02d} left")
    return f"{name}: {', '.join(parts)}" if parts else f"{name}…"
