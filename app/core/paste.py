"""Pasting segments into a document: copies with new ids, moved so the first one starts at
the paste position, all inserted as ONE undoable command."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.document import Document
from app.core.model import Segment, new_id


def paste_segments(doc: Document, segments: Sequence[Segment], at_ms: int) -> list[str]:
    """Insert copies of ``segments`` (kept in their time order and spacing) starting at
    ``at_ms``; returns the new ids in time order."""
    if not segments:
        return []
    segs = sorted(segments, key=lambda s: (s.start, s.end))
    delta = max(0, int(at_ms)) - segs[0].start
    copies = [s.shifted(delta).replace(id=new_id()) for s in segs]
    with doc.transaction(f"Paste {len(copies)} segment{'s' if len(copies) != 1 else ''}"):
        for c in copies:
            doc.insert_segments(doc.insertion_index(c.start, c.end), (c,))
    return [c.id for c in copies]
