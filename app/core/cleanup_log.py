"""The cleanup log of a transcription, as the document keeps it, and restoring from it.

A transcription's cleanup removes text the audio did not support (repetition loops, text over
silence...) and records each removal in ``doc.meta["cleanup"]``, a list of dicts ``{reason,
text, start, end[, segment, speech_share, mean_probability, rule]}`` (the evidence for it),
saved with the project and in Cueline JSON.  Restoring an
entry inserts its segment and drops the entry from the log in ONE undoable step ("Restore
removed text"); the Cleanup log dialog (:mod:`app.ui.cleanup_dialog`) only shows and asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.document import Document
from app.core.model import WORDS_STALE, Segment
from app.core.words import distribute, split_words

RESTORE_NAME = "Restore removed text"


def cleanup_entries(doc: Document) -> list[dict[str, Any]]:
    """The document's cleanup log (entries that are not dicts with times are left out)."""
    log = doc.meta.get("cleanup") or []
    out = []
    for e in log if isinstance(log, (list, tuple)) else []:
        if isinstance(e, dict) and isinstance(e.get("start"), int) and isinstance(e.get("end"), int):
            out.append(e)
    return out


def entry_segment(entry: dict[str, Any], language: str | None = None) -> Segment:
    """The segment a log entry restores: the removed segment when the log kept it, else its
    text over its times.  Its word times are estimated and flagged ``WORDS_STALE``, so the
    background re-aligner measures them."""
    seg = entry.get("segment") if isinstance(entry.get("segment"), dict) else None
    src = seg or entry
    text = str(src.get("text") or entry.get("text") or "").strip()
    start = max(0, int(src.get("start", entry["start"])))
    end = max(start, int(src.get("end", entry["end"])))
    words = tuple(distribute(split_words(text), start, end)) if text else ()
    return Segment(start, end, text, words, language=language,
                   flags=frozenset({WORDS_STALE}) if words else frozenset())


def restore_entry(doc: Document, index: int) -> str:
    """Put log entry ``index`` back as a segment, one undoable step; returns its id."""
    log = list(doc.meta.get("cleanup") or [])
    entry = log[index]
    seg = entry_segment(entry, doc.meta.get("language") or None)
    del log[index]
    with doc.transaction(RESTORE_NAME):
        doc.insert_segments(doc.insertion_index(seg.start, seg.end), (seg,))
        doc.set_meta("cleanup", log)
    return seg.id


def restore_entries(doc: Document, entries: Sequence[dict[str, Any]]) -> list[str]:
    """Restore several log entries (the dicts themselves, as :func:`cleanup_entries` gave
    them) in ONE undoable step; entries no longer in the log are skipped.  Returns the ids of
    the restored segments, in the order given."""
    out = []
    with doc.transaction(RESTORE_NAME):
        for entry in entries:
            log = doc.meta.get("cleanup") or []
            index = next((i for i, e in enumerate(log) if e is entry), None)
            if index is not None:
                out.append(restore_entry(doc, index))
    return out
