"""Transcribing a media file: the whole job, without Qt.

media -> blocks of 16 kHz samples (decoded progressively; one row per channel in channel
mode) -> speech regions (voice activity) -> chunks cut at pauses (all-silent ones skipped,
each trimmed to its speech), found block by block by :mod:`app.pipeline.feed` while the
chunks already found are transcribed -> the engine over a pool of worker threads -> per
chunk, in order: segments with absolute times, words fitted to the text, cleanup (each
removal logged), duplicates at the seam with the previous chunk removed, word re-timing
(``word_timer``: edges snapped to the speech, or an aligner) ->
``on_partial(chunk_index, segments)`` -> :class:`TranscriptionResult`.

The first segments come back after the first block and the first (short) chunk, whatever
the length of the media; memory holds the blocks in flight, not the whole recording.

Progress is reported through ``progress`` (:class:`TranscriptionProgress`), cancelling
``cancel`` stops the job within about one chunk and keeps what was finished.
"""

from __future__ import annotations

import functools
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.audio.samples import ENGINE_RATE
from app.core.cancel import Cancelled, CancelToken, Progress
from app.core.model import FAILED, TIMES_ESTIMATED, Segment
from app.engines.base import Capabilities, ChunkTranscript, Engine
from app.engines.registry import create_engine
from app.pipeline.cleanup import Cleaner, dedupe_seam
from app.pipeline.feed import Feed, WorkItem, array_source
from app.pipeline.scheduler import (
    ChunkScheduler,
    Outcome,
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

CHUNK_TARGET_S = 25.0  # chunks are cut at pauses near this length (at most the engine's limit)
# chunks that continue the text before them (condition_on_previous_text) form chains, cut
# into stretches decoded side by side: each what is left shared among the workers, within
# these.  Each stretch's first chunk starts cold (on the 1-hour input, one chain had 776-801
# substitutions, 20 stretches of at most 300 s 803); a stretch's audio is read before its
# chunks are decoded, so the longest bounds the audio held (600 s: 38 MB)
CHAIN_MIN_S, CHAIN_MAX_S = 60.0, 600.0
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


def chain_starts(duration_s: float | None, parallel: int) -> list[int]:
    """Where the chains of continued chunks start (ms): stretches decoded side by side by
    ``parallel`` workers, each a share of what is left (so the last ones are short and the
    workers finish together), within :data:`CHAIN_MIN_S` and :data:`CHAIN_MAX_S`.  One chain
    when one worker decodes, or when the length is unknown."""
    if parallel <= 1 or not duration_s:
        return [0]
    total = duration_s * 1000.0
    starts: list[int] = []
    pos = 0.0
    while total - pos >= CHAIN_MIN_S * 1000 or not starts:  # a short rest joins the last
        starts.append(int(pos))
        pos += min(CHAIN_MAX_S * 1000, max(CHAIN_MIN_S * 1000, (total - pos) / parallel))
    return starts


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
    return _SnapOrAlign(options)


class _SnapOrAlign:
    """The word timer of :func:`_snap_or_align`.  Like :func:`~app.align.snap.snap_segments`
    it takes the speech regions the pipeline already found (``speech=``), so the voice
    activity is not run a second time on each chunk."""

    def __init__(self, options: PipelineOptions) -> None:
        self.options = options
        self._aligner: list[WordTimer | None] = []

    def __call__(self, samples: np.ndarray, sample_rate: int, segments: list[Segment],
                 language: str | None, *,
                 speech: list[tuple[int, int]] | None = None) -> list[Segment]:
        from app.align.snap import snap_segments

        if not any(s.has(TIMES_ESTIMATED) for s in segments):
            return snap_segments(samples, sample_rate, segments, language, speech=speech)
        if not self._aligner:
            self._aligner.append(_align_timer(self.options))
        if self._aligner[0] is None:
            return segments
        return self._aligner[0](samples, sample_rate, segments, language)


def transcribe_file(path: str | os.PathLike[str], options: PipelineOptions | None = None, *,
                    engine: Engine | None = None, progress: ProgressFn | None = None,
                    on_partial: PartialCallback | None = None,
                    cancel: CancelToken | None = None,
                    word_timer: WordTimer | None = None) -> TranscriptionResult:
    """Transcribe the audio of a media file (see the module doc).

    The media is decoded progressively while it is transcribed (never held whole).  Raises
    ``MediaError`` for unreadable media (at once when it cannot be opened, or when decoding
    fails part way), ``ModelError``/``EngineError`` when the engine cannot start.  Failures
    on single chunks do not raise: they are in the result.  A file cut short (its audio
    stops before its headers say) is transcribed as far as it goes, with a warning.
    """
    from app.audio.decode import stream

    options = options or PipelineOptions()
    cancel = cancel or CancelToken()
    t0 = time.monotonic()
    if progress is not None:
        progress(TranscriptionProgress(0, 0, f"opening {Path(path).name}", stage="decoding"))
    picked: list[int] | None = None
    notes: list[str] = []
    if options.channels:
        from app.audio.probe import probe, speaker_channels

        picked, notes = speaker_channels(probe(path))  # MediaError past 8 channels
    try:
        audio = stream(path, ENGINE_RATE, mono=not options.channels, cancel=cancel,
                       allow_truncated=True)
    except Cancelled:
        return TranscriptionResult([], cancelled=True)
    stats = TranscriptionStats(engine=options.engine)
    stats.warnings.extend(notes)
    read: Callable[[], np.ndarray | None] = audio.read
    count = audio.channels
    if picked is not None and count > 1 and len(picked) < count:
        read, count = _picked_rows(audio.read, picked), len(picked)
    if options.channels and count == 1:
        stats.warnings.append("the media has one audio channel: channel mode ignored")
    speakers: list[str | None] = [speaker_name(i) for i in range(count)] if count > 1 \
        else [None]
    with audio:
        result = _transcribe(read, count, speakers, audio.duration_s, options,
                             stats, engine=engine, progress=progress, on_partial=on_partial,
                             cancel=cancel, word_timer=word_timer, t0=t0)
    if audio.warning:
        result.stats.warnings.append(audio.warning)
    result.stats.decode_s = audio.elapsed_s or 0.0
    return result


def transcribe_samples(samples: np.ndarray, options: PipelineOptions | None = None, *,
                       engine: Engine | None = None, progress: ProgressFn | None = None,
                       on_partial: PartialCallback | None = None,
                       cancel: CancelToken | None = None,
                       word_timer: WordTimer | None = None,
                       _t0: float | None = None) -> TranscriptionResult:
    """Transcribe 16 kHz float32 samples: shape ``(n,)``, or ``(channels, n)``."""
    options = options or PipelineOptions()
    cancel = cancel or CancelToken()
    t0 = _t0 if _t0 is not None else time.monotonic()
    stats = TranscriptionStats(engine=options.engine)
    x = np.asarray(samples)
    if x.ndim not in (1, 2):
        raise ValueError(f"samples must be (n,) or (channels, n), not {x.shape}")
    if x.ndim == 2 and options.channels and x.shape[0] > 1:
        source, count = array_source(x), x.shape[0]
        speakers: list[str | None] = [speaker_name(i) for i in range(count)]
    else:
        if options.channels:
            stats.warnings.append("the media has one audio channel: channel mode ignored")
        mono = x if x.ndim == 1 else (x[0] if x.shape[0] == 1 else None)
        source = array_source(mono[None]) if mono is not None else _mixed_source(x)
        count, speakers = 1, [None]
    return _transcribe(source, count, speakers, x.shape[-1] / ENGINE_RATE, options, stats,
                       engine=engine, progress=progress, on_partial=on_partial, cancel=cancel,
                       word_timer=word_timer, t0=t0)


def _picked_rows(read: Callable[[], np.ndarray | None],
                 rows: list[int]) -> Callable[[], np.ndarray | None]:
    """Blocks of ``read`` with only the channels ``rows`` (channel mode without the LFE)."""

    def picked() -> np.ndarray | None:
        block = read()
        return None if block is None else block[rows]

    return picked


def _mixed_source(x: np.ndarray) -> Callable[[], np.ndarray | None]:
    """Blocks of the mean of the channels of ``x`` (mono mix, made block by block)."""
    read = array_source(x)

    def mixed() -> np.ndarray | None:
        block = read()
        return None if block is None else block.mean(axis=0, dtype=np.float32)[None]

    return mixed


def _transcribe(source: Callable[[], np.ndarray | None], channel_count: int,
                speakers: list[str | None], duration_s: float | None, options: PipelineOptions,
                stats: TranscriptionStats, *, engine: Engine | None,
                progress: ProgressFn | None, on_partial: PartialCallback | None,
                cancel: CancelToken, word_timer: WordTimer | None,
                t0: float) -> TranscriptionResult:
    """The job: engine, feed (voice activity and chunks while reading), scheduler, result."""

    def report(p: TranscriptionProgress) -> None:
        if progress is not None:
            progress(p)

    stats.audio_s = duration_s or 0.0
    if cancel.cancelled:
        stats.wall_s = time.monotonic() - t0
        return TranscriptionResult([], stats=stats, cancelled=True)

    # the engine (the media is already being decoded meanwhile)
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
    if options.decode.condition_on_previous_text and not caps.continues_text:
        stats.warnings.append(f"the {engine.title or engine.name} engine does not carry "
                              "text from one chunk to the next: each is decoded on its own")

    # speech and chunks are found block by block while the chunks are transcribed
    max_s = options.chunk_seconds or caps.max_chunk_s
    target_s = min(CHUNK_TARGET_S, 0.85 * max_s)
    feed = Feed(source, channel_count, speakers, target_s=target_s, max_s=max_s,
                min_silence_ms=options.min_silence_ms, duration_s=duration_s)
    device = pipeline_device(options)
    stats.workers = choose_workers(options, engine.name, device, caps)
    stats.batch_size = options.batch_size or (default_batch_size(device) if caps.batched else 1)
    assembler = _Assembler(options, channel_count, stats, t0, on_partial, report, feed,
                           word_timer=word_timer)
    starts = chain_starts(duration_s, stats.workers * stats.batch_size)
    scheduler = ChunkScheduler(
        engine, options.decode, workers=stats.workers, batch_size=stats.batch_size,
        cancel=cancel, detect_once=not options.per_chunk_language and caps.language_detection,
        vote_chunks=options.language_vote_chunks, deliver=assembler.deliver,
        chain_starts_ms=starts)
    assembler.scheduler = scheduler
    t_run = time.monotonic()
    report(TranscriptionProgress(0, 0, "transcribing", stage="transcribing",
                                 audio_total_s=stats.audio_s))
    vote = scheduler.run(feed)
    stats.transcribe_s = time.monotonic() - t_run
    stats.chunks_retried, stats.chunks_failed = scheduler.retried, scheduler.failed
    stats.chunks = feed.emitted
    stats.speech_s = feed.speech_s
    if feed.exhausted:
        stats.audio_s = feed.audio_s

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
    report(TranscriptionProgress(assembler.done, stats.chunks, "done", stage="done",
                                 audio_done_s=assembler.audio_done,
                                 audio_total_s=assembler.audio_done, eta_s=0.0))
    return TranscriptionResult(
        segments=final, language=language, language_probability=probability,
        cleanup_log=assembler.cleanup_log, failed_regions=assembler.failed_regions,
        stats=stats, cancelled=cancel.cancelled,
    )


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

    def __init__(self, options: PipelineOptions, channel_count: int,
                 stats: TranscriptionStats, t0: float, on_partial: PartialCallback | None,
                 report: Callable[[TranscriptionProgress], None], feed: Feed, *,
                 word_timer: WordTimer | None = None) -> None:
        self.options = options
        self.word_timer = word_timer
        self.stats = stats
        self.t0 = t0
        self.t_start = time.monotonic()
        self.on_partial = on_partial
        self.report = report
        self.feed = feed
        self.audio_done = 0.0
        self.done = 0
        self.scheduler: ChunkScheduler | None = None
        self.cleaners = [Cleaner(None, options.decode.initial_prompt, options.cleanup)
                         for _ in range(channel_count)]
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
                segments = self._time_words(item, segments)
                self.stats.timing_s += time.monotonic() - t
        self.segments_by_channel[item.channel].extend(segments)
        self.done += 1
        self.stats.chunks_done = self.done
        self.audio_done += item.duration_s
        if self.on_partial is not None:
            self.on_partial(item.index, list(segments))
        if self.stats.first_segment_s is None and any(s.text for s in segments):
            self.stats.first_segment_s = time.monotonic() - self.t0
        total, audio_total = self.feed.estimated_total()
        total, audio_total = max(total, self.done), max(audio_total, self.audio_done)
        elapsed = time.monotonic() - self.t_start
        eta = (elapsed / self.audio_done * max(0.0, audio_total - self.audio_done)
               if self.audio_done else None)
        self.report(TranscriptionProgress(
            self.done, total, f"transcribed chunk {self.done} of {total}",
            stage="transcribing", audio_done_s=self.audio_done, audio_total_s=audio_total,
            eta_s=eta))

    def _time_words(self, item: WorkItem, segments: list[Segment]) -> list[Segment]:
        """The word timer over the chunk and its context (times relative to that window).

        The default timer (edges snapped to the speech) gets the speech regions the voice
        activity already found, instead of running it again on the window."""
        samples, start_ms = item.context()
        shifted = [s.shifted(-start_ms) for s in segments]
        from app.align.snap import snap_segments

        timer: WordTimer | None = self.word_timer
        assert timer is not None
        if item.fine_speech is not None and (timer is snap_segments
                                             or isinstance(timer, _SnapOrAlign)):
            speech = [(s - start_ms, e - start_ms) for s, e in item.fine_speech]
            timer = functools.partial(timer, speech=speech)
        timed = apply_word_timer(timer, samples, ENGINE_RATE, shifted,
                                 segments[0].language, self.stats.warnings)
        return [s.shifted(start_ms) for s in timed]

    def _segments(self, item: WorkItem, t: ChunkTranscript) -> list[Segment]:
        vote = self.scheduler.vote.language if self.scheduler is not None else None
        language = t.language if self.options.per_chunk_language else (vote or t.language)
        for w in t.warnings:
            if w not in self.stats.warnings:
                self.stats.warnings.append(w)
        for reason, text in t.removed:
            self.engine_log.append(CleanupEntry(reason, text, item.start_ms, item.end_ms))
        regions = item.speech
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
        cleaner = self.cleaners[item.channel]
        cleaner.regions = regions  # the speech around this chunk
        drafts = cleaner.clean(drafts)
        drafts = dedupe_seam(self.previous.get(item.channel, []), drafts, self.seam_log)
        if drafts:
            self.previous[item.channel] = drafts
        return [d.to_segment() for d in drafts]
