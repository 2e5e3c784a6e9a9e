"""Re-aligning edited segments: only those change, in one undo step, never a segment edited
while the job ran."""

from __future__ import annotations

import pytest

from app.align.realign import apply_realign, compute_alignment, prepare_realign, realign
from app.core import edits
from app.core.document import Document
from app.core.model import WORDS_STALE, Segment
from app.core.words import distribute, split_words
from tests.align.groundtruth import SR

pytestmark = pytest.mark.slow

LINES = [
    (290, 2300, "And so my fellow Americans,"),
    (3250, 7700, "ask not what your country can do for you,"),
    (8150, 10500, "ask what you can do for your country."),
]


def _doc() -> Document:
    segs = [Segment(s, e, t, words=tuple(distribute(split_words(t), s, e)))
            for s, e, t in LINES]
    return Document(segs, meta={"language": "en"})


def test_realign_changes_only_the_edited_segment_in_one_undo_step(aligner, jfk_samples):
    doc = _doc()
    first, second, third = (s.id for s in doc)
    edits.edit_text(doc, second, "ask not what your nation can do for you,")
    assert doc.get(second).has(WORDS_STALE)
    before = doc.snapshot()
    undo_depth = len(doc.history)
    res = realign(doc, [second], jfk_samples, SR, aligner)
    assert res.applied == [second] and res.skipped == []
    doc.check()
    seg = doc.get(second)
    assert not seg.has(WORDS_STALE)
    assert [w.text for w in seg.words] == split_words("ask not what your nation can do for you,")
    assert 3100 <= seg.words[0].start <= 3500  # "ask" is spoken at about 3.3 s
    assert not any(w.estimated for w in seg.words)
    # the neighbours are untouched
    assert doc.get(first) == before[0][0] and doc.get(third) == before[0][2]
    assert len(doc.history) == undo_depth + 1 and doc.history.undo_name == "Re-align"
    doc.history.undo()
    assert doc.snapshot() == before


def test_segment_edited_during_the_job_is_left_alone(aligner, jfk_samples):
    doc = _doc()
    ids = [s.id for s in doc]
    job = prepare_realign(doc, ids)  # the UI thread takes the snapshot
    words = compute_alignment(job, jfk_samples, SR, aligner)  # the worker computes
    edits.edit_text(doc, ids[0], "And so, my dear fellow Americans,")  # the user types meanwhile
    edited = doc.get(ids[0])
    res = apply_realign(doc, job, words)  # back on the UI thread
    assert res.skipped == [ids[0]] and res.applied == ids[1:]
    assert doc.get(ids[0]) == edited
    assert abs(doc.get(ids[2]).words[0].start - 8200) <= 250
    doc.check()
    doc.history.undo()  # the re-align, in one step
    assert doc.get(ids[1]).words == _doc()[1].words


def test_deleted_segment_is_skipped(aligner, jfk_samples):
    doc = _doc()
    ids = [s.id for s in doc]
    job = prepare_realign(doc, ids[:2])
    words = compute_alignment(job, jfk_samples, SR, aligner)
    edits.delete(doc, [ids[0]])
    res = apply_realign(doc, job, words)
    assert res.skipped == [ids[0]] and res.applied == [ids[1]]


def test_split_pieces_are_realigned(aligner, jfk_samples):
    doc = _doc()
    sid = doc[1].id
    text = doc[1].text
    left, right = edits.split(doc, sid, char_offset=text.index("can"))
    res = realign(doc, [left, right], jfk_samples, SR, aligner)
    assert sorted(res.applied) == sorted([left, right])
    a, b = doc.get(left), doc.get(right)
    assert a.text == "ask not what your country" and b.text == "can do for you,"
    assert a.words[-1].end <= b.words[0].start
    assert 5800 <= b.words[0].start <= 6500  # "can" at about 6.2 s
    doc.check()


def test_merged_segment_is_realigned(aligner, jfk_samples):
    doc = _doc()
    merged = edits.merge(doc, [doc[1].id, doc[2].id])
    res = realign(doc, [merged], jfk_samples, SR, aligner)
    assert res.applied == [merged]
    seg = doc.get(merged)
    asks = [w for w in seg.words if w.text == "ask"]
    assert abs(asks[0].start - 3300) <= 250 and abs(asks[1].start - 8200) <= 250


def test_unknown_and_empty_segments_are_ignored(aligner, jfk_samples):
    doc = _doc()
    with doc.transaction("add"):
        doc.insert_segments(len(doc), [Segment(10600, 10900, "")])
    res = realign(doc, ["nope", doc[3].id], jfk_samples, SR, aligner)
    assert res.applied == [] and res.skipped == []
    assert not doc.history.can_undo or doc.history.undo_name == "add"
