"""Chunks that continue the text before them (``condition_on_previous_text``): the chains."""

from __future__ import annotations

import threading

import pytest

from app.engines.base import TranscribeOptions
from app.engines.whisper import WhisperEngine
from app.pipeline.transcribe import CHAIN_MAX_S, CHAIN_MIN_S, chain_starts, transcribe_samples
from app.pipeline.types import PipelineOptions
from tests.pipeline.media import looped


def test_stretches_shrink_towards_the_end_so_the_workers_finish_together():
    assert chain_starts(3600.0, 1) == [0]  # one worker: one chain
    assert chain_starts(None, 2) == [0]  # length unknown: one chain
    starts = chain_starts(3600.0, 2)
    lengths = [b - a for a, b in zip(starts, starts[1:] + [3600_000], strict=True)]
    assert starts[0] == 0 and all(b > a for a, b in zip(starts, starts[1:], strict=False))
    assert all(CHAIN_MIN_S * 1000 - 1 <= n <= CHAIN_MAX_S * 1000 + 1 for n in lengths)
    assert lengths[0] == CHAIN_MAX_S * 1000 and lengths[-1] < lengths[0]
    assert chain_starts(150.0, 2) == [0, 75_000]
    assert chain_starts(90.0, 2) == [0]  # too short to share: one chain


class RecordingWhisper(WhisperEngine):
    """The real bundled Whisper engine, recording what each chunk continued and heard."""

    def __init__(self, **kw):
        super().__init__("tiny.en", device="cpu", **kw)
        self.calls: list[tuple[tuple[int, ...], tuple[int, ...], str]] = []
        self._record_lock = threading.Lock()

    def transcribe_batch(self, chunks, options, cancel=None, previous=None):
        out = super().transcribe_batch(chunks, options, cancel, previous)
        with self._record_lock:
            for k, t in enumerate(out):
                self.calls.append((tuple(previous[k]) if previous is not None else None,
                                   t.context, t.text))
        return out


@pytest.mark.slow
def test_each_chunk_continues_the_chunk_before_it_in_its_stretch(jfk_samples):
    x = looped(jfk_samples, 12)  # about 140 s: two stretches, one per worker
    engine = RecordingWhisper()
    options = PipelineOptions(workers=2, chunk_seconds=12,
                              decode=TranscribeOptions(condition_on_previous_text=True))
    result = transcribe_samples(x, options, engine=engine)
    assert result.text.lower().count("country") == 24, result.text
    calls = engine.calls
    assert len(calls) == result.stats.chunks >= 4
    assert all(previous is not None for previous, _, _ in calls)
    heads = [c for c in calls if c[0] == ()]
    assert len(heads) == 2  # the first chunk of each stretch continues nothing
    for k, (previous, _, _) in enumerate(calls):
        if previous:  # what a chunk decoded (and finished) before it heard, whole
            assert any(context == previous for _, context, _ in calls[:k])
    assert all(context for _, context, _ in calls)  # every chunk had words to pass on


@pytest.mark.slow
def test_not_continuing_is_the_default_and_passes_nothing_on(jfk_samples):
    engine = RecordingWhisper()
    result = transcribe_samples(looped(jfk_samples, 3), PipelineOptions(workers=2,
                                                                        chunk_seconds=12),
                                engine=engine)
    assert result.text.lower().count("country") == 6
    assert engine.calls and all(previous is None and context == ()
                                for previous, context, _ in engine.calls)
