"""Where ``cueline transcribe`` and ``align`` write (issue 11): never onto an input, never two
outputs of one run onto one file; channel mode on surround media; silence said out loud.

Media is made from the real JFK recording with the bundled FFmpeg.  Refusals happen before
any model loads (instant); the rest runs the bundled tiny.en model on 2-11 s of audio.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.audio.ffmpeg import run_ffmpeg
from app.cli import main


def _sha(path: Path) -> bytes:
    return path.read_bytes()


@pytest.fixture()
def talk(tmp_path, jfk_path) -> Path:
    out = tmp_path / "talk.mp3"
    run_ffmpeg(["-i", str(jfk_path), "-c:a", "libmp3lame", "-b:a", "64k", str(out)])
    return out


def test_output_named_as_the_input_media_is_refused(talk, capsys):
    before = _sha(talk)
    assert main(["transcribe", str(talk), "-o", str(talk), "--format", "srt"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cueline: error: ")
    assert "talk.mp3" in err[0] and "is the input file" in err[0]
    assert _sha(talk) == before


def test_align_output_onto_its_inputs_is_refused(talk, tmp_path, capsys):
    script = tmp_path / "script.txt"
    script.write_text("And so my fellow Americans.\n", encoding="utf-8")
    before = (_sha(talk), _sha(script))
    assert main(["align", str(talk), str(script), "-o", str(talk), "--format", "srt"]) == 2
    assert main(["align", str(talk), str(script), "-o", str(script)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("is the input file" in line for line in err)
    assert (_sha(talk), _sha(script)) == before


@pytest.mark.slow
@pytest.mark.parametrize("name, fmt", [("clip.srt", "srt"), ("rec.txt", "txt")])
def test_media_named_like_its_output_keeps_its_name_and_the_output_another(
        tmp_path, jfk_path, capsys, name, fmt):
    media = tmp_path / name
    run_ffmpeg(["-i", str(jfk_path), "-f", "wav", str(media)])
    before = _sha(media)
    assert main(["transcribe", str(media), "--format", fmt, "--model", "tiny.en", "-q"]) == 0
    assert _sha(media) == before
    out = tmp_path / f"{name}.{fmt}"
    assert "country" in out.read_text(encoding="utf-8").lower()
    err = capsys.readouterr().err
    assert f"would replace an input file: writing {out} instead" in err


@pytest.mark.slow
def test_a_batch_never_writes_two_outputs_to_one_file(tmp_path, jfk_path, capsys):
    mp3, flac = tmp_path / "speech.mp3", tmp_path / "speech.flac"
    run_ffmpeg(["-i", str(jfk_path), "-t", "4", str(mp3)])
    run_ffmpeg(["-i", str(jfk_path), "-ss", "4", str(flac)])
    out = tmp_path / "d"
    assert main(["transcribe", str(mp3), str(flac), "--output-dir", str(out),
                 "--model", "tiny.en"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["speech.flac.srt", "speech.mp3.srt"]
    first = (out / "speech.mp3.srt").read_text(encoding="utf-8").lower()
    second = (out / "speech.flac.srt").read_text(encoding="utf-8").lower()
    assert "americans" in first and "country" in second and first != second
    err = capsys.readouterr().err
    assert err.count("is the output of more than one input") == 2
    # a second run replaces its own outputs (an explicit re-run), still without colliding
    stale = out / "speech.mp3.srt"
    stale.write_text("old\n", encoding="utf-8")
    assert main(["transcribe", str(mp3), str(flac), "--output-dir", str(out),
                 "--model", "tiny.en", "-q"]) == 0
    assert "americans" in stale.read_text(encoding="utf-8").lower()


@pytest.mark.slow
def test_the_same_file_twice_is_transcribed_once(tmp_path, jfk_path, capsys):
    media = tmp_path / "a.flac"
    run_ffmpeg(["-i", str(jfk_path), "-t", "3", str(media)])
    assert main(["transcribe", str(media), str(tmp_path / "." / "a.flac"),
                 "--model", "tiny.en"]) == 0
    err = capsys.readouterr().err
    assert "given more than once: done once" in err and err.count("-> ") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.flac", "a.srt"]


@pytest.mark.slow
def test_channel_mode_on_5_1_aac_speaks_per_channel_without_the_subwoofer(tmp_path, jfk_path,
                                                                         capsys):
    media = tmp_path / "film.m4a"  # 7.1 is decoded in tests/audio/test_audio_hostile.py
    run_ffmpeg(["-i", str(jfk_path), "-t", "2", "-af", "pan=5.1|FL=c0|FR=c0|FC=c0|BL=c0|BR=c0",
                "-c:a", "aac", str(media)])
    out = tmp_path / "film.json"
    assert main(["transcribe", "--channels", str(media), "-o", str(out), "--model", "tiny.en",
                 "-q"]) == 0
    speakers = {s["speaker"] for s in json.loads(out.read_text())["segments"]}
    assert speakers == {f"Speaker {i}" for i in range(1, 6)}
    assert "subwoofer (LFE) channel" in capsys.readouterr().err


def test_channel_mode_refuses_24_channels_in_one_line(tmp_path, jfk_path, capsys):
    media = tmp_path / "array.wav"
    run_ffmpeg(["-i", str(jfk_path), "-t", "1", "-ac", "24", "-ar", "8000", "-c:a", "pcm_s16le",
                str(media)])
    assert main(["transcribe", "--channels", str(media), "--model", "tiny.en", "-q"]) == 2
    err = capsys.readouterr().err
    assert "has 24 audio channels: channel mode takes at most 8" in err
    assert not (tmp_path / "array.srt").exists()


@pytest.mark.slow
def test_silence_writes_a_valid_empty_file_and_says_no_speech_was_found(tmp_path, capsys):
    media = tmp_path / "silence.flac"
    run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "20", str(media)])
    assert main(["transcribe", str(media), "--model", "tiny.en", "-q", "--format", "vtt"]) == 0
    assert (tmp_path / "silence.vtt").read_text(encoding="utf-8") == "WEBVTT\n\n"
    err = capsys.readouterr().err
    assert "silence.flac: no speech found in 0:20 of audio" in err and "has no cues" in err


def test_outputs_helper_names_and_refusals(tmp_path):
    from app.cli.outputs import batch_outputs

    a, b, c = tmp_path / "x" / "s.mp3", tmp_path / "y" / "s.mp3", tmp_path / "s.srt"
    for p in (a, b, c):
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"media")
    outs = batch_outputs([a, b, c], tmp_path / "d", "srt")
    assert [o.name for o in outs] == ["s.mp3.srt", "s.mp3.2.srt", "s.srt.srt"]
    assert batch_outputs([a], None, "srt") == [a.with_suffix(".srt")]
    shutil.rmtree(tmp_path / "x")
