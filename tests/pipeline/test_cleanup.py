"""Cleanup of crafted engine output: every removal is logged with its reason and segment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.core.model import LOW_CONFIDENCE, Word, check_segment
from app.core.words import compose_words, distribute, split_words
from app.engines.base import ChunkSegment
from app.engines.whisper import WhisperEngine
from app.pipeline import cleanup
from app.pipeline.cleanup import Cleaner, dedupe_seam, is_boilerplate
from app.pipeline.transcribe import transcribe_samples
from app.pipeline.types import Draft, PipelineOptions
from app.pipeline.wordtimes import finish_draft
from tests.conftest import requires_espeak
from tests.pipeline.signals import SIGN_OFFS, kept, music, noise, sign_off_clips, silence, tone

SPEECH = [(0, 4000), (6000, 9000)]  # speech regions (ms); 4-6 s is silence


def draft(text, start, end, **kw):
    words = distribute(split_words(text), start, end, estimated=False)
    return Draft(start=start, end=end, text=text, words=words, chunk=0, **kw)


def timed(text, spans, probability=None):
    """Draft words with measured times: one ``(start, end)`` per word."""
    words = [Word(t, a, b, probability) for t, (a, b) in zip(split_words(text), spans,
                                                              strict=True)]
    return Draft(start=words[0].start, end=words[-1].end, text=text, words=words, chunk=0)


def test_repetition_loop_collapsed_and_logged_with_its_evidence():
    # the engine looped: the extra copies of "I think." are crammed into 200 ms
    spans = [(0, 200), (200, 500)] + [(500 + 33 * k, 533 + 33 * k) for k in range(6)] \
        + [(1000, 1300), (1400, 1700), (1800, 2400)]
    c = Cleaner(SPEECH)
    out = c.clean([timed("I think. I think. I think. I think. So we go.", spans, 0.9)])
    assert [d.text for d in out] == ["I think. So we go."]
    assert [(e.reason, e.text) for e in c.log] == [(cleanup.REPETITION, "I think. I think. I think")]
    entry = c.log[0]
    assert entry.segment.text == "I think. I think. I think. I think. So we go."
    assert (entry.start, entry.end) == (0, 2400)
    assert [w.text for w in out[0].words] == ["I", "think.", "So", "we", "go."]
    assert entry.speech_share == pytest.approx(1.0) and entry.mean_probability == pytest.approx(0.9)
    assert "pace" in entry.rule
    assert entry.as_dict()["speech_share"] == 1.0 and entry.as_dict()["rule"] == entry.rule


def test_a_line_really_said_three_times_stays():
    line = "Thank you for watching."
    text = " ".join([line] * 3)
    c = Cleaner([(0, 9000)])
    spans = [(a, a + 350) for a in range(0, 12 * 700, 700)]  # each word 350 ms, on speech
    out = c.clean([timed(text, spans, 0.93)])
    assert [d.text for d in out] == [text] and not c.log
    # no voice activity to go by: a loop stays a loop
    assert [d.text for d in Cleaner(None).clean([timed(text, spans, 0.93)])] == [line]


BOILERPLATE_TEXTS = [
    "Thanks for watching!", "Thank you for watching.", "Please subscribe to my channel.",
    "Subtitles by the Amara.org community", "Untertitel im Auftrag des ZDF, 2021",
    "Sous-titres réalisés par la communauté d'Amara.org", "www.example.com", "[Music]",
]


@pytest.mark.parametrize("text", BOILERPLATE_TEXTS)
def test_a_boilerplate_phrase_is_no_verdict_on_its_own(text):
    assert is_boilerplate(text)
    c = Cleaner(SPEECH)
    assert [d.text for d in c.clean([draft(text, 500, 2500)])] == [text]  # over speech: spoken
    assert not c.log


@pytest.mark.parametrize("text", BOILERPLATE_TEXTS)
def test_a_boilerplate_phrase_lowers_the_speech_threshold(text):
    c = Cleaner(SPEECH)
    assert c.clean([draft(text, 3400, 5400)]) == []  # 30% of it over speech
    entry = c.log[0]
    assert entry.reason == cleanup.NON_SPEECH and entry.text == text
    assert entry.speech_share == pytest.approx(0.3, abs=0.05) and "lower threshold" in entry.rule
    # ordinary words with the same evidence stay
    assert Cleaner(SPEECH).clean([draft("The parcel came on Tuesday.", 3400, 5400)])


@pytest.mark.parametrize("text", [
    "Thanks for watching the match with me yesterday, it was great",
    "We subscribe to three newspapers.", "Thank you.", "The website is down again.",
])
def test_ordinary_speech_is_not_boilerplate(text):
    assert not is_boilerplate(text)


def test_lone_thank_you_dropped_over_silence_only():
    c = Cleaner(SPEECH)
    kept = c.clean([draft("Thank you.", 1000, 2000), draft("Thank you.", 4200, 5800)])
    assert [(d.start, d.text) for d in kept] == [(1000, "Thank you.")]
    assert [(e.reason, e.start) for e in c.log] == [(cleanup.NON_SPEECH, 4200)]
    assert c.log[0].speech_share == 0.0


def test_text_over_non_speech_dropped():
    c = Cleaner(SPEECH)
    assert c.clean([draft("Something nobody said here.", 4100, 5900)]) == []
    assert c.log[0].reason == cleanup.NON_SPEECH and c.log[0].speech_share == 0.0
    assert Cleaner(None).clean([draft("Something nobody said here.", 4100, 5900)])


def test_words_crammed_into_no_time_have_no_speech_under_them():
    c = Cleaner(SPEECH)
    assert c.clean([timed("1 oz.", [(2000, 2000), (2000, 2000)], 0.9)]) == []
    assert c.log[0].reason == cleanup.NON_SPEECH


def test_very_low_word_probabilities_dropped_and_lower_for_a_phrase():
    c = Cleaner(SPEECH)
    spans = [(1000, 1300), (1400, 1800), (1900, 2300)]
    out = c.clean([timed("Nobody said this", spans, 0.05), timed("Somebody said this", spans, 0.3),
                   timed("Thank you", spans[:2], 0.3)])
    assert [d.text for d in out] == ["Somebody said this"]
    assert [e.reason for e in c.log] == [cleanup.LOW_PROBABILITY] * 2
    assert c.log[0].mean_probability == pytest.approx(0.05) and "< 0.10" in c.log[0].rule
    assert "< 0.40" in c.log[1].rule


def test_engine_scores_silence_and_loops():
    c = Cleaner(SPEECH)
    out = c.clean([
        draft("Hmm.", 100, 900, no_speech_prob=0.9, avg_logprob=-1.5),
        draft("Real words here.", 1000, 2000, no_speech_prob=0.9, avg_logprob=-0.2),
        draft("la la la la la la la la la la la la la la la la la la la la la la la la", 6000,
              8000),
        draft("Mumbled words.", 8000, 9000, avg_logprob=-0.95),
    ])
    assert [d.text for d in out] == ["Real words here.", "la", "Mumbled words."]
    assert [e.reason for e in c.log] == [cleanup.NO_SPEECH, cleanup.REPETITION]
    assert LOW_CONFIDENCE in out[2].flags


def test_compression_ratio_drops_repetitive_text_without_an_exact_loop():
    text = "the cat sat on the mat and the cat sat on the hat and the cat sat on the bat " * 2
    c = Cleaner(SPEECH)
    assert cleanup.compression_ratio(text) > cleanup.MAX_COMPRESSION
    assert c.clean([draft(text.strip(), 0, 3000)]) == []
    assert c.log[-1].reason == cleanup.COMPRESSION


def test_prompt_echo_cut():
    c = Cleaner(SPEECH, context="Speakers: Ada Lovelace, Charles Babbage, Mary Somerville")
    out = c.clean([draft("Ada Lovelace, Charles Babbage, Mary Somerville. Hello everyone.",
                         0, 4000)])
    assert [d.text for d in out] == ["Hello everyone."]
    assert c.log[0].reason == cleanup.PROMPT_ECHO


def test_disabled_cleanup_keeps_everything():
    c = Cleaner(SPEECH, enabled=False)
    assert len(c.clean([draft("Thanks for watching!", 4100, 5900)])) == 1 and not c.log


def test_duplicate_words_at_chunk_seam_removed_and_logged():
    log = []
    prev = [draft("and then we went home", 0, 3000)]
    cur = [draft("went home and slept", 2500, 4500), draft("Later.", 5000, 6000)]
    out = dedupe_seam(prev, cur, log)
    assert [d.text for d in out] == ["and slept", "Later."]
    assert log[0].reason == cleanup.SEAM_DUPLICATE and log[0].text == "went home"
    assert out[0].start == out[0].words[0].start and out[0].words[0].text == "and"
    far = [draft("went home and slept", 9000, 11000)]
    assert dedupe_seam(prev, far, []) == far


def test_a_sentence_said_twice_is_not_a_seam_duplicate():
    prev = [draft("Ask what you can do.", 0, 3000)]
    again = [draft("Ask what you can do.", 3400, 6400)]
    log = []
    assert dedupe_seam(prev, again, log) == again and not log


def test_words_fitted_to_text_clamped_and_monotonic():
    engine_words = [Word("Hello,", -50, 400), Word("wor", 300, 600), Word("ld!", 600, 700),
                    Word("你好", 800, 1000)]
    words = compose_words("Hello, world! 你好", engine_words, 0, 1000)
    assert [w.text for w in words] == ["Hello,", "world!", "你", "好"]
    assert words[0].start == 0
    assert all(a.end <= b.start for a, b in zip(words, words[1:], strict=False))
    assert words[1].estimated and words[2].start >= 800


def test_segment_edges_leave_the_silence():
    d = draft("Hello there.", 5500, 7000)  # starts inside the 4-6 s silence
    d = finish_draft(d, SPEECH)
    assert d.start == 6000 and d.words[0].start == 6000


class CraftedWhisper(WhisperEngine):
    """The real Whisper engine whose output gets a loop and a credit line appended."""

    def transcribe_batch(self, chunks, options, cancel=None, previous=None):
        out = super().transcribe_batch(chunks, options, cancel, previous)
        crafted = []
        for t in out:
            # the chunk starts at 90 ms; jfk.flac pauses from 2.27 to 3.30 s after "Americans,"
            extra = (ChunkSegment(2300 - 90, 3250 - 90, "Thanks for watching!"),
                     ChunkSegment(0, 200, "you you you you you you you you"))
            crafted.append(dataclasses.replace(t, segments=t.segments + extra))
        return crafted


@pytest.mark.slow
def test_pipeline_logs_every_removal(model_dir, jfk_samples):
    engine = CraftedWhisper("tiny.en", device="cpu")
    result = transcribe_samples(jfk_samples, PipelineOptions(), engine=engine)
    reasons = sorted(e.reason for e in result.cleanup_log)
    assert cleanup.NON_SPEECH in reasons
    assert cleanup.REPETITION in reasons or cleanup.NON_SPEECH in reasons
    assert "Thanks for watching" not in result.text
    assert "you you you" not in result.text
    assert "country" in result.text
    for s in result.segments:
        check_segment(s)
    meta = result.meta()["cleanup"]
    assert {m["reason"] for m in meta} == set(reasons)
    assert all(m["segment"]["text"] and m["rule"] and "speech_share" in m for m in meta)


def test_cleanup_does_not_touch_clean_speech():
    c = Cleaner(SPEECH)
    texts = ["Good morning everyone.", "Today we talk about bread.", "No, no, no, that is wrong."]
    out = c.clean([draft(t, 100 + i * 1000, 900 + i * 1000) for i, t in enumerate(texts)])
    assert [d.text for d in out] == texts and not c.log
    assert np.all([not d.flags for d in out])


# -- real speech and real hallucinations (bundled Whisper base) ---------------------------------
@pytest.mark.slow
@requires_espeak
@pytest.mark.parametrize("line", SIGN_OFFS)
def test_spoken_sign_offs_stay_at_the_end_alone_and_three_times_over(line, whisper_base):
    for clip in sign_off_clips(line):
        result = transcribe_samples(clip.samples, PipelineOptions(), engine=whisper_base)
        assert kept(result.segments, clip) == len(clip.spans), (clip.name, result.text,
                                                               result.cleanup_log)
        assert not [e for e in result.cleanup_log
                    if any(e.end > a and e.start < b for a, b in clip.spans)], clip.name


NON_SPEECH_SIGNALS = {
    "silence": lambda: silence(30), "noise": lambda: noise(30), "tone": lambda: tone(20),
    "tone 1 kHz": lambda: tone(20, 1000.0, 0.1), "music-like": lambda: music(30),
}


@pytest.mark.slow
@pytest.mark.parametrize("vad", ["silero", "loudness"])
@pytest.mark.parametrize("name", list(NON_SPEECH_SIGNALS))
def test_no_text_on_signals_without_speech(name, vad, whisper_base, monkeypatch):
    """With the loudness fallback, voice activity lets the engine hear the whole signal, and
    the engine makes things up ("Thank you very much." on the 1 kHz tone): the evidence rules
    must remove every word."""
    import app.audio.vad

    if vad == "loudness":
        monkeypatch.setattr(app.audio.vad, "silero_available", lambda: False)
    result = transcribe_samples(NON_SPEECH_SIGNALS[name](), PipelineOptions(),
                                engine=whisper_base)
    assert result.segments == [], [s.text for s in result.segments]
    assert all(e.rule and e.speech_share is not None for e in result.cleanup_log)


@pytest.mark.slow
def test_what_the_engine_says_over_silence_is_removed_with_its_evidence(whisper_base,
                                                                        monkeypatch):
    """Fed 20 s of silence in a full 30 s window without a voice-activity gate, Whisper base
    says "you" (in a window fitted to the 20 s it says nothing: the full window is asked for)."""
    from app.audio.vad import speech_regions
    from app.engines.base import TranscribeOptions

    monkeypatch.setitem(whisper_base.settings, "full_window", True)
    x = silence(20)
    t = whisper_base.transcribe_batch([x], TranscribeOptions(language="en"))[0]
    drafts = [finish_draft(Draft(s.start, max(s.start, s.end), s.text.strip(), list(s.words), 0,
                                 no_speech_prob=s.no_speech_prob, avg_logprob=s.avg_logprob),
                           speech_regions(x)) for s in t.segments if s.text.strip()]
    assert drafts, "the engine made nothing up: nothing to test"
    c = Cleaner(speech_regions(x))
    assert c.clean(drafts) == []
    assert all(e.speech_share == 0.0 for e in c.log)


@pytest.mark.slow
def test_command_line_says_what_was_removed_and_no_cleanup_keeps_it(tmp_path, monkeypatch,
                                                                     capsys, jfk_path):
    import app.pipeline.transcribe
    from app.cli import main

    monkeypatch.setattr(app.pipeline.transcribe, "make_engine",
                        lambda options: CraftedWhisper("tiny.en", device="cpu"))
    out = tmp_path / "jfk.srt"
    assert main(["transcribe", str(jfk_path), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "removed" in x)
    assert "--no-cleanup" in line and "pieces of text the audio does not support" in line
    assert '"Thanks for watching!": speech under the words 0%' in err
    assert "Thanks for watching" not in out.read_text()
    assert main(["transcribe", str(jfk_path), "-o", str(out), "--no-cleanup"]) == 0
    assert "removed" not in capsys.readouterr().err
    assert "Thanks for watching" in out.read_text()


def test_punctuation_alone_is_no_text():
    c = Cleaner(SPEECH)
    assert c.clean([draft(". .", 1000, 2000), draft("♪", 2000, 3000)])[0].text == "♪"
    assert [(e.reason, e.text) for e in c.log] == [(cleanup.PUNCTUATION, ". .")]
