"""The editor's remembered choices (QSettings, organisation "Cueline") and recent files."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "Cueline"
APPLICATION = "Cueline"
MAX_RECENT = 10


def settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def get(key: str, default: Any = None, kind: type | None = None) -> Any:
    """A stored value converted to ``kind`` (QSettings returns strings from ini files)."""
    value = settings().value(key, default)
    if value is None:
        return default
    if kind is bool:
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes", "on")
        return bool(value)
    if kind is not None:
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default
    return value


def put(key: str, value: Any) -> None:
    settings().setValue(key, value)


def recent_files() -> list[str]:
    """The remembered files, newest first; anything in the settings that is not a list of
    paths (a damaged or hand-edited file) counts as none."""
    value = settings().value("files/recent", [])
    if isinstance(value, str):
        value = [value] if value else []
    if not isinstance(value, (list, tuple)):
        return []
    return [v for v in value if isinstance(v, str) and v and "\x00" not in v][:MAX_RECENT]


def add_recent_file(path: str) -> list[str]:
    path = os.path.abspath(path)
    files = [p for p in recent_files() if p != path]
    files.insert(0, path)
    del files[MAX_RECENT:]
    settings().setValue("files/recent", files)
    return files


def clear_recent_files() -> None:
    settings().setValue("files/recent", [])
