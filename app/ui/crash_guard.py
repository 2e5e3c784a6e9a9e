"""Unexpected errors in the editor: logged with their traceback, shown as one dialog, and the
user's work saved to the recovery file at once.  No traceback reaches the user.

The log is private to the user (0600 in a 0700 folder), whatever the umask: a traceback holds
file paths and subtitle text, and the log is no document the user chose to share.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

log = logging.getLogger("cueline")

LOG_FILE_MODE = 0o600
LOG_DIR_MODE = 0o700


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
        path.parent.mkdir(mode=LOG_DIR_MODE, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                     LOG_FILE_MODE)
        with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as f:
            try:
                os.fchmod(fd, LOG_FILE_MODE)  # a log left 0644 by an older version
            except (OSError, AttributeError):
                pass
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
