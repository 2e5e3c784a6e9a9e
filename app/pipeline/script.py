"""Aligning a script: text with no times (or wrong ones) plus a recording -> timed segments.

A pipeline job above the aligners: it listens first (a transcription), then aligns.  The
aligners (:mod:`app.align`) never call back up: windows longer than an aligner takes reach
this module's anchored long alignment through the ``long_window`` hook
(:func:`long_window`) the pipeline hands them.

For recordings of any length (hours):

1. a quick transcription with word times (the bundled ``tiny.en`` for English, ``base``
   otherwise) through :func:`app.pipeline.transcribe.transcribe_samples`;
2. anchoring (:mod:`app.align.anchors`): the heard words matched to the script's words give
   the lines the audio contains and a rough time for each of their words;
3. the heard lines cut into pieces of at most ~25 s and aligned window by window with the
   real aligner (:func:`app.align.windows.align_items`);
4. lines the quick transcription missed are tried where speech is left between their
   neighbours, and kept when the aligner is confident (it drops a sentence now and then).

Script lines the audio does not contain are not forced into wrong times: they come back
flagged ``UNMATCHED`` with times estimated between their neighbours.  Speech the script does
not contain comes back as extra segments (its heard text, aligned) flagged ``UNMATCHED``.
Both are listed in :attr:`ScriptResult.unmatched`.
"""

from __future__ import annotations

import bisect
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.align.anchors import Anchoring, anchor, rough_times, unmatched_heard
from app.align.base import Aligner, Region
from app.align.errors import AlignError
from app.align.windows import MAX_WINDOW_MS, PAD_MS, Item, Limit, align_items
from app.audio.samples import ENGINE_RATE, audio_window, to_engine_rate
from app.core.cancel import Cancelled, CancelToken, Progress
from app.core.model import (
    TIMES_ESTIMATED,
    UNMATCHED,
    UNTIMED,
    WORDS_STALE,
    Segment,
    Word,
)
from app.core.words import compose_words, distribute, split_words

ProgressFn = Callable[[Progress], None]
# a line the quick transcription missed is heard after all when VERIFY_SHARE of its words
# align with a probability of at least VERIFY_PROBABILITY (measured with base on espeak-ng
# speech: lines that are spoken >= 0.375, other lines forced there <= 0.17)
VERIFY_PROBABILITY = 0.3
VERIFY_SHARE = 0.3
EXTRA_WORDS = 3  # unmatched heard words between lines, beyond their edge words: extra speech
MIN_GAP_SPEECH_MS = 300  # speech left between heard lines worth trying a missed line on


@dataclass(frozen=True)
class Unmatched:
    """A script line the audio lacks (``kind="script"``) or speech the script lacks
    (``kind="speech"``), with the segment that holds it and its (estimated) times."""

    kind: str
    text: str
    start: int
    end: int
    segment_id: str
    line: int | None = None  # index of the script line

    def describe(self) -> str:
        from app.core.timecode import format_timecode

        where = f"{format_timecode(self.start, '.')}-{format_timecode(self.end, '.')}"
        if self.kind == "script":
            return f"line {self.line + 1 if self.line is not None else '?'} not found in the " \
                   f"audio (placed at {where}): {self.text!r}"
        return f"speech not in the script at {where}: {self.text!r}"


@dataclass
class ScriptResult:
    segments: list[Segment]
    unmatched: list[Unmatched] = field(default_factory=list)
    language: str | None = None
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


def transcribe_words(samples_16k: np.ndarray, language: str | None, model: str | None = None,
                     cancel: CancelToken | None = None,
                     progress: ProgressFn | None = None) -> tuple[list[Word], str | None]:
    """Words heard in the recording (quick, greedy decoding) and its language."""
    from app.engines.base import TranscribeOptions
    from app.pipeline.transcribe import transcribe_samples
    from app.pipeline.types import PipelineOptions

    if model is None:
        model = "tiny.en" if language == "en" else "base"
    options = PipelineOptions(
        engine="whisper", model=model,
        decode=TranscribeOptions(language=language, beam_size=1, best_of=1,
                                 word_timestamps=True))

    def report(p: Progress) -> None:
        if progress is not None:
            progress(Progress(p.done, p.total, f"listening: {p.message}"))

    result = transcribe_samples(samples_16k, options, cancel=cancel, progress=report)
    if result.cancelled or (cancel is not None and cancel.cancelled):
        raise Cancelled()
    words = sorted((w for s in result.segments for w in s.words), key=lambda w: w.start)
    return words, result.language or language


