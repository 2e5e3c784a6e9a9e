"""``cueline realign MEDIA DOC``: a transcript corrected outside Cueline is re-timed where its
words no longer spell the text (or it has none), and everything else comes back unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from app.core.document import Document
from app.core.project import load_project, save_project
from app.formats import read_file

pytestmark = pytest.mark.slow
DEMO_JSON = Path(__file__).resolve().parents[2] / "resources" / "demo" / "jfk.json"
MIN_GAP = 83  # the default profile's


def _edited(tmp_path: Path) -> Path:
    """The demo transcript, edited by hand: a misheard word fixed in the text only ("county" ->
    "country": the words still say "county"), one segment's words deleted."""
    data = json.loads(DEMO_JSON.read_text(encoding="utf-8"))
    segs = data["segments"]
    for w in segs[2]["words"]:
        if w["text"] == "country":
            w["text"], w["probability"] = "county", 0.41
    segs[1]["words"] = []
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def _segments(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["segments"]


def test_an_edited_json_is_realigned_where_it_changed_only(jfk_path, tmp_path, capsys,
                                                          model_dir):  # noqa: ARG001
    src = _edited(tmp_path)
    before = _segments(src)
    original = src.read_bytes()
    out = tmp_path / "out.json"
    assert main(["realign", str(jfk_path), str(src), "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().err == ""
    after = _segments(out)
    assert [s["id"] for s in after] == [s["id"] for s in before]
    # untouched segments: identical, to the millisecond (words, confidences, flags)
    for i in (0, 3):
        assert after[i] == before[i]
    # the corrected word re-timed where it is spoken; its neighbours as they were
    fixed = after[2]
    assert (fixed["start"], fixed["end"]) == (before[2]["start"], before[2]["end"])
    country = next(w for w in fixed["words"] if w["text"] == "country")
    assert abs(country["start"] - 5965) <= 120 and not country.get("estimated")
    assert [w for w in fixed["words"] if w["text"] != "country"] == \
        [w for w in before[2]["words"] if w["text"] != "county"]
    # the segment without words: words inside its range, grown into the pause at most
    lone = after[1]
    assert [w["text"] for w in lone["words"]] == ["ask", "not"]
    assert lone["start"] >= before[0]["end"] + MIN_GAP and lone["end"] <= before[2]["start"] - MIN_GAP
    assert lone["start"] <= before[1]["start"] and lone["end"] >= before[1]["end"]
    assert abs(lone["words"][0]["start"] - 3300) <= 150  # "ask" at ~3.3 s
    assert src.read_bytes() == original  # the input is never overwritten
    read_file(out).document.check()


def test_a_project_in_a_project_out(jfk_path, tmp_path, capsys, model_dir):  # noqa: ARG001
    project = tmp_path / "talk.cueline"
    save_project(read_file(DEMO_JSON).document, project)
    doc = load_project(project)
    data = json.loads(project.read_text(encoding="utf-8"))
    data["segments"][2]["text"] = data["segments"][2]["text"].replace("can do", "could do")
    project.write_text(json.dumps(data), encoding="utf-8")  # words no longer spell the text
    assert main(["realign", str(jfk_path), str(project)]) == 0
    out = tmp_path / "talk.realigned.cueline"
    assert out.is_file() and "re-aligned 1 segment (1 whose words" in capsys.readouterr().err
    back = load_project(out)
    assert isinstance(back, Document) and back[2].text.endswith("could do for you,")
    could = next(w for w in back[2].words if w.text == "could")
    assert not could.estimated and 6100 <= could.start <= 6350
    for i in (0, 1, 3):
        assert back[i] == doc[i]
    assert [w for w in back[2].words if w.text != "could"] == \
        [w for w in doc[2].words if w.text != "can"]


def test_srt_out_and_nothing_to_do(jfk_path, tmp_path, capsys, model_dir):  # noqa: ARG001
    src = tmp_path / "jfk.json"
    shutil.copyfile(DEMO_JSON, src)
    out = tmp_path / "jfk.srt"
    assert main(["realign", str(jfk_path), str(src), "-o", str(out), "-q"]) == 0
    assert out.read_text(encoding="utf-8").startswith("1\n00:00:00,290 --> 00:00:02,620\n")


@pytest.mark.parametrize("case", ["no media", "no doc", "corrupt project", "output is input",
                                  "unknown format", "unknown profile"])
def test_errors_are_one_line_exit_2(case, jfk_path, tmp_path, capsys):
    src = tmp_path / "t.json"
    shutil.copyfile(DEMO_JSON, src)
    media, doc, out = str(jfk_path), str(src), str(tmp_path / "o.json")
    extra: list[str] = []
    if case == "no media":
        media = str(tmp_path / "missing.flac")
    elif case == "no doc":
        doc = str(tmp_path / "missing.json")
    elif case == "corrupt project":
        bad = tmp_path / "bad.cueline"
        bad.write_text('{"format": "cueline-project", "version": 1, "segments": [', "utf-8")
        doc = str(bad)
    elif case == "output is input":
        out = doc
    elif case == "unknown format":
        out = str(tmp_path / "o.xyz")
    else:
        extra = ["--profile", "no-such-profile"]
    before = src.read_bytes()
    assert main(["realign", media, doc, "-o", out, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cueline: error:"), err
    assert src.read_bytes() == before
