"""Edits that used to live in dialogs and drag handlers, now core commands with Qt-free tests:
nudging a selection (by ms and by frames), a drag's shared edge, the post-transcription swap
of segments for shaped cues, restoring from the cleanup log, speaker counts and merging."""

from __future__ import annotations

from app.core import edits
from app.core.cleanup_log import (
    RESTORE_NAME,
    cleanup_entries,
    entry_segment,
    restore_entries,
    restore_entry,
)
from app.core.document import Document
from app.core.frames import step_frames
from app.core.model import WORDS_STALE, Segment
from app.core.speaker_edits import merge_speakers, speaker_counts
from app.core.words import distribute
from tests.reversion import assert_reversible


def seg(start, end, text, **kw):
    return Segment(start, end, text, tuple(distribute(text.split(), start, end, estimated=False)),
                   **kw)


def three() -> Document:
    return Document([seg(1000, 2000, "one two"), seg(2000, 3500, "three four"),
                     seg(5000, 6000, "five six", speaker="Ann")])


def test_nudge_moves_every_selected_edge_in_one_step():
    doc = three()
    a, b, c = (s.id for s in doc)
    assert_reversible(doc, lambda d: edits.nudge(d, [a, c], start_delta=-100))
    assert [(s.start, s.end) for s in doc] == [(900, 2000), (2000, 3500), (4900, 6000)]
    assert doc.history.undo_name == "Nudge" and len(doc.history) == 1
    edits.nudge(doc, [a], start_delta=-5000, end_delta=-5000)
    assert (doc.get(a).start, doc.get(a).end) == (0, 0)  # never below 0, end not before start
    assert_reversible(doc, lambda d: edits.nudge(d, [b], end_delta=100))
    assert doc.get(b).end == 3600


def test_nudge_by_frames_lands_on_frame_boundaries():
    doc = three()
    fps = 24000 / 1001
    ids = [s.id for s in doc][:2]
    assert_reversible(doc, lambda d: edits.nudge_frames(d, ids, fps, start_frames=1, end_frames=-1))
    for s, (start, end) in zip(doc, [(1000, 2000), (2000, 3500)], strict=False):
        assert s.start == step_frames(start, fps, 1) and s.end == step_frames(end, fps, -1)
    assert doc.history.undo_name == "Nudge"


def test_shared_edge_moves_both_neighbours_in_one_step_in_a_safe_order():
    doc = three()
    a, b, _c = (s.id for s in doc)
    # the shared edge at 2000 moved right to 2600: the earlier segment grows first would cross
    # the later one; set_many_times applies the later start first (time order of new starts)
    times = {a: (1000, 2600), b: (2600, 3500)}
    assert assert_reversible(doc, lambda d: edits.set_many_times(d, times, "Move shared edge")) == 2
    assert [(s.start, s.end) for s in doc][:2] == [(1000, 2600), (2600, 3500)]
    assert doc.history.undo_name == "Move shared edge"
    assert edits.set_many_times(doc, {"gone": (0, 10)}, "Set start") == 0


def test_replace_segments_swaps_a_runs_segments_in_one_merged_step():
    doc = Document([seg(0, 500, "kept")])
    key = ("transcribe", "run1")
    edits.apply_result(doc, [seg(1000, 2000, "a b"), seg(2000, 3000, "c d")], name="Transcribe",
                       merge_key=key)
    mine = [s.id for s in doc][1:]
    shaped = [seg(1000, 3000, "a b c d")]
    ids = edits.replace_segments(doc, [*mine, "gone"], shaped, name="Transcribe", merge_key=key)
    assert ids == [shaped[0].id]
    assert [s.text for s in doc] == ["kept", "a b c d"]
    assert len(doc.history) == 1 and doc.history.undo_name == "Transcribe"
    doc.history.undo()
    assert [s.text for s in doc] == ["kept"]
    doc.history.redo()
    assert [s.text for s in doc] == ["kept", "a b c d"]
    fresh = Document([seg(0, 500, "x"), seg(600, 900, "y")])
    assert_reversible(fresh, lambda d: edits.replace_segments(
        d, [d[1].id], [seg(600, 900, "why")], name="Transcribe"))


def _log_doc() -> Document:
    log = [
        {"reason": "repetition", "text": "thanks for watching", "start": 1500, "end": 2500},
        {"reason": "silence", "text": "x", "start": 2600, "end": 3000,
         "segment": {"start": 2600, "end": 3200, "text": "uh huh"}},
        "not an entry",
    ]
    return Document([seg(0, 1000, "hello"), seg(4000, 5000, "bye")],
                    meta={"language": "en", "cleanup": log})


def test_cleanup_log_restores_one_entry_as_one_step():
    doc = _log_doc()
    entries = cleanup_entries(doc)
    assert [e["reason"] for e in entries] == ["repetition", "silence"]
    restored = entry_segment(entries[1], "en")
    assert (restored.start, restored.end, restored.text) == (2600, 3200, "uh huh")
    assert restored.has(WORDS_STALE) and restored.language == "en"
    sid = assert_reversible(doc, lambda d: restore_entry(d, 0))
    assert doc.get(sid).text == "thanks for watching" and doc.history.undo_name == RESTORE_NAME
    assert [e["reason"] for e in cleanup_entries(doc)] == ["silence"]


def test_cleanup_log_restores_several_entries_in_one_step():
    doc = _log_doc()
    entries = cleanup_entries(doc)
    ids = assert_reversible(doc, lambda d: restore_entries(d, list(reversed(entries))))
    assert [doc.get(i).text for i in ids] == ["uh huh", "thanks for watching"]
    assert len(doc.history) == 1 and cleanup_entries(doc) == []
    assert restore_entries(doc, entries) == []  # already restored: nothing happens


def test_speaker_counts_and_merge():
    doc = three()
    edits.set_speaker(doc, [doc[0].id], "Bob")
    assert speaker_counts(doc) == [("Bob", 1, 1000), ("Ann", 1, 1000), (None, 1, 1500)]
    n = assert_reversible(doc, lambda d: merge_speakers(d, ["Bob"], "Ann"))
    assert n == 1 and speaker_counts(doc) == [("Ann", 2, 2000), (None, 1, 1500)]
    assert doc.history.undo_name == "Merge speakers"
