"""``cueline transcribe`` on real files: a batch with a broken file, formats, options."""

from __future__ import annotations

import json
import shutil

import pytest

from app.cli import main
from tests.conftest import JFK_TEXT
from tests.engines.helpers import wer

pytestmark = pytest.mark.slow


@pytest.fixture()
def media(tmp_path, jfk_path):
    good = tmp_path / "speech.flac"
    shutil.copy(jfk_path, good)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video")
    return good, broken


def test_batch_goes_on_past_a_broken_file(media, tmp_path, capsys):
    good, broken = media
    out_dir = tmp_path / "out"
    code = main(["transcribe", str(broken), str(good), "--output-dir", str(out_dir),
                 "--format", "json", "--model", "tiny.en"])
    err = capsys.readouterr().err
    assert code == 2
    assert "broken.mp4" in err and "1 of 2 file(s) failed" in err
    assert "Traceback" not in err
    data = json.loads((out_dir / "speech.json").read_text())
    assert data["language"] == "en"
    assert isinstance(data["cleanup"], list)
    text = " ".join(s["text"] for s in data["segments"])
    assert wer(JFK_TEXT, text) <= 0.15
    words = data["segments"][0]["words"]
    assert words and {"text", "start", "end", "probability"} <= set(words[0])
    assert not (out_dir / "broken.json").exists()


def test_default_is_the_bundled_base_model_and_srt_next_to_the_media(media, capsys):
    good, _ = media
    assert main(["transcribe", str(good), "-q"]) == 0
    srt = good.with_suffix(".srt").read_text()
    assert "-->" in srt and "country" in srt.lower()
    assert capsys.readouterr().err == ""


def test_output_file_format_from_extension_and_profile(media, tmp_path):
    good, _ = media
    out = tmp_path / "subs.vtt"
    assert main(["transcribe", str(good), "-o", str(out), "--model", "tiny.en",
                 "--profile", "netflix-en", "-q"]) == 0
    vtt = out.read_text()
    assert vtt.startswith("WEBVTT") and "country" in vtt.lower()


def test_user_errors_are_one_line(media, capsys):
    good, _ = media
    assert main(["transcribe", str(good), str(good), "-o", "x.srt"]) == 2
    assert main(["transcribe", str(good), "--model", "small", "-q"]) == 2
    assert main(["transcribe", str(good), "--model", "tiny.en", "--task", "translate"]) == 2
    assert main(["transcribe", str(good), "--context", "@/no/such/file"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("cueline: error: -o/--output takes one MEDIA")
    assert "model 'small' is not installed" in err[1] or "cannot download model 'small'" in err[1]
    assert "cannot translate" in err[2]
    assert "--context" in err[3]
    assert len(err) == 4


def test_continue_text_carries_each_chunk_into_the_next(tmp_path, jfk_samples, capsys):
    from tests.pipeline.media import looped, write_wav

    audio = write_wav(tmp_path / "three.wav", looped(jfk_samples, 3))  # about 35 s: 2 chunks
    out = tmp_path / "three.json"
    assert main(["transcribe", str(audio), "-o", str(out), "--model", "tiny.en", "-q",
                 "--continue-text", "--format", "json"]) == 0
    text = " ".join(s["text"] for s in json.loads(out.read_text())["segments"])
    assert wer(" ".join([JFK_TEXT] * 3), text) <= 0.10, text
