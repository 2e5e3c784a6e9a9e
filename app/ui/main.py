"""Starting the editor: ``run_editor(path_or_None) -> int`` (what ``cueline`` with no subcommand
calls), and ``python -m app.ui.main [--screenshot PNG] [FILE]``.

``--screenshot`` opens the file, waits until its waveform and background jobs are done, puts the
playhead in the second segment, saves a picture of the window and quits (``make screenshot``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.subtitles.resources import resource_path
from app.ui import settings

SCREENSHOT_SIZE = (1600, 1000)
SCREENSHOT_TIMEOUT_MS = 60_000
ICON_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName(settings.APPLICATION)
    app.setApplicationDisplayName("Cueline")
    app.setDesktopFileName("cueline")
    app.setWindowIcon(application_icon())
    return app  # type: ignore[return-value]


def application_icon() -> QIcon:
    """Cueline's icon (resources/icons, rendered from cueline.svg) for the window and task bar."""
    icon = QIcon()
    for size in ICON_SIZES_PX:
        path = resource_path("icons", f"cueline-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon


def run_editor(path: str | None = None, *, screenshot: str | None = None) -> int:
    """Open the editor window (on ``path`` if given) and run the event loop."""
    app = application()
    from app.ui.main_window import MainWindow

    window = MainWindow(recover=screenshot is None)
    from app.ui import crash_guard

    crash_guard.install(window)
    if screenshot:
        window.resize(*SCREENSHOT_SIZE)
    window.show()
    if path:
        if not os.path.exists(path):
            window.prompts.error("Cannot open", f"{path}: file not found")
        else:
            try:
                window.open_path(path)
            except Exception as exc:  # noqa: BLE001 - outside the event loop the guard's hook
                crash_guard.report(window, exc, exc.__traceback__)  # would never see it
    if screenshot:
        _schedule_screenshot(app, window, screenshot)
    return int(app.exec())


def _schedule_screenshot(app: QApplication, window, out: str) -> None:
    clock = QElapsedTimer()
    clock.start()

    def ready() -> bool:
        return not window.tasks.active and not window.media.loading

    def shoot() -> None:
        if not ready() and clock.elapsed() < SCREENSHOT_TIMEOUT_MS:
            QTimer.singleShot(100, shoot)
            return
        stage_demo(window)
        QTimer.singleShot(400, lambda: _save(app, window, out))

    QTimer.singleShot(300, shoot)


def stage_demo(window) -> None:
    """A representative state: second segment selected, playhead on one of its words."""
    s = window.session
    if len(s.doc) > 1:
        seg = s.doc[1]
        s.set_current(seg.id)
        s.seek(seg.start + (seg.end - seg.start) * 2 // 5)
    window.waveform.fit_all()


def _save(app: QApplication, window, out: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    ok = window.grab().save(out)
    window.files.forget_changes()
    window.close()
    app.exit(0 if ok else 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ui.main", description="Open the Cueline editor.")
    parser.add_argument("file", nargs="?", help="media, project (.cueline) or subtitle file to open")
    parser.add_argument("--screenshot", metavar="PNG", help="save a picture of the window and quit")
    args = parser.parse_args(argv)
    return run_editor(args.file, screenshot=args.screenshot)


if __name__ == "__main__":
    raise SystemExit(main())
