"""The project schema (issue 11, items 9 and 11): every bad project fails as ProjectError naming
the file, never as another exception and never by loading and breaking later; what Cueline
writes always reads back."""

from __future__ import annotations

import json
import math

import pytest

from app.core import project_schema
from app.core.document import Document, MediaRef
from app.core.model import Segment, Word
from app.core.project import ProjectError, load_project, save_project

BASE = {
    "format": "cueline-project",
    "version": 1,
    "media": {"path": "/media/talk.wav", "size": 10, "mtime": 1.5, "sha256": "ab", "duration_ms": 9000},
    "meta": {"language": "en", "cleanup": [{"reason": "loop", "text": "la", "start": 0, "end": 5}]},
    "segments": [
        {"id": "s1", "start": 0, "end": 1000, "text": "Hi there",
         "words": [{"text": "Hi", "start": 0, "end": 400, "probability": 0.9},
                   {"text": "there", "start": 500, "end": 900}]},
        {"id": "s2", "start": 2000, "end": 3000, "text": "Two", "speaker": "A", "flags": ["words_stale"]},
    ],
}


def variant(**changes) -> str:
    data = json.loads(json.dumps(BASE))
    for dotted, value in changes.items():
        node = data
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        if value is DELETE:
            del node[last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
    return json.dumps(data)


DELETE = object()
FIRST_END = '"end": 1000'

BAD = {
    # item 9: what escaped as AttributeError, OverflowError, ValueError, RecursionError
    "segments a string": variant(segments="abc"),
    "segment a string": variant(segments=["x"]),
    "words a string": variant(segments__0__words="abc"),
    "word a number": variant(segments__0__words=[5]),
    "media a list": variant(media=[1, 2]),
    "meta a list": variant(meta=[1]),
    "Infinity": json.dumps(BASE).replace(FIRST_END, '"end": Infinity', 1),
    "-Infinity": json.dumps(BASE).replace(FIRST_END, '"end": -Infinity', 1),
    "NaN probability": json.dumps(BASE).replace('"probability": 0.9', '"probability": NaN'),
    "5000-digit int": json.dumps(BASE).replace(FIRST_END, '"end": 1' + "0" * 5000, 1),
    "float overflow": json.dumps(BASE).replace(FIRST_END, '"end": 1e400', 1),
    "nested 100000": variant(meta={"x": 0}).replace('{"x": 0}', '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "nested 200 in meta": variant(meta={"x": 0}).replace('{"x": 0}', '{"x": ' + "[" * 200 + "]" * 200 + "}"),
    # ... and what loaded, then broke later
    "media.path a number": variant(media__path=5),
    "media.path with NUL": variant(media__path="/a\u0000b"),
    "duration_ms a string": variant(media__duration_ms="5"),
    "time 1e308": json.dumps(BASE).replace(FIRST_END, '"end": 1e308', 1),
    "time a float": json.dumps(BASE).replace(FIRST_END, '"end": 1000.5', 1),
    "time a string": variant(segments__0__end="1000"),
    "time true": variant(segments__1__start=True),
    "time past the bound": variant(segments__1__end=project_schema.MAX_TIME_MS + 1),
    "negative time": variant(segments__1__start=-5),
    "lone surrogate in text": json.dumps(BASE).replace('"Two"', '"T\\ud800wo"'),
    "lone surrogate in a meta key": variant(meta={"k": 1}).replace('"k"', '"\\udc80"'),
    "lone surrogate deep in meta": variant(meta={"k": [{"a": "x"}]}).replace('"x"', '"\\udfff"'),
    "speaker a number": variant(segments__1__speaker=5),
    "flags a number": variant(segments__1__flags=5),
    "id a number": variant(segments__0__id=7),
    "duplicate ids": variant(segments__1__id="s1"),
    "start after end": variant(segments__1__start=5000),
    "word outside its segment": variant(segments__0__words__1={"text": "there", "start": 500, "end": 1500}),
    "cleanup entry with a string time": variant(meta__cleanup=[{"reason": "x", "text": "y", "start": "0", "end": 5}]),
    "language a number": variant(meta__language=5),
    "start missing": variant(segments__0__start=DELETE),
    # item 11: versions that were accepted
    "version 0": variant(version=0),
    "version -7": variant(version=-7),
    "version true": variant(version=True),
    "version 1.0": variant(version=1.0),
    "version a string": variant(version="1"),
    "version missing": variant(version=DELETE),
    "newer version": variant(version=2),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_project_is_one_project_error_naming_the_file(tmp_path, name):
    p = tmp_path / "bad.cueline"
    p.write_text(BAD[name], "utf-8")
    before = p.read_bytes()
    with pytest.raises(ProjectError) as err:
        load_project(p)
    assert str(p) in str(err.value)
    assert "Traceback" not in str(err.value) and len(str(err.value)) < 400
    assert p.read_bytes() == before


@pytest.mark.parametrize(("name", "where"), [
    ("time a string", "segment 1, end"),
    ("word a number", "segment 1, word 1"),
    ("duration_ms a string", "media, duration_ms"),
    ("lone surrogate in text", "segment 2, text"),
    ("version 0", "version"),
    ("version true", "version number (true)"),
    ("newer version", "newer Cueline"),
    ("5000-digit int", "5001 digits"),
    ("Infinity", "Infinity"),
    ("nested 100000", "nested"),
])
def test_the_message_says_where_and_what(tmp_path, name, where):
    p = tmp_path / "bad.cueline"
    p.write_text(BAD[name], "utf-8")
    with pytest.raises(ProjectError) as err:
        load_project(p)
    assert where in str(err.value)


def test_valid_variants_load(tmp_path):
    """Missing optional keys, unknown keys (a later 1.x), unknown flags, an integer probability."""
    text = variant(segments__0__extra_key={"anything": [1, 2]}, future_key=5,
                   segments__1__flags=["words_stale", "some_future_flag"],
                   segments__0__words__0={"text": "Hi", "start": 0, "end": 400, "probability": 1},
                   media__extra={"note": "x"})
    data = json.loads(text)
    del data["segments"][1]["id"]  # an id is made
    del data["meta"]
    p = tmp_path / "ok.cueline"
    p.write_text(json.dumps(data), "utf-8")
    doc = load_project(p)
    assert [s.text for s in doc] == ["Hi there", "Two"]
    assert doc[1].flags == frozenset({"words_stale"}) and doc[1].id
    assert doc[0].words[0].probability == 1.0
    assert doc.media == MediaRef("/media/talk.wav", 10, 1.5, "ab", 9000, {"note": "x"})


def test_save_refuses_what_load_would_refuse_and_keeps_the_old_file(tmp_path):
    p = tmp_path / "a.cueline"
    save_project(Document([Segment(0, 1000, "ok")]), p)
    before = p.read_bytes()
    far = Document([Segment(0, project_schema.MAX_TIME_MS + 10, "too far")])
    with pytest.raises(ProjectError, match="cannot save.*segment 1, end"):
        save_project(far, p, overwrite=True)
    assert p.read_bytes() == before
    assert far.history is not None and far.path is None  # not marked saved


def test_save_replaces_lone_surrogates_and_drops_non_finite_meta(tmp_path):
    """Text decoded with surrogateescape used to make every save fail (UnicodeEncodeError)."""
    doc = Document([Segment(0, 1000, "caf\udce9", (Word("caf\udce9", 0, 500, float("nan")),))],
                   meta={"language": "fr", "score": math.inf, "ok": [1, 2]})
    p = tmp_path / "a.cueline"
    save_project(doc, p)
    back = load_project(p)
    assert back[0].text == "caf\ufffd" and back[0].words[0].text == "caf\ufffd"
    assert back[0].words[0].probability is None
    assert back.meta == {"language": "fr", "ok": [1, 2]}


def test_oversized_project_is_refused_by_bytes_read(tmp_path, monkeypatch):
    from app.core import project

    monkeypatch.setattr(project, "MAX_PROJECT_BYTES", 1000)
    p = tmp_path / "big.cueline"
    p.write_text(variant(meta={"pad": "x" * 2000}), "utf-8")
    with pytest.raises(ProjectError, match="too large"):
        load_project(p)


def test_a_device_is_not_read_forever(tmp_path):
    link = tmp_path / "zero.cueline"
    link.symlink_to("/dev/zero")
    with pytest.raises(ProjectError) as err:
        load_project(link)
    assert str(link) in str(err.value)
