"""The transcription pipeline on real speech with the bundled Whisper models."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.core.model import check_segment
from app.engines.base import TranscribeOptions
from app.pipeline.transcribe import transcribe_file, transcribe_samples
from app.pipeline.types import PipelineOptions, TranscriptionProgress
from tests.conftest import JFK_TEXT, STEREO_LEFT_TEXT, STEREO_RIGHT_TEXT, requires_espeak
from tests.engines.helpers import wer
from tests.pipeline.media import espeak, looped, noise, silence, write_wav

pytestmark = pytest.mark.slow


def _check_all(result):
    for s in result.segments:
        check_segment(s)
        assert s.words, s
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)


@pytest.mark.parametrize("engine_name", ["whisper_tiny_en", "whisper_base"])
def test_jfk_file_end_to_end(engine_name, request, jfk_path):
    engine = request.getfixturevalue(engine_name)
    partials, progress = [], []
    result = transcribe_file(jfk_path, PipelineOptions(), engine=engine,
                             on_partial=lambda i, segs: partials.append((i, segs)),
                             progress=progress.append)
    _check_all(result)
    assert wer(JFK_TEXT, result.text) <= 0.10, result.text
    assert result.language == "en" and result.language_probability > 0.5
    assert not result.cancelled and not result.failed_regions
    assert [i for i, _ in partials] == list(range(result.stats.chunks))
    assert [s for _, segs in partials for s in segs] == result.segments
    # the speech starts at about 0.3 s: the first word must not start in the silence before
    assert 200 <= result.segments[0].start <= 600
    assert all(isinstance(p, TranscriptionProgress) for p in progress)
    assert progress[-1].stage == "done" and progress[-1].done == progress[-1].total
    assert result.stats.first_segment_s is not None and result.stats.audio_s == pytest.approx(11, abs=0.1)


def test_stereo_channels_are_two_speakers(whisper_base, stereo_path):
    result = transcribe_file(stereo_path, PipelineOptions(channels=True), engine=whisper_base)
    _check_all(result)
    by = {}
    for s in result.segments:
        by.setdefault(s.speaker, []).append(s.text)
    assert set(by) == {"Speaker 1", "Speaker 2"}
    assert wer(STEREO_LEFT_TEXT, " ".join(by["Speaker 1"])) <= 0.15
    assert wer(STEREO_RIGHT_TEXT, " ".join(by["Speaker 2"])) <= 0.15
    # interleaved by time, not grouped by speaker
    assert [s.start for s in result.segments] == sorted(s.start for s in result.segments)


@requires_espeak
def test_each_voice_heard_on_the_other_microphone_is_transcribed_once(whisper_base, tmp_path):
    """Two lavalier microphones: each also picks up the other speaker, 30 dB lower.  Channel
    mode gives each sentence once, under the speaker whose microphone it was said into (the
    quiet copy on the other channel is crosstalk, not a second speaker saying it)."""
    from app.audio.decode import decode

    first = decode(espeak(tmp_path / "a.wav", "The morning train left the station a few "
                          "minutes after seven, carrying commuters into the city.", "en-us"))
    second = decode(espeak(tmp_path / "b.wav", "Most of them read newspapers or stared out of "
                           "the window at the grey fields.", "en-gb+m3"))
    gap = silence(0.8)
    one = np.concatenate([silence(0.5), first, gap, np.zeros_like(second), gap])
    two = np.concatenate([silence(0.5), np.zeros_like(first), gap, second, gap])
    bleed = np.float32(10 ** (-30 / 20))
    mixed = np.stack([one + bleed * two, two + bleed * one])
    result = transcribe_samples(mixed, PipelineOptions(channels=True), engine=whisper_base)
    _check_all(result)
    by: dict = {}
    for seg in result.segments:
        by.setdefault(seg.speaker, []).append(seg.text.lower())
    said_1, said_2 = " ".join(by.get("Speaker 1", [])), " ".join(by.get("Speaker 2", []))
    assert "train" in said_1 and "newspapers" in said_2, by
    assert not {"train", "station", "commuters"} & set(re.findall(r"\w+", said_2)), by
    assert not {"newspapers", "window", "fields"} & set(re.findall(r"\w+", said_1)), by


def test_mono_mix_of_stereo_without_channel_mode(whisper_base, stereo_path):
    result = transcribe_file(stereo_path, PipelineOptions(), engine=whisper_base)
    assert all(s.speaker is None for s in result.segments)
    assert "horizon" in result.text.lower() or "wizard" in result.text.lower()


@pytest.mark.parametrize("make", [lambda: silence(30), lambda: noise(30)],
                         ids=["silence", "noise"])
def test_silence_and_noise_give_no_segments(make, whisper_base, tmp_path):
    path = write_wav(tmp_path / "nothing.wav", make())
    result = transcribe_file(path, PipelineOptions(), engine=whisper_base)
    assert result.segments == []
    assert not result.failed_regions


def test_no_text_inside_a_long_silence(whisper_base, jfk_samples):
    x = np.concatenate([jfk_samples, silence(20), jfk_samples])
    jfk_ms = len(jfk_samples) // 16
    result = transcribe_samples(x, PipelineOptions(), engine=whisper_base)
    _check_all(result)
    gap = (jfk_ms + 300, jfk_ms + 20000)  # the silence, less the tail of the first speech
    for s in result.segments:
        assert s.end <= gap[0] or s.start >= gap[1], s
        for w in s.words:
            assert w.end <= gap[0] or w.start >= gap[1], (s, w)
    first = " ".join(s.text for s in result.segments if s.end <= gap[0])
    second = " ".join(s.text for s in result.segments if s.start >= gap[1])
    assert wer(JFK_TEXT, first) <= 0.15 and wer(JFK_TEXT, second) <= 0.15


def test_partials_arrive_in_order_with_several_workers(whisper_tiny_en, jfk_samples):
    x = looped(jfk_samples, 4)
    seen = []
    result = transcribe_samples(x, PipelineOptions(workers=2, chunk_seconds=12),
                                engine=whisper_tiny_en,
                                on_partial=lambda i, segs: seen.append(i))
    assert result.stats.chunks >= 4
    assert seen == list(range(result.stats.chunks))
    assert result.text.lower().count("country") >= 6


def test_per_chunk_language_marks_each_segment(whisper_base, jfk_samples):
    result = transcribe_samples(jfk_samples, PipelineOptions(per_chunk_language=True),
                                engine=whisper_base)
    assert result.segments and all(s.language == "en" for s in result.segments)
    assert result.language == "en"


@requires_espeak
def test_translate_german_speech_into_english(whisper_base, tmp_path):
    path = espeak(tmp_path / "de.wav", "Guten Morgen. Heute ist das Wetter sehr schön, und wir "
                  "gehen zusammen in den Park. Ich habe einen kleinen Hund und eine schwarze "
                  "Katze.", "de")
    german = transcribe_file(path, PipelineOptions(), engine=whisper_base)
    assert german.language == "de"
    result = transcribe_file(path, PipelineOptions(decode=TranscribeOptions(task="translate")),
                             engine=whisper_base)
    _check_all(result)
    words = set(re.findall(r"[a-zäöüß']+", result.text.lower()))
    assert len(words & {"the", "and", "is", "a", "i", "we", "to", "have", "today", "good"}) >= 3
    assert not words & {"und", "ist", "das", "ich", "heute", "einen", "wir"}, result.text


def test_a_short_chunk_is_not_read_twice(whisper_base, stereo_path):
    """The left channel's 5 s sentence, in a window fitted to it, came out twice (the second
    copy squeezed into the last 160 ms); text denser than speech is decoded again in the
    full window."""
    from app.audio.decode import decode

    left = decode(stereo_path, mono=False)[0][58 * 16:5000 * 16]
    t = whisper_base.transcribe_chunk(left, TranscribeOptions(language="en"))
    assert wer(STEREO_LEFT_TEXT, t.text) <= 0.15, t.text
