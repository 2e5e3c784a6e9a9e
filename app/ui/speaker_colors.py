"""A colour per speaker, the same in the table and on the waveform.

Speakers take the colours of :data:`PALETTE` in the order they first speak in the document,
so two speakers never share a colour until there are more speakers than colours (then the
palette repeats).  The table and the waveform each keep one :class:`SpeakerColors` and refresh
it when the document changes."""

from __future__ import annotations

from PySide6.QtGui import QColor

from app.core.document import Document

# distinct hues, readable as tints on light and dark bases (Okabe-Ito-like, colour-blind safe)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6BB1",
           "#B8A200")


class SpeakerColors:
    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def refresh(self, doc: Document) -> bool:
        """Recompute the order of the speakers; True when it changed."""
        index = {name: i for i, name in enumerate(doc.speakers())}
        if index == self._index:
            return False
        self._index = index
        return True

    def color(self, speaker: str | None) -> QColor | None:
        """The speaker's colour, or None for no speaker."""
        if not speaker:
            return None
        i = self._index.get(speaker)
        if i is None:
            i = sum(map(ord, speaker))
        return QColor(PALETTE[i % len(PALETTE)])

    def tint(self, speaker: str | None, base: QColor, amount: float) -> QColor | None:
        """The speaker's colour mixed into ``base`` (an opaque fill)."""
        c = self.color(speaker)
        if c is None:
            return None
        return QColor(int(base.red() + (c.red() - base.red()) * amount),
                      int(base.green() + (c.green() - base.green()) * amount),
                      int(base.blue() + (c.blue() - base.blue()) * amount))
