"""What the packaged application (PyInstaller, ``make dist``) relies on in the sources: the
editor's ``--screenshot`` option on the ``cueline`` command (the smoke test's drawn window),
the window icon, and a Whisper-only build saying plainly that it has no Qwen3-ASR engine, in
the command line (before any download) and in the Transcribe dialog."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from app import cli
from app.cli import EXIT_USER_ERROR, main
from app.engines import qwen

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_screenshot_option_opens_the_editor_not_a_subcommand(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "gui_main", lambda argv: seen.append(list(argv)) or 0)
    assert main(["--screenshot", "out.png", "clip.flac"]) == 0
    assert main(["--screenshot=out.png"]) == 0
    assert seen == [["--screenshot", "out.png", "clip.flac"], ["--screenshot=out.png"]]


def test_editor_screenshot_without_a_display_is_one_line(monkeypatch, capsys):
    if not sys.platform.startswith("linux"):
        pytest.skip("display detection is for Linux")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main(["--screenshot", "out.png"]) == EXIT_USER_ERROR
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_qwen_missing_message_fits_the_kind_of_install(monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert "pip install 'cueline[qwen]'" in qwen.missing_message()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    message = qwen.missing_message()
    assert "does not include the Qwen3-ASR engine" in message and "pip" not in message


def test_transcribe_with_qwen_missing_stops_before_any_download(monkeypatch, capsys, jfk_path,
                                                                tmp_path):
    import app.engines.download as download

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(qwen, "installed", lambda: False)

    def no_download(*args, **kwargs):
        raise AssertionError("a model was fetched for an engine that cannot run")

    monkeypatch.setattr(download, "ensure_model", no_download)
    out = tmp_path / "out.srt"
    assert main(["transcribe", str(jfk_path), "--engine", "qwen", "-o", str(out)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not include the Qwen3-ASR engine" in err[0]
    assert not out.exists()


def test_icons_are_rendered_at_their_sizes():
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert png_size(ICONS / f"cueline-{size}.png") == (size, size)
    ico = (ICONS / "cueline.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    assert (ICONS / "cueline.icns").read_bytes()[:4] == b"icns"
    desktop = (ROOT / "packaging" / "cueline.desktop").read_text()
    assert "\nIcon=cueline\n" in desktop and "\nExec=cueline %f\n" in desktop


@pytest.mark.gui
def test_window_icon_and_qwen_item_in_a_whisper_only_build(qtbot, monkeypatch, tmp_path):
    from PySide6.QtCore import QSettings

    from app.ui.main import application, application_icon
    from app.ui.transcribe_dialog import TranscribeDialog
    from app.ui.worker import TaskRunner

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    app = application()
    icon = application_icon()
    assert not icon.isNull() and len(icon.availableSizes()) >= 5
    assert not app.windowIcon().isNull()

    monkeypatch.setattr(qwen, "installed", lambda: False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    dlg = TranscribeDialog(TaskRunner(), channels=1, segments=0)
    qtbot.addWidget(dlg)
    item = dlg.engine_box.model().item(dlg.engine_box.findData("qwen"))
    assert not item.isEnabled()
    assert "does not include the Qwen3-ASR engine" in item.toolTip()
    assert not dlg.set_engine("qwen") and dlg.engine == "whisper"
    assert dlg.set_engine("whisper")


def test_smoke_test_runs_every_subcommand():
    """A subcommand added to the CLI must be run by the build's smoke test too."""
    script = (ROOT / "packaging" / "smoke-test.sh").read_text()
    missing = [name for name in cli.SUBCOMMANDS if f'"$EXE" {name} ' not in script]
    assert not missing, f"packaging/smoke-test.sh does not run: {', '.join(missing)}"
