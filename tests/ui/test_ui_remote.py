"""The Transcribe dialog's remote servers, against a real faster-whisper-server on 127.0.0.1:
the rows it shows, *Test connection* in the background, a run in the editor, a refused server
as one dialog, and an API key that never reaches the settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from app.ui.transcribe_dialog import TranscribeDialog
from app.ui.worker import TaskStatus
from tests.engines.remote_servers import FwsServer, closed_port

pytestmark = [pytest.mark.gui, pytest.mark.slow]
KEY = "sk-cueline-ui-4d2c8a"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from app.engines.models import resolve_model

    s = FwsServer(resolve_model("tiny.en"), tmp_path_factory.mktemp("ui-remote"), "ui-tiny")
    s.warm()
    yield s
    s.stop()


def remote_dialog(window, *urls: str) -> TranscribeDialog:
    dlg = TranscribeDialog(window.tasks, channels=1, segments=0)
    assert dlg.set_engine("remote")
    dlg.remote.set_servers(list(urls))
    return dlg


def test_remote_rows_replace_the_model_rows(window, qtbot):
    dlg = TranscribeDialog(window.tasks, channels=1, segments=0)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.model_box.isVisible() and not dlg.remote.isVisible()
    assert dlg.set_engine("remote")
    assert dlg.remote.isVisible() and not dlg.model_box.isVisible()
    assert not dlg.device_box.isVisible()
    assert not dlg.ok_button.isEnabled() and "at least one server" in dlg.message.text()
    dlg.remote.set_servers(["gpu-box:8000/v1"])
    assert not dlg.ok_button.isEnabled() and "http://HOST:PORT/v1" in dlg.message.text()
    assert not dlg.remote.test_button.isEnabled()
    dlg.remote.set_servers(["http://gpu-box:8000/v1/", "http://gpu-2:8000/v1"])
    assert dlg.ok_button.isEnabled() and dlg.message.text() == ""
    dlg.remote.model_edit.setText("Qwen/Qwen3-ASR-1.7B")
    opts = dlg.options()
    assert opts.engine == "remote" and opts.model == "Qwen/Qwen3-ASR-1.7B"
    assert opts.engine_settings == {"servers": ["http://gpu-box:8000/v1",
                                                "http://gpu-2:8000/v1"]}
    dlg.remember()
    again = TranscribeDialog(window.tasks, channels=1, segments=0)
    assert again.engine == "remote" and again.remote.model() == "Qwen/Qwen3-ASR-1.7B"
    assert again.remote.servers() == ["http://gpu-box:8000/v1", "http://gpu-2:8000/v1"]
    assert again.set_engine("whisper") and again.model == "base"


def test_test_connection_runs_in_the_background_and_says_how_it_went(window, server, qtbot,
                                                                     run_task):
    dlg = remote_dialog(window, server.url)
    qtbot.addWidget(dlg)
    qtbot.mouseClick(dlg.remote.test_button, Qt.MouseButton.LeftButton)
    task = dlg.remote.test_task
    assert task is not None and "Connecting" in dlg.remote.result_label.text()
    assert not dlg.remote.test_button.isEnabled()  # one test at a time
    run_task(task)
    assert task.status is TaskStatus.FINISHED
    text = "\n".join(dlg.remote.result_lines)
    assert "rgb(46,139,87)" in dlg.remote.result_label.text()  # shown in green
    assert text.startswith("✓ " + server.url) and "model whisper-1" in text, text
    assert " s, times from the server (verbose_json)" in text
    assert dlg.remote.test_button.isEnabled()

    dead = f"http://127.0.0.1:{closed_port()}/v1"
    dlg.remote.set_servers([dead])
    assert dlg.remote.result_label.text() == "" and dlg.remote.result_lines == []
    task = dlg.remote.test_connection()
    run_task(task)
    text = "\n".join(dlg.remote.result_lines)
    assert "rgb(226,67,67)" in dlg.remote.result_label.text()  # shown in red
    assert text.startswith("✗") and "connection refused" in text and dead in text, text
    assert "\n" not in text


def test_transcribing_on_a_server_in_the_editor(window, media_window, server, jfk_path,
                                                run_task):
    w = media_window(jfk_path)

    def pick(dlg) -> bool:
        assert dlg.set_engine("remote")
        dlg.remote.set_servers([server.url])
        return True

    w.prompts.dialog_hook = pick
    task = w.tools.ask_transcribe()
    run_task(task)
    assert task.status is TaskStatus.FINISHED, w.prompts.errors
    doc = w.session.doc
    assert "fellow americans" in " ".join(s.text for s in doc).lower()
    assert all(s.words for s in doc) and doc[0].words[0].start >= 150
    assert doc.meta["engine"] == "remote" and doc.meta["model"] == "whisper-1"
    w.commands["undo"].trigger()
    assert len(doc) == 0


def test_a_refused_server_is_one_error_dialog(window, media_window, jfk_path, run_task):
    w = media_window(jfk_path)
    dead = f"http://127.0.0.1:{closed_port()}/v1"

    def pick(dlg) -> bool:
        assert dlg.set_engine("remote")
        dlg.remote.set_servers([dead])
        return True

    w.prompts.dialog_hook = pick
    task = w.tools.ask_transcribe()
    run_task(task)
    assert task.status is TaskStatus.FAILED
    assert len(w.prompts.errors) == 1
    title, message = w.prompts.errors[0]
    assert title == "Transcription failed"
    assert "connection refused" in message and dead in message and "Traceback" not in message
    assert len(w.session.doc) == 0


def test_the_api_key_goes_to_the_keyring_never_to_the_settings(window, tmp_path):
    keyring = pytest.importorskip("keyring")
    from tests.engines.test_remote_wire import memory_keyring

    old = keyring.get_keyring()
    mem = memory_keyring()
    keyring.set_keyring(mem)
    try:
        dlg = remote_dialog(window, "http://gpu-box:8000/v1")
        assert dlg.remote.key_edit.isEnabled()
        dlg.remote.key_edit.setText(KEY)
        assert dlg.remote.save_key()
        assert dlg.remote.key_edit.text() == ""
        assert mem.store == {("cueline-transcribe", "http://gpu-box:8000"): KEY}
        assert "in the system keyring" in dlg.remote.key_status.text()
        dlg.remember()
        QSettings().sync()
        files = [f for f in (tmp_path / "settings").rglob("*") if f.is_file()]
        assert any(b"gpu-box:8000" in f.read_bytes() for f in files)  # the servers are there
        assert not any(KEY.encode() in f.read_bytes() for f in files)  # the key is not
        assert KEY not in repr(dlg.options())
    finally:
        keyring.set_keyring(old)

    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    try:
        dlg = remote_dialog(window, "http://gpu-box:8000/v1")
        assert not dlg.remote.key_edit.isEnabled()
        assert "CUELINE_API_KEY" in dlg.remote.key_status.text()
    finally:
        keyring.set_keyring(old)
