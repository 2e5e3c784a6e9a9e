"""Probing and decoding every supported format, compared with the lossless source."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.decode import _Sink, decode
from app.audio.export import export_clip, write_audio
from app.audio.probe import probe
from app.audio.reader import MediaSource
from app.audio.samples import float_to_int16, int16_to_float
from app.core.cancel import Cancelled, CancelToken
from tests.audio.audio_media import AUDIO_FORMATS, LOSSLESS, VIDEO_FORMATS

ALL_FORMATS = AUDIO_FORMATS + tuple(VIDEO_FORMATS)
FRAME_MS = 1000 / 24  # "within one frame"


def best_lag(x: np.ndarray, ref: np.ndarray, max_lag: int) -> int:
    """The shift of ``x`` against ``ref`` (samples) that correlates best."""
    n = min(len(x), len(ref)) - 2 * max_lag
    a = ref[max_lag:max_lag + n]
    scores = [float(np.dot(x[max_lag + k:max_lag + k + n], a)) for k in range(-max_lag, max_lag + 1)]
    return int(np.argmax(scores)) - max_lag


@pytest.mark.parametrize("ext", ALL_FORMATS)
def test_every_format_probes_and_decodes_like_the_source(media_dir, jfk16, ext):
    path = media_dir / f"jfk.{ext}"
    info = probe(path)
    assert abs(info.duration_ms - 11000) <= FRAME_MS
    assert info.channels == 2
    assert info.sample_rate in (44100, 48000)
    assert info.has_video == (ext in VIDEO_FORMATS)
    x = decode(path)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(len(x) / 16000 - 11.0) <= FRAME_MS / 1000
    lag = best_lag(x, jfk16, 80)
    assert abs(lag) <= 16  # lossy codecs may shift by their padding, never by more than 1 ms
    n = min(len(x), len(jfk16)) - 100
    a, b = x[50 + lag:n + lag], jfk16[50:n]
    corr = float(np.corrcoef(a, b)[0, 1])
    rel = float(np.sqrt(np.mean((a - b) ** 2)) / np.sqrt(np.mean(b ** 2)))
    if ext in LOSSLESS:
        assert rel < 1e-3
    else:
        assert corr > 0.99 and rel < 0.15


@pytest.mark.parametrize("ext", list(VIDEO_FORMATS))
def test_video_facts(media_dir, ext):
    _, fps, size, _, _ = VIDEO_FORMATS[ext]
    info = probe(media_dir / f"jfk.{ext}")
    assert info.has_video and info.video_fps == pytest.approx(fps)
    assert info.video_size == size
    assert info.container in ("mp4", "matroska", "mov")


def test_codec_and_container_names(media_dir):
    assert (probe(media_dir / "jfk.mp3").audio_codec, probe(media_dir / "jfk.mp3").container) == ("mp3", "mp3")
    assert probe(media_dir / "jfk.flac").audio_codec == "flac"
    assert probe(media_dir / "jfk.m4a").audio_codec == "aac"
    assert probe(media_dir / "jfk.opus").audio_codec == "opus"


def test_audio_starting_late_in_a_video_is_placed_on_the_media_timeline(media_dir, jfk16):
    x = decode(media_dir / "delayed.mkv")
    assert np.abs(x[:7000]).max() == 0.0  # silence before the audio starts at 0.5 s
    assert best_lag(x[8000:8000 + len(jfk16)], jfk16, 60) == 0


def test_stereo_channels_decode_separately(stereo_path):
    both = decode(stereo_path, mono=False)
    assert both.shape[0] == 2 and both.dtype == np.float32
    left, right = both
    assert float(np.corrcoef(left, right)[0, 1]) < 0.5  # two different speakers
    mono = decode(stereo_path)
    np.testing.assert_allclose(mono, both.mean(axis=0), atol=1e-6)


def test_native_rate_keeps_the_media_rate_and_channels(media_dir):
    x = decode(media_dir / "jfk.flac", sample_rate=None, mono=False)
    assert x.shape == (2, 485100)
    y = decode(media_dir / "jfk.opus", sample_rate=None, mono=False)
    assert y.shape[0] == 2 and abs(y.shape[1] - 528000) <= 960


def test_int16_and_memory_mapped_output(jfk_path, jfk16, tmp_path):
    x16 = decode(jfk_path, dtype=np.int16)
    assert x16.dtype == np.int16 and len(x16) == len(jfk16)
    np.testing.assert_array_equal(x16, float_to_int16(jfk16))
    assert np.abs(int16_to_float(x16) - jfk16).max() < 1.0 / 32767
    mapped = decode(jfk_path, out_path=tmp_path / "x.f32")
    assert isinstance(mapped, np.memmap)
    np.testing.assert_array_equal(np.asarray(mapped), jfk16)
    assert (tmp_path / "x.f32").stat().st_size == len(jfk16) * 4
    both = decode(jfk_path, mono=False, out_path=tmp_path / "x2.i16", dtype=np.int16)
    assert both.shape == (2, len(jfk16)) and both.dtype == np.int16


def test_the_store_grows_when_the_header_underestimates(tmp_path):
    rng = np.random.default_rng(0)
    blocks = [rng.standard_normal((2, k)).astype(np.float32) for k in (7, 100, 3, 250)]
    for out_path in (None, tmp_path / "grow.raw"):
        sink = _Sink(2, 10, np.dtype(np.float32), out_path)
        for b in blocks:
            sink.write(b)
        sink.write_silence(5)
        got = np.asarray(sink.finish(mono=False))
        want = np.concatenate(blocks + [np.zeros((2, 5), np.float32)], axis=1)
        np.testing.assert_array_equal(got, want)


def test_progress_reports_and_cancel_stops(media_dir):
    seen = []
    decode(media_dir / "jfk.wav", progress=seen.append)
    assert seen and seen[-1].done == pytest.approx(seen[-1].total)
    assert all(0 <= p.done <= p.total + 1e-6 for p in seen)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        decode(media_dir / "jfk.wav", cancel=token)


def test_cancelled_memory_mapped_decode_leaves_no_file(media_dir, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        decode(media_dir / "jfk.flac", cancel=token, out_path=tmp_path / "partial.raw")
    assert not (tmp_path / "partial.raw").exists()


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3", "ogg", "opus", "mp4"])
def test_random_access_reader_matches_the_full_decode(media_dir, ext):
    path = media_dir / f"jfk.{ext}"
    full = decode(path, sample_rate=None, mono=False).T
    src = MediaSource(path, block_s=0.5)
    try:
        seq = src.read(0, len(full) + 500)
        np.testing.assert_array_equal(seq[: len(full)], full)
        assert not seq[len(full):].any()
        if ext in ("wav", "flac", "ogg"):  # exact seeking
            for start in (123_456, 4_321, 300_000):
                np.testing.assert_array_equal(src.read(start, 3000), full[start:start + 3000])
    finally:
        src.close()


def test_reader_try_read_fills_in_the_background(media_dir):
    src = MediaSource(media_dir / "jfk.flac", block_s=0.5)
    try:
        start = 200_000
        first = src.try_read(start, 1000)
        assert first is None  # not decoded yet: the callback would play silence
        for _ in range(200):
            got = src.try_read(start, 1000)
            if got is not None:
                break
            CancelToken().wait(0.01)
        assert got is not None
        np.testing.assert_array_equal(got, src.read(start, 1000))
    finally:
        src.close()


def test_write_audio_and_export_clip_with_pydub(tmp_path, jfk_path):
    x = np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000).astype(np.float32) * 0.5
    out = write_audio(x, 8000, tmp_path / "tone.flac")
    np.testing.assert_allclose(decode(out, sample_rate=None), x, atol=1e-4)
    clip = export_clip(jfk_path, tmp_path / "clip.mp3", 1000, 3500)
    info = probe(clip)
    assert abs(info.duration_ms - 2500) <= 60 and info.channels == 2


def test_mp3_without_length_header_and_changing_channels(tmp_path, jfk_path):
    """Two MP3s glued together (mono then stereo), no Xing header: FFmpeg can only estimate
    the length from the bit rate, so a different decoded length is not "truncated"."""
    from app.audio.ffmpeg import run_ffmpeg

    parts = []
    for channels in (1, 2):
        out = tmp_path / f"part{channels}.mp3"
        run_ffmpeg(["-i", str(jfk_path), "-ac", str(channels), "-c:a", "libmp3lame",
                    "-write_xing", "0", str(out)])
        parts.append(out.read_bytes())
    glued = tmp_path / "glued.mp3"
    glued.write_bytes(b"".join(parts))
    x = decode(glued)
    assert abs(len(x) / 16000 - 22.0) < 0.2
    both = decode(glued, mono=False)
    assert both.shape == (1, len(x))  # channels as the stream starts: mono
    single = decode(tmp_path / "part1.mp3", mono=False)
    assert single.ndim == 2 and single.shape[0] == 1
