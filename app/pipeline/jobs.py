"""Qt-free job bodies the editor runs in the background, next to transcription
(:mod:`app.pipeline.transcribe`) and translation (:mod:`app.pipeline.translate`).

* :func:`realign_words`: the worker part of a re-alignment (:mod:`app.align.realign`) on a
  long recording, reading only the stretches of audio around the segments (the waveform's
  memory-mapped 16 kHz int16 samples are never converted whole);
* :func:`align_script_file`: a script file (plain text or subtitles) aligned to a recording.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from app.audio.samples import ENGINE_RATE, audio_window
from app.core.cancel import CancelToken, Progress
from app.core.model import Word

GROUP_GAP_MS = 30_000  # segments this far apart share no audio read (each reads its own)

ProgressFn = Callable[[Progress], None]


def realign_words(job, samples: np.ndarray, sample_rate: int = ENGINE_RATE, *, aligner=None,
                  cancel: CancelToken | None = None,
                  progress: ProgressFn | None = None) -> dict[str, list[Word]]:
    """Words for every segment of a :class:`~app.align.realign.RealignJob`, by id.

    :func:`app.align.realign.compute_alignment` reads only the stretch of audio around each
    segment, so a long memory-mapped recording is never converted whole.  Safe in a worker
    thread; apply the result with :func:`app.align.realign.apply_realign` on the UI thread.
    """
    from app.align.realign import compute_alignment

    return compute_alignment(job, samples, sample_rate, aligner, cancel=cancel,
                             progress=progress)


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
