"""``cueline convert`` in-process: every format to every format, options, errors."""

from __future__ import annotations

import pytest

from app.cli import main
from app.core.document import Document
from app.core.model import Segment
from app.formats import FORMATS, read_file, write_file
from tests.formats.formats_helpers import DATA, sample_document

EXT = {name: info.extensions[0] for name, info in FORMATS.items()}
TEXTS = [s.text for s in sample_document()]
READABLE = sorted(n for n, info in FORMATS.items() if info.can_read)


@pytest.mark.parametrize("src", READABLE)
@pytest.mark.parametrize("dst", sorted(FORMATS))
def test_convert_between_all_formats(tmp_path, capsys, src, dst):
    source = tmp_path / f"in{EXT[src]}"
    target = tmp_path / f"out{EXT[dst]}"
    write_file(sample_document(), source)
    assert main(["convert", str(source), str(target)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out == f"{target}: 3 cue(s) written as {dst}\n"
    if not FORMATS[dst].can_read:  # Word: export only; its paragraphs hold the texts
        import docx

        paragraphs = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
        assert all(" ".join(t.split()) in paragraphs for t in TEXTS)
        return
    result = read_file(target)
    # Through plain text too: a paragraph per cue (pauses of 2 s or more between them), and
    # untimed script lines are written back one per line.
    assert [s.text for s in result.document] == TEXTS
    if "txt" not in (src, dst):
        assert [(s.start, s.end) for s in result.document] == [
            (s.start, s.end) for s in sample_document()]
    if dst == "json" and src == "json":  # other formats keep word times only with --karaoke
        assert [w.text for w in result.document[0].words] == TEXTS[0].split()


def test_convert_to_stdout(capsys):
    assert main(["convert", str(DATA / "vtt/full.vtt"), "-", "--to", "srt", "--speakers"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("1\n00:00:01,000 --> 00:00:02,500\nRoger Bingham: We are in New York City\n")
    assert err == ""


def test_convert_karaoke_and_speakers(tmp_path, capsys):
    target = tmp_path / "k.vtt"
    assert main(["convert", str(DATA / "ass/karaoke.ass"), str(target), "--karaoke"]) == 0
    text = target.read_text()
    assert "<00:00:02.000><c>world</c>" in text
    words = read_file(target).document[0].words
    assert [(w.text, w.start, w.end) for w in words] == [
        ("Hello", 1000, 1800), ("world", 2000, 2400), ("again", 2400, 3000)]


def test_option_that_does_not_apply_is_a_warning(tmp_path, capsys):
    assert main(["convert", str(DATA / "vtt/full.vtt"), str(tmp_path / "o.srt"), "--karaoke"]) == 0
    err = capsys.readouterr().err
    assert err == "cueline: warning: --karaoke does not apply to srt output: ignored\n"


def test_reader_warnings_go_to_stderr_with_file_and_line(tmp_path, capsys):
    source = DATA / "srt/missing_index.srt"
    assert main(["convert", str(source), str(tmp_path / "o.vtt")]) == 0
    err = capsys.readouterr().err
    assert err == f"cueline: warning: {source}:5: cue number missing\n"


def test_timestamps_option_for_text(tmp_path, capsys):
    target = tmp_path / "t.txt"
    assert main(["convert", str(DATA / "vtt/full.vtt"), str(target), "--timestamps",
                 "--speakers"]) == 0
    assert target.read_text().startswith("[00:00:01] Roger Bingham: We are in New York City\n")


def test_profile_reshapes_long_cues(tmp_path, capsys):
    from app.subtitles import load_profile

    long_text = ("This is a very long subtitle that goes on and on, much longer than any "
                 "reader could follow in one go, so it has to be cut into several cues.")
    source = tmp_path / "long.srt"
    write_file(Document([Segment(0, 12_000, long_text)]), source)
    target = tmp_path / "short.srt"
    assert main(["convert", str(source), str(target), "--profile", "netflix-en"]) == 0
    cues = read_file(target).document
    limit = load_profile("netflix-en").max_chars_per_line
    assert len(cues) >= 2
    assert " ".join(s.text.replace("\n", " ") for s in cues) == long_text
    assert all(len(line) <= limit for s in cues for line in s.text.split("\n"))


def test_unknown_profile_is_one_line_error(tmp_path, capsys):
    code = main(["convert", str(DATA / "vtt/full.vtt"), str(tmp_path / "o.srt"),
                 "--profile", "no-such-profile"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("cueline: error: ") and err.count("\n") == 1
    assert "no-such-profile" in err


@pytest.mark.parametrize("name", ["srt/not_srt.srt", "vtt/not_vtt.vtt", "ass/not_ass.ass"])
def test_malformed_input_is_exit_2_and_one_line(tmp_path, capsys, name):
    code = main(["convert", str(DATA / name), str(tmp_path / "o.json")])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"cueline: error: {DATA / name}:1: ")
    assert not (tmp_path / "o.json").exists()


def test_binary_input(tmp_path, capsys):
    source = tmp_path / "movie.srt"
    source.write_bytes(bytes(range(256)) * 8)
    assert main(["convert", str(source), str(tmp_path / "o.vtt")]) == 2
    err = capsys.readouterr().err
    assert err == f"cueline: error: {source}: this is binary data, not a text subtitle file\n"


def test_missing_input(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "nope.srt"), str(tmp_path / "o.vtt")]) == 2
    assert capsys.readouterr().err == f"cueline: error: {tmp_path / 'nope.srt'}: cannot read: no such file\n"


def test_unwritable_output_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    target = blocker / "out.srt"
    assert main(["convert", str(DATA / "vtt/full.vtt"), str(target)]) == 2
    err = capsys.readouterr().err
    assert err == f"cueline: error: {target}: cannot write: a part of the path is a file, not a folder\n"


def test_output_without_known_extension_needs_to(tmp_path, capsys):
    assert main(["convert", str(DATA / "vtt/full.vtt"), str(tmp_path / "out.data")]) == 2
    assert "unknown subtitle extension '.data'" in capsys.readouterr().err
    assert main(["convert", str(DATA / "vtt/full.vtt"), str(tmp_path / "out.data"),
                 "--to", "srt"]) == 0
    assert (tmp_path / "out.data").read_text().startswith("1\n00:00:01,000")


def test_stdout_needs_to(capsys):
    assert main(["convert", str(DATA / "vtt/full.vtt"), "-"]) == 2
    assert capsys.readouterr().err == "cueline: error: writing to standard output needs --to FORMAT\n"


def test_convert_from_stdin(monkeypatch, capsys):
    import io
    import sys

    data = (DATA / "srt/cp1252.srt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["convert", "-", "-", "--to", "vtt"]) == 0
    out, err = capsys.readouterr()
    assert out == ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCafé crème – “quoted”\n\n"
                   "00:00:03.000 --> 00:00:04.000\nÀ bientôt\n\n")
    assert err.startswith("cueline: warning: <stdin>:3: the file is not UTF-8")