@dataclass
class _Lines:
    """The outcome of aligning lines of text: words per line, whether each was heard."""

    words: list[list[Word]]
    heard: list[bool]
    anchoring: Anchoring
    extra: list[list[Word]]


def _pieces(anch: Anchoring, rough: dict[int, tuple[int, int]], cap: int) -> list[tuple[int, list[int]]]:
    """Heard lines cut into pieces whose rough span is at most ``cap`` ms: (line, word ids)."""
    out: list[tuple[int, list[int]]] = []
    for line, heard in enumerate(anch.line_heard):
        if not heard:
            continue
        ids = anch.line_words(line)
        cur: list[int] = []
        for k in ids:
            if cur and rough[k][1] - rough[cur[0]][0] > cap:
                out.append((line, cur))
                cur = []
            cur.append(k)
        if cur:
            out.append((line, cur))
    return out


def _limits(anch: Anchoring, pieces: list[tuple[int, list[int]]],
            rough: dict[int, tuple[int, int]]) -> list[Limit]:
    """Pieces never share a window across an unheard line or speech the script lacks, and
    their windows stop at that speech.

    Heard words that match nothing between two pieces are speech the script lacks when they
    outnumber the pieces' unanchored edge words (which they may simply be, misheard) by
    ``EXTRA_WORDS`` or more.
    """
    used = set(anch.anchors.values())
    stray_words = [w for h, w in enumerate(anch.heard) if h not in used]
    mids = [(w.start + w.end) // 2 for w in stray_words]
    lo = [0] * len(pieces)
    hi = [1 << 62] * len(pieces)
    apart = [False] * len(pieces)

    def loose(ids: list[int], reverse: bool) -> int:
        n = 0
        for k in reversed(ids) if reverse else ids:
            if k in anch.anchors:
                break
            n += 1
        return n

    for n in range(1, len(pieces)):
        (pl, pids), (line, ids) = pieces[n - 1], pieces[n]
        a, b = rough[pids[-1]][1], rough[ids[0]][0]
        stray = stray_words[bisect.bisect_right(mids, a):bisect.bisect_left(mids, b)]
        edge = loose(pids, True) + loose(ids, False)
        if len(stray) >= edge + EXTRA_WORDS:
            apart[n] = True
            hi[n - 1] = max(a, stray[0].start)
            lo[n] = min(b, stray[-1].end)
        if any(not anch.line_heard[i] for i in range(pl + 1, line)):
            apart[n] = True
    return [Limit(lo[n], hi[n], apart[n]) for n in range(len(pieces))]


def _align_lines(aligner: Aligner, x: np.ndarray, lines: Sequence[str], language: str | None,
                 heard: Sequence[Word], cancel: CancelToken | None,
                 progress: ProgressFn | None, speech: Sequence[Region] | None = None) -> _Lines:
    total = int(len(x) * 1000 / ENGINE_RATE)
    anch = anchor(lines, heard)
    rough = rough_times(anch, total)
    cap = int(min(aligner.max_window_s * 1000, MAX_WINDOW_MS + 2 * PAD_MS)) - 2 * PAD_MS
    pieces = _pieces(anch, rough, cap - 1000)
    items: list[Item] = []
    for n, (_line, ids) in enumerate(pieces):
        s = rough[ids[0]][0]
        e = max(s, rough[ids[-1]][1])
        if e - s > cap:  # one word with a wild rough time: keep its window in bounds
            mid = (s + e) // 2
            s, e = mid - cap // 2, mid + cap // 2
        items.append(Item(str(n), " ".join(anch.words[k].text for k in ids), max(0, s),
                          min(total, e)))
    limits = _limits(anch, pieces, rough)
    timed = align_items(aligner, x, ENGINE_RATE, items, language, limits=limits,
                        speech=speech, cancel=cancel, progress=progress,
                        long_window=long_window)
    per_line: list[list[Word]] = [[] for _ in lines]
    for n, (line, _ids) in enumerate(pieces):
        per_line[line].extend(timed[str(n)])
    # keep each line's words monotonic across its pieces
    for line, ws in enumerate(per_line):
        fixed: list[Word] = []
        for w in ws:
            if fixed and w.start < fixed[-1].end:
                w = Word(w.text, fixed[-1].end, max(fixed[-1].end, w.end), w.probability, True)
            fixed.append(w)
        per_line[line] = fixed
    line_heard = list(anch.line_heard)
    _verify_unheard(aligner, x, lines, language, per_line, line_heard, cap, cancel)
    spans = [(ws[0].start, ws[-1].end) for ws in per_line if ws]
    extra = unmatched_heard(anch, spans)
    return _Lines(per_line, line_heard, anch, extra)


def _verify_unheard(aligner: Aligner, x: np.ndarray, lines: Sequence[str],
                    language: str | None, per_line: list[list[Word]], line_heard: list[bool],
                    cap: int, cancel: CancelToken | None) -> None:
    """Try the lines the quick transcription missed where speech is left between their
    heard neighbours; keep those the aligner is confident about (heard after all).

    The quick transcription drops or garbles a sentence now and then.  Forced onto audio
    that does not hold them, words get tiny probabilities; a line is kept when a share
    ``VERIFY_SHARE`` of its words, and at least two, reach ``VERIFY_PROBABILITY``.  Aligners that report no
    probabilities (Qwen) keep such lines unmatched.
    """
    from app.audio.vad import SpeechMap, speech_regions

    total = int(len(x) * 1000 / ENGINE_RATE)
    smap: SpeechMap | None = None
    n = len(lines)
    i = 0
    while i < n:
        if line_heard[i]:
            i += 1
            continue
        j = i
        while j < n and not line_heard[j]:
            j += 1
        lo = next((per_line[k][-1].end for k in range(i - 1, -1, -1) if per_line[k]), 0)
        hi = next((per_line[k][0].start for k in range(j, n) if per_line[k]), total)
        if MIN_GAP_SPEECH_MS <= hi - lo <= cap + 2 * PAD_MS:
            if smap is None:
                smap = SpeechMap(speech_regions(x, ENGINE_RATE, cancel=cancel), total)
            if smap.overlap_ms(lo, hi) >= MIN_GAP_SPEECH_MS:
                audio = x[lo * ENGINE_RATE // 1000:hi * ENGINE_RATE // 1000]
                timed = aligner.align_texts(audio, ENGINE_RATE, list(lines[i:j]), language, lo,
                                            cancel)
                for k, ws in zip(range(i, j), timed, strict=True):
                    probs = np.array([w.probability for w in ws
                                      if w.probability is not None and not w.estimated])
                    good = int(np.sum(probs >= VERIFY_PROBABILITY))
                    if good >= 2 and good >= VERIFY_SHARE * len(probs):
                        per_line[k] = ws
                        line_heard[k] = True
        i = j


def _place_unheard(lines: Sequence[str], result: _Lines, total: int) -> set[int]:
    """Give unheard lines estimated words in the gap between their heard neighbours.

    Returns the indexes (in ``result.extra``) of the runs of speech the script lacks that lie
    in such a gap: those are most likely the unheard lines, badly heard, and the lines are
    placed over them.
    """
    absorbed: set[int] = set()
    n = len(lines)
    i = 0
    while i < n:
        if result.heard[i]:
            i += 1
            continue
        j = i
        while j < n and not result.heard[j]:
            j += 1
        lo = next((result.words[k][-1].end for k in range(i - 1, -1, -1) if result.words[k]), 0)
        hi = next((result.words[k][0].start for k in range(j, n) if result.words[k]), total)
        hi = max(lo, hi)
        inside = [r for r, run in enumerate(result.extra)
                  if run[0].start >= lo and run[-1].end <= hi]
        if inside:
            absorbed.update(inside)
            lo, hi = result.extra[inside[0]][0].start, result.extra[inside[-1]][-1].end
        texts = [lines[k] for k in range(i, j)]
        spans = distribute(texts, lo, hi)
        for k, span in zip(range(i, j), spans, strict=True):
            result.words[k] = distribute(split_words(lines[k]), span.start, span.end)
        i = j
    return absorbed


def align_long(aligner: Aligner, samples: np.ndarray, sample_rate: int, texts: Sequence[str],
               language: str | None, start_ms: int = 0, cancel: CancelToken | None = None,
               heard: Sequence[Word] | None = None) -> list[list[Word]]:
    """Align texts in a window longer than the aligner takes at once (anchored, like a
    script); words of texts the audio lacks are estimated."""
    x = to_engine_rate(samples, sample_rate)
    total = int(len(x) * 1000 / ENGINE_RATE)
    if heard is None:
        heard, _ = transcribe_words(x, language, cancel=cancel)
    result = _align_lines(aligner, x, texts, language, heard, cancel, None)
    _place_unheard(texts, result, total)
    return [[w.shifted(start_ms) for w in ws] for ws in result.words]


def long_window(aligner: Aligner, samples_16k: np.ndarray, texts: list[str],
                language: str | None, start_ms: int,
                cancel: CancelToken | None) -> list[list[Word]]:
    """The ``long_window`` hook (:data:`app.align.windows.LongWindow`) the pipeline hands the
    aligners: :func:`align_long` on a window longer than the aligner takes at once."""
    return align_long(aligner, samples_16k, ENGINE_RATE, texts, language, start_ms, cancel)


def script_lines(script: str | Sequence[Segment]) -> list[Segment]:
    """The script as segments: a plain text gives one untimed segment per non-empty line."""
    if isinstance(script, str):
        return [Segment(0, 0, line.strip(), flags=frozenset({UNTIMED}))
                for line in script.splitlines() if line.strip()]
    return [s for s in script if s.text.strip()]


def align_script(samples: np.ndarray, sample_rate: int, script: str | Sequence[Segment],
                 language: str | None = None, aligner: Aligner | str | None = None, *,
                 model: str | None = None, listen_model: str | None = None,
                 heard: Sequence[Word] | None = None, include_extra_speech: bool = True,
                 cancel: CancelToken | None = None,
                 progress: ProgressFn | None = None) -> ScriptResult:
    """Timed segments for ``script`` (text, or segments whose times are wrong or missing).

    ``aligner``: an :class:`Aligner`, a name (``"whisper"``, ``"qwen"``) or None (the best
    for the language); ``model``: the aligner's model; ``listen_model``: the Whisper model
    of the quick transcription (default ``tiny.en`` for English, ``base`` otherwise);
    ``heard``: words already heard (skips the transcription).  Segments keep their ids,
    speakers and translations; speech the script lacks becomes extra ``UNMATCHED`` segments
    unless ``include_extra_speech`` is False.
    """
    from app.align.registry import best_aligner

    t0 = time.monotonic()
    x = to_engine_rate(samples, sample_rate)
    total = int(len(x) * 1000 / ENGINE_RATE)
    segs = script_lines(script)
    if not segs:
        raise AlignError("the script has no text to align")
    if total <= 0:
        raise AlignError("the recording has no audio to align the script with")

    def part(lo: float, hi: float) -> ProgressFn | None:
        if progress is None:
            return None
        return lambda p: progress(Progress(lo + (hi - lo) * p.fraction, 1.0, p.message))

    stats: dict[str, float] = {}
    if heard is None:
        heard, language = transcribe_words(x, language, listen_model, cancel, part(0.0, 0.5))
    stats["listen_s"] = time.monotonic() - t0
    if not isinstance(aligner, Aligner):
        aligner = best_aligner(language, prefer=aligner, model=model)
    lines = [s.text for s in segs]
    t1 = time.monotonic()
    result = _align_lines(aligner, x, lines, language, heard, cancel, part(0.5, 1.0))
    absorbed = _place_unheard(lines, result, total)
    stats["align_s"] = time.monotonic() - t1
    stats["anchors"] = float(len(result.anchoring.anchors))
    out: list[Segment] = []
    unmatched: list[Unmatched] = []
    for i, (seg, words) in enumerate(zip(segs, result.words, strict=True)):
        start = words[0].start if words else 0
        end = words[-1].end if words else start
        flags = seg.flags - {UNTIMED, WORDS_STALE, TIMES_ESTIMATED, UNMATCHED}
        if not result.heard[i]:
            flags |= {UNMATCHED, TIMES_ESTIMATED}
            unmatched.append(Unmatched("script", seg.text, start, end, seg.id, i))
        out.append(seg.replace(start=start, end=max(start, end), words=tuple(words),
                               flags=frozenset(flags), language=seg.language or language))
    timed_extra = _align_extra(aligner, x, result, absorbed, out, language, cancel)
    for r, run in enumerate(result.extra):
        text = " ".join(w.text for w in run)
        if r in timed_extra:
            words = timed_extra[r]
            flags = frozenset({UNMATCHED})
        else:
            words = [Word(w.text, w.start, w.end, w.probability, True)
                     for w in _fit_words(text, run)]
            flags = frozenset({UNMATCHED, TIMES_ESTIMATED})
        extra = Segment(words[0].start, max(words[0].start, words[-1].end), text,
                        words=tuple(words), language=language, flags=flags)
        added = include_extra_speech and r not in absorbed
        if added:
            out.append(extra)
        unmatched.append(Unmatched("speech", text, extra.start, extra.end,
                                   extra.id if added else "", None))
    out.sort(key=lambda s: (s.start, s.end))
    unmatched.sort(key=lambda u: u.start)
    stats["total_s"] = time.monotonic() - t0
    return ScriptResult(out, unmatched, language, [], stats)


def _align_extra(aligner: Aligner, x: np.ndarray, result: _Lines, absorbed: set[int],
                 segments: Sequence[Segment], language: str | None,
                 cancel: CancelToken | None) -> dict[int, list[Word]]:
    """Speech the script lacks, aligned as heard (its heard times are rough), between the
    script's lines; by index in ``result.extra``."""
    runs = [r for r in range(len(result.extra)) if r not in absorbed]
    if not runs:
        return {}
    spans = sorted((s.start, s.end) for s in segments if s.words)
    items, limits = [], []
    for r in runs:
        run = result.extra[r]
        start, end = run[0].start, max(run[0].start, run[-1].end)
        lo = max((e for s, e in spans if e <= start + 200), default=0)
        hi = min((s for s, e in spans if s >= end - 200), default=1 << 62)
        items.append(Item(str(r), " ".join(w.text for w in run), start, end))
        limits.append(Limit(min(lo, start), max(hi, end), apart=True))
    timed = align_items(aligner, x, ENGINE_RATE, items, language, limits=limits,
                        cancel=cancel, long_window=long_window)
    return {int(k): v for k, v in timed.items() if v}


def _fit_words(text: str, run: Sequence[Word]) -> list[Word]:
    """Words composing ``text`` (the heard words joined by spaces), with their times."""
    return compose_words(text, list(run), run[0].start, max(run[0].start, run[-1].end))


def read_script(path: str | os.PathLike[str]):
    """A script file as segments: subtitles keep their (possibly wrong) times, plain text
    gives one untimed segment per line.  Raises ``FormatError`` naming the file."""
    from app.formats import FormatError, read_file

    result = read_file(path)
    segments = [s for s in result.document if s.text.strip()]
    if not segments:
        raise FormatError(str(path), None, "the script has no text to align")
    return segments, result.warnings


def align_script_file(script_path: str | os.PathLike[str], samples: np.ndarray,
                      sample_rate: int = ENGINE_RATE, *, language: str | None = None,
                      cancel: CancelToken | None = None, progress: ProgressFn | None = None):
    """:func:`align_script` on a script file and a recording (worker thread).

    Returns the :class:`ScriptResult`; lines the audio lacks and speech
    the script lacks come back flagged ``UNMATCHED``.  The read warnings are in its
    ``warnings``.
    """
    segments, warnings = read_script(script_path)
    x = audio_window(samples, 0, len(samples) * 1000 // sample_rate + 1, sample_rate)
    result = align_script(x, sample_rate, segments, language, cancel=cancel, progress=progress)
    result.warnings = [str(w) for w in warnings] + list(result.warnings)
    return result
