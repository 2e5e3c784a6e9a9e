"""What reading or writing a subtitle file can report: one error class, one warning record."""

from __future__ import annotations

from dataclasses import dataclass


def _where(file: str | None, line: int | None) -> str:
    if file and line:
        return f"{file}:{line}"
    if file:
        return file
    if line:
        return f"line {line}"
    return ""


class FormatError(Exception):
    """A file that cannot be read or written.

    ``file`` and ``line`` (1-based, ``None`` when not about one line) say where, ``reason`` says
    what; ``str(err)`` is ``"file:line: reason"``, the one line the CLI prints.
    """

    def __init__(self, file: str | None, line: int | None, reason: str) -> None:
        self.file = None if file is None else str(file)
        self.line = line
        self.reason = reason
        where = _where(self.file, line)
        super().__init__(f"{where}: {reason}" if where else reason)

    @property
    def user_message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class FormatWarning:
    """Something a reader tolerated or repaired, with the line it was found on."""

    line: int | None
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = _where(self.file, self.line)
        return f"{where}: {self.message}" if where else self.message
