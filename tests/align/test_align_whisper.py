"""The Whisper aligner (bundled base model) on real speech and on espeak-ng ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from app.align.errors import AlignError
from app.core.model import Segment, check_segment
from app.core.words import split_words
from tests.align.groundtruth import SR
from tests.conftest import JFK_TEXT

pytestmark = pytest.mark.slow


def _check(words, text, lo, hi):
    assert [w.text for w in words] == split_words(text)
    seg = Segment(lo, hi, text, words=tuple(words))
    check_segment(seg)  # compose the text byte for byte, monotonic, non-overlapping, inside
    assert all(w.end > w.start for w in words)


def test_jfk_every_word_timed_in_speech(aligner, jfk_samples):
    from app.audio.vad import SpeechMap, speech_regions

    words = aligner.align(jfk_samples, SR, JFK_TEXT, "en")
    total = len(jfk_samples) * 1000 // SR
    _check(words, JFK_TEXT, 0, total)
    assert not any(w.estimated for w in words)
    assert all(w.probability is not None and 0 <= w.probability <= 1 for w in words)
    speech = SpeechMap(speech_regions(jfk_samples, SR), total)
    for w in words:
        assert speech.fraction(w.start, w.end) >= 0.5, w
    assert abs(words[0].start - 300) <= 150, words[0]
    print(f"\njfk first word {words[0]}, last {words[-1]}")


def test_start_ms_offsets_times_and_window_bounds_them(aligner, jfk_samples):
    clip = jfk_samples[3 * SR:8 * SR]  # "ask not what your country can do for you"
    text = "ask not what your country can do for you,"
    words = aligner.align(clip, SR, text, "en", start_ms=3000)
    _check(words, text, 3000, 8000)
    assert 3100 <= words[0].start <= 3500  # "ask" at about 3.3 s of the recording


def test_untimeable_tokens_are_interpolated_and_flagged(aligner, jfk_samples):
    text = ("And so my fellow Americans, ask not what your country can do for you in 2026 — "
            "£13.60 %, ask what you can do for your country. 🎉")
    words = aligner.align(jfk_samples, SR, text, "en")
    _check(words, text, 0, len(jfk_samples) * 1000 // SR)
    by_text = {w.text: w for w in words}
    for tok in ("2026", "—", "£13.60", "%,", "🎉"):
        w = by_text[tok]
        assert w.estimated, w
        assert w.start > 0 and w.end > w.start, w  # a real time, never 0-length at 0
    # words around them keep their own times
    assert not by_text["Americans,"].estimated and not by_text["country."].estimated
    i = [w.text for w in words].index("£13.60")
    assert words[i - 1].end <= words[i].start and words[i].end <= words[i + 1].start


def test_text_is_kept_byte_for_byte(aligner, jfk_samples):
    text = "  “And  so,”   MY fellow\tAmericans…  ask-not (what) your COUNTRY can do for you! "
    words = aligner.align(jfk_samples[:8 * SR], SR, text, "en")
    assert [w.text for w in words] == text.split()
    check_segment(Segment(0, 8000, text, words=tuple(words)))


def test_several_texts_in_one_window(aligner, jfk_samples):
    texts = ["And so my fellow Americans,", "ask not what your country can do for you,",
             "ask what you can do for your country."]
    parts = aligner.align_texts(jfk_samples, SR, texts, "en")
    assert [len(p) for p in parts] == [len(split_words(t)) for t in texts]
    assert parts[0][-1].end <= parts[1][0].start and parts[1][-1].end <= parts[2][0].start
    assert 2800 <= parts[1][0].start <= 3600 and 7700 <= parts[2][0].start <= 8600


def test_empty_and_silent_input(aligner):
    assert aligner.align(np.zeros(SR, np.float32), SR, "", "en") == []
    words = aligner.align(np.zeros(SR // 50, np.float32), SR, "too short", "en", start_ms=100)
    assert [w.text for w in words] == ["too", "short"] and all(w.estimated for w in words)
    assert words[0].start >= 100


def test_window_longer_than_30s_is_refused(aligner):
    with pytest.raises(AlignError, match="30 s"):
        aligner.align(np.zeros(31 * SR, np.float32), SR, "hello", "en")


def test_other_sample_rates_are_resampled(aligner, jfk_samples):
    x44 = np.interp(np.arange(len(jfk_samples) * 44100 // SR) * SR / 44100,
                    np.arange(len(jfk_samples)), jfk_samples).astype(np.float32)
    words = aligner.align(x44, 44100, JFK_TEXT, "en")
    assert abs(words[0].start - 300) <= 150


def test_english_only_model_refuses_other_languages(model_dir):  # noqa: ARG001
    from app.align.whisper_aligner import WhisperAligner

    tiny = WhisperAligner("tiny.en", device="cpu")
    with pytest.raises(AlignError, match="English only"):
        tiny.align(np.zeros(2 * SR, np.float32), SR, "bonjour", "fr")


def test_ground_truth_word_edges(aligner, ground_truth, record_property, capsys):
    """espeak-ng words with exact edges: mean errors well under 150 ms (measured ~20-30)."""
    gt = ground_truth
    starts, ends = [], []
    for i, sentence in enumerate(gt.sentences):
        a, b = gt.sentence_span(i)
        lo, hi = max(0, a - 500), min(gt.duration_ms, b + 500)
        words = aligner.align(gt.samples[lo * SR // 1000:hi * SR // 1000], SR, sentence, "en",
                              start_ms=lo)
        truth = [w for w in gt.words if w.sentence == i]
        assert [w.text for w in words] == [t.text for t in truth]
        starts += [abs(w.start - t.start) for w, t in zip(words, truth, strict=True)]
        ends += [abs(w.end - t.end) for w, t in zip(words, truth, strict=True)]
    start_mae, end_mae = float(np.mean(starts)), float(np.mean(ends))
    record_property("word_start_mae_ms", round(start_mae, 1))
    record_property("word_end_mae_ms", round(end_mae, 1))
    with capsys.disabled():
        print(f"\nwhisper base on {len(starts)} espeak-ng words: start MAE {start_mae:.1f} ms, "
              f"end MAE {end_mae:.1f} ms")
    assert start_mae < 150 and end_mae < 150


def test_multilingual_base_aligns_german(aligner):
    from tests.align.groundtruth import build
    from tests.conftest import need_tool

    need_tool("espeak-ng")
    sentences = ("Der schnelle braune Fuchs springt über den faulen Hund",)
    gt = build(1, seed=0, voices=("de",), sentences=sentences)
    words = aligner.align(gt.samples, SR, sentences[0], "de")
    _check(words, sentences[0], 0, gt.duration_ms)
    starts = np.mean([abs(w.start - t.start) for w, t in zip(words, gt.words, strict=True)])
    assert starts < 150
