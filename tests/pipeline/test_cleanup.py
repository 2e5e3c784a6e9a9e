"""Cleanup of crafted engine output: every removal is logged with its reason and segment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.core.model import LOW_CONFIDENCE, Word, check_segment
from app.core.words import distribute, split_words
from app.engines.base import ChunkSegment
from app.engines.whisper import WhisperEngine
from app.pipeline import cleanup
from app.pipeline.cleanup import Cleaner, dedupe_seam, is_boilerplate
from app.pipeline.transcribe import transcribe_samples
from app.pipeline.types import Draft, PipelineOptions
from app.pipeline.wordtimes import compose_words, finish_draft

SPEECH = [(0, 4000), (6000, 9000)]  # speech regions (ms); 4-6 s is silence


def draft(text, start, end, **kw):
    words = distribute(split_words(text), start, end, estimated=False)
    return Draft(start=start, end=end, text=text, words=words, chunk=0, **kw)


def test_repetition_loop_collapsed_and_logged():
    c = Cleaner(SPEECH)
    out = c.clean([draft("I think. I think. I think. I think. So we go.", 0, 3000)])
    assert [d.text for d in out] == ["I think. So we go."]
    assert [(e.reason, e.text) for e in c.log] == [(cleanup.REPETITION, "I think. I think. I think")]
    entry = c.log[0]
    assert entry.segment.text == "I think. I think. I think. I think. So we go."
    assert (entry.start, entry.end) == (0, 3000)
    assert [w.text for w in out[0].words] == ["I", "think.", "So", "we", "go."]


@pytest.mark.parametrize("text", [
    "Thanks for watching!", "Thank you for watching.", "Please subscribe to my channel.",
    "Subtitles by the Amara.org community", "Untertitel im Auftrag des ZDF, 2021",
    "Sous-titres réalisés par la communauté d'Amara.org", "www.example.com", "[Music]",
])
def test_boilerplate_is_dropped(text):
    assert is_boilerplate(text)
    c = Cleaner(SPEECH)
    assert c.clean([draft(text, 500, 2500)]) == []
    assert c.log[0].reason == cleanup.BOILERPLATE and c.log[0].text == text


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
    assert [(e.reason, e.start) for e in c.log] == [(cleanup.THANKS_OVER_SILENCE, 4200)]


def test_text_over_non_speech_dropped():
    c = Cleaner(SPEECH)
    assert c.clean([draft("Something nobody said here.", 4100, 5900)]) == []
    assert c.log[0].reason == cleanup.NON_SPEECH
    assert Cleaner(None).clean([draft("Something nobody said here.", 4100, 5900)])


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

    def transcribe_batch(self, chunks, options, cancel=None):
        out = super().transcribe_batch(chunks, options, cancel)
        crafted = []
        for t, samples in zip(out, chunks, strict=True):
            end = len(samples) // 16
            extra = (ChunkSegment(end - 1500, end - 200, "Thanks for watching!"),
                     ChunkSegment(0, 200, "you you you you you you you you"))
            crafted.append(dataclasses.replace(t, segments=t.segments + extra))
        return crafted


@pytest.mark.slow
def test_pipeline_logs_every_removal(model_dir, jfk_samples):
    engine = CraftedWhisper("tiny.en", device="cpu")
    result = transcribe_samples(jfk_samples, PipelineOptions(), engine=engine)
    reasons = sorted(e.reason for e in result.cleanup_log)
    assert cleanup.BOILERPLATE in reasons
    assert cleanup.REPETITION in reasons or cleanup.NON_SPEECH in reasons
    assert "Thanks for watching" not in result.text
    assert "you you you" not in result.text
    assert "country" in result.text
    for s in result.segments:
        check_segment(s)
    meta = result.meta()["cleanup"]
    assert {m["reason"] for m in meta} == set(reasons)
    assert all(m["segment"]["text"] for m in meta)


def test_cleanup_does_not_touch_clean_speech():
    c = Cleaner(SPEECH)
    texts = ["Good morning everyone.", "Today we talk about bread.", "No, no, no, that is wrong."]
    out = c.clean([draft(t, 100 + i * 1000, 900 + i * 1000) for i, t in enumerate(texts)])
    assert [d.text for d in out] == texts and not c.log
    assert np.all([not d.flags for d in out])
