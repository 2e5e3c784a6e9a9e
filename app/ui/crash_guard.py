"""Unexpected errors in the editor: logged with their traceback, shown as one dialog, and the
user's work saved to the recovery file at once.  No traceback reaches the user."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

log = logging.getLogger("cueline")


def log_path() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("cueline")) / "cueline.log"


def install(window) -> None:
    """Route uncaught exceptions (from slots, timers, events) to :func:`report`."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        report(window, exc, tb)

    sys.excepthook = hook


def _write_log(exc: BaseException, tb: TracebackType | None) -> Path | None:
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write("".join(traceback.format_exception(type(exc), exc, tb)))
            f.write("\n")
        return path
    except OSError:
        return None


def report(window, exc: BaseException, tb: TracebackType | None) -> None:
    path = _write_log(exc, tb)
    saved = None
    try:
        saved = window.files.autosave_now()
    except Exception:  # noqa: BLE001 - the guard itself must never fail
        saved = None
    message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    lines = [f"Something went wrong: {message}"]
    if saved is not None:
        lines.append("Your work has been saved to the recovery file.")
    if path is not None:
        lines.append(f"Details for a bug report are in {path}.")
    try:
        window.prompts.error("Unexpected error", "\n".join(lines))
    except Exception:  # noqa: BLE001
        log.error("\n".join(lines))
