"""Re-aligning segments after edits: new times for the words a user changed, never worse timing.

Local ("local", after an edit): the words an edit left alone keep their times and confidences
exactly.  Editing a text keeps the times of unchanged words and estimates the others
(:func:`app.core.words.retime_text`), so the runs of *estimated* words are what changed; each
run is aligned with up to :data:`CONTEXT_WORDS` unchanged words either side as context, in the
audio from those words (plus :data:`CONTEXT_MS`), and only the run's words take new times,
which must fit between the unchanged words around it.  A segment with no words, or only
estimated ones, is aligned whole.  "full" (Re-align selection / all) times every word again.

Never worse:

* a segment's edges only grow to hold re-timed words, at most :data:`EDGE_PAD_MS` into the pause
  and never closer than the profile's minimum gap to a neighbour that is not re-aligned with it;
* the new times must be at least as plausible as what was there: the words on speech (voice
  activity in the window) at least as much as the times they replace, not pushed outside the
  room the unchanged words leave them.  Otherwise the old times are kept; estimated words then
  stay estimated and the segment is flagged ``TIMES_ESTIMATED`` (shown in the table and on the
  waveform) instead of ``WORDS_STALE``.

A re-alignment has three parts so the UI stays responsive:

1. :func:`prepare_realign` (UI thread): a snapshot of the segments and their neighbours;
2. :func:`compute_alignment` (worker thread): the aligner's work on the snapshot only, reading
   just the audio around each segment (a memory-mapped int16 recording is never converted
   whole);
3. :func:`apply_realign` (UI thread): the results applied as ONE undoable command, or folded
   into the last one (``amend``: an edit and its re-alignment undo as one step), skipping any
   segment that changed (or was deleted) meanwhile.

:func:`realign` runs the three in a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.align.base import Aligner, Region, window_speech
from app.align.errors import AlignError
from app.align.windows import MAX_WINDOW_MS, LongWindow
from app.audio.samples import ENGINE_RATE, to_engine_rate
from app.core.cancel import CancelToken, Progress
from app.core.document import Document, ReplaceOp
from app.core.history import AMEND
from app.core.model import TIMES_ESTIMATED, UNTIMED, WORDS_STALE, Segment, Word, word_spans
from app.core.words import clamp_words, distribute, split_words

NAME = "Re-align"
MODES = ("local", "full")
EDGE_PAD_MS = 500  # a re-timed first/last word may reach this far into the pause around it
CONTEXT_WORDS = 2  # unchanged words aligned with a changed run, either side, at least...
CONTEXT_SPAN_MS = 4000  # ...and all those within this time of it
CONTEXT_MS = 500  # audio taken beyond the context words
OUTSIDE_TOLERANCE_MS = 120  # new times may spill this far past the unchanged words, no more
MIN_SPEECH_SHARE = 0.5  # new words with less speech under them than this...
WORSE_SHARE = 0.15  # ...and this much less than the old times had, are less plausible
FAR = 1 << 62


@dataclass(frozen=True)
class Target:
    """One segment to re-align, as it was when the re-alignment began.

    ``lo``/``hi``: where its audio may be read (the neighbours' edges, or the recording's);
    ``edge_lo``/``edge_hi``: where its words may reach (the neighbours' edges less the minimum
    gap, never inside the segment's own range); ``joint``: aligned together with the previous
    target (neighbours in the document, both to be aligned whole: the pieces of a split).
    """

    segment: Segment
    lo: int
    hi: int
    edge_lo: int
    edge_hi: int
    mode: str = "local"
    joint: bool = False

    @property
    def key(self) -> str:
        return self.segment.id

    @property
    def text(self) -> str:
        return self.segment.text

    @property
    def whole(self) -> bool:
        """Aligned whole: full mode, or no word times worth keeping."""
        words = self.segment.words
        return (self.mode == "full" or not words or all(w.estimated for w in words)
                or word_spans(self.segment.text, words) is None)


@dataclass(frozen=True)
class RealignPlan:
    """What a re-alignment works on, captured when it began (the prepare step)."""

    targets: tuple[Target, ...]
    language: str | None

    @property
    def items(self) -> tuple[Target, ...]:
        return self.targets


@dataclass
class RealignResult:
    applied: list[str] = field(default_factory=list)  # segment ids given new words
    skipped: list[str] = field(default_factory=list)  # changed or deleted meanwhile
    kept: list[str] = field(default_factory=list)  # new times less plausible: old ones kept
    words: dict[str, list[Word]] = field(default_factory=dict)  # computed, by segment id
    elapsed_s: float = 0.0


def document_language(doc: Document, segment_ids: Iterable[str] = ()) -> str | None:
    """The language to align in: the segments' own, else the document's."""
    for sid in segment_ids:
        if sid in doc and doc.get(sid).language:
            return doc.get(sid).language
    lang = doc.meta.get("language")
    return str(lang) if lang else None


def prepare_realign(doc: Document, segment_ids: Iterable[str], language: str | None = None, *,
                    mode: str = "local", min_gap_ms: int = 0) -> RealignPlan:
    """Snapshot the segments to re-align (unknown ids and empty texts are left out).

    ``mode``: "local" re-times only what an edit changed, "full" every word.  ``min_gap_ms``:
    the profile's minimum gap, kept to neighbours that are not re-aligned with a segment.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    wanted = {sid for sid in segment_ids if sid in doc and doc.get(sid).text.strip()}
    segs = list(doc)
    total = doc.media.duration_ms if doc.media and doc.media.duration_ms else FAR
    targets: list[Target] = []
    for i, s in enumerate(segs):
        if s.id not in wanted:
            continue
        prev = _neighbour(segs, i, -1)
        nxt = _neighbour(segs, i, +1)
        lo = prev.end if prev is not None else 0
        hi = nxt.start if nxt is not None else total
        edge_lo = min(s.start, lo + min_gap_ms if prev is not None else 0)
        edge_hi = max(s.end, hi - min_gap_ms if nxt is not None else total)
        lo, hi = min(lo, s.start), max(hi, s.end)
        t = Target(s, lo, hi, edge_lo, edge_hi, mode)
        if targets and t.whole and targets[-1].whole and i > 0 and segs[i - 1].id == targets[-1].key:
            t = Target(s, lo, hi, edge_lo, edge_hi, mode, joint=True)
        targets.append(t)
    return RealignPlan(tuple(targets), language or document_language(doc, wanted))


def _neighbour(segs: Sequence[Segment], i: int, step: int) -> Segment | None:
    """The nearest segment before (``step`` -1) or after (+1) ``segs[i]`` that is not on top of
    it (an overlapping segment, another speaker's, sets no limit)."""
    s = segs[i]
    j = i + step
    while 0 <= j < len(segs):
        o = segs[j]
        if (step < 0 and o.end <= s.start) or (step > 0 and o.start >= s.end):
            return o
        j += step
    return None


# -- computing (worker thread) ----------------------------------------------------------------
class _Audio:
    """Reads stretches of a recording as 16 kHz float32 (int16 scaled), one at a time."""

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        if sample_rate <= 0:
            raise AlignError(f"invalid sample rate {sample_rate}")
        self.samples = samples
        self.rate = sample_rate
        n = samples.shape[-1] if samples.ndim == 2 else len(samples)
        self.total_ms = int(n * 1000 // sample_rate)

    def read(self, start_ms: int, end_ms: int) -> np.ndarray:
        a = max(0, int(start_ms) * self.rate // 1000)
        b = max(a, min(self.total_ms * self.rate // 1000, int(end_ms) * self.rate // 1000))
        x = self.samples[..., a:b]
        return to_engine_rate(np.asarray(x), self.rate)


def compute_alignment(plan: RealignPlan, samples: np.ndarray, sample_rate: int,
                      aligner: Aligner | None = None, *, cancel: CancelToken | None = None,
                      progress: Callable[[Progress], None] | None = None,
                      long_window: LongWindow | None = None) -> dict[str, list[Word]]:
    """The words each segment of the plan should have, by id (safe in a worker thread).

    Unchanged words come back as they were; a segment whose new times were less plausible
    comes back with its old words (apply flags it).  Segments aligned whole in a window
    longer than the aligner takes go to ``long_window`` (the pipeline's anchored alignment,
    :func:`app.pipeline.script.long_window`); without it they keep their words.
    """
    from app.align.registry import best_aligner

    if not plan.targets:
        return {}
    aligner = aligner or best_aligner(plan.language)
    audio = _Audio(np.asarray(samples), sample_rate)
    if audio.total_ms <= 0:
        raise AlignError("no audio to re-align with")
    out: dict[str, list[Word]] = {}
    groups: list[list[Target]] = []
    cap = min(MAX_WINDOW_MS, int(aligner.max_window_s * 1000)) - 2 * EDGE_PAD_MS
    for t in plan.targets:
        if t.joint and groups and t.segment.end - groups[-1][0].segment.start <= cap:
            groups[-1].append(t)
        else:
            groups.append([t])
    done = 0
    for group in groups:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if group[0].whole:
            out.update(_align_whole(aligner, audio, group, plan.language, cancel, long_window))
        else:
            t = group[0]
            out[t.key] = _align_local(aligner, audio, t, plan.language, cancel)
        done += len(group)
        if progress is not None:
            progress(Progress(done, len(plan.targets), "aligning words"))
    return out


def _speech(audio: _Audio, lo: int, hi: int) -> list[Region]:
    """Speech regions (media ms) of ``[lo, hi]``."""
    x = audio.read(lo, hi)
    if len(x) < ENGINE_RATE // 10:
        return []
    return [(a + lo, b + lo) for a, b in window_speech(x)]


def speech_share(words: Sequence[Word], speech: Sequence[Region]) -> float:
    """Share of the words' time that is speech (0 for words with no time)."""
    total = sum(max(0, w.end - w.start) for w in words)
    if total <= 0:
        return 0.0
    on = 0
    for w in words:
        for a, b in speech:
            if b > w.start and a < w.end:
                on += min(b, w.end) - max(a, w.start)
    return on / total


def _runs(words: Sequence[Word]) -> list[tuple[int, int]]:
    """``[i, j]`` (inclusive) runs of estimated words."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i].estimated:
            j = i
            while j + 1 < len(words) and words[j + 1].estimated:
                j += 1
            out.append((i, j))
            i = j + 1
        else:
            i += 1
    return out


def _align_local(aligner: Aligner, audio: _Audio, t: Target, language: str | None,
                 cancel: CancelToken | None) -> list[Word]:
    """Each run of estimated words re-timed between the unchanged words around it."""
    seg = t.segment
    words = list(seg.words)
    spans = word_spans(seg.text, seg.words)
    assert spans is not None  # Target.whole otherwise
    reach_lo = max(t.lo, t.edge_lo, seg.start - EDGE_PAD_MS)
    reach_hi = min(t.hi, t.edge_hi, seg.end + EDGE_PAD_MS)
    speech = _speech(audio, max(t.lo, reach_lo - CONTEXT_MS), min(t.hi, reach_hi + CONTEXT_MS))
    for i, j in _runs(words):
        left = words[i - 1].end if i > 0 else reach_lo
        right = words[j + 1].start if j + 1 < len(words) else reach_hi
        a, b = i, j  # unchanged words around the run as context: a few, or a few seconds
        while a > 0 and (i - a < CONTEXT_WORDS or words[i].start - words[a - 1].start
                         <= CONTEXT_SPAN_MS):
            a -= 1
        while b + 1 < len(words) and (b - j < CONTEXT_WORDS or words[b + 1].end - words[j].end
                                      <= CONTEXT_SPAN_MS):
            b += 1
        w_lo = (words[a].start if a < i else left) - CONTEXT_MS
        w_hi = (words[b].end if b > j else right) + CONTEXT_MS
        w_lo, w_hi = max(t.lo, w_lo), min(t.hi, w_hi)
        if a == i:  # nothing unchanged before the run: the audio starts where it may
            w_lo = max(t.lo, min(w_lo, reach_lo))
        if b == j:
            w_hi = min(t.hi, max(w_hi, reach_hi))
        text = seg.text[spans[a][0]:spans[b][1]]
        x = audio.read(w_lo, w_hi)
        try:
            aligned = aligner.align(x, ENGINE_RATE, text, language, w_lo, cancel,
                                    speech=[r for r in speech if r[1] > w_lo and r[0] < w_hi])
        except AlignError:
            continue  # keep the estimate (flagged when applied)
        if len(aligned) != b - a + 1:
            continue
        new = aligned[i - a:j - a + 1]
        old = words[i:j + 1]
        if _plausible(new, old, left, right, speech):
            fitted = clamp_words(new, max(left, reach_lo), max(left, right))
            words[i:j + 1] = [Word(w.text, w.start, w.end, n.probability, n.estimated)
                              for w, n in zip(fitted, new, strict=True)]
    return words


def _plausible(new: Sequence[Word], old: Sequence[Word], left: int, right: int,
               speech: Sequence[Region]) -> bool:
    """Whether re-timed words are at least as believable as the times they replace: inside the
    room left to them, on speech, and with times the aligner measured."""
    if not new or all(w.estimated for w in new):
        return False
    outside = max(0, left - new[0].start) + max(0, new[-1].end - right)
    if outside > OUTSIDE_TOLERANCE_MS:
        return False
    if speech:
        share, before = speech_share(new, speech), speech_share(old, speech)
        if share < MIN_SPEECH_SHARE and share < before:
            return False
        if share < before - WORSE_SHARE:
            return False
    return True


def _align_whole(aligner: Aligner, audio: _Audio, group: list[Target], language: str | None,
                 cancel: CancelToken | None,
                 long_window: LongWindow | None = None) -> dict[str, list[Word]]:
    """Segments aligned whole (together when they are neighbours), each inside its room."""
    first, last = group[0], group[-1]
    lo = max(first.lo, first.edge_lo, first.segment.start - EDGE_PAD_MS)
    hi = min(last.hi, last.edge_hi, last.segment.end + EDGE_PAD_MS)
    x = audio.read(lo, hi)
    texts = [t.text for t in group]
    if (hi - lo) > aligner.max_window_s * 1000:
        if long_window is None:  # longer than the aligner takes, and no one to help: kept
            return {t.key: list(t.segment.words) for t in group}
        words = long_window(aligner, x, texts, language, lo, cancel)
        speech: list[Region] = []
    else:
        speech = _speech(audio, lo, hi)
        words = aligner.align_texts(x, ENGINE_RATE, texts, language, lo, cancel, speech=speech)
    out: dict[str, list[Word]] = {}
    for k, (t, ws) in enumerate(zip(group, words, strict=True)):
        seg = t.segment
        room_lo = max(lo, t.edge_lo) if k == 0 else min(seg.start, ws[0].start if ws else seg.start)
        room_hi = min(hi, t.edge_hi) if k == len(group) - 1 else max(seg.end, ws[-1].end if ws else seg.end)
        old = list(seg.words) if seg.words and word_spans(seg.text, seg.words) is not None \
            else distribute(split_words(seg.text), seg.start, seg.end)
        new = clamp_words(ws, room_lo, max(room_lo, room_hi)) if ws else ws
        if new and _plausible(new, old, room_lo, room_hi, speech):
            out[t.key] = new
        else:
            out[t.key] = old
    return out


# -- applying (UI thread) --------------------------------------------------------------------
def apply_realign(doc: Document, plan: RealignPlan, words: dict[str, list[Word]], *,
                  amend: bool = False) -> RealignResult:
    """Apply computed words as one undoable "Re-align" step (UI thread).

    ``amend`` folds the change into the last undo step instead (the edit that made the words
    stale), keeping the redo stack: an edit and its re-alignment undo together, and a
    re-alignment after an undo does not wipe what can be redone.  A segment that changed in
    any way since the re-alignment began is skipped (its text, times or words are not the snapshot's).
    """
    result = RealignResult(words=dict(words))
    changes: list[Segment] = []
    for t in plan.targets:
        ws = words.get(t.key)
        if ws is None:
            continue
        if t.key not in doc or not _same(doc.get(t.key), t.segment):
            result.skipped.append(t.key)
            continue
        kept = _kept(t, ws)
        new = _realigned(t, ws, kept)
        if word_spans(new.text, new.words) is None:
            raise ValueError(f"aligned words do not compose the text of segment {t.key}")
        if kept:
            result.kept.append(t.key)
        result.applied.append(t.key)
        changes.append(new)
    if not changes:
        return result
    if amend and not doc.history.can_amend:
        # nothing to fold into, and a redo stack to keep: the words stay stale for now
        result.skipped.extend(result.applied)
        result.applied.clear()
        result.kept.clear()
        return result
    keep_redo = amend and doc.history.can_redo
    try:
        with doc.transaction(NAME, merge_key=AMEND if amend else None) as tx:
            for seg in changes:
                doc.replace_segment(seg)
            if keep_redo and any(not isinstance(op, ReplaceOp) for op in tx.ops):
                raise _Reordered  # positions changed: the redo stack would no longer hold
    except _Reordered:
        result.skipped.extend(result.applied)
        result.applied.clear()
        result.kept.clear()
    return result


class _Reordered(Exception):
    """Rolls back an amending re-alignment that would move segments past each other."""


def _same(a: Segment, b: Segment) -> bool:
    return (a.text, a.start, a.end, a.words) == (b.text, b.start, b.end, b.words)


def _kept(t: Target, words: Sequence[Word]) -> bool:
    """Whether the new times were refused (less plausible) and old ones came back."""
    seg = t.segment
    if t.whole:
        old = list(seg.words) if seg.words and word_spans(seg.text, seg.words) is not None \
            else distribute(split_words(seg.text), seg.start, seg.end)
        return list(words) == old
    return any(a.estimated and a == b for a, b in zip(seg.words, words, strict=False))


def _realigned(t: Target, words: Sequence[Word], kept: bool) -> Segment:
    """The target's segment with ``words``: edges grown to hold them (never shrunk); flagged
    ``TIMES_ESTIMATED`` when old estimated times had to be kept."""
    seg = t.segment
    words = list(words)
    start, end = seg.start, seg.end
    if words:
        start = min(start, max(words[0].start, t.edge_lo))
        end = max(end, min(words[-1].end, t.edge_hi))
        words = clamp_words(words, start, end)
    flags = seg.flags - {WORDS_STALE, UNTIMED}
    flags = flags | {TIMES_ESTIMATED} if kept and any(w.estimated for w in words) \
        else flags - {TIMES_ESTIMATED}
    return seg.replace(start=start, end=max(start, end), words=tuple(words), flags=flags)


def realign(doc: Document, segment_ids: Sequence[str], samples: np.ndarray, sample_rate: int,
            aligner: Aligner | None = None, language: str | None = None,
            cancel: CancelToken | None = None,
            progress: Callable[[Progress], None] | None = None, *, mode: str = "local",
            min_gap_ms: int = 0, amend: bool = False,
            long_window: LongWindow | None = None) -> RealignResult:
    """Re-align ``segment_ids`` of ``doc`` against the media ``samples``, in one undo step
    (``amend``: folded into the last one); ``long_window``: see :func:`compute_alignment`."""
    t0 = time.monotonic()
    plan = prepare_realign(doc, segment_ids, language, mode=mode, min_gap_ms=min_gap_ms)
    words = compute_alignment(plan, samples, sample_rate, aligner, cancel=cancel,
                              progress=progress, long_window=long_window)
    result = apply_realign(doc, plan, words, amend=amend)
    result.elapsed_s = time.monotonic() - t0
    return result
