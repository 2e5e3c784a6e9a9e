"""The values of a document: words and segments.

Both are immutable: an edit builds a new value with ``dataclasses.replace`` and the history
keeps the old one, which makes undo exact.  Times are integer milliseconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

# Flags a segment can carry.
WORDS_STALE = "words_stale"  # text edited since the words were timed: re-align
TIMES_ESTIMATED = "times_estimated"  # segment times were guessed (split in untimed text, ...)
LOW_CONFIDENCE = "low_confidence"  # engine was unsure
UNMATCHED = "unmatched"  # script line the audio does not contain / speech without script
FAILED = "failed"  # the engine failed on this region
UNTIMED = "untimed"  # imported from a script with no times
OVERLAP = "overlap"  # two speakers talk at once here (speaker detection)
KNOWN_FLAGS = frozenset({WORDS_STALE, TIMES_ESTIMATED, LOW_CONFIDENCE, UNMATCHED, FAILED, UNTIMED,
                         OVERLAP})

# Where a segment's translation stands in review (``Segment.translation_state``; see
# app/core/translation.py for the edits that set it).  A segment without a translation has no
# state (None); a translation with no state (made before states existed) counts as machine-made.
TR_NONE = "none"  # reported for a segment without a translation; never stored
TR_MACHINE = "machine"  # made by a machine (a chat model, Whisper), not reviewed
TR_EDITED = "edited"  # changed by a person, not yet approved
TR_APPROVED = "approved"  # approved by a person
TR_STALE = "stale"  # the source text changed after the translation was made
TRANSLATION_STATES = frozenset({TR_MACHINE, TR_EDITED, TR_APPROVED, TR_STALE})


def new_id() -> str:
    """A short unique segment id, stable across save and load."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: int
    end: int
    probability: float | None = None
    estimated: bool = False

    @property
    def duration(self) -> int:
        return self.end - self.start

    def shifted(self, delta: int) -> Word:
        return replace(self, start=self.start + delta, end=self.end + delta)


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    text: str = ""
    words: tuple[Word, ...] = ()
    speaker: str | None = None
    language: str | None = None
    translation: str | None = None
    flags: frozenset[str] = frozenset()
    id: str = field(default_factory=new_id)
    translation_state: str | None = None  # one of TRANSLATION_STATES, None without translation

    @property
    def duration(self) -> int:
        return self.end - self.start

    @property
    def translation_status(self) -> str:
        """The translation's state as reviewed: ``TR_NONE`` without a translation, else the
        stored state (``TR_MACHINE`` when none is stored)."""
        if not self.translation or not self.translation.strip():
            return TR_NONE
        return self.translation_state or TR_MACHINE

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def with_flags(self, add: tuple[str, ...] | set[str] = (), remove: tuple[str, ...] | set[str] = ()) -> Segment:
        return replace(self, flags=(self.flags - frozenset(remove)) | frozenset(add))

    def shifted(self, delta: int) -> Segment:
        return replace(
            self,
            start=self.start + delta,
            end=self.end + delta,
            words=tuple(w.shifted(delta) for w in self.words),
        )

    def replace(self, **changes) -> Segment:
        return replace(self, **changes)


class InvariantError(ValueError):
    """A segment or document broke one of the model's rules."""


class HasText(Protocol):
    """Anything with a word's text (all :func:`word_spans` reads)."""

    @property
    def text(self) -> str: ...


def word_spans(text: str, words: Sequence[HasText]) -> list[tuple[int, int]] | None:
    """Character spans of ``words`` in ``text``, or ``None`` if they do not compose it.

    Words compose a text when the text is the words in order separated (and surrounded) by
    whitespace only; the separator may be empty, which is how CJK text is written.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    for w in words:
        while pos < n and text[pos].isspace():
            pos += 1
        if not w.text or not text.startswith(w.text, pos):
            return None
        spans.append((pos, pos + len(w.text)))
        pos += len(w.text)
    if text[pos:].strip():
        return None
    return spans


def check_segment(seg: Segment) -> None:
    """Raise ``InvariantError`` if ``seg`` breaks a rule of the model."""
    if seg.start < 0:
        raise InvariantError(f"segment {seg.id}: negative start {seg.start}")
    if seg.start > seg.end:
        raise InvariantError(f"segment {seg.id}: start {seg.start} after end {seg.end}")
    if seg.translation_state is not None and seg.translation_state not in TRANSLATION_STATES:
        raise InvariantError(f"segment {seg.id}: unknown translation state {seg.translation_state!r}")
    prev_end = seg.start
    for w in seg.words:
        if w.start > w.end:
            raise InvariantError(f"segment {seg.id}: word {w.text!r} starts after it ends")
        if w.start < prev_end:
            raise InvariantError(f"segment {seg.id}: word {w.text!r} out of order or before the segment")
        prev_end = w.end
    if seg.words and seg.words[-1].end > seg.end:
        raise InvariantError(f"segment {seg.id}: word {seg.words[-1].text!r} ends after the segment")
    if seg.words and word_spans(seg.text, seg.words) is None:
        raise InvariantError(f"segment {seg.id}: words do not compose the text {seg.text!r}")
