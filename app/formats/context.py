"""The state a reader carries: the source name, the warnings so far, and what it produced."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from app.core.document import MediaRef
from app.core.model import Segment
from app.formats.errors import FormatError, FormatWarning

MAX_WARNINGS_PER_KIND = 10


@dataclass
class Parsed:
    """What a format's reader returns before the document is built."""

    segments: list[Segment]
    meta: dict[str, Any] = field(default_factory=dict)
    media: MediaRef | None = None


class Context:
    """Collects a reader's warnings and raises its errors, both naming the source.

    A file with the same defect on every cue would flood the user, so only the first
    ``MAX_WARNINGS_PER_KIND`` warnings of a kind are kept, followed by one line counting the rest.
    """

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        self.warnings: list[FormatWarning] = []
        self._counts: dict[str, int] = {}
        self._seen: set[tuple[int | None, str]] = set()

    def warn(self, line: int | None, message: str, kind: str | None = None) -> None:
        kind = kind or message
        if (line, message) in self._seen:
            return  # the same defect twice on one line (start and end time) is one warning
        self._seen.add((line, message))
        n = self._counts.get(kind, 0) + 1
        self._counts[kind] = n
        if n <= MAX_WARNINGS_PER_KIND:
            self.warnings.append(FormatWarning(line, message, self.source))

    def fail(self, line: int | None, reason: str) -> NoReturn:
        raise FormatError(self.source, line, reason)

    def finish(self) -> list[FormatWarning]:
        """The warnings, with one summary line per kind that went over the limit."""
        out = sorted(self.warnings, key=lambda w: -1 if w.line is None else w.line)
        for kind, n in self._counts.items():
            if n > MAX_WARNINGS_PER_KIND:
                more = n - MAX_WARNINGS_PER_KIND
                out.append(FormatWarning(None, f"{more} more warning(s) like: {kind}", self.source))
        return out


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` for any of CRLF, CR or LF line ends (line ``i`` is number ``i + 1``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
