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


def test_speech_the_decoder_jumped_over_is_found_by_its_own_timestamps():
    """A continued chunk is decoded with timestamps; where they leave a hole with speech in it,
    the decoder skipped that speech (its neighbours' word times may have been stretched over
    it, so the words alone do not show it)."""
    from app.engines.whisper import _merge, _skipped, _timestamp_gaps

    subs = [dict(start=0.5, end=6.0), dict(start=14.0, end=20.0)]
    gaps = _timestamp_gaps(subs, 24.0)
    assert gaps == [(0.0, 0.5), (6.0, 14.0), (20.0, 24.0)]
    speech = [(600, 5900), (7000, 13000), (14100, 19900), (20300, 20500)]
    (a, b), = _skipped(speech, gaps, known=[])  # 6 s of speech in the hole; 0.2 s after the end
    assert (a, b) == (7000 - 150, 13000 + 150)
    assert _skipped(speech, gaps, known=[(6500, 13500)]) == []  # already being decoded again
    assert _merge([(5, 9), (1, 3), (2, 4), (9, 12)]) == [(1, 4), (5, 12)]


@pytest.mark.slow
def test_a_continued_chunk_is_prompted_with_the_text_and_timestamps_before_it(whisper_base,
                                                                           jfk_samples):
    """Sequential faster-whisper's prompt: what the chunk before heard, its timestamp tokens
    included, carried from chunk to chunk; the chunk after the pause still reads right."""
    cut = int(2.8 * 16000)  # jfk.flac pauses from 2.27 to 3.30 s after "Americans,"
    options = TranscribeOptions(language="en")
    first, = whisper_base.transcribe_batch([jfk_samples[:cut]], options, previous=[()])
    tok = whisper_base._tokenizer("en", "transcribe")
    assert "americans" in first.text.lower()
    assert any(t >= tok.timestamp_begin for t in first.context)
    assert tok.decode([t for t in first.context if t < tok.eot]).strip() == first.text
    second, = whisper_base.transcribe_batch([jfk_samples[cut:]], options,
                                            previous=[first.context])
    assert wer(JFK_TEXT.split(",", 1)[1], second.text) <= 0.10, second.text
    # the context runs on: what the first heard, then what the second heard
    assert second.context[:len(first.context)] == first.context
    assert len(second.context) > len(first.context)
    # not continuing anything: no context in, the same words out
    alone, = whisper_base.transcribe_batch([jfk_samples[cut:]], options)
    assert alone.context == ()


def test_the_prompt_keeps_the_users_context_and_the_latest_earlier_text(whisper_base):
    """The earlier text is cut from the front to ``context_tokens``; the user's Context
    (names, jargon) is never cut, and comes first."""
    from app.engines.whisper import CONTEXT_TOKENS

    tok = whisper_base._tokenizer("en", "transcribe")
    user = tok.encode(" Kennedy, Americans")
    earlier = tuple(tok.encode(" ask not what your country can do for you" * 40))
    options = TranscribeOptions(language="en", initial_prompt="Kennedy, Americans")
    prompt = whisper_base._prompt(tok, options, earlier)
    assert prompt[0] == tok.sot_prev
    head = prompt[1:prompt.index(tok.sot)]
    # at most half the decoder's length in all, as sequential faster-whisper has it
    room = whisper_base.model.max_length // 2 - 1
    assert head == user + list(earlier[-min(CONTEXT_TOKENS, room - len(user)):])
    assert len(head) == min(room, len(user) + CONTEXT_TOKENS)
    # earlier text shorter than there is room for is kept whole (it once lost its start)
    for n in (10, 150, 219, 220):
        head = (p := whisper_base._prompt(tok, options, earlier[:n]))[1:p.index(tok.sot)]
        assert head == user + list(earlier[:n])
    assert prompt[-1] != tok.no_timestamps  # continued chunks are decoded with timestamps
    short = WhisperEngine("base", device="cpu", context_tokens=8)
    short._model = whisper_base.model
    head = (p := short._prompt(tok, options, earlier))[1:p.index(tok.sot)]
    assert head == user + list(earlier[-8:])


def test_a_continued_decode_that_loops_is_decoded_again_without_the_earlier_text():
    from app.engines.whisper import _looping

    options = TranscribeOptions()
    speech = dict(text="Sleep is important for memory, mood and overall health. " * 2,
                  compression_ratio=1.9, truncated=False)
    assert not _looping(speech, options, 25.0)
    loop = dict(speech, text="Sleep is important for memory, mood and overall health. " * 7,
                compression_ratio=4.8)
    assert _looping(loop, options, 25.0)  # repetitive, though no denser than speech
    assert _looping(dict(speech, truncated=True), options, 25.0)
    assert _looping(dict(speech, compression_ratio=1.5), options, 3.0)  # 112 characters in 3 s


def test_a_word_stretched_over_skipped_speech_marks_its_sentence_for_decoding_again():
    """Prompted with earlier text, Whisper can jump over a sentence; the word times then
    stretch a neighbour across it (measured: "conductor" over 6.9 s holding two sentences)."""
    from app.core.model import Word
    from app.engines.base import ChunkSegment
    from app.engines.whisper import _stretched

    def seg(start, end, words):
        return ChunkSegment(start, end, " ".join(t for t, _, _ in words),
                            words=tuple(Word(t, a, b) for t, a, b in words))

    said = seg(0, 3000, [("Bread", 0, 400), ("is", 450, 600), ("old.", 650, 1200)])
    stretched = seg(4000, 12000, [("The", 4000, 4100), ("conductor", 4100, 11000),
                                  ("asked.", 11000, 12000)])
    speech = [(0, 1200), (4000, 6000), (6500, 9000), (9500, 12000)]
    assert _stretched([said, stretched], speech) == [(3850, 12150)]
    assert _stretched([said], speech) == []
    # a long word over silence (a held note, a pause the aligner gave it) is left alone
    assert _stretched([stretched], [(4000, 4500), (11000, 12000)]) == []
