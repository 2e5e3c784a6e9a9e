"""Transcribing a media file: the whole job, without Qt.

media -> 16 kHz samples (one array, or one per channel in channel mode) -> speech regions
(voice activity) -> chunks cut at pauses (all-silent ones skipped, each trimmed to its
speech) -> the engine over a pool of worker threads -> per chunk, in order: segments with
absolute times, words fitted to the text, cleanup (each removal logged), duplicates at the
seam with the previous chunk removed -> ``on_partial(chunk_index, segments)`` -> optional
word re-timing by an aligner (``word_timer``) -> :class:`TranscriptionResult`.

Progress is reported through ``progress`` (:class:`TranscriptionProgress`), cancelling
``cancel`` stops the job within about one chunk and keeps what was finished.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.audio.samples import ENGINE_RATE, SAMPLES_PER_MS
from app.core.cancel import Cancelled, CancelToken, Progress
from app.core.model import FAILED, TIMES_ESTIMATED, Segment
from app.engines.base import Capabilities, ChunkTranscript, Engine
from app.engines.registry import create_engine
from app.pipeline.cleanup import Cleaner, dedupe_seam
from app.pipeline.scheduler import (
    ChunkScheduler,
    Outcome,
    WorkItem,
    default_batch_size,
    default_workers,
)
from app.pipeline.types import (
    CleanupEntry,
    Draft,
    FailedRegion,
    PartialCallback,
    PipelineOptions,
    TranscriptionProgress,
    TranscriptionResult,
    TranscriptionStats,
    WordTimer,
)
from app.pipeline.wordtimes import apply_word_timer, finish_draft

TRIM_PAD_MS = 200  # speech kept around a chunk's speech when it is trimmed
HEAD_TARGET_S, HEAD_MAX_S = 8.0, 12.0  # the first chunk: short, for a quick first result
ProgressFn = Callable[[Progress], None]


def speaker_name(channel: int) -> str:
    return f"Speaker {channel + 1}"


def pipeline_device(options: PipelineOptions) -> str:
    """The device defaults are chosen for ("cpu" or "cuda")."""
    if options.device in ("cpu", "cuda"):
        return options.device
    from app.engines.loading import cuda_available

    return "cuda" if cuda_available() else "cpu"


def choose_workers(options: PipelineOptions, engine_name: str, device: str,
                   caps: Capabilities | None = None) -> int:
    """Worker threads: as asked, else the engine's own default (a remote engine: requests in
    flight per server), else several for Whisper on a CPU, else one."""
    if options.workers:
        return options.workers
    if caps is not None and caps.default_workers:
        return caps.default_workers
    return default_workers(device) if engine_name == "whisper" else 1


def make_engine(options: PipelineOptions) -> Engine:
    """A new engine for ``options``, with threads and workers set for this machine."""
    device = pipeline_device(options)
    workers = choose_workers(options, options.engine, device)
    threads = max(1, (os.cpu_count() or 1) // workers) if device == "cpu" else 0
    return create_engine(options.engine, options.model, device=options.device,
                         compute_type=options.compute_type, cpu_threads=threads,
                         num_workers=workers, **options.engine_settings)


def default_word_timer(options: PipelineOptions, engine: Engine | None = None) -> WordTimer | None:
    """The word timer ``options.word_timing`` asks for (None: the engine's own times)."""
    mode = options.word_timing
    if mode == "auto":
        engine_times = engine is not None and engine.capabilities().word_timestamps
        if engine_times:
            return _snap_or_align(options)
        mode = "align"
    if mode == "snap":
        from app.align.snap import snap_segments

        return snap_segments
    if mode != "align":
        return None
    return _align_timer(options)


def _align_timer(options: PipelineOptions) -> WordTimer | None:
    from app.align import best_aligner, word_timer
    from app.pipeline.script import long_window

    try:
        aligner = best_aligner(options.decode.language, prefer=None)
    except Exception:  # noqa: BLE001 - no aligner: the engine's own word times are kept
        return None
    return word_timer(aligner, long_window=long_window)


def _snap_or_align(options: PipelineOptions) -> WordTimer:
    """Snap the engine's word times to speech; a chunk whose words the engine only estimated
    (a remote server that answers with text alone) is aligned instead.  The aligner is made
    on first need, so an engine that always times its words never loads one."""
    from app.align.snap import snap_segments

    aligner: list[WordTimer | None] = []

    def timer(samples: np.ndarray, sample_rate: int, segments: list[Segment],
              language: str | None) -> list[Segment]:
        if not any(s.has(TIMES_ESTIMATED) for s in segments):
            return snap_segments(samples, sample_rate, segments, language)
        if not aligner:
            aligner.append(_align_timer(options))
        if aligner[0] is None:
            return segments
        return aligner[0](samples, sample_rate, segments, language)

    return timer


def transcribe_file(path: str | os.PathLike[str], options: PipelineOptions | None = None, *,
                    engine: Engine | None = None, progress: ProgressFn | None = None,
                    on_partial: PartialCallback | None = None,
                    cancel: CancelToken | None = None,
                    word_timer: WordTimer | None = None) -> TranscriptionResult:
    """Transcribe the audio of a media file (see the module doc).

    Raises ``MediaError`` for unreadable media, ``ModelError``/``EngineError`` when the
    engine cannot start.  Failures on single chunks do not raise: they are in the result.
    """
    from app.audio.decode import decode

    options = options or PipelineOptions()
    cancel = cancel or CancelToken()
    t0 = time.monotonic()
    name = Path(path).name

    def on_decode(p: Progress) -> None:
        if progress is not None:
            progress(TranscriptionProgress(0, 0, f"decoding {name}", stage="decoding",
                                           audio_done_s=p.done, audio_total_s=p.total))

    picked: list[int] | None = None
    notes: list[str] = []
    if options.channels:
        from app.audio.probe import probe, speaker_channels

        picked, notes = speaker_channels(probe(path))  # MediaError past 8 channels
    try:
        samples = decode(path, ENGINE_RATE, mono=not options.channels, progress=on_decode,
                         cancel=cancel)
    except Cancelled:
        return TranscriptionResult([], cancelled=True)
    if picked is not None and samples.ndim == 2 and len(picked) < samples.shape[0]:
        samples = samples[picked]
    decode_s = time.monotonic() - t0
    result = transcribe_samples(samples, options, engine=engine, progress=progress,
                                on_partial=on_partial, cancel=cancel, word_timer=word_timer,
                                _t0=t0)
    result.stats.decode_s = decode_s
    result.stats.warnings[:0] = notes
    return result


def transcribe_samples(samples: np.ndarray, options: PipelineOptions | None = None, *,
                       engine: Engine | None = None, progress: ProgressFn | None = None,
                       on_partial: PartialCallback | None = None,
                       cancel: CancelToken | None = None,
                       word_timer: WordTimer | None = None,
                       _t0: float | None = None) -> TranscriptionResult:
    """Transcribe 16 kHz float32 samples: shape ``(n,)``, or ``(channels, n)``."""
    from app.audio.vad import speech_regions

    options = options or PipelineOptions()
    cancel = cancel or CancelToken()
    t0 = _t0 if _t0 is not None else time.monotonic()
    stats = TranscriptionStats(engine=options.engine)
    x = np.asarray(samples, dtype=np.float32)
    channels, speakers = _split_channels(x, options, stats)
    stats.audio_s = (channels[0].shape[-1] / ENGINE_RATE) if channels else 0.0

    def report(p: TranscriptionProgress) -> None:
        if progress is not None:
            progress(p)

    # the engine
    t_load = time.monotonic()
    if engine is None:
        engine = make_engine(options)
    if word_timer is None:
        word_timer = default_word_timer(options, engine)
    what = f" model '{engine.model_name}'" if engine.model_name else ""  # remote: its server's
    report(TranscriptionProgress(0, 0, f"loading {engine.title}{what}", stage="loading"))
    try:
        engine.load(cancel=cancel)  # a remote engine's connection checks stop on cancel
    except Cancelled:
        stats.wall_s = time.monotonic() - t0
        return TranscriptionResult([], stats=stats, cancelled=True)
    stats.load_s = time.monotonic() - t_load
    stats.engine, stats.model = engine.name, str(engine.model_name)
    stats.device = pipeline_device(options) if options.device == "auto" else options.device
    stats.warnings.extend(engine.check_options(options.decode))
    caps = engine.capabilities()

    # where the speech is, and the chunks
    report(TranscriptionProgress(0, 0, "finding speech", stage="detecting",
                                 audio_total_s=stats.audio_s))
    max_s = options.chunk_seconds or caps.max_chunk_s
    target_s = min(25.0, 0.85 * max_s)
    regions_by_channel: list[list[tuple[int, int]]] = []
    items: list[WorkItem] = []
    for ch, sig in enumerate(channels):
        try:
            regions = speech_regions(sig, ENGINE_RATE, min_silence_ms=options.min_silence_ms,
                                     cancel=cancel) if sig.size else []
        except Cancelled:
            stats.wall_s = time.monotonic() - t0
            return TranscriptionResult([], stats=stats, cancelled=True)
        regions_by_channel.append(regions)
        stats.speech_s += sum(e - s for s, e in regions) / 1000.0
        for start, end in plan_spans(sig, regions, target_s, max_s):
            items.append(WorkItem(-1, start, end, sig[start * SAMPLES_PER_MS:end * SAMPLES_PER_MS], ch, speakers[ch]))
    items.sort(key=lambda it: (it.start_ms, it.channel))
    for i, it in enumerate(items):
        it.index = i
    stats.chunks = len(items)
    device = pipeline_device(options)
    stats.workers = choose_workers(options, engine.name, device, caps)
    stats.batch_size = options.batch_size or (default_batch_size(device) if caps.batched else 1)

    assembler = _Assembler(options, regions_by_channel, stats, t0, on_partial, report,
                           sum(it.duration_s for it in items), len(items),
                           word_timer=word_timer, channels=channels)
    scheduler = ChunkScheduler(
        engine, options.decode, workers=stats.workers, batch_size=stats.batch_size,
        cancel=cancel, detect_once=not options.per_chunk_language and caps.language_detection,
        vote_chunks=options.language_vote_chunks, deliver=assembler.deliver)
    assembler.scheduler = scheduler
    t_run = time.monotonic()
    report(TranscriptionProgress(0, len(items), "transcribing", stage="transcribing",
                                 audio_total_s=assembler.audio_total))
    vote = scheduler.run(items)
    stats.transcribe_s = time.monotonic() - t_run
    stats.chunks_retried, stats.chunks_failed = scheduler.retried, scheduler.failed

    # the language of the file
    language, probability = vote.language, vote.probability
    if not language:
        language = _majority_language(assembler.segments_by_channel)
    if caps.languages is not None and len(caps.languages) == 1:
        language, probability = next(iter(caps.languages)), 1.0  # an English-only model

    # word times were refined chunk by chunk (see _Assembler.deliver)
    final: list[Segment] = []
    for _ch, segs in sorted(assembler.segments_by_channel.items()):
        final.extend(segs)
    final.sort(key=lambda s: (s.start, s.end))
    stats.wall_s = time.monotonic() - t0
    report(TranscriptionProgress(assembler.done, len(items), "done", stage="done",
                                 audio_done_s=assembler.audio_done,
                                 audio_total_s=assembler.audio_total, eta_s=0.0))
    return TranscriptionResult(
        segments=final, language=language, language_probability=probability,
        cleanup_log=assembler.cleanup_log, failed_regions=assembler.failed_regions,
        stats=stats, cancelled=cancel.cancelled,
    )


def _split_channels(x: np.ndarray, options: PipelineOptions,
                    stats: TranscriptionStats) -> tuple[list[np.ndarray], list[str | None]]:
    if x.ndim == 1:
        if options.channels:
            stats.warnings.append("the media has one audio channel: channel mode ignored")
        return [x], [None]
    if x.ndim != 2:
        raise ValueError(f"samples must be (n,) or (channels, n), not {x.shape}")
    if options.channels and x.shape[0] > 1:
        return [np.ascontiguousarray(x[i]) for i in range(x.shape[0])], \
            [speaker_name(i) for i in range(x.shape[0])]
    if options.channels:
        stats.warnings.append("the media has one audio channel: channel mode ignored")
    return [x.mean(axis=0) if x.shape[0] > 1 else x[0]], [None]


def plan_spans(sig: np.ndarray, regions: list[tuple[int, int]], target_s: float,
               max_s: float) -> list[tuple[int, int]]:
    """The ``(start_ms, end_ms)`` of the chunks to decode: cut at pauses, all-silent ones
    left out, each trimmed to its speech.  The first chunk is kept short (at most
    :data:`HEAD_MAX_S`) so the first segments come back quickly."""
    from app.audio.chunking import plan_chunks

    if not regions:
        return []
    chunks = [c for c in plan_chunks(sig, ENGINE_RATE, regions, target_s=target_s, max_s=max_s)
              if not c.silent]
    spans = [_trim_to_speech(c.start_ms, c.end_ms, regions) for c in chunks]
    if spans and spans[0][1] - spans[0][0] > HEAD_MAX_S * 1000 and max_s > HEAD_MAX_S:
        s0, e0 = spans[0]
        local = [(max(0, s - s0), min(e0, e) - s0) for s, e in regions if e > s0 and s < e0]
        head = plan_chunks(sig[s0 * SAMPLES_PER_MS:e0 * SAMPLES_PER_MS], ENGINE_RATE, local,
                           target_s=HEAD_TARGET_S, max_s=HEAD_MAX_S)
        if len(head) > 1:
            cut = s0 + head[0].end_ms
            first = _trim_to_speech(s0, cut, regions)
            second = _trim_to_speech(cut, e0, regions)
            spans[0:1] = [sp for sp in (first, second) if sp[1] > sp[0]
                          and any(e > sp[0] and s < sp[1] for s, e in regions)]
    return spans


def _trim_to_speech(start: int, end: int, regions: list[tuple[int, int]]) -> tuple[int, int]:
    """``[start, end]`` narrowed to the speech inside it plus a little padding."""
    inside = [(max(s, start), min(e, end)) for s, e in regions if e > start and s < end]
    if not inside:
        return start, end
    return max(start, inside[0][0] - TRIM_PAD_MS), min(end, inside[-1][1] + TRIM_PAD_MS)


def _majority_language(by_channel: dict[int, list[Segment]]) -> str | None:
    weight: dict[str, int] = defaultdict(int)
    for segs in by_channel.values():
        for s in segs:
            if s.language:
                weight[s.language] += max(1, s.duration)
    return max(weight, key=weight.__getitem__) if weight else None


class _Assembler:
    """Turns each chunk's outcome, in order, into cleaned segments (on the caller's thread),
    with word times refined by the ``word_timer`` before the chunk is delivered, so the live
    results and the final ones are the same."""

    def __init__(self, options: PipelineOptions, regions: list[list[tuple[int, int]]],
                 stats: TranscriptionStats, t0: float, on_partial: PartialCallback | None,
                 report: Callable[[TranscriptionProgress], None], audio_total: float,
                 total: int, *, word_timer: WordTimer | None = None,
                 channels: list[np.ndarray] | None = None) -> None:
        self.options = options
        self.word_timer = word_timer
        self.channels = channels or []
        self.regions = regions
        self.stats = stats
        self.t0 = t0
        self.t_start = time.monotonic()
        self.on_partial = on_partial
        self.report = report
        self.audio_total = audio_total
        self.audio_done = 0.0
        self.total = total
        self.done = 0
        self.scheduler: ChunkScheduler | None = None
        self.cleaners = [Cleaner(r, options.decode.initial_prompt, options.cleanup)
                         for r in regions]
        self.previous: dict[int, list[Draft]] = {}
        self.segments_by_channel: dict[int, list[Segment]] = defaultdict(list)
        self.failed_regions: list[FailedRegion] = []
        self.seam_log: list[CleanupEntry] = []
        self.engine_log: list[CleanupEntry] = []

    @property
    def cleanup_log(self) -> list[CleanupEntry]:
        entries = [e for c in self.cleaners for e in c.log] + self.seam_log + self.engine_log
        return sorted(entries, key=lambda e: (e.start, e.end))

    def deliver(self, item: WorkItem, outcome: Outcome) -> None:
        if outcome.transcript is None:
            self.failed_regions.append(FailedRegion(item.start_ms, item.end_ms,
                                                    outcome.error or "failed", item.speaker))
            segments = [Segment(item.start_ms, item.end_ms, "", speaker=item.speaker,
                                flags=frozenset({FAILED}))]
        else:
            segments = self._segments(item, outcome.transcript)
            if self.word_timer is not None and segments:
                t = time.monotonic()
                language = segments[0].language
                segments = apply_word_timer(self.word_timer, self.channels[item.channel],
                                            ENGINE_RATE, segments, language, self.stats.warnings)
                self.stats.timing_s += time.monotonic() - t
        self.segments_by_channel[item.channel].extend(segments)
        self.done += 1
        self.stats.chunks_done = self.done
        self.audio_done += item.duration_s
        if self.on_partial is not None:
            self.on_partial(item.index, list(segments))
        if self.stats.first_segment_s is None and any(s.text for s in segments):
            self.stats.first_segment_s = time.monotonic() - self.t0
        elapsed = time.monotonic() - self.t_start
        eta = (elapsed / self.audio_done * max(0.0, self.audio_total - self.audio_done)
               if self.audio_done else None)
        self.report(TranscriptionProgress(
            self.done, self.total, f"transcribed chunk {self.done} of {self.total}",
            stage="transcribing", audio_done_s=self.audio_done, audio_total_s=self.audio_total,
            eta_s=eta))

    def _segments(self, item: WorkItem, t: ChunkTranscript) -> list[Segment]:
        vote = self.scheduler.vote.language if self.scheduler is not None else None
        language = t.language if self.options.per_chunk_language else (vote or t.language)
        for w in t.warnings:
            if w not in self.stats.warnings:
                self.stats.warnings.append(w)
        for reason, text in t.removed:
            self.engine_log.append(CleanupEntry(reason, text, item.start_ms, item.end_ms))
        regions = self.regions[item.channel]
        drafts = []
        for seg in t.segments:
            s = seg.shifted(item.start_ms)
            d = Draft(start=s.start, end=max(s.start, s.end), text=s.text.strip(),
                      words=list(s.words), chunk=item.index, language=language,
                      speaker=item.speaker, avg_logprob=s.avg_logprob,
                      no_speech_prob=s.no_speech_prob, compression_ratio=s.compression_ratio,
                      words_estimated=s.words_estimated)
            if d.text:
                drafts.append(finish_draft(d, regions))
        drafts = self.cleaners[item.channel].clean(drafts)
        drafts = dedupe_seam(self.previous.get(item.channel, []), drafts, self.seam_log)
        if drafts:
            self.previous[item.channel] = drafts
        return [d.to_segment() for d in drafts]
