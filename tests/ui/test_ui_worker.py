"""The background-job adapter: progress and partial results arrive on the main thread in order,
then exactly one outcome, reported as a status value."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from app.core.cancel import Progress
from app.ui.worker import TaskRunner, TaskStatus

pytestmark = pytest.mark.gui


def test_finished_job_reports_progress_partials_and_result(qtbot):
    runner = TaskRunner()
    main = QThread.currentThread()
    got: list = []

    def work(ctx):
        assert QThread.currentThread() is not main
        for i in range(3):
            ctx.progress(Progress(i + 1, 3, "step"))
            ctx.partial(i)
        return "done"

    job = runner.start(work, "Test job",
                       on_progress=lambda p: got.append(("progress", p.done, QThread.currentThread() is main)),
                       on_partial=lambda v: got.append(("partial", v)),
                       on_finished=lambda r: got.append(("finished", r)))
    statuses = []
    job.signals.status_changed.connect(statuses.append)
    qtbot.waitUntil(lambda: job.status is TaskStatus.FINISHED and got and got[-1][0] == "finished", timeout=5000)
    assert got[-1] == ("finished", "done")
    assert [g for g in got if g[0] == "progress"] == [("progress", 1, True), ("progress", 2, True), ("progress", 3, True)]
    assert [g[1] for g in got if g[0] == "partial"] == [0, 1, 2]
    qtbot.waitUntil(lambda: not runner.active, timeout=5000)
    assert statuses[-1] is TaskStatus.FINISHED and job.last_progress.done == 3


def test_failed_job_reports_the_exception(qtbot):
    runner = TaskRunner()
    errors = []

    def work(ctx):
        raise ValueError("broken input")

    job = runner.start(work, on_failed=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError) and job.status is TaskStatus.FAILED


def test_cancelled_job_reports_cancelled_not_finished(qtbot):
    runner = TaskRunner()
    started = threading.Event()
    outcome = []

    def work(ctx):
        started.set()
        while True:
            ctx.raise_if_cancelled()
            ctx.cancel.wait(0.01)

    job = runner.start(work, on_finished=lambda r: outcome.append("finished"),
                       on_cancelled=lambda: outcome.append("cancelled"))
    assert started.wait(5)
    runner.cancel_all()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert outcome == ["cancelled"] and job.status is TaskStatus.CANCELLED
    assert runner.wait(5000)
