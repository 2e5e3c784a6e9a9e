"""Re-aligning segments after edits: new word times for the segments a user changed.

A job has three parts so the UI stays responsive:

1. :func:`prepare_realign` (UI thread): a snapshot of the segments' ids, texts and times;
2. :func:`compute_alignment` (worker thread): the aligner's work on the snapshot only;
3. :func:`apply_realign` (UI thread): the results applied as ONE undoable command
   ("Re-align"), skipping any segment whose text changed (or that was deleted) meanwhile.

:func:`realign` runs the three in a row.  Each segment is aligned in a window of its own
times plus a margin, clipped to the neighbours that are not re-aligned with it; neighbouring
segments re-aligned together (the pieces of a split, say) share a window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.align.base import SAMPLE_RATE, Aligner, to_16k
from app.align.errors import AlignError
from app.align.windows import PAD_MS, Item, Limit, align_items, neighbour_limits
from app.core.cancel import CancelToken, Progress
from app.core.document import Document
from app.core.model import Word


@dataclass(frozen=True)
class RealignJob:
    """What a re-align job works on, captured when it began."""

    items: tuple[Item, ...]  # key = segment id, text as it was
    limits: tuple[Limit, ...]
    language: str | None


@dataclass
class RealignResult:
    applied: list[str] = field(default_factory=list)  # segment ids given new words
    skipped: list[str] = field(default_factory=list)  # changed or deleted meanwhile
    words: dict[str, list[Word]] = field(default_factory=dict)  # computed, by segment id
    elapsed_s: float = 0.0


def document_language(doc: Document, segment_ids: Iterable[str] = ()) -> str | None:
    """The language to align in: the segments' own, else the document's."""
    for sid in segment_ids:
        if sid in doc and doc.get(sid).language:
            return doc.get(sid).language
    lang = doc.meta.get("language")
    return str(lang) if lang else None


def prepare_realign(doc: Document, segment_ids: Iterable[str],
                    language: str | None = None) -> RealignJob:
    """Snapshot the segments to re-align (unknown ids and empty texts are left out)."""
    wanted = {sid for sid in segment_ids if sid in doc and doc.get(sid).text.strip()}
    segs = [s for s in doc if s.id in wanted]
    limits = neighbour_limits(list(doc), wanted)
    items = tuple(Item(s.id, s.text, s.start, s.end) for s in segs)
    return RealignJob(items, tuple(limits), language or document_language(doc, wanted))


def compute_alignment(job: RealignJob, samples: np.ndarray, sample_rate: int,
                      aligner: Aligner | None = None, *, cancel: CancelToken | None = None,
                      progress: Callable[[Progress], None] | None = None,
                      pad_ms: int = PAD_MS) -> dict[str, list[Word]]:
    """Words for each segment of the job, by id (safe to run in a worker thread)."""
    from app.align.registry import best_aligner

    if not job.items:
        return {}
    aligner = aligner or best_aligner(job.language)
    x = to_16k(samples, sample_rate)
    if len(x) == 0:
        raise AlignError("no audio to re-align with")
    return align_items(aligner, x, SAMPLE_RATE, job.items, job.language,
                       limits=list(job.limits), cancel=cancel, progress=progress, pad_ms=pad_ms)


def apply_realign(doc: Document, job: RealignJob, words: dict[str, list[Word]]) -> RealignResult:
    """Apply computed words as one undoable "Re-align" step (UI thread)."""
    from app.core.edits import apply_alignment

    result = RealignResult(words=dict(words))
    with doc.transaction("Re-align"):
        for it in job.items:
            ws = words.get(it.key)
            if ws is None:
                continue
            if apply_alignment(doc, it.key, ws, it.text):
                result.applied.append(it.key)
            else:
                result.skipped.append(it.key)
    return result


def realign(doc: Document, segment_ids: Sequence[str], samples: np.ndarray, sample_rate: int,
            aligner: Aligner | None = None, language: str | None = None,
            cancel: CancelToken | None = None,
            progress: Callable[[Progress], None] | None = None) -> RealignResult:
    """Re-align ``segment_ids`` of ``doc`` against the media ``samples``, in one undo step."""
    t0 = time.monotonic()
    job = prepare_realign(doc, segment_ids, language)
    words = compute_alignment(job, samples, sample_rate, aligner, cancel=cancel,
                              progress=progress)
    result = apply_realign(doc, job, words)
    result.elapsed_s = time.monotonic() - t0
    return result
