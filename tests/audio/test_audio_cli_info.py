"""``cueline info``: text and JSON reports; a broken file is one error line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

from app.cli import main
from tests.conftest import ROOT


def test_info_text(jfk_path, media_dir, capsys):
    assert main(["info", str(jfk_path), str(media_dir / "jfk.mp4")]) == 0
    out = capsys.readouterr().out
    assert "0:00:11.000 (11.0 s)" in out
    assert "2 channels, 44100 Hz, flac in flac" in out
    assert "video        no" in out
    assert "video        yes, 25 fps, 160x120" in out
    assert out.count("speech       ") == 2 and "% (" in out


def test_info_json(jfk_path, stereo_path, capsys):
    assert main(["info", "--json", str(jfk_path), str(stereo_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    jfk, stereo = data
    assert jfk["duration_ms"] == 11000 and jfk["channels"] == 2 and jfk["sample_rate"] == 44100
    assert jfk["has_video"] is False and jfk["video_fps"] is None
    assert 0.5 < jfk["speech_fraction"] < 0.85 and jfk["speech_regions"] >= 4
    assert stereo["sample_rate"] == 16000 and stereo["duration_ms"] == 5000


def test_info_headers_only(jfk_path, capsys):
    assert main(["info", "--no-speech", "--json", str(jfk_path)]) == 0
    (d,) = json.loads(capsys.readouterr().out)
    assert "speech_ms" not in d and d["audio_codec"] == "flac"


def test_broken_file_is_one_line_and_exit_2(jfk_path, bad_dir, capsys):
    bad = bad_dir / "text.mp3"
    code = main(["info", str(bad), str(jfk_path), str(bad_dir / "missing.wav")])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.splitlines() == [
        f"cueline: error: {bad}: not an audio or video file (unknown format, damaged or incomplete)",
        f"cueline: error: {bad_dir / 'missing.wav'}: file not found",
    ]
    assert "0:00:11.000" in out  # the good file in between was still reported


def test_broken_file_in_json(bad_dir, capsys):
    assert main(["info", "--json", str(bad_dir / "video_only.mp4")]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out) == [{"path": str(bad_dir / "video_only.mp4"), "error": "has no audio track"}]
    assert err.startswith("cueline: error: ")


def test_info_as_a_real_process(jfk_path, bad_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "app", "info", "--json", str(jfk_path), str(bad_dir / "empty.wav")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"cueline: error: {bad_dir / 'empty.wav'}: the file is empty"
    data = json.loads(proc.stdout)
    assert data[0]["duration_ms"] == 11000 and data[1]["error"] == "the file is empty"
