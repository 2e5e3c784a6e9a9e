"""Speaker edits: what users (and speaker detection) do to the speakers of a document.

Each edit is one undoable step (it joins an outer ``doc.transaction``).  Setting and
renaming live in :mod:`app.core.edits`; this module adds counting who speaks how much (the
Speakers dialog's table), merging several speakers, giving a selection to a speaker, and
applying detected speakers (segments relabelled or split where the
speaker changes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from app.core import edits
from app.core.document import Document
from app.core.model import Segment


def speaker_counts(doc: Document) -> list[tuple[str | None, int, int]]:
    """``(speaker, segments, speaking ms)`` in order of first appearance; no speaker last."""
    counts: dict[str | None, list[int]] = {}
    for s in doc:
        c = counts.setdefault(s.speaker or None, [0, 0])
        c[0] += 1
        c[1] += s.duration
    named: list[tuple[str | None, int, int]] = [(k, v[0], v[1]) for k, v in counts.items()
                                                 if k is not None]
    if None in counts:
        named.append((None, counts[None][0], counts[None][1]))
    return named


def merge_speakers(doc: Document, names: Iterable[str], into: str) -> int:
    """Give every segment of the speakers ``names`` the speaker ``into``; returns how many."""
    wanted = set(names)
    ids = [s.id for s in doc if s.speaker in wanted]
    with doc.transaction("Merge speakers"):
        edits.set_speaker(doc, ids, into)
    return len(ids)


def assign_to_speaker(doc: Document, seg_ids: Iterable[str], speaker: str | None) -> int:
    """Give the selected segments to ``speaker`` (an existing or a new name)."""
    ids = [i for i in seg_ids if i in doc]
    with doc.transaction(f"Assign to {speaker or 'no speaker'}"):
        edits.set_speaker(doc, ids, speaker)
    return len(ids)


def apply_speakers(doc: Document, replacements: Mapping[str, Sequence[Segment]], *,
                   name: str = "Detect speakers") -> int:
    """Replace each segment named in ``replacements`` by its labelled pieces (the first piece
    keeps the id).  Segments edited away meanwhile are skipped; a segment whose text changed
    since detection started keeps its text and only takes the speaker of its first piece.
    Returns the number of segments changed or added."""
    changed = 0
    with doc.transaction(name):
        for seg_id, pieces in replacements.items():
            if seg_id not in doc or not pieces:
                continue
            cur = doc.get(seg_id)
            first = pieces[0]
            original_text = " ".join(p.text for p in pieces)
            if " ".join(cur.text.split()) != " ".join(original_text.split()) \
                    or (cur.start, cur.end) != (first.start, pieces[-1].end):
                if cur.speaker != first.speaker:
                    doc.replace_segment(cur.replace(speaker=first.speaker, flags=first.flags))
                    changed += 1
                continue
            if len(pieces) == 1:
                if cur != first:
                    doc.replace_segment(first)
                    changed += 1
                continue
            doc.replace_segment(first)
            for p in pieces[1:]:
                doc.insert_segments(doc.insertion_index(p.start, p.end), (p,))
            changed += len(pieces)
    return changed
