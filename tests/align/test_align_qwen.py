"""The Qwen3 forced aligner path on a tiny random model: structure, not accuracy (its times
are random; real weights are not on this machine)."""

from __future__ import annotations

import numpy as np
import pytest

from app.align.errors import AlignError
from app.align.qwen_aligner import QwenAligner
from app.align.registry import best_aligner
from app.core.model import Segment, check_segment
from app.core.words import split_words
from tests.align.groundtruth import SR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def qwen(qwen_aligner_model):
    a = QwenAligner(str(qwen_aligner_model), device="cpu")
    a.load()
    return a


def test_tiny_model_is_recognised_as_an_aligner(qwen_aligner_model):
    assert QwenAligner.available(str(qwen_aligner_model))
    assert QwenAligner.supports("en") and QwenAligner.supports("ja")
    assert not QwenAligner.supports("nl")  # Qwen3-ASR knows Dutch, its aligner does not


def test_words_compose_the_text_and_stay_in_the_window(qwen, jfk_samples):
    text = "And so, my fellow “Americans”: ask not — what £13.60 in 2026 buys! 🎉"
    clip = jfk_samples[: 4 * SR]
    words = qwen.align(clip, SR, text, "en", start_ms=2000)
    assert [w.text for w in words] == split_words(text)
    check_segment(Segment(2000, 6000, text, words=tuple(words)))
    assert all(w.end > w.start for w in words)
    # symbols and digits are never trusted as timed
    by_text = {w.text: w for w in words}
    for tok in ("—", "£13.60", "2026", "🎉"):
        assert by_text[tok].estimated


def test_random_times_are_repaired(qwen, jfk_samples):
    """The random model gives every word the same slot: repeats are re-estimated."""
    raw = qwen._aligner.align(audio=(jfk_samples[:3 * SR], SR), text="one two three four",
                              language="English")[0]
    starts = [it.start_time for it in raw.items]
    words = qwen.align(jfk_samples[:3 * SR], SR, "one two three four", "en")
    check_segment(Segment(0, 3000, "one two three four", words=tuple(words)))
    if len(set(starts)) < len(starts):  # repeated start times were produced
        assert any(w.estimated for w in words)


def test_chinese_characters_map_back(qwen, jfk_samples):
    text = "你好，世界。再见！"
    words = qwen.align(jfk_samples[: 2 * SR], SR, text, "zh")
    assert [w.text for w in words] == split_words(text)
    check_segment(Segment(0, 2000, text, words=tuple(words)))


def test_best_aligner_prefers_an_installed_qwen_model(qwen_aligner_model, model_dir):  # noqa: ARG001
    a = best_aligner("en", model=str(qwen_aligner_model))
    assert a.name == "qwen"
    with pytest.raises(AlignError, match="no aligner can use"):
        best_aligner("nl", model=str(qwen_aligner_model))


def test_unsupported_language_is_refused(qwen):
    with pytest.raises(AlignError, match="does not align"):
        qwen.align(np.zeros(SR, np.float32), SR, "hallo wereld", "nl")


def test_longer_than_180s_is_refused_by_the_window_check(qwen):
    with pytest.raises(AlignError, match="180"):
        qwen.align(np.zeros(181 * SR, np.float32), SR, "hello", "en")
