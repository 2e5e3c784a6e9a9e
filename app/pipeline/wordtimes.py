"""Word timestamps on every segment: the engine's words made to fit the segment's text,
clamped inside it and monotonic, edges moved out of silence; an optional aligner hook.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from app.core.model import TIMES_ESTIMATED, InvariantError, Segment, Word, check_segment
from app.core.words import clamp_words, compose_words, distribute
from app.pipeline.types import Draft, WordTimer

log = logging.getLogger(__name__)

MAX_SNAP_MS = 1000  # an edge inside silence is moved at most this far onto speech


def _region_at(t: int, regions: Sequence[tuple[int, int]]) -> int | None:
    """Index of the region containing ``t``, or None when ``t`` is in a gap."""
    for i, (s, e) in enumerate(regions):
        if s <= t < e:
            return i
        if s > t:
            return None
    return None


def snap_to_speech(d: Draft, regions: Sequence[tuple[int, int]] | None) -> None:
    """Move a segment's edges that lie in silence onto the nearest speech inside it."""
    if not regions or not d.words:
        return
    first, last = d.words[0], d.words[-1]
    if _region_at(first.start, regions) is None:
        nxt = next(((s, e) for s, e in regions if s > first.start), None)
        if nxt is not None and nxt[0] - first.start <= MAX_SNAP_MS and nxt[0] < first.end:
            d.words[0] = Word(first.text, nxt[0], first.end, first.probability, first.estimated)
            d.start = max(d.start, nxt[0])
    last = d.words[-1]
    if _region_at(max(last.start, last.end - 1), regions) is None:
        prev = next(((s, e) for s, e in reversed(regions) if e < last.end), None)
        if prev is not None and last.end - prev[1] <= MAX_SNAP_MS and prev[1] > last.start:
            d.words[-1] = Word(last.text, last.start, prev[1], last.probability, last.estimated)
            d.end = min(d.end, prev[1])


def finish_draft(d: Draft, regions: Sequence[tuple[int, int]] | None) -> Draft:
    """Give ``d`` words that compose its text, fit inside it and avoid silence at its edges."""
    d.words = compose_words(d.text, d.words, d.start, d.end)
    if d.words and not d.words_estimated:
        d.start, d.end = min(d.start, d.words[0].start), max(d.end, d.words[-1].end)
    snap_to_speech(d, regions)
    if d.words:
        if d.words_estimated or all(w.estimated for w in d.words):
            d.words = distribute([w.text for w in d.words], d.start, d.end)
        d.words = clamp_words(d.words, d.start, d.end)
        if not d.words_estimated:
            d.start = d.words[0].start
            d.end = max(d.words[-1].end, d.start)
    if d.words_estimated:
        d.flags.add(TIMES_ESTIMATED)
    return d


def apply_word_timer(word_timer: WordTimer, samples: np.ndarray, sample_rate: int,
                     segments: list[Segment], language: str | None,
                     warnings: list[str]) -> list[Segment]:
    """Run the aligner hook; keep the engine's words if it fails or breaks the model's rules."""
    if not segments:
        return segments
    try:
        timed = list(word_timer(samples, sample_rate, segments, language))
        for s in timed:
            check_segment(s)
    except (InvariantError, ValueError, RuntimeError, IndexError) as exc:
        warnings.append(f"word alignment failed, engine word times kept: {exc}")
        log.warning("word timer failed: %s", exc)
        return segments
    if len(timed) != len(segments):
        warnings.append("word alignment changed the number of segments; engine times kept")
        return segments
    return timed
