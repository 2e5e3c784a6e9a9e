"""Random command sequences: undo-all gives the identical document, redo-all the final one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import edits
from app.core.document import Document
from app.core.model import Segment
from app.core.words import distribute

WORDS = ["ask", "not", "what", "your", "country", "can", "do", "for", "you", "¿qué?", "שלום", "你好", ""]


def make_doc(n: int) -> Document:
    segs = []
    t = 0
    for i in range(n):
        text = " ".join(w for w in WORDS[i % 5: i % 5 + 3] if w)
        segs.append(Segment(t, t + 1500, text, tuple(distribute(text.split(), t, t + 1500, estimated=False))))
        t += 2000
    segs.append(Segment(t, t + 1000, "untimed line"))
    return Document(segs)


op_strategy = st.tuples(
    st.sampled_from(["edit", "times", "split", "merge", "insert", "delete", "shift", "replace", "speaker", "move"]),
    st.integers(0, 50), st.integers(-3000, 3000), st.sampled_from(WORDS),
)


def apply(doc: Document, op) -> None:
    kind, k, delta, word = op
    if not len(doc) and kind != "insert":
        return
    s = doc[k % len(doc)] if len(doc) else None
    if kind == "edit":
        edits.edit_text(doc, s.id, f"{s.text} {word}".strip() if delta > 0 else s.text[: abs(delta) % (len(s.text) + 1)])
    elif kind == "times":
        edits.set_times(doc, s.id, max(0, s.start + delta), max(0, s.start + delta) + abs(delta) // 2)
    elif kind == "split":
        edits.split(doc, s.id, char_offset=k % (len(s.text) + 1))
    elif kind == "merge" and len(doc) > 1:
        i = k % (len(doc) - 1)
        edits.merge(doc, [doc[i].id, doc[i + 1].id])
    elif kind == "insert":
        start = abs(delta) * 3
        edits.insert(doc, Segment(start, start + 700, word))
    elif kind == "delete":
        edits.delete(doc, [s.id])
    elif kind == "shift":
        edits.shift(doc, delta, from_ms=s.start)
    elif kind == "replace":
        edits.replace_all(doc, word or "a", "X", case=delta > 0)
    elif kind == "speaker":
        edits.set_speaker(doc, [s.id], word or None)
    elif kind == "move":
        edits.move(doc, [s.id], delta)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 6), st.lists(op_strategy, max_size=25))
def test_random_sequences_undo_and_redo_exactly(n, ops):
    doc = make_doc(n)
    initial = doc.snapshot()
    for op in ops:
        doc.history.break_merge()
        apply(doc, op)
        doc.check()
    final = doc.snapshot()
    doc.history.undo_all()
    doc.check()
    assert doc.snapshot() == initial
    doc.history.redo_all()
    assert doc.snapshot() == final


def test_clean_state_tracks_saves():
    doc = make_doc(2)
    assert not doc.history.is_dirty
    edits.edit_text(doc, doc[0].id, "changed")
    assert doc.history.is_dirty
    doc.history.set_clean()
    assert not doc.history.is_dirty
    doc.history.undo()
    assert doc.history.is_dirty
    doc.history.redo()
    assert not doc.history.is_dirty
    doc.history.undo()
    edits.delete(doc, [doc[0].id])  # the saved state is now unreachable
    assert doc.history.is_dirty
    doc.history.undo()
    assert doc.history.is_dirty


def test_group_is_one_step():
    doc = make_doc(3)
    before = doc.snapshot()
    with doc.transaction("Batch"):
        edits.edit_text(doc, doc[0].id, "one")
        edits.delete(doc, [doc[1].id])
        edits.insert(doc, Segment(100, 200, "two"))
    assert doc.history.undo_name == "Batch"
    doc.history.undo()
    assert doc.snapshot() == before
