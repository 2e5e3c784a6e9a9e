"""Cancellation and progress as values, shared by decoding, engines, alignment and jobs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


class Cancelled(Exception):
    """Raised by :meth:`CancelToken.raise_if_cancelled` inside work that was cancelled."""


class CancelToken:
    """A thread-safe flag that long work checks between steps."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; True if cancelled meanwhile."""
        return self._event.wait(timeout)


@dataclass(frozen=True)
class Progress:
    """How far a job is: ``done`` of ``total`` units (``total`` 0 when unknown)."""

    done: float
    total: float
    message: str = ""

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


ProgressCallback = Callable[[Progress], None]


def never_cancelled() -> CancelToken:
    return CancelToken()
