"""The Whisper engine on the bundled models and real speech."""

from __future__ import annotations

import numpy as np
import pytest

from app.engines.base import TranscribeOptions
from app.engines.errors import EngineError
from app.engines.whisper import WINDOW_MARGIN_FRAMES, WhisperEngine
from tests.conftest import JFK_TEXT
from tests.engines.helpers import wer


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["whisper_tiny_en", "whisper_base"])
def test_jfk_word_error_rate(engine_name, request, jfk_samples):
    engine = request.getfixturevalue(engine_name)
    t = engine.transcribe_chunk(jfk_samples, TranscribeOptions())
    assert wer(JFK_TEXT, t.text) <= 0.10, t.text
    assert t.language == "en"
    seg = t.segments[0]
    assert 0 <= seg.start < 1500 and 9000 < t.segments[-1].end <= 11000


@pytest.mark.slow
def test_words_are_timed_inside_their_segment(whisper_base, jfk_samples):
    t = whisper_base.transcribe_chunk(jfk_samples, TranscribeOptions())
    for seg in t.segments:
        assert seg.words
        assert " ".join(w.text for w in seg.words) == seg.text
        prev = seg.start
        for w in seg.words:
            assert seg.start <= w.start <= w.end <= seg.end
            assert w.start >= prev
            assert w.probability is not None and 0 <= w.probability <= 1
            prev = w.end
        assert seg.avg_logprob is not None and seg.no_speech_prob is not None


@pytest.mark.slow
def test_language_detection_reports_probability(whisper_base, jfk_samples):
    code, prob = whisper_base.detect_language(jfk_samples)
    assert code == "en" and prob > 0.5
    t = whisper_base.transcribe_chunk(jfk_samples[: 16000 * 4], TranscribeOptions())
    assert t.language == "en" and t.language_probability > 0.5


@pytest.mark.slow
def test_batch_matches_chunks_and_keeps_order(whisper_base, jfk_samples):
    first, second = jfk_samples[: 16000 * 4], jfk_samples[16000 * 4:]
    out = whisper_base.transcribe_batch([first, second], TranscribeOptions(language="en"))
    assert len(out) == 2
    assert "americans" in out[0].text.lower()
    assert "country" in out[1].text.lower() and "americans" not in out[1].text.lower()
    for t in out:
        assert t.language == "en" and t.language_probability == 1.0


@pytest.mark.slow
def test_silence_gives_no_text(whisper_base):
    t = whisper_base.transcribe_chunk(np.zeros(16000 * 10, np.float32), TranscribeOptions())
    assert t.no_speech_prob is not None
    assert t.no_speech_prob > 0.5 or not t.segments


def test_english_only_model_refuses_translate(whisper_tiny_en):
    with pytest.raises(EngineError, match="English-only.*cannot translate"):
        whisper_tiny_en.check_options(TranscribeOptions(task="translate"))
    caps = whisper_tiny_en.capabilities()
    assert caps.languages == frozenset({"en"}) and not caps.translate
    assert not caps.language_detection


def test_turbo_model_warns_about_translation():
    engine = WhisperEngine("large-v3-turbo")  # not loaded: the check needs no weights
    warnings = engine.check_options(TranscribeOptions(task="translate"))
    assert any("translates poorly" in w for w in warnings)
    assert engine.capabilities().translate


def test_unknown_language_and_task_are_refused(whisper_base):
    with pytest.raises(EngineError, match="does not know the language 'xx'"):
        whisper_base.check_options(TranscribeOptions(language="xx"))
    with pytest.raises(EngineError, match="unknown task"):
        whisper_base.check_options(TranscribeOptions(task="summarise"))


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["whisper_tiny_en", "whisper_base"])
def test_encoder_window_fitted_to_the_chunk_reads_like_the_full_window(engine_name, request,
                                                                      jfk_samples):
    """The encoder gets the chunk plus a margin of silence, not a fixed 30 s window (much
    cheaper); the text stays that of the full window.  (Word times: after snapping to the
    speech they are as close to the truth as with the full window, see
    tests/align/test_align_snap.py; measured 19.4 ms mean start error either way.)"""
    engine = request.getfixturevalue(engine_name)
    full = WhisperEngine(engine.model_name, device="cpu", full_window=True)
    assert engine._window_frames([1100], 3000) == 1100 + WINDOW_MARGIN_FRAMES
    assert engine._window_frames([2900], 3000) == 3000
    assert full._window_frames([1100], 3000) == 3000
    fitted_t = engine.transcribe_chunk(jfk_samples, TranscribeOptions(language="en"))
    full_t = full.transcribe_chunk(jfk_samples, TranscribeOptions(language="en"))
    assert wer(full_t.text, fitted_t.text) <= 0.05, (full_t.text, fitted_t.text)
    assert wer(JFK_TEXT, fitted_t.text) <= 0.10
    words = [w for s in fitted_t.segments for w in s.words]
    assert words and all(0 <= w.start <= w.end <= 11000 for w in words)


