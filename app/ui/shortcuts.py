"""Keyboard shortcuts the user changed: kept in the settings (``shortcuts/<action name>`` =
``"Ctrl+K; F9"``, portable text), applied when the window starts, checked for conflicts.

Every action with an object name ``action_<name>`` takes part; its shortcuts as built are the
defaults (*Reset* goes back to them).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from app.ui import settings

PREFIX = "shortcuts/"
PORTABLE = QKeySequence.SequenceFormat.PortableText
NATIVE = QKeySequence.SequenceFormat.NativeText


def action_name(action: QAction) -> str | None:
    name = action.objectName()
    return name[len("action_"):] if name.startswith("action_") else None


def window_actions(window: QObject) -> dict[str, QAction]:
    """Every named action of the window (menus, toolbars, shortcuts only), by name."""
    out: dict[str, QAction] = {}
    for a in window.findChildren(QAction):
        name = action_name(a)
        if name and name not in out and a.text():
            out[name] = a
    return out


def keys_text(keys: Iterable[QKeySequence], native: bool = False) -> str:
    return "; ".join(k.toString(NATIVE if native else PORTABLE) for k in keys if not k.isEmpty())


def parse_keys(text: str) -> list[QKeySequence]:
    """``"Ctrl+K; F9"`` -> key sequences (blank parts dropped; invalid keys raise ValueError)."""
    out = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        seq = QKeySequence.fromString(part, PORTABLE)
        if seq.isEmpty() or seq.toString(PORTABLE).lower() != part.lower().replace(" ", ""):
            seq2 = QKeySequence(part)
            if seq2.isEmpty():
                raise ValueError(f"not a key: {part!r}")
            seq = seq2
        out.append(seq)
    return out


class ShortcutMap:
    """The window's actions with their default and current shortcuts."""

    def __init__(self, window: QObject) -> None:
        self.actions = window_actions(window)
        self.defaults = {name: list(a.shortcuts()) for name, a in self.actions.items()}

    def current(self) -> dict[str, list[QKeySequence]]:
        return {name: list(a.shortcuts()) for name, a in self.actions.items()}

    def apply_saved(self) -> int:
        """Give each action the shortcuts saved for it; returns how many were changed."""
        st = settings.settings()
        n = 0
        for name, a in self.actions.items():
            value = st.value(PREFIX + name)
            if value is None:
                continue
            try:
                keys = parse_keys(str(value))
            except ValueError:
                continue  # a hand-edited setting that is no key: keep the default
            a.setShortcuts(keys)
            n += 1
        return n

    def save(self, mapping: dict[str, list[QKeySequence]]) -> None:
        """Apply ``mapping`` and remember the entries that differ from the defaults."""
        st = settings.settings()
        for name, keys in mapping.items():
            a = self.actions.get(name)
            if a is None:
                continue
            a.setShortcuts(keys)
            if keys_text(keys) == keys_text(self.defaults.get(name, [])):
                st.remove(PREFIX + name)
            else:
                st.setValue(PREFIX + name, keys_text(keys))


def conflicts(mapping: dict[str, list[QKeySequence]]) -> dict[str, list[str]]:
    """Keys given to more than one action: ``{key text: [action names]}``."""
    users: dict[str, list[str]] = {}
    for name, keys in mapping.items():
        for k in keys:
            text = k.toString(PORTABLE)
            if text:
                users.setdefault(text, []).append(name)
    return {k: names for k, names in users.items() if len(names) > 1}
