"""``cueline check``: the quality report, its exit codes (0 clean, 1 problems, 2 unusable
input), shot change rules with --media and spelling with --spell."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.audio.cut_video import make_cut_video

CLEAN = """1
00:00:01,000 --> 00:00:03,000
A clean cue.

2
00:00:03,500 --> 00:00:05,500
And another one.
"""

BROKEN = """1
00:00:01,000 --> 00:00:02,500
Hello teh world.

2
00:00:02,100 --> 00:00:05,000
An overlapping cue.
"""


@pytest.fixture(autouse=True)
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("CUELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CUELINE_DATA_DIR", str(tmp_path / "data"))


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_clean_file_exits_0(tmp_path, capsys):
    assert main(["check", write(tmp_path, "ok.srt", CLEAN), "--spell", "en"]) == 0
    assert "2 cues: no problems" in capsys.readouterr().out


def test_problems_exit_1_with_cue_number_and_time(tmp_path, capsys):
    assert main(["check", write(tmp_path, "bad.srt", BROKEN), "--spell", "en"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("#1    00:00:01,000  error    overlap")
    assert any(line.startswith("#1 ") and "spelling" in line and "'teh'" in line for line in out)
    assert out[-1].startswith("2 problems in 1 of 2 cues")


def test_json_report(tmp_path, capsys):
    assert main(["check", write(tmp_path, "bad.srt", BROKEN), "--spell", "en", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    kinds = [(p["cue"], p["kind"], p["rule"]) for p in data["problems"]]
    assert kinds == [(1, "rule", "overlap"), (1, "spelling", "spelling")]
    spelling = data["problems"][1]
    assert spelling["word"] == "teh" and "the" in spelling["suggestions"]
    assert spelling["start_ms"] == 1000 and spelling["start"] == "00:00:01,000"
    assert data["summary"] == {"problems": 2, "cues_with_problems": 1, "rule": 1, "shot": 0,
                               "spelling": 1}


def test_shot_rules_with_media(tmp_path, capsys):
    video = tmp_path / "cuts.mp4"
    make_cut_video(video, [50, 75, 100], fps=25)  # cuts at 2.0 s and 5.0 s
    subs = write(tmp_path, "s.srt", "1\n00:00:00,500 --> 00:00:03,000\nAcross the cut.\n\n"
                 "2\n00:00:05,120 --> 00:00:06,500\nThree frames late.\n")
    assert main(["check", subs, "--media", str(video), "--profile", "netflix-en", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["fps"] == 25.0 and data["shot_changes"] == 2
    assert [(p["cue"], p["rule"]) for p in data["problems"]] == [(1, "shot_crossing"), (2, "shot_edge")]
    assert "starts 3 frames after a shot change at 00:00:05,000" in data["problems"][1]["message"]


@pytest.mark.parametrize("args, message", [
    (["missing.srt"], "cannot read"),
    (["{ok}", "--profile", "nope"], "unknown subtitle profile"),
    (["{ok}", "--spell", "xx"], "no spelling dictionary"),
    (["{ok}", "--media", "{ok}"], "has no video"),
    (["{ok}", "--words", "w.txt"], "--words needs --spell"),
    (["{ok}", "--spell", "en", "--words", "missing.txt"], "cannot read the word list"),
])
def test_unusable_input_exits_2_with_one_line(tmp_path, capsys, args, message):
    ok = write(tmp_path, "ok.srt", CLEAN)
    argv = ["check"] + [a.replace("{ok}", ok) if "{ok}" in a else
                        (str(tmp_path / a) if a.endswith((".srt", ".txt")) else a) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_known_words_file(tmp_path, capsys):
    subs = write(tmp_path, "n.srt", "1\n00:00:01,000 --> 00:00:03,000\nZorblat met Quux.\n")
    assert main(["check", subs, "--spell", "en"]) == 1
    words = write(tmp_path, "names.txt", "Zorblat, Quux\n")
    capsys.readouterr()
    assert main(["check", subs, "--spell", "en", "--words", words]) == 0
