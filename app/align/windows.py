"""Aligning many segments of a recording: grouped into windows of at most ~25 s.

Each segment's expected place (its current times) decides its window: consecutive segments
share one while the window stays under ``max_window_ms``; each window gets ``pad_ms`` of audio
either side, clipped so it does not reach into a neighbour that is not being aligned.  A
segment longer than the aligner takes at once goes to the ``long_window`` hook the caller hands
in (:data:`LongWindow`; the pipeline's is the anchored long alignment,
:func:`app.pipeline.script.align_long`, which first listens to the window); without one the
aligner refuses the window with an :class:`~app.align.errors.AlignError`.

:func:`align_segments` is also the pipeline's word timer: ``(samples, sample_rate, segments,
language) -> segments`` with better word times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.align.base import Aligner, Region
from app.audio.samples import ENGINE_RATE, to_engine_rate
from app.core.cancel import CancelToken, Progress
from app.core.model import TIMES_ESTIMATED, UNTIMED, WORDS_STALE, Segment, Word

MAX_WINDOW_MS = 25_000
PAD_MS = 500

# (aligner, 16 kHz window, texts, language, start_ms of the window, cancel) -> words per text
LongWindow = Callable[[Aligner, np.ndarray, list[str], str | None, int, CancelToken | None],
                      list[list[Word]]]


@dataclass(frozen=True)
class Item:
    """One text to align and where it is expected: ``[start, end]`` ms of the media."""

    key: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    items: tuple[Item, ...]

    @property
    def duration(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Limit:
    """Where an item's window may reach: ``[lo, hi]`` ms, the free space between the
    neighbours that are not aligned with it; ``apart``: such a neighbour lies between this
    item and the previous one (they cannot share a window)."""

    lo: int = 0
    hi: int = 1 << 62
    apart: bool = False


def plan_windows(items: Sequence[Item], total_ms: int, *, max_window_ms: int = MAX_WINDOW_MS,
                 pad_ms: int = PAD_MS, limits: Sequence[Limit] | None = None) -> list[Window]:
    """Consecutive ``items`` grouped into padded windows inside ``[0, total_ms]``."""
    out: list[Window] = []
    group: list[int] = []

    def flush() -> None:
        if not group:
            return
        first, last = items[group[0]], items[group[-1]]
        lo = limits[group[0]].lo if limits else 0
        hi = limits[group[-1]].hi if limits else total_ms
        start = max(0, min(first.start, max(first.start - pad_ms, lo)))
        end = min(total_ms, max(last.end, min(last.end + pad_ms, hi)))
        out.append(Window(start, max(start, end), tuple(items[i] for i in group)))
        group.clear()

    for i, it in enumerate(items):
        if group:
            first = items[group[0]]
            span = max(it.end, items[group[-1]].end) - first.start + 2 * pad_ms
            if span > max_window_ms or (limits is not None and limits[i].apart):
                flush()
        group.append(i)
    flush()
    return out


def neighbour_limits(segments: Sequence[Segment], chosen: set[str]) -> list[Limit]:
    """A :class:`Limit` for each chosen segment, in document order."""
    order = list(segments)
    out = []
    prev_chosen = None
    for i, s in enumerate(order):
        if s.id not in chosen:
            continue
        lo = 0
        for j in range(i - 1, -1, -1):
            if order[j].id not in chosen:
                lo = min(order[j].end, s.start)
                break
        hi = 1 << 62
        for j in range(i + 1, len(order)):
            if order[j].id not in chosen:
                hi = max(order[j].start, s.end)
                break
        apart = prev_chosen is not None and prev_chosen != i - 1
        out.append(Limit(lo, hi, apart))
        prev_chosen = i
    return out


def align_items(aligner: Aligner, samples: np.ndarray, sample_rate: int, items: Sequence[Item],
                language: str | None, *, limits: Sequence[Limit] | None = None,
                speech: Sequence[Region] | None = None, cancel: CancelToken | None = None,
                progress: Callable[[Progress], None] | None = None,
                max_window_ms: int | None = None, pad_ms: int = PAD_MS,
                long_window: LongWindow | None = None) -> dict[str, list[Word]]:
    """Words for each item (by key), aligned window by window in the media ``samples``;
    a window longer than the aligner takes goes to ``long_window`` (see the module doc)."""
    x = to_engine_rate(samples, sample_rate)
    total = int(len(x) * 1000 / ENGINE_RATE)
    cap = int(min(aligner.max_window_s * 1000 - 2 * pad_ms, max_window_ms or MAX_WINDOW_MS))
    windows = plan_windows(items, total, max_window_ms=cap, pad_ms=pad_ms, limits=limits)
    out: dict[str, list[Word]] = {}
    done = 0
    for w in windows:
        if cancel is not None:
            cancel.raise_if_cancelled()
        audio = x[w.start * ENGINE_RATE // 1000:w.end * ENGINE_RATE // 1000]
        texts = [it.text for it in w.items]
        local = None if speech is None else [(a, b) for a, b in speech if b > w.start and a < w.end]
        if w.duration > aligner.max_window_s * 1000 and long_window is not None:
            words = long_window(aligner, audio, texts, language, w.start, cancel)
        else:
            words = aligner.align_texts(audio, ENGINE_RATE, texts, language, w.start, cancel,
                                        speech=local)
        for it, ws in zip(w.items, words, strict=True):
            out[it.key] = ws
        done += len(w.items)
        if progress is not None:
            progress(Progress(done, len(items), "aligning words"))
    return out


def fitted(seg: Segment, words: Sequence[Word], fit: bool) -> Segment:
    """``seg`` with ``words``: its edges moved to them (``fit``) or widened to hold them."""
    words = tuple(words)
    if not words:
        return seg.with_flags(remove={WORDS_STALE})
    if fit:
        start, end = words[0].start, words[-1].end
    else:
        start, end = min(seg.start, words[0].start), max(seg.end, words[-1].end)
    from app.core.words import clamp_words

    return seg.replace(start=start, end=max(start, end),
                       words=tuple(clamp_words(words, start, max(start, end))),
                       flags=seg.flags - {WORDS_STALE, UNTIMED, TIMES_ESTIMATED})


def align_segments(samples: np.ndarray, sample_rate: int, segments: Sequence[Segment],
                   language: str | None, aligner: Aligner | None = None, *,
                   fit: bool = True, cancel: CancelToken | None = None,
                   progress: Callable[[Progress], None] | None = None,
                   speech: Sequence[Region] | None = None,
                   long_window: LongWindow | None = None) -> list[Segment]:
    """``segments`` of the media ``samples`` with aligned words (same order and ids).

    ``fit`` moves each segment's edges to its first and last word (right after a
    transcription); otherwise segments only widen to hold their words.  ``long_window``: see
    :func:`align_items`.
    """
    from app.align.registry import best_aligner

    segs = list(segments)
    aligner = aligner or best_aligner(language)
    todo = [s for s in segs if s.text.strip()]
    items = [Item(s.id, s.text, s.start, s.end) for s in todo]
    limits = neighbour_limits(segs, {s.id for s in todo})
    words = align_items(aligner, samples, sample_rate, items, language, limits=limits,
                        speech=speech, cancel=cancel, progress=progress,
                        long_window=long_window)
    return [fitted(s, words[s.id], fit) if s.id in words else s for s in segs]


def word_timer(aligner: Aligner | None = None, *,
               long_window: LongWindow | None = None) -> Callable[..., list[Segment]]:
    """The pipeline's ``word_timer`` hook backed by an aligner (default: the best one);
    ``long_window`` aligns segments longer than the aligner's window (see :func:`align_items`)."""

    def timer(samples: np.ndarray, sample_rate: int, segments: list[Segment],
              language: str | None) -> list[Segment]:
        from app.align.errors import AlignError

        try:
            return align_segments(samples, sample_rate, segments, language, aligner,
                                  long_window=long_window)
        except AlignError as exc:  # the hook's contract: the engine's word times are kept
            raise RuntimeError(str(exc)) from exc

    return timer
