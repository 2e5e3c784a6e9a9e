"""The work of a transcription, found while the media is still being read.

Media -> blocks of 16 kHz samples (decoded progressively, or cut from an array) -> in channel
mode, each channel's copy of the other speakers muted (:mod:`app.audio.crosstalk`) -> speech
regions per channel (voice activity, block by block) -> chunks cut at pauses (planned as
soon as the speech around their cut is known) -> :class:`WorkItem` s in time order.

Nothing waits for the whole file: the first chunk is ready after the first block, so the
first segments come back in about the same time for a 3-hour file as for a 1-minute one,
and memory holds only the blocks not yet planned plus the chunks in flight (each chunk
carries its own samples, with a second of context on both sides for word timing).

The chunks are the ones :func:`app.audio.chunking.plan_chunks` would cut in the whole
recording (a cut is decided only once the speech 1.5 s past its search window is known),
all-silent ones left out and each trimmed to its speech; the first chunk with speech is
kept short (at most :data:`HEAD_MAX_S`) so the first segments come back quickly.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.audio.crosstalk import CrosstalkGate
from app.audio.samples import ENGINE_RATE, SAMPLES_PER_MS
from app.audio.vad import Region, SpeechStream, duration_ms, regions_from_probabilities
from app.core.cancel import Cancelled

TRIM_PAD_MS = 200  # speech kept around a chunk's speech when it is trimmed
HEAD_TARGET_S, HEAD_MAX_S = 8.0, 12.0  # the first chunk: short, for a quick first result
CONTEXT_MS = 1000  # samples kept on both sides of a chunk for the word timer
PAUSE_LOOKAHEAD_MS = 1500  # a pause is scored by its length up to this (see chunking)
BLOCK_S = 30.0
# the word timer's voice activity (app.align.base.window_speech): pauses between words
FINE_SPEECH = dict(min_silence_ms=100, pad_ms=30, min_speech_ms=50)


@dataclass
class WorkItem:
    """One chunk of one channel, in the job's global order.

    ``samples`` is what the engine decodes; ``window`` the same audio with up to
    :data:`CONTEXT_MS` more on both sides (for word timing), starting at ``window_ms``;
    ``speech`` the speech regions over the window (for cleanup and word edges).
    """

    index: int
    start_ms: int
    end_ms: int
    samples: np.ndarray
    channel: int = 0
    speaker: str | None = None
    window: np.ndarray | None = None
    window_ms: int = 0
    speech: list[Region] | None = None  # speech regions (ms) around the chunk, when known
    fine_speech: list[Region] | None = None  # the same with pauses down to 100 ms (word edges)

    @property
    def duration_s(self) -> float:
        return (self.end_ms - self.start_ms) / 1000.0

    def context(self) -> tuple[np.ndarray, int]:
        """``(samples, start_ms)`` of the chunk with its context, for word timing."""
        if self.window is None:
            return self.samples, self.start_ms
        return self.window, self.window_ms


class _Buffer:
    """The samples of one channel from ``base`` (a sample index) to what was fed."""

    def __init__(self) -> None:
        self.base = 0
        self.end = 0
        self._blocks: deque[np.ndarray] = deque()

    def append(self, block: np.ndarray) -> None:
        if len(block):
            self._blocks.append(block)
            self.end += len(block)

    def read(self, a: int, b: int) -> np.ndarray:
        """Samples ``[a, b)`` (clipped to what is held) as one array (a copy)."""
        a, b = max(a, self.base), min(b, self.end)
        if b <= a:
            return np.zeros(0, np.float32)
        out, pos = [], self.base
        for blk in self._blocks:
            lo, hi = max(a, pos), min(b, pos + len(blk))
            if hi > lo:
                out.append(blk[lo - pos:hi - pos])
            pos += len(blk)
            if pos >= b:
                break
        return np.array(np.concatenate(out) if len(out) > 1 else out[0], dtype=np.float32)

    def release(self, before: int) -> None:
        """Forget whole blocks that end at or before sample ``before``."""
        while self._blocks and self.base + len(self._blocks[0]) <= before:
            self.base += len(self._blocks.popleft())


class ChannelPlan:
    """Speech detection and chunk planning of one channel, block by block."""

    def __init__(self, channel: int, speaker: str | None, target_s: float, max_s: float,
                 min_silence_ms: int) -> None:
        self.channel = channel
        self.speaker = speaker
        self.target_s, self.max_s = target_s, max_s
        self.vad = SpeechStream(min_silence_ms=min_silence_ms, pad_ms=30,
                                keep_probabilities=True)
        self.regions: list[Region] = []  # final speech regions (ms), growing
        self.buffer = _Buffer()
        self.pos_ms = 0  # chunks are planned over [0, pos_ms)
        self.ended = False
        self.head_done = False
        self.ready: deque[tuple[int, int]] = deque()  # planned spans not yet made into items

    @property
    def total_ms(self) -> int:
        return duration_ms(self.buffer.end, ENGINE_RATE)

    @property
    def known_ms(self) -> int:
        return self.total_ms if self.ended else min(self.vad.known_ms, self.total_ms)

    @property
    def speech_s(self) -> float:
        return sum(e - s for s, e in self.speech(0, self.total_ms)) / 1000.0

    def speech(self, a: int, b: int) -> list[Region]:
        """The speech regions overlapping ``[a, b)`` ms as far as they are known (final ones,
        then those still growing)."""
        out = []
        for regions in (self.regions, [] if self.ended else self.vad.provisional()):
            i = bisect.bisect_right(regions, (a, a))
            if i > 0 and regions[i - 1][1] > a:
                i -= 1
            for s, e in regions[i:]:
                if s >= b:
                    break
                if e > a:
                    out.append((s, e))
        return out

    def feed(self, block: np.ndarray | None) -> None:
        """Add the next block (``None``: the audio has ended) and plan what can be planned."""
        if block is None:
            self.regions += self.vad.finish()
            self.ended = True
        else:
            self.buffer.append(block)
            self.regions += self.vad.feed(block)
        self._plan()
        self._release()

    def next_start(self) -> int | None:
        """Where this channel's next chunk starts (at the earliest); None when it has no more."""
        if self.ready:
            return self.ready[0][0]
        return None if self.ended else self.pos_ms

    def take(self) -> tuple[int, int, np.ndarray, np.ndarray, int, list[Region],
                            list[Region] | None]:
        """The next planned span: ``(start_ms, end_ms, samples, window, window_ms,
        speech regions around it, fine speech regions over the window)``."""
        start, end = self.ready.popleft()
        w0 = max(0, start - CONTEXT_MS)
        w1 = end + CONTEXT_MS
        window = self.buffer.read(w0 * SAMPLES_PER_MS, w1 * SAMPLES_PER_MS)
        a = (start - w0) * SAMPLES_PER_MS
        samples = window[a:a + (end - start) * SAMPLES_PER_MS]
        fine = self._fine_speech(w0, w0 + len(window) // SAMPLES_PER_MS)
        self._release()
        return start, end, samples, window, w0, self.speech(w0, w1), fine

    def _fine_speech(self, a: int, b: int) -> list[Region] | None:
        """Speech regions of ``[a, b)`` ms with the word timer's finer settings (pauses of
        100 ms), from the probabilities the voice activity already computed."""
        first, probs = self.vad.probabilities(a * SAMPLES_PER_MS, b * SAMPLES_PER_MS)
        if not len(probs):
            return None
        at = first // SAMPLES_PER_MS
        found = regions_from_probabilities(probs, len(probs) * SpeechStream.WINDOW,
                                           **FINE_SPEECH)
        return [(s + at, e + at) for s, e in found]

    def _release(self) -> None:
        keep = self.ready[0][0] if self.ready else self.pos_ms
        self.buffer.release((keep - CONTEXT_MS) * SAMPLES_PER_MS)
        self.vad.release((keep - CONTEXT_MS) * SAMPLES_PER_MS)

    # ------------------------------------------------------------------ planning
    def _plan(self) -> None:
        from app.audio.chunking import plan_chunks

        while True:
            known, total = self.known_ms, self.total_ms
            if not self.head_done:
                if not self._plan_head(known):
                    return
                continue
            if not self.ended and self.pos_ms + self.max_s * 1000 + PAUSE_LOOKAHEAD_MS > known:
                return
            end = total if self.ended else known
            if end <= self.pos_ms:
                return
            local = [(max(0, s - self.pos_ms), min(end, e) - self.pos_ms)
                     for s, e in self.speech(self.pos_ms, end)]
            sig = self.buffer.read(self.pos_ms * SAMPLES_PER_MS, end * SAMPLES_PER_MS)
            chunks = plan_chunks(sig, ENGINE_RATE, local, target_s=self.target_s,
                                 max_s=self.max_s)
            limit = None if self.ended else \
                known - self.pos_ms - self.max_s * 1000 - PAUSE_LOOKAHEAD_MS
            taken = 0
            for c in chunks:
                if limit is not None and c.start_ms > limit:
                    break
                self._add(self.pos_ms + c.start_ms, self.pos_ms + c.end_ms, c.silent)
                taken = c.end_ms
            if not taken:
                if self.ended:
                    self.pos_ms = total
                return
            self.pos_ms += taken
            if self.ended and self.pos_ms >= total:
                return

    def _plan_head(self, known: int) -> bool:
        """Plan the first chunk with speech, short; False when more audio is needed."""
        from app.audio.chunking import plan_chunks

        end = self.total_ms if self.ended else known
        first = next(iter(self.speech(self.pos_ms, end)), None)
        if first is None:
            if self.ended:
                self.head_done = True
                self.pos_ms = self.total_ms
                return True
            if end > self.pos_ms + CONTEXT_MS:  # silence so far: nothing to keep of it
                self.pos_ms = end - CONTEXT_MS
            return False
        start = max(self.pos_ms, first[0] - TRIM_PAD_MS)
        if not self.ended and start + HEAD_MAX_S * 1000 + PAUSE_LOOKAHEAD_MS > end:
            return False
        local = [(max(0, s - start), min(end, e) - start) for s, e in self.speech(start, end)]
        sig = self.buffer.read(start * SAMPLES_PER_MS, end * SAMPLES_PER_MS)
        head = plan_chunks(sig, ENGINE_RATE, local, target_s=HEAD_TARGET_S, max_s=HEAD_MAX_S)
        self.head_done = True
        if not head:
            self.pos_ms = end
            return True
        cut = start + head[0].end_ms
        self._add(start, cut, head[0].silent)
        self.pos_ms = cut
        return True

    def _add(self, start: int, end: int, silent: bool) -> None:
        if silent or end <= start:
            return
        inside = [(max(s, start), min(e, end)) for s, e in self.speech(start, end)]
        if not inside:
            return
        a = max(start, inside[0][0] - TRIM_PAD_MS)
        b = min(end, inside[-1][1] + TRIM_PAD_MS)
        if b > a:
            self.ready.append((a, b))


class Feed:
    """Blocks of audio in, :class:`WorkItem` s out in (start, channel) order.

    ``source`` returns the next ``(channels, k)`` float32 block, or None at the end.
    :meth:`step` reads and plans one block; :meth:`take` returns the next item when it is
    certain that no earlier one can still come.
    """

    def __init__(self, source: Callable[[], np.ndarray | None], channel_count: int,
                 speakers: list[str | None], *, target_s: float, max_s: float,
                 min_silence_ms: int, duration_s: float | None = None) -> None:
        self.source = source
        self.plans = [ChannelPlan(ch, speakers[ch], target_s, max_s, min_silence_ms)
                      for ch in range(channel_count)]
        self.duration_s = duration_s  # declared length (an estimate) until the end is read
        self.exhausted = False
        self.cancelled = False  # reading stopped by the job's cancel
        self.emitted = 0
        self.emitted_audio_s = 0.0
        # one speaker per channel: each channel's copy of the others' voices is muted
        self.gate = CrosstalkGate() if channel_count > 1 else None

    @property
    def regions(self) -> list[list[Region]]:
        return [p.regions for p in self.plans]

    @property
    def audio_s(self) -> float:
        return self.plans[0].buffer.end / ENGINE_RATE if self.plans else 0.0

    @property
    def speech_s(self) -> float:
        return sum(p.speech_s for p in self.plans)

    @property
    def done(self) -> bool:
        return self.exhausted and all(not p.ready for p in self.plans)

    def step(self) -> bool:
        """Read one block and plan; False when the audio had already ended."""
        if self.exhausted:
            return False
        try:
            block = self.source()
        except Cancelled:
            block, self.cancelled = None, True
        if block is None:
            self.exhausted = True
            for p in self.plans:
                p.feed(None)
            return True
        block = np.asarray(block, dtype=np.float32)
        if block.ndim == 1:
            block = block[None]
        if self.gate is not None:
            block = self.gate.apply(block)
        for p, row in zip(self.plans, block, strict=True):
            p.feed(row)
        return True

    def take(self) -> WorkItem | None:
        """The next item in order, or None when none is certain yet (or none is left)."""
        starts = [(p.next_start(), p.channel) for p in self.plans]
        live = [(s, ch) for s, ch in starts if s is not None]
        if not live:
            return None
        start, ch = min(live)
        plan = self.plans[ch]
        if not plan.ready:
            return None  # that channel has not planned its next chunk yet
        start_ms, end_ms, samples, window, window_ms, speech, fine = plan.take()
        item = WorkItem(self.emitted, start_ms, end_ms, samples, ch, plan.speaker,
                        window=window, window_ms=window_ms, speech=speech, fine_speech=fine)
        self.emitted += 1
        self.emitted_audio_s += item.duration_s
        return item

    def estimated_total(self) -> tuple[int, float]:
        """``(chunks, chunk audio seconds)`` expected in all: exact once the audio has ended,
        before that extrapolated from what was planned over what was read."""
        planned = self.emitted + sum(len(p.ready) for p in self.plans)
        audio = self.emitted_audio_s + sum((e - s) / 1000.0 for p in self.plans
                                           for s, e in p.ready)
        if self.exhausted or not self.duration_s:
            return planned, audio
        read = min(p.pos_ms for p in self.plans) / 1000.0
        if read <= 0:
            return max(1, planned), audio
        scale = max(1.0, self.duration_s / read)
        return max(planned, int(round(planned * scale))), audio * scale


def array_source(x: np.ndarray, block_s: float = BLOCK_S) -> Callable[[], np.ndarray | None]:
    """A ``Feed`` source cutting an in-memory ``(channels, n)`` array in blocks (views)."""
    x = np.atleast_2d(x)
    step = int(block_s * ENGINE_RATE)
    pos = [0]

    def read() -> np.ndarray | None:
        a = pos[0]
        if a >= x.shape[1]:
            return None
        pos[0] = a + step
        return x[:, a:a + step]

    return read
