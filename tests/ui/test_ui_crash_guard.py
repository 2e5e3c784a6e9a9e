"""An unexpected error inside the editor: one dialog, the work saved for recovery, the
traceback only in the log file."""

from __future__ import annotations

import sys

from app.ui import crash_guard
from tests.ui.test_ui_files import edited_sample


def test_unexpected_error_saves_work_and_shows_one_message(make_window, prompts, tmp_path, monkeypatch):
    monkeypatch.setattr(crash_guard, "log_path", lambda: tmp_path / "logs" / "cueline.log")
    w = make_window()
    edited_sample(w)
    previous = sys.excepthook
    crash_guard.install(w)
    try:
        try:
            raise RuntimeError("the waveform exploded")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = previous
    title, message = prompts.errors[-1]
    assert title == "Unexpected error"
    assert "the waveform exploded" in message and "recovery file" in message
    assert "Traceback" not in message
    assert w.files.last_recovery is not None and w.files.last_recovery.is_file()
    assert "Traceback" in (tmp_path / "logs" / "cueline.log").read_text("utf-8")
