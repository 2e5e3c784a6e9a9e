"""Running an engine over many chunks: a pool of worker threads, results in chunk order.

* ``workers`` threads each decode a batch of ``batch_size`` chunks at a time (on a CPU, one
  chunk per call on each of N threads keeps every core busy; on a GPU, one thread with big
  batches);
* results are delivered in chunk order as soon as the chunks before them are done
  (completions that arrive early wait in a buffer);
* when the language is to be detected once per file, the first chunks are decoded with
  detection, the detections are voted on, and the rest is decoded in that language
  (a first chunk that disagreed with the vote is decoded again);
* a chunk that fails is retried once, then reported as failed and the run goes on;
* cancelling stops new work at once; chunks already running finish and are delivered;
* the chunks may come from a :class:`~app.pipeline.feed.Feed` that is still reading the
  media: while every worker is busy, the scheduler's thread reads and plans the next block
  (a few chunks ahead, no more), so decoding and voice activity overlap the transcription;
* with ``condition_on_previous_text`` (engines that ``continues_text``), each chunk is
  decoded with what was heard in the chunk before it (same channel) as its prompt, the way
  sequential faster-whisper prompts each window with the text before it.  A chunk has to
  wait for the one before it, so to keep every worker busy the media is cut into stretches
  (``chain_starts_ms``) that are decoded side by side, each a chain of chunks; the first
  chunk of a stretch continues nothing.  Where the stretches start depends only on the
  media, so the result does not depend on which worker finishes first.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from app.core.cancel import Cancelled, CancelToken
from app.engines.base import ChunkTranscript, Engine, TranscribeOptions
from app.pipeline.feed import Feed, WorkItem

log = logging.getLogger(__name__)

CONFIDENT = 0.8  # a first chunk this sure of its language decides the vote alone
AHEAD_PER_WORKER = 2  # chunks planned ahead of the workers (each holds its samples)

__all__ = ["ChunkScheduler", "LanguageVote", "Outcome", "WorkItem", "default_batch_size",
           "default_workers", "vote_language"]


@dataclass
class Outcome:
    transcript: ChunkTranscript | None = None
    error: str | None = None
    retried: bool = False
    queued: bool = False  # decoded with detection in another language: redo queued


@dataclass
class LanguageVote:
    language: str | None = None
    probability: float | None = None
    detections: list[tuple[str, float]] = field(default_factory=list)


def default_workers(device: str, cores: int | None = None) -> int:
    """Worker threads for a device: on a CPU two (or a quarter of the cores, up to 4)."""
    if device == "cuda":
        return 1
    cores = cores or os.cpu_count() or 1
    if cores <= 1:
        return 1
    return max(2, min(4, cores // 4))


def default_batch_size(device: str) -> int:
    return 8 if device == "cuda" else 1


def vote_language(detections: Sequence[tuple[str | None, float | None, bool]]) -> LanguageVote:
    """Majority of ``(language, probability, has_text)`` detections, weighted by probability.

    Detections of chunks that produced text count; the others only when none did.
    """
    usable = [(lang, p) for lang, p, has_text in detections if lang and has_text]
    if not usable:
        usable = [(lang, p) for lang, p, _ in detections if lang]
    if not usable:
        return LanguageVote()
    weight: dict[str, float] = defaultdict(float)
    probs: dict[str, list[float]] = defaultdict(list)
    order: Counter[str] = Counter()
    for lang, p in usable:
        weight[lang] += p if p is not None else 1.0
        order[lang] += 1
        if p is not None:
            probs[lang].append(p)
    best = max(weight, key=lambda k: (weight[k], order[k]))
    prob = sum(probs[best]) / len(probs[best]) if probs[best] else None
    return LanguageVote(best, prob, [(lang, p if p is not None else 1.0) for lang, p in usable])


class ChunkScheduler:
    """Decode ``WorkItem`` s with an engine; see the module doc."""

    def __init__(self, engine: Engine, options: TranscribeOptions, *, workers: int = 1,
                 batch_size: int = 1, cancel: CancelToken | None = None,
                 detect_once: bool = True, vote_chunks: int = 3,
                 deliver: Callable[[WorkItem, Outcome], None] | None = None,
                 chain_starts_ms: Sequence[int] = (0,)) -> None:
        """``chain_starts_ms``: where the chains of continued chunks start (chained only)."""
        self.engine = engine
        self.options = options
        self.workers = max(1, workers)
        self.batch_size = max(1, batch_size)
        self.cancel = cancel or CancelToken()
        self.detect_once = detect_once and not options.language
        self.vote_chunks = max(1, vote_chunks)
        self.deliver = deliver or (lambda item, outcome: None)
        self.vote = LanguageVote(language=options.language,
                                 probability=1.0 if options.language else None)
        self.retried = 0
        self.failed = 0
        self.cancelled = False
        self._lock = threading.Lock()
        self.chained = options.condition_on_previous_text \
            and engine.capabilities().continues_text
        self.chain_starts = sorted(set(chain_starts_ms) | {0})

    # ---------------------------------------------------------------- running

    def run(self, work: Feed | Iterable[WorkItem]) -> LanguageVote:
        """Decode every item; deliver outcomes in order; return the language decision.

        ``work``: the items (indices 0..n-1), or a :class:`Feed` still producing them.
        """
        feed = work if isinstance(work, Feed) else _ListFeed(work)
        self._outcomes: dict[int, Outcome] = {}
        self._next = 0
        self._by_index: dict[int, WorkItem] = {}  # items not delivered yet (with their audio)
        self._seen = 0  # items taken from the feed so far
        self._detected: dict[int, Outcome] = {}  # decoded with detection, vote pending
        self._last: dict[int, WorkItem] = {}  # chained: the latest item of each channel
        self._continues: dict[int, int] = {}  # chained: index -> the index it continues
        self._context: dict[int, tuple[int, ...]] = {}  # chained: finished, not yet continued
        self._decided = not self.detect_once
        self._probe = max(self.vote_chunks, self.workers)
        queue: deque[tuple[list[WorkItem], TranscribeOptions]] = deque()
        pending: deque[WorkItem] = deque()
        in_flight: dict[Future, tuple[list[WorkItem], bool]] = {}
        self._ahead = self.workers * max(self.batch_size, AHEAD_PER_WORKER)
        with ThreadPoolExecutor(max_workers=self.workers,
                                thread_name_prefix="cueline-chunk") as pool:
            while True:
                if not self.cancel.cancelled:
                    self._pull(feed, pending, in_flight)
                while len(in_flight) < self.workers and not self.cancel.cancelled:
                    if queue:
                        batch, options = queue.popleft()
                        detect = False
                    elif pending and (self._decided or self._detect_slots(in_flight) > 0):
                        size = self.batch_size if self._decided else \
                            min(self.batch_size, self._detect_slots(in_flight))
                        batch = self._take(pending, size)
                        if not batch:
                            break  # every chunk waits for the one it continues
                        detect = not self._decided
                        options = self.options if detect else self._fixed_options()
                    else:
                        break
                    fut = pool.submit(self._decode, batch, options, self._previous(batch))
                    in_flight[fut] = (batch, detect)
                producing = not feed.done and not self.cancel.cancelled
                if not in_flight:
                    if producing and feed.step():
                        continue  # nothing to run yet: read on
                    if pending and not self._decided and not self.cancel.cancelled:
                        self._try_vote({}, force=True)  # fewer chunks than the probe
                        self._settle(queue)
                        continue
                    break  # done, or cancelled
                if producing and self._wants(pending, in_flight):
                    done, _ = wait(in_flight, timeout=0)
                    if not done:
                        feed.step()  # the workers are busy: read and plan meanwhile
                        continue
                else:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in done:
                    batch, detect = in_flight.pop(fut)
                    for it, outcome in zip(batch, fut.result(), strict=True):
                        if outcome is None:
                            continue  # cancelled before it ran
                        if detect:
                            self._detected[it.index] = outcome
                        else:
                            self._finish(it, outcome)
                    if not self._decided:
                        self._try_vote(in_flight)
                    if self._decided:
                        self._settle(queue)
                    self._flush()
        if not self._decided:  # cancelled during detection: vote on what was heard
            self._try_vote({}, force=True)
        for idx, outcome in sorted(self._detected.items()):  # a redo never ran: keep these
            self._outcomes[idx] = outcome
        self._detected.clear()
        self._flush(final=True)
        self.cancelled = self.cancel.cancelled
        return self.vote

    def _wants(self, pending: deque[WorkItem], in_flight: dict) -> bool:
        """Whether to plan more chunks: a few per worker, and, chained, while a worker is
        free and every planned chunk waits for the one before it (reading on to the start of
        the next stretch: at most one stretch of audio more is held)."""
        if len(pending) < self._ahead:
            return True
        if not self.chained or len(in_flight) >= self.workers:
            return False
        return not any(self._ready(it) for it in pending)

    def _pull(self, feed: Feed | _ListFeed, pending: deque[WorkItem], in_flight: dict) -> None:
        """Move the items the feed has ready into ``pending`` (as many as :meth:`_wants`)."""
        while self._wants(pending, in_flight):
            item = feed.take()
            if item is None:
                break
            self._by_index[item.index] = item
            self._seen = max(self._seen, item.index + 1)
            if self.chained:
                last = self._last.get(item.channel)
                if last is not None and self._stretch(last) == self._stretch(item):
                    self._continues[item.index] = last.index
                self._last[item.channel] = item
            pending.append(item)
        if feed.done:
            self._probe = min(self._probe, max(1, self._seen))

    # ---------------------------------------------------------------- chains

    def _stretch(self, item: WorkItem) -> int:
        return bisect.bisect_right(self.chain_starts, item.start_ms)

    def _ready(self, item: WorkItem) -> bool:
        """Whether the chunk ``item`` continues has finished (or it continues none).  While
        the language is being detected, chunks run at once, continuing nothing (waiting for
        an earlier one, whose outcome waits for the vote, could hold the vote up)."""
        earlier = self._continues.get(item.index)
        return earlier is None or earlier in self._context or not self._decided

    def _take(self, pending: deque[WorkItem], size: int) -> list[WorkItem]:
        """Up to ``size`` pending items that can run now, earliest first."""
        if not self.chained:
            return [pending.popleft() for _ in range(min(size, len(pending)))]
        batch = [it for it in pending if self._ready(it)][:size]
        for it in batch:
            pending.remove(it)
        return batch

    def _previous(self, batch: list[WorkItem]) -> list[tuple[int, ...]] | None:
        """Chained: what each chunk of ``batch`` continues (taken: each is continued once, so
        a chunk decoded again for its language continues nothing)."""
        if not self.chained:
            return None
        return [self._context.pop(self._continues.pop(it.index), ())
                if it.index in self._continues else () for it in batch]

    def _heard(self, index: int, outcome: Outcome) -> None:
        """Chained: keep what chunk ``index`` heard for the chunk that continues it."""
        if self.chained:
            t = outcome.transcript
            self._context[index] = t.context if t is not None else ()

    # ---------------------------------------------------------------- the language vote

    def _detect_slots(self, in_flight: dict) -> int:
        """How many more chunks may still be decoded with language detection."""
        running = sum(len(b) for b, detect in in_flight.values() if detect)
        return self._probe - len(self._detected) - running

    def _fixed_options(self) -> TranscribeOptions:
        return self.options.with_language(self.vote.language) if self.vote.language \
            else self.options

    def _try_vote(self, in_flight: dict, force: bool = False) -> None:
        """Decide the language: at once when the first chunk is sure of it, else by majority
        once the probe chunks are in."""
        done = self._detected
        if done and min(done) == 0:
            t = done[0].transcript
            if t is not None and t.segments and t.language \
                    and (t.language_probability or 0) >= CONFIDENT:
                self.vote = LanguageVote(t.language, t.language_probability,
                                         [(t.language, t.language_probability or 1.0)])
                self._decided = True
                return
        running = any(detect for _, detect in in_flight.values())
        if force or (len(done) >= self._probe and not running):
            self.vote = vote_language([
                (o.transcript.language, o.transcript.language_probability,
                 bool(o.transcript.segments))
                for o in done.values() if o.transcript is not None])
            self._decided = True

    def _settle(self, queue: deque) -> None:
        """Deliver detected chunks that agree with the vote; queue the others for a redo."""
        for idx in sorted(self._detected):
            outcome = self._detected[idx]
            t = outcome.transcript
            if self.vote.language and t is not None and t.segments \
                    and t.language != self.vote.language:
                if not outcome.queued:
                    outcome.queued = True
                    queue.appendleft(([self._by_index[idx]], self._fixed_options()))
                continue  # stays until its redo is delivered
            self._finish(self._by_index[idx], outcome)

    def _decode(self, batch: list[WorkItem], options: TranscribeOptions,
                previous: list[tuple[int, ...]] | None = None) -> list[Outcome | None]:
        """Worker thread: decode a batch; on failure each chunk alone, retried once.
        ``previous``: chained, what each chunk continues."""
        if self.cancel.cancelled:
            return [None] * len(batch)
        try:
            transcripts = self.engine.transcribe_batch([it.samples for it in batch], options,
                                                       self.cancel, previous)
            return [Outcome(t) for t in transcripts]
        except Cancelled:
            return [None] * len(batch)
        except Exception as exc:  # noqa: BLE001 - any engine failure: retry, then record
            log.warning("engine failed on chunks %s: %s", [it.index for it in batch], exc)
            first_error = exc
        out: list[Outcome | None] = []
        for k, it in enumerate(batch):
            out.append(self._decode_one(it, options, first_error if len(batch) == 1 else None,
                                        None if previous is None else previous[k]))
        return out

    def _decode_one(self, it: WorkItem, options: TranscribeOptions,
                    failed_once: Exception | None,
                    previous: tuple[int, ...] | None = None) -> Outcome | None:
        tries = 1 if failed_once is not None else 2
        error: Exception | None = failed_once
        for _ in range(tries):
            if self.cancel.cancelled:
                return None
            if error is not None:
                with self._lock:
                    self.retried += 1
            try:
                if previous is None:
                    t = self.engine.transcribe_chunk(it.samples, options, self.cancel)
                else:
                    t = self.engine.transcribe_batch([it.samples], options, self.cancel,
                                                     [previous])[0]
                return Outcome(t, retried=error is not None)
            except Cancelled:
                return None
            except Exception as exc:  # noqa: BLE001 - recorded as a failed region
                log.warning("engine failed on chunk %d: %s", it.index, exc)
                error = exc
        with self._lock:
            self.failed += 1
        message = str(error) or type(error).__name__
        return Outcome(error=f"{type(error).__name__}: {message}", retried=True)

    # ---------------------------------------------------------------- ordered delivery

    def _finish(self, it: WorkItem, outcome: Outcome) -> None:
        self._outcomes[it.index] = outcome
        self._detected.pop(it.index, None)
        self._heard(it.index, outcome)

    def _flush(self, final: bool = False) -> None:
        """Deliver, in order, every finished chunk whose predecessors are delivered.

        ``final``: deliver whatever finished, skipping chunks that never ran (cancelled).
        """
        while self._next < self._seen:
            idx = self._next
            outcome = self._outcomes.pop(idx, None)
            if outcome is None:
                if not final:
                    return
                self._next += 1
                continue
            self._next += 1
            self.deliver(self._by_index.pop(idx), outcome)  # its audio is freed after this


class _ListFeed:
    """A list of items with a :class:`Feed`'s interface (all known from the start)."""

    def __init__(self, items: Iterable[WorkItem]) -> None:
        self._items = deque(sorted(items, key=lambda it: it.index))
        self.done = not self._items

    def step(self) -> bool:
        return False

    def take(self) -> WorkItem | None:
        if not self._items:
            return None
        item = self._items.popleft()
        self.done = not self._items
        return item
