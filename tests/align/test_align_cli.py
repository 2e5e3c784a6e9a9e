"""``cueline align MEDIA SCRIPT`` end to end on the demo media."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.conftest import JFK_TEXT

pytestmark = pytest.mark.slow


def test_plain_script_to_srt_and_json(jfk_path, tmp_path, capsys, model_dir):  # noqa: ARG001
    script = tmp_path / "speech.txt"
    script.write_text("And so my fellow Americans,\nask not what your country can do for you,\n"
                      "ask what you can do for your country.\n", encoding="utf-8")
    srt = tmp_path / "out.srt"
    assert main(["align", str(jfk_path), str(script), "-o", str(srt), "--language", "en",
                 "-q"]) == 0
    cues = srt.read_text(encoding="utf-8").strip().split("\n\n")
    assert len(cues) == 3
    assert cues[0].splitlines()[1].startswith("00:00:00,") and \
        cues[0].splitlines()[2] == "And so my fellow Americans,"
    out = tmp_path / "out.json"
    assert main(["align", str(jfk_path), str(script), "-o", str(out), "-q"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    segs = data["segments"]
    assert " ".join(s["text"] for s in segs) == JFK_TEXT
    words = [w for s in segs for w in s["words"]]
    assert [w["text"] for w in words] == JFK_TEXT.split()
    assert all(w["end"] > w["start"] for w in words)
    assert abs(words[0]["start"] - 300) <= 150
    assert data.get("language") == "en" or data["meta"].get("language") == "en"
    assert capsys.readouterr().err == ""


def test_unmatched_lines_are_warned(jfk_path, tmp_path, capsys, model_dir):  # noqa: ARG001
    script = tmp_path / "speech.txt"
    script.write_text(JFK_TEXT + "\nThe quick brown fox jumps over the lazy dog.\n",
                      encoding="utf-8")
    out = tmp_path / "out.vtt"
    assert main(["align", str(jfk_path), str(script), "-o", str(out), "--language", "en",
                 "-q"]) == 0
    err = capsys.readouterr().err
    assert "cueline: warning: line 2 not found in the audio" in err
    assert out.read_text(encoding="utf-8").startswith("WEBVTT")


def test_bad_script_exits_2(jfk_path, tmp_path, capsys):
    bad = tmp_path / "bad.srt"
    bad.write_bytes(bytes(range(256)) * 20)
    assert main(["align", str(jfk_path), str(bad), "-o", str(tmp_path / "o.srt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cueline: error:") and "bad.srt" in err[0]


def test_empty_script_and_missing_media_exit_2(jfk_path, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    assert main(["align", str(jfk_path), str(empty)]) == 2
    assert main(["align", str(tmp_path / "nope.wav"), str(empty)]) == 2
    assert main(["align", str(jfk_path), str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("cueline: error:") for line in err)
    assert "no text" in err[0] and "nope.wav" in err[1] and "nope.txt" in err[2]


def test_unknown_output_extension_exits_2(jfk_path, tmp_path, capsys):
    script = tmp_path / "s.txt"
    script.write_text("hello", encoding="utf-8")
    assert main(["align", str(jfk_path), str(script), "-o", str(tmp_path / "out.xyz")]) == 2
    assert "--format" in capsys.readouterr().err
