"""The Qwen3-ASR engine end to end on a tiny random model (structure, not words)."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.model import Word
from app.engines.base import TranscribeOptions
from app.engines.errors import EngineError, ModelError
from app.engines.qwen import QwenEngine, map_aligned_items, quietest_point, split_sentences


def _check_structure(t, duration_ms):
    assert t.segments
    prev_end = 0
    for seg in t.segments:
        assert 0 <= seg.start <= seg.end <= duration_ms
        assert seg.start >= prev_end
        assert seg.text and seg.text == seg.text.strip()
        assert seg.words and seg.words[0].start == seg.start and seg.words[-1].end == seg.end
        prev_end = seg.end


@pytest.mark.slow
def test_transcribes_chunks_with_offsets_inside_them(qwen_tiny, jfk_samples):
    chunks = [jfk_samples, jfk_samples[: 16000 * 3]]
    out = qwen_tiny.transcribe_batch(chunks, TranscribeOptions(language="en"))
    assert len(out) == 2
    for t, chunk in zip(out, chunks, strict=True):
        _check_structure(t, len(chunk) // 16)
        assert t.language == "en" and t.language_probability == 1.0
        assert all(s.words_estimated for s in t.segments)  # no aligner: even spread


@pytest.mark.slow
def test_truncation_is_detected_and_the_chunk_split_once(qwen_tiny, jfk_samples):
    # a tiny random vocabulary never emits Qwen's end token: every decode hits the limit
    t = qwen_tiny.transcribe_chunk(jfk_samples, TranscribeOptions(language="en"))
    assert t.truncated
    assert any("split in two" in w for w in t.warnings)
    assert any("max_new_tokens" in w for w in t.warnings)
    assert len(t.segments) >= 2  # one per half
    half = quietest_point(jfk_samples, len(jfk_samples) // 2, len(jfk_samples) // 4) // 16
    assert any(s.start >= half - 1 for s in t.segments)


@pytest.mark.slow
def test_short_chunk_is_not_split(qwen_tiny, jfk_samples):
    t = qwen_tiny.transcribe_chunk(jfk_samples[:16000], TranscribeOptions(language="de"))
    assert t.truncated and not any("split in two" in w for w in t.warnings)
    assert t.language == "de"


@pytest.mark.slow
def test_no_space_languages_join_without_separator(qwen_tiny, jfk_samples):
    t = qwen_tiny.transcribe_chunk(jfk_samples, TranscribeOptions(language="zh"))
    assert t.language == "zh"
    assert t.text == "".join(s.text for s in t.segments)
    t_en = qwen_tiny.transcribe_chunk(jfk_samples, TranscribeOptions(language="en"))
    assert t_en.text == " ".join(s.text for s in t_en.segments)


def test_loops_and_prompt_echoes_in_output_are_removed_and_reported(qwen_tiny):
    # the engine's own post-processing, fed a crafted model output
    samples = np.zeros(16000 * 6, np.float32)
    raw = ("Glossary Cueline Kubernetes Anthropic Claude Opus. I think. I think. I think. "
           "I think. So we go.")
    options = TranscribeOptions(language="en",
                                initial_prompt="Glossary Cueline Kubernetes Anthropic Claude Opus")
    t = qwen_tiny._transcript([(samples, 0, "en", raw, False)], options, False)
    assert t.text == "I think. So we go."
    assert ("repetition", "I think. I think. I think") in t.removed
    assert any(reason == "prompt echo" for reason, _ in t.removed)
    assert [s.text for s in t.segments] == ["I think.", "So we go."]
    assert t.segments[-1].end == 6000


@pytest.mark.slow
def test_forced_aligner_gives_word_times(qwen_tiny_dir, qwen_aligner_dir, jfk_samples):
    engine = QwenEngine(str(qwen_tiny_dir), device="cpu", max_new_tokens=12,
                        aligner=str(qwen_aligner_dir))
    engine.load()
    assert engine.has_aligner and engine.capabilities().word_timestamps
    t = engine.transcribe_chunk(jfk_samples[: 16000 * 1], TranscribeOptions(language="en"))
    assert t.segments
    for seg in t.segments:
        prev = seg.start
        for w in seg.words:
            assert prev <= w.start <= w.end <= 1000
            prev = w.end


def test_aligner_items_map_back_onto_punctuated_words():
    texts = ["Hello,", "world!", "—", "It's", "fine."]
    items = [("hello", 0.1, 0.4), ("world", 0.5, 0.9), ("it's", 1.0, 1.2), ("fine", 1.3, 1.6)]
    words = map_aligned_items(texts, items, 2000)
    assert [w.text for w in words] == texts
    assert (words[0].start, words[0].end) == (100, 400)
    assert (words[3].start, words[4].end) == (1000, 1600)
    assert words[2].estimated and not words[0].estimated
    assert map_aligned_items(["other"], items, 2000) is None
    collapsed = [("hello", 0.5, 0.5), ("world", 0.5, 0.5), ("it's", 0.5, 0.5), ("fine", 0.5, 0.5)]
    assert map_aligned_items(texts, collapsed, 2000) is None
    cjk = map_aligned_items(["你", "好。"], [("你", 0.0, 0.2), ("好", 0.2, 0.5)], 1000)
    assert cjk == [Word("你", 0, 200), Word("好。", 200, 500)]


def test_sentences_and_quiet_points():
    assert split_sentences("One. Two? Three") == ["One.", "Two?", "Three"]
    assert split_sentences("你好。世界！") == ["你好。", "世界！"]
    x = np.ones(16000 * 4, np.float32)
    x[16000 * 2 + 4000: 16000 * 2 + 6000] = 0
    assert abs(quietest_point(x, 16000 * 2, 16000) - (16000 * 2 + 4000)) < 2000


def test_translate_and_unknown_languages_are_refused(qwen_tiny):
    with pytest.raises(EngineError, match="cannot translate"):
        qwen_tiny.check_options(TranscribeOptions(task="translate"))
    with pytest.raises(EngineError, match="does not support language 'sw'"):
        qwen_tiny.check_options(TranscribeOptions(language="sw"))
    caps = qwen_tiny.capabilities()
    assert caps.needs_gpu and not caps.translate and "yue" in caps.languages


def test_missing_qwen_model_is_a_model_error():
    engine = QwenEngine("qwen3-asr-1.7b", device="cpu")
    with pytest.raises(ModelError, match="not installed"):
        engine.load()
