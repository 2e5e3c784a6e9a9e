"""Job behaviour: cancel, failing chunks, the word-timer hook, the Qwen engine end to end."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from app.core.cancel import CancelToken
from app.core.model import FAILED, Segment, Word, check_segment
from app.engines.base import TranscribeOptions
from app.engines.whisper import WhisperEngine
from app.pipeline.transcribe import transcribe_samples
from app.pipeline.types import PipelineOptions
from tests.pipeline.media import looped

pytestmark = pytest.mark.slow


class FlakyWhisper(WhisperEngine):
    """The real bundled Whisper engine, made to fail on chosen calls (to test the pipeline)."""

    def __init__(self, fail_calls: set[int], **kw):
        super().__init__("tiny.en", device="cpu", **kw)
        self.fail_calls = fail_calls
        self.calls = 0
        self._count_lock = threading.Lock()

    def transcribe_batch(self, chunks, options, cancel=None, previous=None):
        with self._count_lock:
            self.calls += 1
            call = self.calls
        if call in self.fail_calls:
            raise RuntimeError(f"simulated engine crash on call {call}")
        return super().transcribe_batch(chunks, options, cancel, previous)


def test_cancel_from_partial_keeps_finished_chunks(whisper_tiny_en, jfk_samples):
    x = looped(jfk_samples, 6)  # about 70 s
    cancel = CancelToken()
    seen = []

    def on_partial(index, segments):
        seen.append((index, segments))
        cancel.cancel()

    result = transcribe_samples(x, PipelineOptions(workers=1, chunk_seconds=12),
                                engine=whisper_tiny_en,
                                on_partial=on_partial, cancel=cancel)
    assert result.cancelled
    assert 1 <= len(seen) < result.stats.chunks
    assert result.segments == [s for _, segs in seen for s in segs]
    assert result.segments and "country" in result.text.lower()
    assert result.stats.chunks_done == len(seen)


def test_failing_chunk_is_retried_then_recorded_and_the_run_goes_on(jfk_samples):
    engine = FlakyWhisper({2, 3})  # chunk 1 fails, and fails again when retried
    x = looped(jfk_samples, 3)
    result = transcribe_samples(x, PipelineOptions(workers=1, chunk_seconds=12), engine=engine)
    assert result.stats.chunks == 3
    assert result.stats.chunks_failed == 1 and result.stats.chunks_retried == 1
    assert len(result.failed_regions) == 1
    region = result.failed_regions[0]
    assert "simulated engine crash" in region.error
    failed = [s for s in result.segments if s.has(FAILED)]
    assert len(failed) == 1 and failed[0].text == ""
    assert (failed[0].start, failed[0].end) == (region.start, region.end)
    texts = [s for s in result.segments if not s.has(FAILED)]
    assert any(s.end <= region.start for s in texts) and any(s.start >= region.end for s in texts)
    assert not result.cancelled


def test_a_chunk_that_fails_once_is_recovered(jfk_samples):
    engine = FlakyWhisper({2})
    result = transcribe_samples(looped(jfk_samples, 3), PipelineOptions(workers=1,
                                chunk_seconds=12), engine=engine)
    assert result.stats.chunks_retried == 1 and result.stats.chunks_failed == 0
    assert not result.failed_regions
    assert result.text.lower().count("country") >= 5


def test_word_timer_hook_gets_the_segments_and_its_times_are_kept(whisper_base, jfk_samples):
    calls = []

    def timer(samples, rate, segments, language):
        calls.append((samples.shape, rate, len(segments), language))
        out = []
        for s in segments:
            n = len(s.words)
            step = (s.end - s.start) // max(1, n)
            words = tuple(Word(w.text, s.start + i * step, s.start + (i + 1) * step)
                          for i, w in enumerate(s.words))
            out.append(s.replace(words=words))
        return out

    result = transcribe_samples(jfk_samples, PipelineOptions(), engine=whisper_base,
                                word_timer=timer)
    assert calls == [(jfk_samples.shape, 16000, len(result.segments), "en")]
    seg = result.segments[0]
    step = (seg.end - seg.start) // len(seg.words)
    assert seg.words[1].start == seg.start + step


def test_a_broken_word_timer_keeps_engine_times(whisper_base, jfk_samples):
    def timer(samples, rate, segments, language):
        return [s.replace(words=(Word("nonsense", 0, 1),)) for s in segments]

    result = transcribe_samples(jfk_samples, PipelineOptions(), engine=whisper_base,
                                word_timer=timer)
    assert any("word alignment failed" in w for w in result.stats.warnings)
    assert len(result.segments[0].words) > 5


def test_qwen_engine_through_the_pipeline(qwen_tiny, jfk_samples):
    x = np.concatenate([jfk_samples, np.zeros(16000 * 3, np.float32), jfk_samples])
    partials = []
    result = transcribe_samples(
        x, PipelineOptions(engine="qwen", decode=TranscribeOptions(language="zh"),
                           word_timing="engine"),
        engine=qwen_tiny, on_partial=lambda i, segs: partials.append((i, segs)))
    assert result.language == "zh"
    assert result.stats.chunks >= 1 and not result.failed_regions
    assert [i for i, _ in partials] == list(range(result.stats.chunks))
    assert result.segments
    for s in result.segments:
        check_segment(s)
        assert s.language == "zh"
        assert 0 <= s.start <= s.end <= len(x) // 16
        assert "times_estimated" in s.flags
        assert all(w.estimated for w in s.words)
    assert result.text == "".join(s.text for s in result.segments)  # no separator for Chinese


def test_qwen_english_joins_with_spaces(qwen_tiny, jfk_samples):
    result = transcribe_samples(
        jfk_samples, PipelineOptions(engine="qwen", decode=TranscribeOptions(language="en")),
        engine=qwen_tiny)
    assert result.language == "en" and result.segments
    assert result.text == " ".join(s.text for s in result.segments)


def test_segment_values_are_document_ready(whisper_base, jfk_samples):
    result = transcribe_samples(jfk_samples, PipelineOptions(), engine=whisper_base)
    from app.core.document import Document

    doc = Document(result.segments, meta=result.meta())
    assert len(doc) == len(result.segments)
    assert doc.meta["language"] == "en" and doc.meta["cleanup"] == []
    assert isinstance(result.segments[0], Segment)


def test_cancelled_before_transcribing_returns_an_empty_cancelled_result(whisper_tiny_en,
                                                                       jfk_samples):
    cancel = CancelToken()
    cancel.cancel()
    result = transcribe_samples(jfk_samples, PipelineOptions(), engine=whisper_tiny_en,
                                cancel=cancel)
    assert result.cancelled and result.segments == [] and not result.failed_regions
