"""The shape shared by the editor's background-job controllers (translate, align a script, ...):
the window it serves, the job it runs, and how the last run ended."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.ui.worker import Task, TaskStatus

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class JobController(QObject):
    run_ended = Signal(object)  # TaskStatus

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.session = window.session
        self.task: Task | None = None
        self.last_result: Any = None
        self.last_status: TaskStatus | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.status.done
