"""Word times refined without re-aligning: the engine's own word boundaries moved out of the
silences around them (the same edge snapping the aligners use, see :mod:`app.align.edges`).

Whisper's word edges come from the same cross-attention alignment the Whisper aligner uses, so
they are already in the right order and roughly in place; what is wrong is where they stand
relative to pauses (~180 ms mean start error on speech with known timing).  Snapping them to
the speech edges brings that to ~20 ms at a fraction of the cost of a second alignment pass
(no second encoder run): measured in ``packaging/bench/bench_align.py`` and the pipeline
benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.model import Segment, Word

MARGIN_MS = 1000


def snap_segments(samples: np.ndarray, sample_rate: int, segments: Sequence[Segment],
                  language: str | None = None, *,
                  speech: Sequence[tuple[int, int]] | None = None) -> list[Segment]:
    """``segments`` (times in ms of ``samples``) with word edges moved out of silences and each
    segment fitted to its words.  Segments without words are returned as they are.

    ``speech``: the speech regions of ``samples`` (ms, as ``window_speech`` finds them) when
    the caller already has them (the pipeline's voice activity): not detected again."""
    from app.align.base import window_speech
    from app.align.edges import silences, snap_edges
    from app.align.windows import fitted
    from app.core.words import word_weight

    timed = [s for s in segments if s.words and not all(w.estimated for w in s.words)]
    if not timed:
        return list(segments)
    total_ms = int(len(samples) * 1000 / sample_rate)
    lo = max(0, min(s.start for s in timed) - MARGIN_MS)
    hi = min(total_ms, max(s.end for s in timed) + MARGIN_MS)
    per_ms = sample_rate / 1000.0
    x = np.asarray(samples[int(lo * per_ms):int(hi * per_ms)], dtype=np.float32)
    if x.size == 0:
        return list(segments)
    if speech is None:
        found = window_speech(x)
    else:
        found = [(max(0, s - lo), e - lo) for s, e in speech if e > lo and s < hi]
    sil = silences(x, sample_rate, speech=found)
    timed_ids = {s.id for s in timed}
    out = []
    for seg in segments:
        if seg.id not in timed_ids:
            out.append(seg)
            continue
        times = [[float(w.start - lo), float(w.end - lo)] for w in seg.words]
        snapped = snap_edges(times, sil, weights=[word_weight(w.text) for w in seg.words])
        words = [Word(w.text, int(round(a + lo)), int(round(b + lo)), w.probability, w.estimated)
                 for w, (a, b) in zip(seg.words, snapped, strict=True)]
        prev = 0
        for i, w in enumerate(words):  # rounding may touch the previous word: keep order
            s = max(w.start, prev)
            words[i] = Word(w.text, s, max(s, w.end), w.probability, w.estimated)
            prev = words[i].end
        out.append(fitted(seg, words, True))
    return out
