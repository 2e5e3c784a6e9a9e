"""Speaker detection on real voices: synthesised interviews of 2 to 4 voices, the stereo
interview mixed to mono and per channel, a one-speaker speech, and silence."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.decode import decode
from app.audio.vad import speech_regions
from app.core.model import OVERLAP, Segment
from app.speakers import detect_speakers, diarize
from app.speakers.metrics import diarization_error, word_accuracy
from tests.speakers.conftest import transcript, true_speakers

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("which,n", [("interview2", 2), ("interview3", 3), ("interview4", 4)])
def test_interviews_get_the_right_speakers(request, encoder, which, n):
    iv = request.getfixturevalue(which)
    segs = transcript(iv)
    result = detect_speakers(iv.samples, segs, encoder=encoder)
    assert result.n_speakers == n
    found = [s.speaker for s in result.segments for _w in s.words]
    assert word_accuracy(true_speakers(iv, result.segments), found) >= 0.95
    der = diarization_error(iv.reference(), result.diarization.turns())
    assert der.confusion_ms / der.reference_ms < 0.05  # who, not where the speech is
    assert der.rate < 0.2


def test_segments_holding_two_turns_are_split_where_the_speaker_changes(encoder, interview2):
    segs = transcript(interview2, turns_per_segment=2)
    result = detect_speakers(interview2.samples, segs, encoder=encoder)
    out = result.segments
    assert len(out) > len(segs)
    # no text lost or changed, and each piece has one speaker
    assert " ".join(s.text for s in out).split() == " ".join(s.text for s in segs).split()
    assert {s.id for s in segs} <= {s.id for s in out}
    # alternating speakers: consecutive pieces of one original segment differ
    for old in segs:
        pieces = result.replacements[old.id]
        assert all(a.speaker != b.speaker for a, b in zip(pieces, pieces[1:], strict=False))
    acc = word_accuracy(true_speakers(interview2, out), [s.speaker for s in out for _ in s.words])
    assert acc >= 0.9


def test_a_given_number_of_speakers_is_kept(encoder, interview3):
    result = detect_speakers(interview3.samples, transcript(interview3), n_speakers=2,
                             encoder=encoder)
    assert result.n_speakers == 2
    result = detect_speakers(interview3.samples, transcript(interview3), n_speakers=3,
                             encoder=encoder)
    assert result.names == ["Speaker 1", "Speaker 2", "Speaker 3"]


def test_one_speaker_stays_one_speaker(encoder, jfk_path, jfk_text):
    x = decode(jfk_path, 16000)
    seg = Segment(300, 10800, jfk_text)
    result = detect_speakers(x, [seg], encoder=encoder)
    assert result.n_speakers == 1
    assert [s.speaker for s in result.segments] == ["Speaker 1"]
    assert not result.segments[0].has(OVERLAP)


def test_silence_has_no_speakers_and_changes_nothing(encoder):
    x = np.random.default_rng(0).normal(0, 0.001, 16000 * 5).astype(np.float32)
    seg = Segment(0, 2000, "nothing", speaker="Ann")
    result = detect_speakers(x, [seg], encoder=encoder)
    assert result.n_speakers == 0 and result.segments == [seg]
    assert detect_speakers(np.zeros(0, np.float32), [], encoder=encoder).n_speakers == 0


def test_stereo_interview_mixed_to_mono_and_per_channel(encoder, stereo_path):
    x = decode(stereo_path, 16000, mono=False)
    truth = [(a, b, ch) for ch in (0, 1) for a, b in speech_regions(x[ch])]
    # mono: the right speaker talks over the left one; asked for two, two are found
    mono = diarize(x.mean(axis=0), n_speakers=2, encoder=encoder)
    assert mono.n_speakers == 2
    # per channel: each microphone is one voice, and the overlap is exact
    d = diarize(x, channels=True, encoder=encoder)
    assert d.n_speakers == 2
    assert d.speaker_of(3000, 4500, 0) != d.speaker_of(500, 2500, 1)
    assert d.overlapping(500, 2500, 0) and not d.overlapping(3000, 4500, 0)
    der = diarization_error(truth, [(a, b, f"{ch}:{k}") for ch in (0, 1)
                                    for a, b, k in d.turns(ch)])
    assert der.confusion_ms == 0 and der.rate < 0.1


def test_progress_and_cancel(encoder, interview2):
    from app.core.cancel import Cancelled, CancelToken

    seen = []
    token = CancelToken()

    def progress(p):
        seen.append(p)
        if p.message == "listening to the voices":
            token.cancel()

    with pytest.raises(Cancelled):
        detect_speakers(interview2.samples, transcript(interview2), encoder=encoder,
                        progress=progress, cancel=token)
    assert seen and seen[0].message == "finding speech"


def test_voice_profiles_name_a_known_voice_in_another_file(encoder, interview2, interview3):
    from app.speakers.profiles import list_profiles, save_profile

    first = detect_speakers(interview2.samples, transcript(interview2), encoder=encoder)
    host = first.names[0]  # the interviewer asks first: voice 0 in every interview
    save_profile("Maria Host", first.voices[host], first.speech_s[host])
    assert [p.name for p in list_profiles()] == ["Maria Host"]
    later = detect_speakers(interview3.samples, transcript(interview3), encoder=encoder)
    assert "Maria Host" in later.names and later.recognised == {"Maria Host": "voice profile"}
    host_words = [s for s in later.segments if s.speaker == "Maria Host"]
    truth = true_speakers(interview3, host_words)
    assert truth and all(t == 0 for t in truth)
    # other voices keep numbered names, and without profiles nobody is named
    assert len(set(later.names)) == 3
    plain = detect_speakers(interview3.samples, transcript(interview3), encoder=encoder,
                            use_profiles=False)
    assert "Maria Host" not in plain.names
