"""Subtitle input that broke Cueline before (issue 11), each case as the user met it."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from app.cli import main
from app.formats import FormatError, read_bytes, read_file, read_text
from app.formats import io as formats_io
from app.formats.timing import MAX_TIME_MS

ROOT = Path(__file__).resolve().parents[2]

STYLED_SRT = ('1\n00:00:01,000 --> 00:00:02,000\n<i>Hello</i> <b>there</b>\n\n'
              '2\n00:00:03,000 --> 00:00:04,000\n{\\an8}<font color="#ff0000">Top red</font>\n')
STYLED_VTT = ("WEBVTT - title\n\nSTYLE\n::cue { color: yellow }\n\nREGION\nid:bill width:40%\n\n"
              "NOTE a note\n\nintro\n00:00:01.000 --> 00:00:02.000 align:start region:bill\n"
              "<v Bob>Hi <i>there</i></v>\n")
STYLED_ASS = ("[Script Info]\n; a comment\nScriptType: v4.00+\nPlayResX: 640\nPlayResY: 480\n\n"
              "[V4+ Styles]\nFormat: Name, Fontname, Fontsize\nStyle: Sign,Times,30\n\n"
              "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
              "Effect, Text\nComment: 0,0:00:00.00,0:00:01.00,Sign,,0,0,0,,a note\n"
              "Dialogue: 1,0:00:01.00,0:00:02.00,Sign,Bob,0,0,0,,{\\pos(320,50)\\i1}Sign{\\i0}\n")


# -- convert onto itself, and a format that contradicts the name ------------------------------
@pytest.mark.parametrize("name, text", [("t.srt", STYLED_SRT), ("t.vtt", STYLED_VTT),
                                        ("t.ass", STYLED_ASS)])
def test_convert_onto_its_input_is_refused_and_the_file_kept(tmp_path, capsys, name, text,
                                                             monkeypatch):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for out in (str(path), name, f"./{name}", str(tmp_path / "." / name)):
        assert main(["convert", str(path), out]) == 2
    link = tmp_path / "link.srt"
    link.symlink_to(path)
    assert main(["convert", str(link), str(path), "--to", path.suffix[1:]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 5 and all(line.startswith("cueline: error: ") for line in err)
    assert "is the input file" in err[0] and "choose another output name" in err[0]
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("ext, text", [(".srt", STYLED_SRT), (".vtt", STYLED_VTT),
                                       (".ass", STYLED_ASS)])
def test_same_format_conversion_keeps_all_markup(tmp_path, ext, text):
    src, out, back = tmp_path / f"t{ext}", tmp_path / f"u{ext}", tmp_path / "t.json"
    src.write_text(text, encoding="utf-8")
    assert main(["convert", str(src), str(out)]) == 0
    assert out.read_text(encoding="utf-8").rstrip("\n") == text.rstrip("\n")
    assert main(["convert", str(src), str(back)]) == 0  # through JSON too
    assert main(["convert", str(back), str(out)]) == 0
    assert out.read_text(encoding="utf-8").rstrip("\n") == text.rstrip("\n")


def test_an_edited_cue_is_written_plainly_and_the_others_keep_their_markup():
    from app.core import edits
    from app.formats import write_text

    doc = read_text(STYLED_SRT, "srt").document
    edits.edit_text(doc, doc[1].id, "Edited")
    out = write_text(doc, "srt")
    assert "<i>Hello</i> <b>there</b>" in out and "\nEdited\n" in out and "{\\an8}" not in out
    vtt = read_text(STYLED_VTT, "vtt").document
    edits.edit_text(vtt, vtt[0].id, "Changed")
    out = write_text(vtt, "vtt")
    assert "STYLE\n::cue" in out and "align:start region:bill\nChanged" in out
    assert "intro\n00:00:01.000" in out


def test_to_contradicting_the_extension_is_an_error_unless_forced(tmp_path, capsys):
    src = tmp_path / "t.srt"
    src.write_text(STYLED_SRT, encoding="utf-8")
    out = tmp_path / "u.srt"
    assert main(["convert", str(src), str(out), "--to", "vtt"]) == 2
    err = capsys.readouterr().err
    assert "--to vtt contradicts its extension, which names srt" in err and "u.srt" in err
    assert not out.exists()
    assert main(["convert", str(src), str(out), "--to", "vtt", "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("WEBVTT")
    assert main(["convert", str(src), str(tmp_path / "u.sub"), "--to", "vtt"]) == 0  # unknown ext


# -- sizes: devices, pipes, and memory per character ------------------------------------------
def test_dev_zero_and_stdin_are_capped_by_bytes_read(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(formats_io, "MAX_FILE_BYTES", 1 << 20)
    assert main(["convert", "/dev/zero", str(tmp_path / "o.srt")]) == 2
    assert "/dev/zero: too large for a subtitle file (over 1 MiB)" in capsys.readouterr().err

    class Endless:
        buffer = open("/dev/zero", "rb")  # noqa: SIM115 - closed below

    monkeypatch.setattr(sys, "stdin", Endless)
    try:
        assert main(["convert", "-", str(tmp_path / "o.srt"), "--from", "srt"]) == 2
    finally:
        Endless.buffer.close()
    assert "<stdin>: too large" in capsys.readouterr().err
    assert not (tmp_path / "o.srt").exists()


@pytest.mark.parametrize("line", ["lorem ipsum dolor sit amet " * 8, "字幕のテキスト" * 30])
def test_memory_per_character_of_one_huge_cue_stays_small(line):
    text = "1\n00:00:01,000 --> 00:00:02,000\n" + (line + "\n") * 4000
    tracemalloc.start()
    try:
        doc = read_text(text, "srt").document
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    chars = len(doc[0].text)
    assert chars > 400_000
    # a str of n characters is n or 2n bytes (Latin or CJK) and the reader keeps a few copies:
    # before, one-character strings and chunk numbers cost 35 (Latin) to 126 (CJK) bytes each
    assert peak / chars < 16, peak / chars


# -- times past any recording -----------------------------------------------------------------
FAR = {
    "srt": "1\n9999999:00:00,000 --> 9999999:00:01,000\nfar\n\n2\n00:00:01,000 --> "
           "00:00:02,000\nnear\n",
    "vtt": "WEBVTT\n\n9999999:00:00.000 --> 9999999:00:01.000\nfar\n\n00:00:01.000 --> "
           "00:00:02.000\nnear\n",
    "ass": "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, "
           "Text\nDialogue: 0,9999:00:00.00,9999:00:01.00,Default,,0,0,0,,far\n"
           "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,near\n",
    "txt": "[999:00:00] far\n[00:00:01] near\n[00:00:02] end\n",
    "json": '{"format": "cueline-transcript", "segments": [{"start": 999999999999, "end": '
            '999999999999, "text": "far"}, {"start": 1000, "end": 2000, "text": "near"}]}',
}


@pytest.mark.parametrize("fmt", sorted(FAR))
def test_times_past_100_hours_skip_the_cue_with_a_warning(fmt):
    result = read_text(FAR[fmt], fmt, source="far")
    assert "near" in [s.text for s in result.document]
    assert "far" not in [s.text for s in result.document]
    assert all(s.end <= MAX_TIME_MS for s in result.document)
    assert any("past 100:00:00" in str(w) for w in result.warnings), result.warnings


def test_a_cue_just_under_the_bound_is_kept():
    text = "1\n99:59:58,000 --> 99:59:59,000\nlate but fine\n"
    assert [s.start for s in read_text(text, "srt").document] == [MAX_TIME_MS - 2000]


# -- control characters, legacy encodings, lone surrogates ------------------------------------
@pytest.mark.parametrize("ch", ["\x1c", "\x1d", "\x1e", "\x1f", "\x01", "\x0b", "\x0c", "\x85"])
def test_a_control_character_before_a_cue_number_spoils_nothing(ch):
    text = f"{ch}1\n00:00:01,000 --> 00:00:02,000\nHello\n\n{ch}2\n00:00:03,000 --> 00:00:04,000\nWorld\n"
    result = read_bytes(text.encode("utf-8"), None, source="ctl.srt")
    assert [s.text for s in result.document] == ["Hello", "World"]


def _srt(lines: list[str]) -> str:
    return "".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{t}\n\n" for i, t in enumerate(lines))


LEGACY = [
    ("shift_jis", ["こんにちは、世界。", "今日はいい天気ですね。", "日本語の字幕です。"], "Shift-JIS"),
    ("gbk", ["你好，世界。", "今天天气很好。", "这是中文字幕。"], "GB"),
    ("big5", ["你好，世界。", "今天天氣很好。", "這是中文字幕。"], "Big5"),
    ("euc_kr", ["안녕하세요, 세계.", "오늘 날씨가 좋네요.", "한국어 자막입니다."], "EUC-KR"),
    ("cp1251", ["Привет, мир.", "Сегодня хорошая погода.", "Это русские субтитры."], "Windows-1251"),
    ("cp1252", ["Où est la fenêtre ?", "Ça va très bien, merci.", "Größe und Übermaß."],
     "Windows-1252"),
    ("cp1252", ["“Don’t go,” she said — quietly.", "It’s fine… really."], "Windows-1252"),
]


@pytest.mark.parametrize("codec, lines, name", LEGACY)
def test_legacy_encodings_are_detected(codec, lines, name):
    result = read_bytes(_srt(lines).encode(codec), "srt", source="legacy.srt")
    assert [s.text for s in result.document] == lines
    assert result.encoding.startswith(name)
    assert len(result.warnings) == 1 and "not UTF-8" in result.warnings[0].message


def _cli(args: list[str], data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], input=data, capture_output=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                         "LANG": "C.UTF-8"}, timeout=60, check=False)


def test_lone_surrogates_anywhere_in_json_reach_stdout_as_valid_utf8():
    data = (b'{"meta": {"x\\udc00": ["\\ud800"]}, "language": "e\\ud800", "media": {"path": '
            b'"a", "extra": {"k": "\\ud800"}}, "segments": [{"start": 0, "end": 1, "text": '
            b'"a\\ud800", "flags": ["\\ud800"], "id": "\\ud800", "speaker": "\\ud800"}]}')
    proc = _cli(["convert", "-", "--to", "json", "-"], data)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.decode("utf-8"))  # strict: would fail on a surrogate
    assert out["meta"] == {"x\ufffd": ["\ufffd"]} and out["media"]["extra"] == {"k": "\ufffd"}
    assert proc.stderr == b""


def test_a_folder_or_missing_file_is_one_line(tmp_path):
    with pytest.raises(FormatError, match="it is a folder"):
        read_file(tmp_path)
    with pytest.raises(FormatError, match="no such file"):
        read_file(tmp_path / "missing.srt")
