"""Held merge keys: a long machine run applied piece by piece stays one undo step."""

from __future__ import annotations

from app.core import edits
from app.core.document import Document
from app.core.model import Segment


def _apply(doc: Document, start: int, key) -> None:
    edits.apply_result(doc, [Segment(start, start + 500, f"at {start}")], merge_key=key)
    doc.history._undo[-1].stamp -= 60.0  # as if the next piece came a minute later


def test_held_key_merges_pieces_far_apart_in_time():
    doc = Document([Segment(0, 100, "before")])
    key = ("transcribe", "run-1")
    doc.history.hold_merge(key)
    for i in range(4):
        _apply(doc, 1000 + i * 1000, key)
    doc.history.release_merge(key)
    assert len(doc) == 5 and len(doc.history) == 1
    doc.history.undo()
    assert [s.text for s in doc] == ["before"]
    doc.history.redo()
    assert len(doc) == 5


def test_without_hold_the_time_window_splits_steps():
    doc = Document()
    key = ("transcribe", "run-2")
    for i in range(3):
        _apply(doc, i * 1000, key)
    assert len(doc.history) == 3


def test_held_key_does_not_merge_across_another_command_or_a_save():
    doc = Document()
    key = ("transcribe", "run-3")
    doc.history.hold_merge(key)
    _apply(doc, 0, key)
    _apply(doc, 1000, key)
    edits.edit_text(doc, doc[0].id, "edited by the user")  # the user works meanwhile
    _apply(doc, 2000, key)
    doc.history.set_clean()
    _apply(doc, 3000, key)
    assert len(doc.history) == 4
    doc.history.undo_all()
    assert len(doc) == 0
    doc.history.redo_all()
    assert [s.text for s in doc] == ["edited by the user", "at 1000", "at 2000", "at 3000"]


def test_release_restores_the_time_window():
    doc = Document()
    key = ("transcribe", "run-4")
    doc.history.hold_merge(key)
    _apply(doc, 0, key)
    doc.history.release_merge(key)
    _apply(doc, 1000, key)
    assert len(doc.history) == 2
