"""The interface every transcription engine implements, and the values it returns.

An engine turns one chunk of 16 kHz mono float32 samples into a :class:`ChunkTranscript`:
segments whose times (integer ms) are relative to the chunk start, with words and the
engine's confidence figures.  Chunking, joining, cleanup and word timing of the whole file
are the pipeline's job (``app.pipeline``), so engines stay small.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from app.audio.samples import as_float
from app.core.cancel import CancelToken, Progress
from app.core.model import Word
from app.engines.errors import EngineError
from app.engines.languages import join_texts

DEVICES = ("auto", "cpu", "cuda")
TASKS = ("transcribe", "translate")


@dataclass(frozen=True)
class Capabilities:
    """What an engine (with its current model) can do."""

    languages: frozenset[str] | None = None  # ISO codes; None: any Whisper language
    translate: bool = False  # can translate speech into English
    word_timestamps: bool = True  # reports its own word times
    context_prompt: bool = True  # accepts a text prompt / vocabulary
    needs_gpu: bool = False  # practical only on a GPU
    language_detection: bool = True
    max_chunk_s: float = 30.0  # longest chunk it decodes in one piece
    batched: bool = False  # decodes several chunks in one call efficiently
    # carries what it heard in one chunk into the decoding of a later one (Whisper's
    # previous-text prompt): ChunkTranscript.context in, transcribe_batch(previous=...) out
    continues_text: bool = False
    default_workers: int = 0  # chunks to run at once when the user gives no number (0: by device)


@dataclass(frozen=True)
class TranscribeOptions:
    """Options for one transcription; engines ignore what they do not support."""

    language: str | None = None  # ISO 639-1 code; None: detect
    task: str = "transcribe"  # or "translate" (into English)
    beam_size: int = 5
    best_of: int = 5
    initial_prompt: str | None = None  # context: names, vocabulary, style
    hotwords: str | None = None
    condition_on_previous_text: bool = False
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    compression_ratio_threshold: float | None = 2.4
    log_prob_threshold: float | None = -1.0
    no_speech_threshold: float | None = 0.6
    word_timestamps: bool = True
    max_new_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def with_language(self, language: str | None) -> TranscribeOptions:
        return replace(self, language=language)


@dataclass(frozen=True)
class ChunkSegment:
    """One segment an engine heard in a chunk; times in ms relative to the chunk start."""

    start: int
    end: int
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    temperature: float | None = None
    words_estimated: bool = False

    def shifted(self, delta: int) -> ChunkSegment:
        return replace(self, start=self.start + delta, end=self.end + delta,
                       words=tuple(w.shifted(delta) for w in self.words))


@dataclass(frozen=True)
class ChunkTranscript:
    """What an engine heard in one chunk."""

    segments: tuple[ChunkSegment, ...] = ()
    language: str | None = None
    language_probability: float | None = None
    no_speech_prob: float | None = None
    truncated: bool = False  # the engine hit its output limit: text may be missing
    warnings: tuple[str, ...] = ()
    removed: tuple[tuple[str, str], ...] = ()  # (reason, text) the engine itself dropped
    # what a later chunk's decode may be conditioned on (engine-specific tokens; empty: none)
    context: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        return join_texts([s.text for s in self.segments], self.language)


class Engine(ABC):
    """A speech-to-text engine working on chunks of 16 kHz mono float32 audio.

    Subclasses set ``name``/``title``, implement :meth:`_load`, :meth:`capabilities` and
    :meth:`transcribe_chunk`, and may override :meth:`transcribe_batch` when they can decode
    several chunks at once.  ``load`` is idempotent and thread-safe.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    default_model: ClassVar[str] = ""

    def __init__(self, model: str | None = None, device: str = "auto",
                 compute_type: str = "auto", cpu_threads: int = 0, **settings: Any) -> None:
        if device not in DEVICES:
            raise EngineError(f"unknown device '{device}' (use auto, cpu or cuda)")
        self.model_name = model or self.default_model
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.settings = settings
        self._lock = threading.RLock()
        self._loaded = False

    # ---------------------------------------------------------------- lifecycle

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self, progress: Callable[[Progress], None] | None = None,
             cancel: CancelToken | None = None) -> None:
        """Load the model (downloading nothing: a missing model raises ``ModelError``)."""
        with self._lock:
            if not self._loaded:
                self._load(progress, cancel)
                self._loaded = True

    def unload(self) -> None:
        with self._lock:
            if self._loaded:
                self._unload()
                self._loaded = False

    @abstractmethod
    def _load(self, progress: Callable[[Progress], None] | None,
              cancel: CancelToken | None) -> None: ...

    def _unload(self) -> None:  # noqa: B027 - optional hook
        """Drop references to the model; the default keeps nothing to free."""

    # ---------------------------------------------------------------- description

    @abstractmethod
    def capabilities(self) -> Capabilities: ...

    def check_options(self, options: TranscribeOptions) -> list[str]:
        """Raise :class:`EngineError` for options the engine cannot honour; return warnings."""
        caps = self.capabilities()
        if options.task not in TASKS:
            raise EngineError(f"unknown task '{options.task}' (use transcribe or translate)")
        if options.task == "translate" and not caps.translate:
            raise EngineError(f"the {self.title or self.name} model '{self.model_name}' cannot "
                              "translate; choose a multilingual model")
        if options.language and caps.languages is not None \
                and options.language not in caps.languages:
            raise EngineError(f"the {self.title or self.name} model '{self.model_name}' does not "
                              f"support language '{options.language}'")
        return []

    # ---------------------------------------------------------------- work

    @abstractmethod
    def transcribe_chunk(self, samples: np.ndarray, options: TranscribeOptions,
                         cancel: CancelToken | None = None) -> ChunkTranscript:
        """Transcribe one chunk (16 kHz mono float32); segment times relative to it."""

    def transcribe_batch(self, chunks: Sequence[np.ndarray], options: TranscribeOptions,
                         cancel: CancelToken | None = None,
                         previous: Sequence[tuple[int, ...]] | None = None,
                         ) -> list[ChunkTranscript]:
        """Transcribe several chunks; the default decodes them one after another.

        ``previous`` (engines that ``continues_text``): for each chunk, the ``context`` of
        the transcript it continues (empty: none); other engines ignore it."""
        out = []
        for samples in chunks:
            if cancel is not None:
                cancel.raise_if_cancelled()
            out.append(self.transcribe_chunk(samples, options, cancel))
        return out

    def detect_language(self, samples: np.ndarray) -> tuple[str, float] | None:
        """``(ISO code, probability)`` of the speech in ``samples``, or ``None`` if unknown."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} model={self.model_name!r} device={self.device!r}>"


def as_chunk_samples(samples: np.ndarray) -> np.ndarray:
    """Check and normalise a chunk: 1-D float32 at :data:`~app.audio.samples.ENGINE_RATE`
    (int16 scaled by :func:`~app.audio.samples.int16_to_float`)."""
    arr = np.asarray(samples)
    if arr.ndim != 1:
        raise EngineError(f"an engine chunk must be mono samples, got shape {arr.shape}")
    return as_float(arr)
