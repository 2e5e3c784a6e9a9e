"""The remote engine's pieces that need no server: the audio it uploads, reading the answers
servers give, URLs, Retry-After, and where the API key comes from (keyring included)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from app.engines.errors import EngineError
from app.engines.remote.client import (
    ConfigError,
    backoff_s,
    display_url,
    normalize_url,
    retry_after_s,
)
from app.engines.remote.secrets import ApiKey, api_key_for, keyring_get, keyring_set, keyring_status
from app.engines.remote.wire import encode_audio, parse_answer, split_qwen_prefix


def decode(data: bytes) -> np.ndarray:
    from faster_whisper.audio import decode_audio

    return decode_audio(io.BytesIO(data), sampling_rate=16000)


# ----------------------------------------------------------------------------- audio


def test_flac_upload_is_lossless_and_smaller_than_wav(jfk_samples):
    x = jfk_samples
    flac, name, mime = encode_audio(x, "flac")
    wav, _, _ = encode_audio(x, "wav")
    assert (name, mime) == ("chunk.flac", "audio/flac")
    assert len(flac) < 0.7 * len(wav)
    back = decode(flac)
    assert len(back) == len(x)
    assert np.max(np.abs(back - np.round(x * 32767) / 32768)) < 2e-4  # 16-bit exact


def test_opus_upload_is_ten_times_smaller_and_keeps_the_timing(jfk_samples):
    x = jfk_samples
    opus, name, mime = encode_audio(x, "opus")
    wav, _, _ = encode_audio(x, "wav")
    assert (name, mime) == ("chunk.ogg", "audio/ogg")
    assert len(opus) < 0.15 * len(wav)
    back = decode(opus)
    assert abs(len(back) - len(x)) < 0.05 * 16000
    # the loudest 100 ms is where it was (no shift from the codec's delay)
    win = 1600
    loud = [np.argmax(np.convolve(np.abs(a[:len(x)]), np.ones(win), "valid")) for a in (x, back)]
    assert abs(int(loud[0]) - int(loud[1])) < 160  # 10 ms


def test_unknown_upload_format_is_an_error():
    with pytest.raises(EngineError):
        encode_audio(np.zeros(100, np.float32), "mp3")


# ----------------------------------------------------------------------------- answers


def test_openai_verbose_json_with_words_gives_timed_segments():
    body = {"task": "transcribe", "language": "english", "duration": 4.0,
            "text": "Hello there. General Kenobi!",
            "words": [{"word": "Hello", "start": 0.5, "end": 0.9},
                      {"word": "there", "start": 0.95, "end": 1.3},
                      {"word": "General", "start": 2.0, "end": 2.5},
                      {"word": "Kenobi", "start": 2.55, "end": 3.1}],
            "segments": [{"id": 0, "start": 0.4, "end": 1.4, "text": " Hello there.",
                          "avg_logprob": -0.2, "no_speech_prob": 0.01},
                         {"id": 1, "start": 1.9, "end": 3.2, "text": " General Kenobi!"}]}
    t = parse_answer(body, 4000)
    assert t.language == "en"
    assert [s.text for s in t.segments] == ["Hello there.", "General Kenobi!"]
    first, second = t.segments
    assert [(w.text, w.start, w.end) for w in first.words] == [("Hello", 500, 900),
                                                               ("there", 950, 1300)]
    assert not first.words_estimated and first.avg_logprob == -0.2
    assert [w.text for w in second.words] == ["General", "Kenobi"]


def test_words_only_answer_is_cut_into_sentences():
    body = {"text": "One two. Three!", "words": [
        {"word": "One", "start": 0.1, "end": 0.3}, {"word": "two", "start": 0.4, "end": 0.6},
        {"word": "Three", "start": 1.0, "end": 1.5}]}
    t = parse_answer(body, 2000)
    assert [(s.text, s.start, s.end) for s in t.segments] == [("One two.", 100, 600),
                                                              ("Three!", 1000, 1500)]


def test_segments_without_words_get_estimated_words_inside_them():
    body = {"language": "en", "text": "a b",
            "segments": [{"start": 1.0, "end": 3.0, "text": " Ask not what you can do."}]}
    t = parse_answer(body, 5000)
    seg = t.segments[0]
    assert seg.words_estimated and (seg.start, seg.end) == (1000, 3000)
    assert [w.text for w in seg.words] == ["Ask", "not", "what", "you", "can", "do."]
    assert seg.words[0].start == 1000 and seg.words[-1].end == 3000


def test_plain_text_and_qwen_prefix():
    assert split_qwen_prefix("language English<asr_text>Hello there.") == ("en", "Hello there.")
    assert split_qwen_prefix("language None<asr_text></asr_text>") == (None, "")
    assert split_qwen_prefix("Hello") == (None, "Hello")
    t = parse_answer("language German<asr_text>Guten Morgen. Wie geht es?", 3000)
    assert t.language == "de"
    assert [s.text for s in t.segments] == ["Guten Morgen.", "Wie geht es?"]
    assert all(s.words_estimated for s in t.segments)
    assert t.segments[0].start == 0 and t.segments[-1].end == 3000
    json_answer = parse_answer({"text": "Hallo."}, 1000, language="de")
    assert json_answer.language == "de" and json_answer.language_probability == 1.0


def test_times_are_clipped_and_loops_removed():
    body = {"text": "x", "segments": [{"start": -1, "end": 99.0, "text": "Ha."}]}
    t = parse_answer(body, 2000)
    assert (t.segments[0].start, t.segments[0].end) == (0, 2000)
    loop = "I think. " * 8 + "So."
    t = parse_answer(loop, 5000)
    assert t.text.count("I think") == 1 and t.removed and t.removed[0][0] == "repetition"
    assert parse_answer({"text": ""}, 1000).segments == ()
    for not_a_transcript in ({"detail": "no"}, [1, 2], {"text": 3}):
        with pytest.raises(EngineError):
            parse_answer(not_a_transcript, 1000)


# ----------------------------------------------------------------------------- URLs and retries


def test_urls_are_checked_and_never_shown_with_credentials():
    assert normalize_url(" http://gpu-box:8000/v1/ ") == "http://gpu-box:8000/v1"
    assert normalize_url("https://[::1]:9000/v1") == "https://[::1]:9000/v1"
    for bad in ("gpu-box:8000/v1", "ftp://x/v1", "http://", "http://x:99999/v1"):
        with pytest.raises(ConfigError) as err:
            normalize_url(bad)
        assert "\n" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        normalize_url("http://user:s3cret@gpu-box:8000/v1")
    assert "s3cret" not in str(err.value) and "CUELINE_API_KEY" in str(err.value)
    assert display_url("http://u:s3cret@h:1/v1/?k=s3cret") == "http://h:1/v1"


def test_retry_after_and_backoff():
    assert retry_after_s("3") == 3.0
    assert retry_after_s("100000") == 120.0  # capped
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_s("soon") is None and retry_after_s(None) is None
    waits = [backoff_s(n, 0.5) for n in (1, 2, 3, 4)]
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0 and 1.0 <= waits[2] <= 2.0
    assert backoff_s(20) <= 30.0


# ----------------------------------------------------------------------------- the API key


def test_api_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("CUELINE_API_KEY", "sk-abc")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    key = api_key_for("http://gpu-box:8000/v1")
    assert key.reveal() == "sk-abc" and key.source == "CUELINE_API_KEY"
    assert "sk-abc" not in repr(key) and "sk-abc" not in str(key) and "sk-abc" not in f"{key!r}"
    monkeypatch.delenv("CUELINE_API_KEY")
    # a key meant for OpenAI goes to OpenAI only
    assert api_key_for("http://gpu-box:8000/v1") is None
    assert api_key_for("https://api.openai.com/v1").source == "OPENAI_API_KEY"
    monkeypatch.setenv("MINE", "sk-mine")
    assert api_key_for("http://gpu-box:8000/v1", "MINE").reveal() == "sk-mine"
    with pytest.raises(EngineError):
        api_key_for("http://gpu-box:8000/v1", "UNSET_VARIABLE_X")


def memory_keyring():
    """A keyring backend kept in memory (keyring's own API, no system service)."""
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.store = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    return Memory()


def test_api_key_from_the_keyring(monkeypatch):
    keyring = pytest.importorskip("keyring")
    monkeypatch.delenv("CUELINE_API_KEY", raising=False)
    old = keyring.get_keyring()
    mem = memory_keyring()
    keyring.set_keyring(mem)
    try:
        assert keyring_status() is None
        keyring_set("http://gpu-box:8000/v1", "sk-from-keyring")
        assert mem.store == {("cueline-transcribe", "http://gpu-box:8000"): "sk-from-keyring"}
        key = api_key_for("http://gpu-box:8000/v1/")
        assert key.reveal() == "sk-from-keyring" and key.source == "the system keyring"
        assert api_key_for("http://other:8000/v1") is None  # keys are per server
        keyring_set("http://gpu-box:8000/v1", "")
        assert keyring_get("http://gpu-box:8000/v1") is None
    finally:
        keyring.set_keyring(old)


def test_no_keyring_backend_degrades_cleanly(monkeypatch):
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    monkeypatch.delenv("CUELINE_API_KEY", raising=False)
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert "no system keyring" in keyring_status()
        assert keyring_get("http://gpu-box:8000/v1") is None
        assert api_key_for("http://gpu-box:8000/v1") is None
        with pytest.raises(EngineError) as err:
            keyring_set("http://gpu-box:8000/v1", "sk-x")
        assert "CUELINE_API_KEY" in str(err.value) and "sk-x" not in str(err.value)
    finally:
        keyring.set_keyring(old)


def test_api_key_type_is_not_printable():
    key = ApiKey("X", "sk-secret")
    assert "sk-secret" not in repr([key]) and "sk-secret" not in str({"k": key})
