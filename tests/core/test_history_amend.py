"""A machine's follow-up to the last step (re-timing after an edit) folds into that step: one
undo undoes both, and doing it after an undo keeps what can be redone."""

from __future__ import annotations

from app.core import edits
from app.core.document import Document
from app.core.history import AMEND
from app.core.model import Segment, Word


def _doc() -> Document:
    return Document([Segment(0, 1000, "one two", (Word("one", 0, 400), Word("two", 500, 1000))),
                     Segment(2000, 3000, "three", (Word("three", 2000, 3000),))])


def _retime(doc: Document, index: int, delta: int) -> None:
    """What a re-alignment does: new word times, folded into the last step."""
    seg = doc[index]
    words = tuple(Word(w.text, w.start + delta, w.end + delta) for w in seg.words)
    with doc.transaction("Re-align", merge_key=AMEND):
        doc.replace_segment(seg.replace(words=words, start=seg.start + delta,
                                        end=seg.end + delta))


def test_an_edit_and_its_retiming_undo_as_one_step():
    doc = _doc()
    original = doc.snapshot()
    edits.edit_text(doc, doc[0].id, "one too")
    _retime(doc, 0, 10)
    assert len(doc.history) == 1 and doc.history.undo_name == "Edit text"
    retimed = doc.snapshot()
    doc.history.undo()
    assert doc.snapshot() == original and not doc.history.can_undo
    doc.history.redo()
    assert doc.snapshot() == retimed


def test_a_retiming_after_an_undo_keeps_the_redo_stack():
    doc = _doc()
    edits.edit_text(doc, doc[0].id, "one too")
    edits.edit_text(doc, doc[1].id, "free")
    after_both = doc.snapshot()
    doc.history.undo()  # the second edit
    assert doc.history.can_redo and doc.history.can_amend
    _retime(doc, 0, 10)  # the first segment re-timed now, into the first edit's step
    assert doc.history.can_redo and len(doc.history) == 1
    doc.history.redo()
    assert doc[1].text == "free" and doc[0].words[0].start == 10
    doc.history.undo()
    doc.history.undo()
    assert doc[0].text == "one two" and doc[0].words[0].start == 0
    doc.history.redo_all()
    assert doc[1] == after_both[0][1]


def test_nothing_to_fold_into_is_a_step_of_its_own():
    doc = _doc()
    assert doc.history.can_amend
    _retime(doc, 1, 5)
    assert len(doc.history) == 1 and doc.history.undo_name == "Re-align"
    doc.history.undo()
    assert not doc.history.can_amend  # undone to the start with a redo left: it would be lost


def test_folding_into_the_saved_step_makes_the_document_dirty():
    doc = _doc()
    edits.edit_text(doc, doc[0].id, "one too")
    doc.history.set_clean()
    _retime(doc, 0, 10)
    assert doc.history.is_dirty
