"""What every aligner does: give each word of a known text its time in a window of audio.

An aligner subclasses :class:`Aligner` and implements :meth:`Aligner._time_words`, which
returns one :class:`~app.align.textmap.Timing` (or ``None``) per word, in ms relative to the
window.  :meth:`Aligner.align` does the rest the same way for all of them: splitting the text
into words exactly as the document does, moving word edges out of silences, keeping times
monotonic and inside the window, and estimating the words that could not be timed.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from app.align.errors import AlignError
from app.align.textmap import Timing, split_by_counts, words_from_timings
from app.audio.samples import ENGINE_RATE, to_engine_rate
from app.core.cancel import CancelToken
from app.core.model import Word
from app.core.words import split_words

Region = tuple[int, int]


def window_speech(samples: np.ndarray) -> list[Region]:
    """Speech regions of a window for edge snapping (100 ms minimum silence, 30 ms pad)."""
    from app.audio.vad import speech_regions

    return speech_regions(samples, ENGINE_RATE, min_silence_ms=100, pad_ms=30, min_speech_ms=50)


class Aligner(ABC):
    """Times the words of a given text in a window of 16 kHz mono audio.

    Class attributes: ``name`` (registry key), ``title``, ``max_window_s`` (longest window it
    aligns in one piece), ``snap_edges`` (whether word edges are moved out of silences).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    max_window_s: ClassVar[float] = 30.0
    snap_edges: ClassVar[bool] = True

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -- what subclasses provide ------------------------------------------------------------
    @classmethod
    def available(cls, model: str | None = None) -> bool:
        """Whether this aligner can run here (its packages and model are installed)."""
        return True

    @classmethod
    def install_hint(cls) -> str:
        """What to install when :meth:`available` is False."""
        return ""

    @classmethod
    def supports(cls, language: str | None) -> bool:
        """Whether it aligns ``language`` (ISO code; None: unknown, assume English)."""
        return True

    @property
    def model_name(self) -> str:
        return ""

    def load(self) -> None:
        """Load the model now (otherwise on first use).  Idempotent and thread-safe."""
        return None

    @abstractmethod
    def _time_words(self, samples: np.ndarray, words: list[str], language: str | None,
                    cancel: CancelToken | None) -> list[Timing | None]:
        """One timing per word (ms relative to the window) or ``None`` when untimed."""

    # -- the common part --------------------------------------------------------------------
    def align(self, samples_16k: np.ndarray, sample_rate: int, text: str,
              language: str | None, start_ms: int = 0, cancel: CancelToken | None = None,
              *, speech: Sequence[Region] | None = None) -> list[Word]:
        """Words of ``text`` (as :func:`split_words` splits it) timed in the window.

        ``samples_16k`` is the window's audio, starting at ``start_ms`` of the media; the
        words come back in media time, inside the window, monotonic and non-overlapping.
        ``speech``: speech regions in media ms if already known (else found in the window).
        """
        return self.align_texts(samples_16k, sample_rate, [text], language, start_ms, cancel,
                                speech=speech)[0]

    def align_texts(self, samples_16k: np.ndarray, sample_rate: int, texts: Sequence[str],
                    language: str | None, start_ms: int = 0,
                    cancel: CancelToken | None = None, *,
                    speech: Sequence[Region] | None = None) -> list[list[Word]]:
        """Align several consecutive texts (segments) in one window; one word list each."""
        x = to_engine_rate(samples_16k, sample_rate)
        duration = len(x) * 1000.0 / ENGINE_RATE
        if duration > self.max_window_s * 1000.0 + 1.0:
            raise AlignError(f"{self.title or self.name} aligns at most {self.max_window_s:g} s "
                             f"at once; got a window of {duration / 1000:.1f} s")
        texts = list(texts)
        words = [w for t in texts for w in split_words(t)]
        if cancel is not None:
            cancel.raise_if_cancelled()
        if not words:
            return [[] for _ in texts]
        timings: list[Timing | None]
        if duration < 100.0:  # nothing to listen to
            timings = [None] * len(words)
        else:
            with self._lock:
                timings = self._time_words(x, words, language, cancel)
            if len(timings) != len(words):
                raise AlignError(f"{self.name} aligner returned {len(timings)} times for "
                                 f"{len(words)} words")
        if self.snap_edges and any(t is not None for t in timings):
            timings = self._snap(x, timings, speech, start_ms, words)
        out = words_from_timings(words, timings, 0.0, duration, offset=int(start_ms))
        return split_by_counts(out, texts)

    def _snap(self, x: np.ndarray, timings: list[Timing | None],
              speech: Sequence[Region] | None, start_ms: int,
              words: Sequence[str]) -> list[Timing | None]:
        from app.align.edges import silences, snap_edges
        from app.core.words import word_weight

        if speech is None:
            local = window_speech(x)
        else:
            local = [(a - start_ms, b - start_ms) for a, b in speech]
        sil = silences(x, ENGINE_RATE, speech=local)
        idx = [i for i, t in enumerate(timings) if t is not None]
        times = [[timings[i].start, timings[i].end] for i in idx]  # type: ignore[union-attr]
        snapped = snap_edges(times, sil, weights=[word_weight(words[i]) for i in idx])
        out = list(timings)
        for i, (s, e) in zip(idx, snapped, strict=True):
            t = timings[i]
            assert t is not None
            out[i] = Timing(s, e, t.probability, t.estimated)
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.model_name}>"
