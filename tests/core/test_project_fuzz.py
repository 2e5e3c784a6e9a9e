"""The project reader, fuzzed (issue 11): mutated valid projects, with types swapped, huge
numbers, deep nesting, lone surrogates, keys missing or added, text cut or spliced.  Each either
loads a valid document that saves and reads back equal, or fails as ProjectError naming the
file; never anything else.  A fixed budget, derandomized: the same cases on every run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.document import Document, MediaRef
from app.core.model import WORDS_STALE, Segment, Word
from app.core.project import ProjectError, load_project, project_dict, save_project

FUZZ = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


def valid_project() -> dict[str, Any]:
    doc = Document(
        [
            Segment(300, 2500, "And so my", (Word("And", 300, 500, 0.9), Word("so", 600, 900),
                                             Word("my", 1000, 1200, None, True)),
                    speaker="JFK", language="en", translation="Et donc"),
            Segment(3000, 4000, "שלום 你好 ✓", flags=frozenset({WORDS_STALE})),
            Segment(5000, 6000, ""),
        ],
        media=MediaRef("/media/jfk.flac", 1000, 1.25, "ab" * 32, 11000, {"note": "x"}),
        meta={"language": "en", "profile": "netflix-en",
              "cleanup": [{"reason": "loop", "text": "la la", "start": 10, "end": 20,
                           "segment": {"start": 10, "end": 20, "text": "la la"}}],
              "free": {"a": [1, 2.5, None, True, "x"]}},
    )
    return json.loads(json.dumps(project_dict(doc)))


HUGE = [2**31, 2**53 + 1, 2**63, 2**64, 10**19, 10**30, -(2**63) - 1, 1e308, -1e308, 1e-320,
        1.5, -1, -0.0]
WEIRD_TEXT = ["", "\ud800", "a\udfffb", "\x00", "\u202e", "x" * 5000, "../../etc/passwd", "NaN"]


def nested(depth: int) -> Any:
    value: Any = 0
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    # no subnormals: an engine library loaded earlier in the suite may set flush-to-zero
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False),
    st.sampled_from(HUGE),
    st.text(max_size=20), st.sampled_from(WEIRD_TEXT),
)
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
replacement = st.one_of(json_value, st.builds(nested, st.sampled_from([30, 70, 300])))


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every location in the document down to 8 levels (a nested value spliced in goes deeper)."""
    out: list[tuple] = []
    if len(prefix) >= 8:
        return out
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((*prefix, k))
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((*prefix, i))
            out.extend(paths(v, (*prefix, i)))
    return out


def parent_of(data: Any, path: tuple) -> Any:
    for k in path[:-1]:
        data = data[k]
    return data


def swapped(value: Any) -> list[Any]:
    """Values of other types that a careless writer could put where ``value`` was."""
    if isinstance(value, bool):
        return [int(value), str(value).lower()]
    if isinstance(value, int):
        return [str(value), float(value) if abs(value) < 2**1000 else 0.5, [value], value > 0]
    if isinstance(value, float):
        return [int(value) if abs(value) < 1e300 else 5, str(value)]
    if isinstance(value, str):
        return [len(value), [value], {"text": value}, None]
    if value is None:
        return [0, "", [], {}]
    if isinstance(value, list):
        return [{}, "list", len(value)]
    return [[], "object", 1]


@st.composite
def mutated(draw) -> str:
    data = valid_project()
    for _ in range(draw(st.integers(1, 3))):
        locations = paths(data)
        if not locations:
            break
        where = draw(st.sampled_from(locations))
        parent = parent_of(data, where)
        key = where[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "swap"]))
        if action == "replace":
            parent[key] = draw(replacement)
        elif action == "delete":
            del parent[key]
        elif action == "add":
            if isinstance(parent, dict):
                parent[draw(st.sampled_from(["extra", "id", "start", "\udc00", "words", "x" * 50]))] = draw(replacement)
            else:
                parent.insert(key, draw(replacement))
        else:  # a value of another type where this one was
            parent[key] = draw(st.sampled_from(swapped(parent[key])))
    text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    # raw-text damage JSON itself can carry: constants, giant numbers, cuts, splices
    raw_edit = draw(st.sampled_from(["none", "none", "none", "infinity", "nan", "digits", "cut", "splice",
                                     "deep"]))
    if raw_edit == "infinity":
        text = text.replace('"end": 2500', '"end": Infinity', 1)
    elif raw_edit == "nan":
        text = text.replace('"probability": 0.9', '"probability": NaN', 1)
    elif raw_edit == "digits":
        text = text.replace('"end": 2500', '"end": 9' + "9" * draw(st.sampled_from([20, 400, 5000])), 1)
    elif raw_edit == "deep":  # deeper than json.dumps itself can write
        depth = draw(st.sampled_from([1000, 100_000]))
        text = text.replace('"note": "x"', '"note": ' + "[" * depth + "]" * depth, 1)
    elif raw_edit == "cut":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif raw_edit == "splice":
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(['"', "{", "]", ",", "\\u", "\\ud800", "\x00", "1e999"])) + text[i:]
    return text


@FUZZ
@given(text=mutated())
def test_mutated_projects_load_valid_or_fail_as_project_error(tmp_path_factory, text):
    folder: Path = tmp_path_factory.mktemp("fuzz")
    path = folder / "mutated.cueline"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        doc = load_project(path)
    except ProjectError as exc:
        assert str(path) in str(exc)
        return
    # loaded: it is whole and valid, saves, and reads back the same
    again = folder / "again.cueline"
    save_project(doc, again)
    back = load_project(again)
    assert back.snapshot() == doc.snapshot()
    assert back.media == doc.media
    assert back.meta == doc.meta
    for s in back:
        assert isinstance(s.start, int) and isinstance(s.end, int) and 0 <= s.start <= s.end
        assert isinstance(s.text, str)


def test_the_unmutated_project_loads(tmp_path):
    """The fuzzer starts from a valid project (else every case would be a rejection)."""
    p = tmp_path / "valid.cueline"
    p.write_text(json.dumps(valid_project()), "utf-8")
    assert len(load_project(p)) == 3
