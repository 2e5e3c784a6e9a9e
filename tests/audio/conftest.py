"""Media made at test time from the real JFK recording, in every format Cueline reads.

Audio-only formats are encoded with pydub (through :func:`app.audio.export.write_audio`),
video containers with the bundled ffmpeg (a real video stream from ``testsrc``/``color``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.audio.decode import decode
from app.audio.export import write_audio
from app.audio.ffmpeg import run_ffmpeg
from tests.audio.audio_media import AUDIO_FORMATS, VIDEO_FORMATS


@pytest.fixture(scope="session")
def jfk_native(jfk_path) -> np.ndarray:
    """The source at its own rate (44.1 kHz) and channels."""
    return decode(jfk_path, sample_rate=None, mono=False)


@pytest.fixture(scope="session")
def jfk16(jfk_path) -> np.ndarray:
    return decode(jfk_path)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory, jfk_path, jfk_native) -> Path:
    d = tmp_path_factory.mktemp("media")
    for ext in AUDIO_FORMATS:
        write_audio(jfk_native, 44100, d / f"jfk.{ext}")
    for ext, (src, fps, (w, h), vcodec, acodec) in VIDEO_FORMATS.items():
        run_ffmpeg(["-f", "lavfi", "-i", f"{src}:size={w}x{h}:rate={fps}", "-i", str(jfk_path),
                    "-shortest", "-c:v", vcodec, "-c:a", acodec, "-pix_fmt", "yuv420p",
                    str(d / f"jfk.{ext}")])
    # audio that starts 0.5 s into a video
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-itsoffset", "0.5",
                "-i", str(jfk_path), "-t", "12", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-c:a", "libvorbis", str(d / "delayed.mkv")])
    return d


@pytest.fixture(scope="session")
def bad_dir(tmp_path_factory, media_dir) -> Path:
    """One file for each kind of bad input."""
    d = tmp_path_factory.mktemp("bad")
    (d / "text.mp3").write_text("this is not audio, just some words in a text file\n" * 20)
    (d / "empty.wav").write_bytes(b"")
    (d / "folder.wav").mkdir()
    wav = (media_dir / "jfk.wav").read_bytes()
    (d / "cut.wav").write_bytes(wav[:100_000])  # header promises 11 s
    (d / "cut.mp3").write_bytes((media_dir / "jfk.mp3").read_bytes()[:40_000])
    flac = (media_dir / "jfk.flac").read_bytes()
    (d / "cut.flac").write_bytes(flac[: len(flac) // 3])
    mp4 = (media_dir / "jfk.mp4").read_bytes()
    (d / "cut.mp4").write_bytes(mp4[: len(mp4) // 2])  # index at the end is gone
    (d / "header_only.wav").write_bytes(wav[:40])
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=24", "-t", "1", "-c:v", "libx264",
                "-pix_fmt", "yuv420p", str(d / "video_only.mp4")])
    run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", str(d / "zero.wav")])
    return d

