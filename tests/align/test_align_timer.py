"""The aligner as the transcription pipeline's word timer."""

from __future__ import annotations

import pytest

from app.align import word_timer
from app.core.model import check_segment

pytestmark = pytest.mark.slow


def test_pipeline_words_are_realigned(aligner, jfk_samples, model_dir):  # noqa: ARG001
    from app.engines.base import TranscribeOptions
    from app.pipeline.transcribe import transcribe_samples
    from app.pipeline.types import PipelineOptions

    options = PipelineOptions(model="tiny.en", decode=TranscribeOptions(language="en",
                                                                        beam_size=1),
                              word_timing="engine")
    plain = transcribe_samples(jfk_samples, options)
    timed = transcribe_samples(jfk_samples, options, word_timer=word_timer(aligner))
    assert [s.text for s in timed.segments] == [s.text for s in plain.segments]
    assert not any("alignment failed" in w for w in timed.stats.warnings)
    for s in timed.segments:
        check_segment(s)
        assert s.words and s.start == s.words[0].start and s.end == s.words[-1].end
    first = timed.segments[0].words[0]
    assert abs(first.start - 300) <= 150
    # the aligner moved the words (the engine's own first word starts in the silence)
    assert [w.start for s in timed.segments for w in s.words] != \
        [w.start for s in plain.segments for w in s.words]


def test_timer_failure_is_reported_not_raised(jfk_samples, model_dir):  # noqa: ARG001
    from app.align.whisper_aligner import WhisperAligner
    from app.core.model import Segment

    timer = word_timer(WhisperAligner("tiny.en"))
    with pytest.raises(RuntimeError, match="English only"):
        timer(jfk_samples, 16000, [Segment(0, 2000, "bonjour")], "fr")
