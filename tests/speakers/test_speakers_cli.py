"""``cueline speakers MEDIA DOC`` and ``cueline transcribe --speakers``, in-process."""

from __future__ import annotations

import pytest

from app.cli import main
from app.core.document import Document
from app.formats import read_file, write_file
from tests.speakers.conftest import transcript

pytestmark = pytest.mark.slow


@pytest.fixture
def interview_files(tmp_path, interview2, encoder):
    import soundfile as sf

    media = tmp_path / "interview.wav"
    sf.write(media, interview2.samples, 16000)
    doc = tmp_path / "interview.json"
    write_file(Document(transcript(interview2, turns_per_segment=2)), doc)
    return media, doc


def test_speakers_command_labels_and_splits_a_transcript(interview_files, capsys):
    media, doc = interview_files
    before = doc.read_bytes()
    assert main(["speakers", str(media), str(doc), "-q"]) == 0
    out = doc.with_name("interview.speakers.json")
    result = read_file(out).document
    assert result.speakers() == ["Speaker 1", "Speaker 2"]
    assert len(result) > len(read_file(doc).document)
    assert doc.read_bytes() == before  # the input is never touched


def test_speakers_command_writes_an_interview_transcript(interview_files, capsys):
    media, doc = interview_files
    txt = doc.with_name("out.txt")
    assert main(["speakers", str(media), str(doc), "-o", str(txt), "--speakers", "2"]) == 0
    text = txt.read_text()
    paragraphs = text.strip().split("\n\n")
    assert paragraphs[0].startswith("[00:00:00] Speaker 1: ")
    assert paragraphs[1].startswith("[00:00:0") and "Speaker 2: " in paragraphs[1]
    assert "2 speaker(s)" in capsys.readouterr().err


@pytest.mark.parametrize("args,message", [
    (["--speakers", "lots"], "--speakers: the number of speakers must be 'auto' or a number"),
    (["--speakers", "0"], "between 1 and 20"),
])
def test_speakers_command_errors_are_one_line(interview_files, capsys, args, message):
    media, doc = interview_files
    assert main(["speakers", str(media), str(doc), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_speakers_command_missing_files_and_no_overwrite(interview_files, tmp_path, capsys):
    media, doc = interview_files
    assert main(["speakers", str(tmp_path / "no.wav"), str(doc)]) == 2
    assert "no such media file" in capsys.readouterr().err
    assert main(["speakers", str(media), str(tmp_path / "no.srt")]) == 2
    assert "no such transcript" in capsys.readouterr().err
    assert main(["speakers", str(media), str(doc), "-o", str(doc)]) == 2
    assert "refusing to overwrite the input" in capsys.readouterr().err


def test_transcribe_with_speakers_gives_turns(interview_files, tmp_path, capsys):
    media, _doc = interview_files
    out = tmp_path / "t.txt"
    assert main(["transcribe", str(media), "-o", str(out), "--model", "tiny.en",
                 "--speakers", "auto", "-q"]) == 0
    paragraphs = out.read_text().strip().split("\n\n")
    names = [p.split("] ", 1)[1].split(":")[0] for p in paragraphs]
    assert set(names) == {"Speaker 1", "Speaker 2"}
    assert all(a != b for a, b in zip(names, names[1:], strict=False))  # turns, not fragments
    assert main(["transcribe", str(media), "--speakers", "x", "-o", str(out)]) == 2


def test_transcribe_speakers_on_channel_input(stereo_path, tmp_path, encoder):
    out = tmp_path / "s.json"
    assert main(["transcribe", str(stereo_path), "-o", str(out), "--model", "tiny.en",
                 "--channels", "--speakers", "auto", "-q"]) == 0
    doc = read_file(out).document
    assert len(doc.speakers()) == 2
    assert any(s.has("overlap") for s in doc)  # the two microphones talk at once


def test_channel_transcript_as_text_names_each_microphones_speaker(stereo_path, tmp_path):
    """--channels alone gives speakers too: the text transcript shows their turns."""
    out = tmp_path / "s.txt"
    assert main(["transcribe", str(stereo_path), "-o", str(out), "--model", "tiny.en",
                 "--channels", "-q"]) == 0
    text = out.read_text("utf-8")
    assert "] Speaker 1: " in text and "] Speaker 2: " in text
    assert text.startswith("[00:00:00] ")
