"""Media that crashed or exhausted memory before (issue 11): many channels, lying headers.

Every file is made here with the bundled FFmpeg.  The many-channel cases used to end the
process with a segmentation fault inside PyAV (``AudioFrame.planes`` reading past FFmpeg's
plane pointers for planar frames of 8+ channels), so each is first run in a child process:
a crash fails the test instead of killing the test run.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.audio.decode import decode
from app.audio.errors import MediaError
from app.audio.export import export_clip
from app.audio.ffmpeg import run_ffmpeg
from app.audio.probe import MAX_SPEAKER_CHANNELS, probe, speaker_channels
from app.audio.reader import MediaSource
from app.cli import main

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 2


@pytest.fixture(scope="module")
def surround(tmp_path_factory, jfk_path) -> dict[str, Path]:
    """Speech in every channel but the LFE, as WAV, AAC, Opus and many-channel WAV."""
    d = tmp_path_factory.mktemp("surround")
    src = ["-i", str(jfk_path), "-t", str(SECONDS)]
    pan71 = "pan=7.1|FL=c0|FR=c0|FC=c0|BL=c0|BR=c0|SL=c0|SR=c0"
    files = {
        "ch8.wav": ["-af", pan71, "-c:a", "pcm_s16le"],
        "ch71.m4a": ["-af", pan71, "-c:a", "aac"],
        "ch51.m4a": ["-af", "pan=5.1|FL=c0|FR=c0|FC=c0|BL=c0|BR=c0", "-c:a", "aac"],
        "ch71.opus": ["-af", pan71, "-c:a", "libopus"],
        "ch24.wav": ["-ac", "24", "-ar", "8000", "-c:a", "pcm_s16le"],  # 22.2, upmixed
    }
    out = {}
    for name, args in files.items():
        run_ffmpeg([*src, *args, str(d / name)])
        out[name] = d / name
    return out


NAMES = ["ch8.wav", "ch71.m4a", "ch51.m4a", "ch71.opus", "ch24.wav"]


def _in_child(code: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)


@pytest.mark.parametrize("name", NAMES)
def test_many_channels_decode_read_and_export_without_a_crash(surround, name, tmp_path):
    path = surround[name]
    clip = tmp_path / "clip.wav"
    code = (
        "from app.audio.decode import decode\n"
        "from app.audio.reader import MediaSource\n"
        "from app.audio.export import export_clip\n"
        f"decode({str(path)!r}); decode({str(path)!r}, mono=False)\n"
        f"decode({str(path)!r}, sample_rate=None, mono=False)\n"
        f"s = MediaSource({str(path)!r}); s.read(0, 5000); s.read(40000, 5000); s.close()\n"
        f"export_clip({str(path)!r}, {str(clip)!r}, 200, 700)\n"
    )
    proc = _in_child(code)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"


@pytest.mark.parametrize("name", NAMES)
def test_many_channels_give_the_right_samples(surround, name, tmp_path):
    path = surround[name]
    info = probe(path)
    per_channel = decode(path, mono=False)
    assert per_channel.shape[0] == info.channels
    assert abs(per_channel.shape[1] - SECONDS * 16000) < 1600
    rms = np.sqrt(np.mean(per_channel ** 2, axis=1))
    if name == "ch24.wav":
        assert (rms > 0.02).any()
    else:
        loud = [i for i, n in enumerate(info.channel_names) if n != "LFE"]
        assert (rms[loud] > 0.02).all(), (rms, info.channel_names)
    mono = decode(path)
    assert mono.ndim == 1 and np.sqrt(np.mean(mono ** 2)) > 0.02
    native = decode(path, sample_rate=None, mono=False).T
    src = MediaSource(path, block_s=0.25)
    try:
        whole = src.read(0, len(native))
        np.testing.assert_allclose(whole, native, atol=1e-6)
        if name.endswith(".wav"):  # exact seeking
            mid = len(native) // 2
            np.testing.assert_allclose(src.read(mid, 4000), native[mid:mid + 4000], atol=1e-6)
    finally:
        src.close()
    out = export_clip(path, tmp_path / "clip.wav", 250, 750)
    clip = decode(out, sample_rate=None, mono=False)
    assert clip.shape == (info.channels, info.sample_rate // 2)


def test_channel_mode_skips_the_subwoofer_and_refuses_past_eight(surround):
    picked, notes = speaker_channels(probe(surround["ch71.m4a"]))
    assert picked == [0, 1, 2, 4, 5, 6, 7] and "LFE" in notes[0]
    picked, notes = speaker_channels(probe(surround["ch51.m4a"]))
    assert picked == [0, 1, 2, 4, 5]
    with pytest.raises(MediaError, match=f"24 audio channels.*at most {MAX_SPEAKER_CHANNELS}"):
        speaker_channels(probe(surround["ch24.wav"]))


# -- a header that lies about the length ------------------------------------------------------
def _absurd_mp3(tmp_path: Path, jfk_path: Path) -> Path:
    good = tmp_path / "good.mp3"
    run_ffmpeg(["-i", str(jfk_path), "-t", "3", "-c:a", "libmp3lame", "-b:a", "64k", str(good)])
    data = bytearray(good.read_bytes())
    tag = max(data.find(b"Info"), data.find(b"Xing"))
    assert tag > 0
    flags = struct.unpack(">I", data[tag + 4:tag + 8])[0]
    assert flags & 1  # the frame count is present
    data[tag + 8:tag + 12] = struct.pack(">I", 0xFFFFFFF0)
    absurd = tmp_path / "absurd.mp3"
    absurd.write_bytes(bytes(data))
    return absurd


def test_an_absurd_xing_frame_count_does_not_size_any_buffer(tmp_path, jfk_path, capsys):
    absurd = _absurd_mp3(tmp_path, jfk_path)
    info = probe(absurd)
    assert 2900 <= info.duration_ms <= 3200  # from the packets, not the 3.5-year claim
    samples = decode(absurd)
    assert abs(len(samples) - 3 * 16000) < 1600
    good = tmp_path / "good.flac"
    run_ffmpeg(["-i", str(jfk_path), "-t", "2", str(good)])
    assert main(["info", "--json", str(good), str(absurd)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["path"] for d in out] == [str(good), str(absurd)]
    assert all("error" not in d for d in out)
    assert out[1]["duration_ms"] < 4000


def test_a_batch_reports_a_bad_file_and_still_prints_json_for_the_good(tmp_path, jfk_path,
                                                                        capsys):
    good = tmp_path / "good.flac"
    run_ffmpeg(["-i", str(jfk_path), "-t", "2", str(good)])
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"ID3" + b"\xff" * 5000)
    assert main(["info", "--json", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out[0]["duration_ms"] == 2000 and "error" in out[1]
    assert captured.err.count("\n") == 1 and "bad.mp3" in captured.err
