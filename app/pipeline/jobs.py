"""Qt-free job bodies the editor runs in the background, next to transcription
(:mod:`app.pipeline.transcribe`) and translation (:mod:`app.pipeline.translate`).

* :func:`realign_words`: the worker part of a re-alignment (:mod:`app.align.realign`) on a
  long recording, reading only the stretches of audio around the segments (the waveform's
  memory-mapped 16 kHz int16 samples are never converted whole);
* :func:`align_script_file`: a script file (plain text or subtitles) aligned to a recording.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from app.core.cancel import CancelToken, Progress
from app.core.model import Word
from app.pipeline.translate import audio_window

SAMPLE_RATE = 16000
MARGIN_MS = 2000  # audio read either side of a group of segments
GROUP_GAP_MS = 30_000  # segments further apart than this are aligned from separate reads
GROUP_SPAN_MS = 300_000  # at most this much audio is read at once

ProgressFn = Callable[[Progress], None]


def _groups(items: Sequence) -> list[list[int]]:
    """Indexes of the job's items (in time order) cut into groups read together."""
    out: list[list[int]] = []
    for i, it in enumerate(items):
        if out:
            first = items[out[-1][0]]
            last_end = max(items[j].end for j in out[-1])
            if it.start - last_end <= GROUP_GAP_MS and it.end - first.start <= GROUP_SPAN_MS:
                out[-1].append(i)
                continue
        out.append([i])
    return out


def realign_words(job, samples: np.ndarray, sample_rate: int = SAMPLE_RATE, *, aligner=None,
                  cancel: CancelToken | None = None,
                  progress: ProgressFn | None = None) -> dict[str, list[Word]]:
    """Words for every segment of a :class:`~app.align.realign.RealignJob`, by id.

    Same result as :func:`app.align.realign.compute_alignment` on the whole recording, but
    each group of nearby segments is aligned in its own stretch of audio.  Safe in a worker
    thread; apply the result with :func:`app.align.realign.apply_realign` on the UI thread.
    """
    from app.align.realign import RealignJob, compute_alignment
    from app.align.registry import best_aligner
    from app.align.windows import Item, Limit

    if not job.items:
        return {}
    aligner = aligner or best_aligner(job.language)
    total_ms = len(samples) * 1000 // sample_rate
    out: dict[str, list[Word]] = {}
    done = 0
    n = len(job.items)
    for group in _groups(job.items):
        items = [job.items[i] for i in group]
        limits = [job.limits[i] for i in group]
        lo = max(0, min(it.start for it in items) - MARGIN_MS)
        hi = min(total_ms, max(it.end for it in items) + MARGIN_MS)
        x = audio_window(samples, lo, hi, sample_rate)
        sub = RealignJob(
            tuple(Item(it.key, it.text, max(0, it.start - lo), max(0, it.end - lo)) for it in items),
            tuple(Limit(max(0, lim.lo - lo), max(0, lim.hi - lo), lim.apart) for lim in limits),
            job.language)

        def report(p: Progress, base: int = done) -> None:
            if progress is not None:
                progress(Progress(base + p.done, n, "aligning words"))

        words = compute_alignment(sub, x, sample_rate, aligner, cancel=cancel, progress=report)
        for key, ws in words.items():
            out[key] = [w.shifted(lo) for w in ws]
        done += len(items)
    return out


def read_script(path: str | os.PathLike[str]):
    """A script file as segments: subtitles keep their (possibly wrong) times, plain text
    gives one untimed segment per line.  Raises ``FormatError`` naming the file."""
    from app.formats import FormatError, read_file

    result = read_file(path)
    segments = [s for s in result.document if s.text.strip()]
    if not segments:
        raise FormatError(f"{path}: the script has no text to align")
    return segments, result.warnings


def align_script_file(script_path: str | os.PathLike[str], samples: np.ndarray,
                      sample_rate: int = SAMPLE_RATE, *, language: str | None = None,
                      cancel: CancelToken | None = None, progress: ProgressFn | None = None):
    """:func:`app.align.align_script` on a script file and a recording (worker thread).

    Returns the :class:`~app.align.script.ScriptResult`; lines the audio lacks and speech
    the script lacks come back flagged ``UNMATCHED``.  The read warnings are in its
    ``warnings``.
    """
    from app.align.script import align_script

    segments, warnings = read_script(script_path)
    x = audio_window(samples, 0, len(samples) * 1000 // sample_rate + 1, sample_rate)
    result = align_script(x, sample_rate, segments, language, cancel=cancel, progress=progress)
    result.warnings = [str(w) for w in warnings] + list(result.warnings)
    return result
