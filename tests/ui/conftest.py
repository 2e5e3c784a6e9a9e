"""Fixtures for the editor window tests: the real MainWindow, offscreen, with isolated settings,
recovery folder and cache, and scripted answers for every dialog."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from app.core.document import Document  # noqa: E402
from app.core.model import Segment  # noqa: E402
from app.core.words import distribute  # noqa: E402
from app.ui.prompts import BY_EXTENSION, CANCEL, DISCARD, Prompts  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


class ScriptedPrompts(Prompts):
    """Answers every question from attributes and records what the window said."""

    def __init__(self) -> None:
        super().__init__(None)
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.save_answer = DISCARD
        self.recover_answer = True
        self.recover_asked: list[str] = []
        self.changed_answer = CANCEL  # OVERWRITE / SAVE_AS / CANCEL: the project changed on disk
        self.changed_asked: list[str] = []
        self.open_path: str | None = None
        self.save_path: str | None = None
        self.texts: list[str | None] = []
        self.shift_ms: int | None = None
        self.dialog_hook = None  # called with the dialog run by run_dialog
        self.opened_in: list[str] = []  # the folder each open dialog started in
        self.save_suggestions: list[str] = []  # the name (or path) each save dialog suggested
        self.format_answer = BY_EXTENSION
        self.format_questions: list[tuple[str, str, str]] = []  # (path, chosen, by extension)

    def error(self, title: str, message: str) -> None:
        self.errors.append((title, message))

    def warning(self, title: str, message: str) -> None:
        self.warnings.append((title, message))

    def info(self, title: str, message: str) -> None:
        self.infos.append((title, message))

    def ask_save_changes(self, name: str) -> str:
        return self.save_answer

    def ask_recover(self, description: str) -> bool:
        self.recover_asked.append(description)
        return self.recover_answer

    def ask_changed_on_disk(self, name: str) -> str:
        self.changed_asked.append(name)
        return self.changed_answer

    def confirm(self, title: str, question: str) -> bool:
        return True

    def open_file(self, title: str, filters: str, start_dir: str = "") -> str | None:
        self.opened_in.append(start_dir)
        return self.open_path

    def save_file(self, title: str, filters: str, suggested: str = "") -> str | None:
        self.save_suggestions.append(suggested)
        return self.save_path

    def ask_export_format(self, path: str, chosen: str, by_extension: str, renamed: str) -> str:
        self.format_questions.append((path, chosen, by_extension))
        return self.format_answer

    def ask_text(self, title, label, text="", items=None):
        return self.texts.pop(0) if self.texts else None

    def ask_shift_ms(self, title, label, default_ms=0):
        return self.shift_ms

    def run_dialog(self, dialog) -> bool:
        if self.dialog_hook is not None:
            return bool(self.dialog_hook(dialog))
        return True


@pytest.fixture(autouse=True)
def isolated_app_state(tmp_path, monkeypatch):
    """Each test gets its own settings, recovery folder and waveform cache."""
    monkeypatch.setenv("CUELINE_RECOVERY_DIR", str(tmp_path / "recovery"))
    monkeypatch.setenv("CUELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CUELINE_AUDIO", "silent")  # tests never make a sound
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture
def prompts() -> ScriptedPrompts:
    return ScriptedPrompts()


@pytest.fixture
def make_window(qtbot, prompts):
    """Build real editor windows (closed and cleaned up after the test)."""
    from app.ui.main_window import MainWindow

    made = []

    def make(recover: bool = False, answers: ScriptedPrompts | None = None) -> MainWindow:
        w = MainWindow(prompts=answers or prompts, recover=recover)
        qtbot.addWidget(w)
        w.resize(1200, 800)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.prompts.save_answer = DISCARD
        w.tasks.cancel_all()
        w.tasks.wait(10000)
        w.playback.unload()


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def wait_loaded(qtbot):
    """Wait until a window's media, waveform and speech detection are loaded."""

    def wait(window, timeout: int = 30000) -> None:
        qtbot.waitUntil(lambda: window.session.peaks is not None and not window.tasks.active
                        and not window.media.loading, timeout=timeout)

    return wait


@pytest.fixture
def demo_window(qtbot, window, jfk_path, tmp_path, wait_loaded):
    """The window on a copy of the demo media (no sidecar), with the sample subtitles imported."""
    media = tmp_path / "demo.flac"
    media.write_bytes(Path(jfk_path).read_bytes())
    assert window.files.open_media(str(media))
    wait_loaded(window)
    assert window.files.import_subtitles(str(DATA / "sample.srt"))
    return window


def timed(start: int, end: int, text: str, **kw) -> Segment:
    return Segment(start, end, text, tuple(distribute(text.split(), start, end, estimated=False)), **kw)


@pytest.fixture
def worded_doc() -> Document:
    return Document([
        timed(500, 2000, "Hello world."),
        timed(2000, 4000, "This is a test of the editor."),
        timed(5000, 7500, "Ask not what your country can do for you."),
    ])


# -- speech: the bundled models in a session model folder, real media built from jfk.flac -----
from tests.engines.fixtures import model_dir  # noqa: E402,F401 - session fixture (autouse)


@pytest.fixture
def run_task(qtbot):
    """Wait until a background job is done (its last signal delivered) and return it."""

    def wait(job, timeout: int = 120_000):
        assert job is not None
        qtbot.waitUntil(lambda: job.status.done, timeout=timeout)
        qtbot.wait(20)  # the outcome signal's receivers ran before the status; let queued ones in
        return job

    return wait


@pytest.fixture
def media_window(window, wait_loaded):
    """Open a media file in the window (no sidecar next to it) and wait for its waveform."""

    def open_media(path) -> object:
        assert window.files.open_media(str(path), sidecar=False)
        wait_loaded(window)
        return window

    return open_media


from tests.chat_server import chat, chat_server  # noqa: E402,F401 - the fake chat server process
