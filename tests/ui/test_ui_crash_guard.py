"""An unexpected error inside the editor: one dialog, the work saved for recovery, the
traceback only in the log file."""

from __future__ import annotations

import sys

import pytest

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


def test_the_crash_log_is_private(make_window, tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(crash_guard, "log_path", lambda: tmp_path / "logs" / "cueline.log")
    old = os.umask(0o022)
    try:
        w = make_window()
        crash_guard.report(w, RuntimeError("x"), None)
        log = tmp_path / "logs" / "cueline.log"
        assert log.stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
        log.chmod(0o644)  # a log an older version left readable is tightened on the next write
        crash_guard.report(w, RuntimeError("y"), None)
        assert log.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


# -- issue 11: every file the editor reads at start, damaged, never keeps it from starting -----
SETTINGS_DAMAGE = {
    "geometry a string": "[window]\ngeometry=garbage\nstate=more garbage\n",  # was TypeError
    "unknown variant types": ("[window]\ngeometry=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18QMap)\n"
                              "[files]\nrecent=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18QMap)\n"),
    "odd values": ("[General]\nprofile=5\n[files]\nrecent=1, , @Invalid()\n[waveform]\n"
                   "snap=maybe\n[playback]\nspeed=nan\n"),
    "binary noise": bytes(range(256)) * 8,
}


@pytest.mark.parametrize("name", list(SETTINGS_DAMAGE))
def test_damaged_settings_file_does_not_stop_the_editor(make_window, prompts, tmp_path, name):
    content = SETTINGS_DAMAGE[name]
    conf = tmp_path / "settings" / "Cueline" / "Cueline.conf"  # the conftest's QSettings path
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_bytes(content if isinstance(content, bytes) else content.encode())
    w = make_window(recover=True)
    w._fill_recent_menu()
    assert w.isVisible() and prompts.errors == []
    assert w.playback.speed == 1.0


@pytest.mark.parametrize("content", [
    '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}",  # was RecursionError in MainWindow.__init__
    '{"id": "big", "name": "Big", "max_lines": 1' + "0" * 5000 + "}",
    "[1, 2]",
    "\xff\xfe not text",
])
def test_a_broken_user_profile_is_skipped_at_start(make_window, prompts, tmp_path, monkeypatch, content):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "cueline" / "profiles"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text(content, "utf-8", errors="surrogateescape")
    w = make_window(recover=True)
    assert w.isVisible() and prompts.errors == []
    assert w.profile_box.count() >= 1
