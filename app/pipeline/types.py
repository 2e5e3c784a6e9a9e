"""Values of a transcription job: options, progress, the drafts it works on, its result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from app.core.cancel import Progress
from app.core.model import Segment, Word
from app.engines.base import TranscribeOptions

# (samples, sample_rate, segments, language) -> segments with better word times
WordTimer = Callable[[np.ndarray, int, list[Segment], "str | None"], list[Segment]]
# (chunk_index, segments of that chunk, cleaned, absolute times)
PartialCallback = Callable[[int, list[Segment]], None]


@dataclass(frozen=True)
class PipelineOptions:
    """How to transcribe a file; the engine's own options are in ``decode``."""

    engine: str = "whisper"
    model: str | None = None  # None: the engine's default (bundled Whisper base)
    device: str = "auto"
    compute_type: str = "auto"
    workers: int = 0  # 0: chosen from the cores and the device
    batch_size: int = 0  # chunks per engine call; 0: chosen from the device
    chunk_seconds: float = 0.0  # longest chunk; 0: the engine's limit (30 s for Whisper)
    per_chunk_language: bool = False  # detect the language of every chunk separately
    language_vote_chunks: int = 3  # detections voted on when the language is detected once
    channels: bool = False  # transcribe each channel as its own speaker
    cleanup: bool = True
    min_silence_ms: int = 300
    # How words get their times (mean word-start error on espeak-ng speech with known timing):
    # "snap": the engine's own word edges moved out of the silences around them (~19 ms; no
    # second pass); "align": a forced aligner times the text again (~15 ms; costs an encoder
    # pass); "engine": as the engine gave them (~180 ms for Whisper base); "auto": snap when
    # the engine times words itself, align when it only estimates them (Qwen3-ASR without
    # its forced aligner)
    word_timing: str = "auto"
    engine_settings: dict[str, Any] = field(default_factory=dict)
    decode: TranscribeOptions = field(default_factory=TranscribeOptions)


@dataclass(frozen=True)
class TranscriptionProgress(Progress):
    """Progress in chunks (``done``/``total``) plus audio seconds and an estimate."""

    stage: str = ""  # "decoding", "loading", "detecting", "transcribing", "timing", "done"
    audio_done_s: float = 0.0
    audio_total_s: float = 0.0
    eta_s: float | None = None


@dataclass(frozen=True)
class CleanupEntry:
    """Text the cleanup removed, with why, so the user can see and restore it.

    ``segment`` is the segment as it was before the removal (restoring it undoes the entry).
    The evidence: ``speech_share`` (share of the removed words' time that voice activity
    found to be speech, 0-1), ``mean_probability`` (the engine's mean word probability),
    ``rule`` (the threshold that decided, in words); None or "" where not measured.
    """

    reason: str
    text: str
    start: int
    end: int
    segment: Segment | None = None
    speech_share: float | None = None
    mean_probability: float | None = None
    rule: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason, "text": self.text, "start": self.start,
                               "end": self.end}
        if self.speech_share is not None:
            out["speech_share"] = round(self.speech_share, 3)
        if self.mean_probability is not None:
            out["mean_probability"] = round(self.mean_probability, 3)
        if self.rule:
            out["rule"] = self.rule
        if self.segment is not None:
            out["segment"] = {"start": self.segment.start, "end": self.segment.end,
                              "text": self.segment.text}
        return out


@dataclass(frozen=True)
class FailedRegion:
    """Audio the engine could not transcribe (after one retry)."""

    start: int
    end: int
    error: str
    speaker: str | None = None


@dataclass
class TranscriptionStats:
    engine: str = ""
    model: str = ""
    device: str = ""
    workers: int = 1
    batch_size: int = 1
    audio_s: float = 0.0
    speech_s: float = 0.0
    chunks: int = 0
    chunks_done: int = 0
    chunks_failed: int = 0
    chunks_retried: int = 0
    decode_s: float = 0.0
    load_s: float = 0.0
    transcribe_s: float = 0.0
    timing_s: float = 0.0
    wall_s: float = 0.0
    first_segment_s: float | None = None  # from start until the first segment was delivered
    warnings: list[str] = field(default_factory=list)

    @property
    def real_time_factor(self) -> float:
        return self.wall_s / self.audio_s if self.audio_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["real_time_factor"] = round(self.real_time_factor, 4)
        return d


@dataclass
class TranscriptionResult:
    """Segments ready to apply to a document, and what happened on the way."""

    segments: list[Segment]
    language: str | None = None
    language_probability: float | None = None
    cleanup_log: list[CleanupEntry] = field(default_factory=list)
    failed_regions: list[FailedRegion] = field(default_factory=list)
    stats: TranscriptionStats = field(default_factory=TranscriptionStats)
    cancelled: bool = False

    @property
    def text(self) -> str:
        from app.engines.languages import join_texts

        return join_texts([s.text for s in self.segments], self.language)

    def meta(self) -> dict[str, Any]:
        """What a document's ``meta`` should record about this transcription.

        ``language`` and ``cleanup`` (the cleanup log, a list of dicts) are the keys the
        Cueline JSON format stores at its top level (``app/formats/json.py``).
        """
        return {
            "language": self.language,
            "language_probability": self.language_probability,
            "cleanup": [e.as_dict() for e in self.cleanup_log],
            "failed_regions": [asdict(f) for f in self.failed_regions],
            "engine": self.stats.engine,
            "model": self.stats.model,
            "cancelled": self.cancelled,
        }


@dataclass
class Draft:
    """A segment on its way through the pipeline: absolute times, engine figures kept."""

    start: int
    end: int
    text: str
    words: list[Word]
    chunk: int
    language: str | None = None
    speaker: str | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    words_estimated: bool = False
    flags: set[str] = field(default_factory=set)

    def to_segment(self) -> Segment:
        return Segment(start=self.start, end=self.end, text=self.text, words=tuple(self.words),
                       speaker=self.speaker, language=self.language,
                       flags=frozenset(self.flags))
