"""A tiny plain-Python signal, so the core can announce changes without Qt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """Callbacks called in connection order with the emitted arguments."""

    __slots__ = ("_slots",)

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, fn: Callable[..., Any]) -> None:
        if fn not in self._slots:
            self._slots.append(fn)

    def disconnect(self, fn: Callable[..., Any]) -> None:
        try:
            self._slots.remove(fn)
        except ValueError:
            pass

    def emit(self, *args: Any) -> None:
        for fn in list(self._slots):
            fn(*args)

    def __len__(self) -> int:
        return len(self._slots)
