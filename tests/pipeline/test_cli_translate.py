"""``cueline translate IN OUT --to LANG --server URL``, in-process, against the fake chat
server process: times kept, bilingual output within the rules, glossary, errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.core.model import TR_MACHINE
from app.formats import read_file
from app.subtitles import load_profile
from app.subtitles.measure import line_lengths
from tests.chat_server import free_port

ROOT = Path(__file__).resolve().parents[2]
JFK = ROOT / "resources" / "demo" / "jfk.srt"
MARKUP = ROOT / "tests" / "data" / "formats" / "srt" / "markup.srt"
LONG = """1
00:00:01,000 --> 00:00:05,000
Morgen wird es regnen, aber am Wochenende scheint die Sonne wieder.

2
00:00:06,000 --> 00:00:09,000
Im Jahr 1963 sprach Kennedy in Berlin.
"""
DE_EN = {"morgen": "tomorrow", "wird": "will", "es": "it", "regnen": "rain", "aber": "but",
         "am": "at the", "wochenende": "weekend", "scheint": "shines", "die": "the",
         "sonne": "sun", "wieder": "again", "im": "in", "jahr": "year", "sprach": "spoke",
         "in": "in"}


def translate(chat, *args, model=True):
    argv = ["translate", *map(str, args), "--server", chat.url]
    if model:
        argv += ["--model", chat.model]
    return main(argv)


def test_a_file_is_translated_cue_for_cue_with_its_times(chat, tmp_path, capsys):
    out = tmp_path / "jfk.de.srt"
    assert translate(chat, JFK, out, "--to", "de", model=False) == 0  # the server's only model
    stdout, stderr = capsys.readouterr()
    assert stdout == f"{out}: 3 of 3 cues translated into de by fake-mt (1 request, " \
        f"{stdout.split('request, ')[1]}"
    assert stderr == ""
    src, dst = read_file(JFK).document, read_file(out).document
    assert [(c.start, c.end) for c in dst] == [(c.start, c.end) for c in src]
    assert [c.text.replace("\n", " ") for c in dst] == [c.text.replace("\n", " ").upper()
                                                      for c in src]
    req = chat.requests()[0]["request"]
    assert req["target_language"] == "German (de)"
    assert req["cues"][1] == {"id": 2, "text": "ask not what your country can do for you,"}


def test_cues_of_a_file_i_did_not_make_keep_their_count_and_times(chat, tmp_path):
    out = tmp_path / "markup.fr.vtt"
    assert translate(chat, MARKUP, out, "--to", "fr") == 0
    src, dst = read_file(MARKUP).document, read_file(out).document
    assert len(dst) == len(src)
    assert [(c.start, c.end) for c in dst] == [(c.start, c.end) for c in src]


@pytest.mark.parametrize("lines", [1, 2])
def test_bilingual_output_keeps_each_language_within_the_profile(chat, tmp_path, lines):
    chat.control(translate="dict", dictionary=DE_EN)
    src = tmp_path / "long.srt"
    src.write_text(LONG, "utf-8")
    out = tmp_path / "long.bi.srt"
    code = translate(chat, src, out, "--to", "en", "--from", "de", "--bilingual",
                     "--lines-per-language", lines, "--profile", "netflix-en")
    profile = load_profile("netflix-en")
    cues = out.read_text("utf-8").strip().split("\n\n")
    assert len(cues) == 2
    for block in cues:
        body = block.splitlines()[2:]
        assert all(n <= profile.max_chars_per_line for n in line_lengths("\n".join(body)))
        if lines == 2:
            assert len(body) <= 4
    if lines == 2:  # the 67-character source and its translation: two lines each, balanced
        assert code == 0
        assert cues[0].splitlines()[2:] == [
            "Morgen wird es regnen, aber", "am Wochenende scheint die Sonne wieder.",
            "Tomorrow will it rain,", "but at the Weekend shines the Sun again."]


def test_bilingual_cues_that_cannot_fit_are_reported(chat, tmp_path, capsys):
    src = tmp_path / "long.srt"
    src.write_text(LONG, "utf-8")
    out = tmp_path / "long.bi.srt"
    assert translate(chat, src, out, "--to", "en", "--bilingual", "--lines-per-language", 1,
                     "--profile", "netflix-en") == 0
    err = capsys.readouterr().err
    assert "cueline: warning: cue 1, source: 2 lines (at most 1)" in err
    assert "cueline: warning: cue 1, translation: 2 lines (at most 1)" in err


def test_the_glossary_goes_with_the_request_and_numbers_are_checked(chat, tmp_path, capsys):
    glossary = tmp_path / "names.txt"
    glossary.write_text("Kennedy, Berlin\nWochenende = weekend\n", "utf-8")
    src = tmp_path / "long.srt"
    src.write_text(LONG, "utf-8")
    chat.control(translate="dict", dictionary={**DE_EN, "1963": "1964"})
    assert translate(chat, src, tmp_path / "en.srt", "--to", "en", "--glossary", glossary) == 0
    req = chat.requests()[0]["request"]
    assert req["glossary"] == [{"term": "Kennedy", "translation": "Kennedy"},
                               {"term": "Berlin", "translation": "Berlin"},
                               {"term": "Wochenende", "translation": "weekend"}]
    err = capsys.readouterr().err
    # a translation that changes a number is reported, cue by cue
    assert err == ("cueline: warning: cue 2: numbers differ: 1963 not in the translation; "
                   "1964 not in the source\n")


def test_json_keeps_the_source_beside_its_translation(chat, tmp_path):
    out = tmp_path / "jfk.json"
    assert translate(chat, JFK, out, "--to", "de") == 0
    doc = read_file(out).document
    assert [s.text for s in doc] == [s.text for s in read_file(JFK).document]
    assert [s.translation for s in doc] == [s.text.replace("\n", " ").upper()
                                            for s in read_file(JFK).document]
    assert {s.translation_state for s in doc} == {TR_MACHINE}
    assert json.loads(out.read_text("utf-8"))["meta"]["translation_language"] == "de"


def test_a_cue_never_answered_cleanly_keeps_its_source_and_exits_1(chat, tmp_path, capsys):
    chat.control(faults=[{"kind": "missing", "ids": [2]}])
    out = tmp_path / "out.srt"
    assert translate(chat, JFK, out, "--to", "de") == 1
    err = capsys.readouterr().err
    assert err.startswith("cueline: warning: cue 2: left untranslated (source text kept): the "
                          "model never answered it cleanly (no translation for cue 2)")
    texts = [c.text.replace("\n", " ") for c in read_file(out).document]
    assert texts[1] == "ask not what your country can do for you,"
    assert texts[0] == "AND SO MY FELLOW AMERICANS,"


@pytest.mark.parametrize("setup, args, message", [
    (None, ["--server", "http://127.0.0.1:{port}/v1", "--model", "m", "--retries", "0"],
     "cueline: error: cannot reach the translation server at http://127.0.0.1:{port}/v1 "
     "(connection refused): is it running? (nothing written)"),
    (None, ["--server", "localhost:11434", "--model", "m"],
     "cueline: error: the translation server URL 'localhost:11434' is not an http:// or "
     "https:// address (e.g. http://localhost:11434/v1)"),
    ("glossary", [], "cueline: error: {tmp}/none.txt: glossary file not found"),
    ("same", [], "cueline: error: {jfk}: OUT is the input file; write the translation to "
     "another file"),
    ("model", ["--model", "llama9"], "404"),
    ("batch", ["--batch", "0"], "cueline: error: --batch must be at least 1"),
    ("txt", ["--bilingual", "--format", "json"], None),
])
def test_errors_are_one_line_exit_2_and_nothing_is_written(chat, tmp_path, capsys, setup, args,
                                                            message):
    port = free_port()
    out = tmp_path / "out.srt"
    argv = ["translate", str(JFK), str(out), "--to", "de"]
    if setup == "glossary":
        argv += ["--glossary", str(tmp_path / "none.txt")]
    if setup == "same":
        argv[2] = str(JFK)
    if "--server" not in args:
        argv += ["--server", chat.url]
    argv += [a.format(port=port) for a in args]
    if setup in ("glossary", "same", "batch"):
        argv += ["--model", chat.model]
    code = main(argv)
    err = capsys.readouterr().err
    if message is None:  # --bilingual to JSON is allowed: JSON holds both anyway
        assert code == 0
        return
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message.format(port=port, tmp=tmp_path, jfk=JFK) in err
    assert not out.exists()
    assert JFK.read_text("utf-8").startswith("1\n00:00:00,290")


def test_the_key_comes_from_the_environment_and_is_never_printed(chat, tmp_path, capsys,
                                                                 monkeypatch):
    secret = "sk-never-print-me-0123456789"
    monkeypatch.setenv("MY_MT_KEY", secret)
    chat.control(faults=[{"kind": "echo_key"}])
    code = translate(chat, JFK, tmp_path / "o.srt", "--to", "de", "--api-key-env", "MY_MT_KEY")
    out, err = capsys.readouterr()
    assert code == 2 and "answered 401 (the key was refused)" in err
    assert secret not in out + err and "0123456789" not in err
    assert chat.requests()[0]["authorization"] == f"Bearer {secret}"


def test_convert_bilingual_with_a_profile_cuts_so_both_languages_fit(tmp_path, capsys):
    from app.core.model import Segment
    from app.core.words import distribute
    from app.formats import write_file

    de = ("Morgen wird es regnen, aber am Wochenende scheint die Sonne wieder über ganz "
          "Deutschland, sagt der Wetterdienst.")
    en = ("It will rain tomorrow, but at the weekend the sun will shine again over all of "
          "Germany, says the weather service.")
    seg = Segment(1000, 10000, de, tuple(distribute(de.split(), 1000, 10000, estimated=False)),
                  translation=en)
    src = tmp_path / "in.json"
    write_file([seg], src, "json")
    out = tmp_path / "out.srt"
    assert main(["convert", str(src), str(out), "--bilingual", "--profile", "netflix-en"]) == 0
    profile = load_profile("netflix-en")
    blocks = out.read_text("utf-8").strip().split("\n\n")
    assert len(blocks) >= 2
    words = []
    for block in blocks:
        body = block.splitlines()[2:]
        assert len(body) <= 4
        assert max(line_lengths("\n".join(body), profile)) <= profile.max_chars_per_line
        words += body
    assert sorted(" ".join(words).split()) == sorted(de.split() + en.split())  # nothing lost
    assert capsys.readouterr().err == ""
