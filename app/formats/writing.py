"""Helpers shared by the writers: what a cue shows, and word times for karaoke output."""

from __future__ import annotations

from collections.abc import Iterable

from app.core.document import Document
from app.core.model import Segment, Word, word_spans
from app.core.words import distribute, split_words
from app.formats.text import normalize_text


def as_document(obj: Document | Iterable[Segment]) -> Document:
    """A document for either a document or any iterable of segments (sorted by time)."""
    if isinstance(obj, Document):
        return obj
    return Document(list(obj))


def text_lines(text: str | None) -> list[str]:
    """The visible lines of ``text`` (see :func:`app.formats.text.normalize_text`)."""
    norm = normalize_text(text or "")
    return norm.split("\n") if norm else []


def cue_lines(seg: Segment, *, speakers: bool = False, bilingual: bool = False) -> list[str]:
    """The lines a plain-text cue shows: optional ``Name: `` prefix and translation lines."""
    lines = text_lines(seg.text)
    if speakers and seg.speaker:
        name = seg.speaker.strip()
        lines = [f"{name}: {lines[0]}" if lines else f"{name}:"] + lines[1:]
    if bilingual:
        lines += text_lines(seg.translation)
    return lines


def timed_words(seg: Segment) -> list[Word]:
    """The segment's words, or words estimated over the cue when it has none."""
    if seg.words:
        return list(seg.words)
    return distribute(split_words(seg.text), seg.start, seg.end)


def word_pieces(seg: Segment, words: list[Word]) -> list[tuple[str, Word | None]]:
    """The cue text cut into ``(piece, word)`` runs in order; separators have ``word=None``.

    Separators holding a line break become ``"\\n"``, so joining the pieces gives the text the
    readers return for this cue.
    """
    spans = word_spans(seg.text, words) or []
    if len(spans) != len(words):  # words not matching the text: estimate fresh ones
        words = distribute(split_words(seg.text), seg.start, seg.end)
        spans = word_spans(seg.text, words) or []
    out: list[tuple[str, Word | None]] = []
    prev = None
    for (s, e), w in zip(spans, words, strict=True):
        if prev is not None:
            sep = seg.text[prev:s]
            sep = "\n" if ("\n" in sep or "\r" in sep) else normalize_text(f"x{sep}x")[1:-1]
            if sep:
                out.append((sep, None))
        out.append((seg.text[s:e], w))
        prev = e
    return out