@pytest.mark.slow
def test_speech_said_again_is_not_decoded_again_at_higher_temperatures(whisper_base,
                                                                       jfk_samples):
    """The same sentence twice in one chunk compresses like a hallucination loop (ratio over
    2.4) but ends by itself at a speaking rate: it is kept, not sampled six more times."""
    twice = np.concatenate([jfk_samples, np.zeros(8000, np.float32), jfk_samples])
    fallbacks = []
    original = whisper_base._fallback
    whisper_base._fallback = lambda *a, **k: fallbacks.append(1) or original(*a, **k)
    try:
        t = whisper_base.transcribe_chunk(twice, TranscribeOptions(language="en"))
    finally:
        del whisper_base._fallback
    assert fallbacks == []
    assert t.text.lower().count("country") == 4, t.text
    assert max(s.compression_ratio for s in t.segments) > 2.4


def test_a_loop_denser_than_speech_or_cut_off_is_still_retried():
    """Whisper's rules, plus text denser than speech (a loop under the compression
    threshold, as a window fitted to a short chunk can give)."""
    options = TranscribeOptions()
    decode = dict(text="Thank you. " * 60, compression_ratio=9.0, avg_logprob=-0.2,
                  no_speech_prob=0.05, truncated=False)
    assert WhisperEngine._needs_fallback(dict(decode), options, 10.0)  # 66 characters/s
    assert not WhisperEngine._needs_fallback(dict(decode), options, 30.0)  # 22/s: speech
    assert WhisperEngine._needs_fallback(dict(decode, truncated=True), options, 30.0)
    assert WhisperEngine._needs_fallback(dict(decode, avg_logprob=-1.5), options, 30.0)
    said_twice = dict(decode, text="He began a confused complaint. " * 6, compression_ratio=2.1)
    assert WhisperEngine._needs_fallback(said_twice, options, 5.0)  # 186 characters in 5 s
    silent = dict(decode, no_speech_prob=0.9, avg_logprob=-1.5)
    assert not WhisperEngine._needs_fallback(silent, options, 10.0) and silent["silence"]


def test_speech_no_word_reaches_is_found_between_before_and_after_the_words(jfk_samples):
    """The stretches sent back for a decode of their own: speech (voice activity) that no
    decoded word reaches, between two words or before the first or after the last."""
    from app.audio.vad import speech_regions
    from app.engines.whisper import MISSED_SPEECH_S, _missed_stretches

    found = speech_regions(jfk_samples, 16000, min_silence_ms=300)
    regions = [(s / 1000, e / 1000) for s, e in found]
    assert len(regions) >= 3

    def subs(spans):
        return [{"words": [{"start": a, "end": b} for a, b in spans]}]

    def speech_in(stretches):
        return sum(max(0, min(b, e) - max(a, s)) for a, b in stretches for s, e in found) / 1000

    assert _missed_stretches(found, subs(regions)) == []  # every word there: nothing
    longest = max(range(1, len(regions) - 1), key=lambda i: regions[i][1] - regions[i][0])
    skipped = regions[:longest] + regions[longest + 1:]
    length = regions[longest][1] - regions[longest][0]
    assert length >= MISSED_SPEECH_S
    (a, b), = _missed_stretches(found, subs(skipped))
    # between the neighbours' words, all of the skipped speech less their reach (0.4 s a side)
    assert regions[longest - 1][1] <= a / 1000 and b / 1000 <= regions[longest + 1][0]
    assert length - 0.85 <= speech_in([(a, b)]) <= length + 0.05
    assert speech_in(_missed_stretches(found, subs(regions[:1]))) > 3.0  # the rest never reached
    assert speech_in(_missed_stretches(found, [])) == pytest.approx(
        sum(e - s for s, e in regions), abs=0.05)
    assert _missed_stretches([], []) == []


@pytest.mark.slow
def test_speech_the_decode_left_without_words_is_decoded_on_its_own(whisper_base, jfk_samples):
    """A chunk's transcript that lacks the second half of JFK (as when Whisper skips a
    sentence) gets that stretch decoded alone and put back in its place, in time order."""
    from app.engines.base import ChunkSegment, ChunkTranscript
    from app.engines.whisper import _missed_stretches, _speech

    full = whisper_base.transcribe_batch([jfk_samples], TranscribeOptions(language="en"))[0]
    words = [w for s in full.segments for w in s.words]
    half = [w for w in words if w.end <= 5000]  # "And so my fellow Americans, ask not ..."
    assert half and len(half) < len(words)
    lost = ChunkTranscript(segments=(ChunkSegment(half[0].start, half[-1].end,
                                                  " ".join(w.text for w in half),
                                                  words=tuple(half)),),
                           language="en")
    subs = [{"words": [{"start": w.start / 1000, "end": w.end / 1000} for w in half]}]
    stretches = _missed_stretches(_speech(jfk_samples), subs)
    assert len(stretches) == 1 and stretches[0][0] >= half[-1].end - 1
    before = whisper_base.recovered
    back = whisper_base._recover(jfk_samples, lost, stretches, TranscribeOptions(language="en"),
                                 None)
    assert whisper_base.recovered == before + 1
    text = " ".join(s.text for s in back.segments).lower()
    assert "for your country" in text and text.startswith("and so my fellow americans")
    starts = [s.start for s in back.segments]
    assert starts == sorted(starts) and back.segments[-1].start >= stretches[0][0]
    # a transcript with every word has nothing to decode again
    all_subs = [{"words": [{"start": w.start / 1000, "end": w.end / 1000} for w in words]}]
    assert _missed_stretches(_speech(jfk_samples), all_subs) == []
