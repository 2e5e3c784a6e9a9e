"""Re-aligning edited segments: only what changed is re-timed (every other word keeps its time
and confidence), edges stay on speech and clear of the neighbours, new times less plausible than
the old are refused, an edit and its re-alignment undo as one step, never a segment edited
while the job ran."""

from __future__ import annotations

import pytest

from app.align.realign import (
    _plausible,
    apply_realign,
    compute_alignment,
    prepare_realign,
    realign,
)
from app.align.windows import align_segments
from app.core import edits
from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, WORDS_STALE, Segment, Word
from app.core.words import distribute, split_words
from app.formats import read_file
from tests.align.groundtruth import SR

DEMO_JSON = "resources/demo/jfk.json"
MIN_GAP = 83  # the default profile's

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


def _misheard(aligner, gt, i: int, k: int, wrong: str) -> Document:
    """The ground truth's sentences as segments timed by the aligner, sentence ``i`` with its
    word ``k`` misheard as ``wrong``: same times, little confidence (as an engine that heard
    a sound and got the word wrong)."""
    segs = [Segment(*gt.sentence_span(j), t) for j, t in enumerate(gt.sentences)]
    segs = align_segments(gt.samples, SR, segs, "en", aligner)
    seg = segs[i]
    toks = seg.text.split()
    words = list(seg.words)
    words[k] = Word(wrong, words[k].start, words[k].end, 0.2)
    segs[i] = seg.replace(text=" ".join(toks[:k] + [wrong] + toks[k + 1:]), words=tuple(words))
    return Document(segs, meta={"language": "en"})


@pytest.mark.parametrize("i,k", [(1, 0), (2, 3), (4, -1)])
def test_a_one_word_fix_retimes_that_word_only_and_undoes_with_the_edit(aligner, ground_truth,
                                                                        i, k):
    gt = ground_truth
    truth = [w for w in gt.words if w.sentence == i]
    k = k % len(truth)
    doc = _misheard(aligner, gt, i, k, "picture")
    before = {s.id: s for s in doc}
    original = doc.snapshot()
    sid = doc[i].id
    edits.edit_text(doc, sid, gt.sentences[i])
    res = realign(doc, [sid], gt.samples, SR, aligner, mode="local", min_gap_ms=MIN_GAP,
                  amend=True)
    assert res.applied == [sid] and not res.kept
    doc.check()
    seg = doc.get(sid)
    assert not seg.has(WORDS_STALE) and not seg.has(TIMES_ESTIMATED)
    new = seg.words[k]
    assert new.text == truth[k].text and not new.estimated and new.probability is not None
    assert abs(new.start - truth[k].start) <= 120, (new, truth[k])
    # every other word of the document: the same time and confidence, to the millisecond
    for s in doc:
        for j, (w0, w1) in enumerate(zip(before[s.id].words, s.words, strict=True)):
            if not (s.id == sid and j == k):
                assert w1 == w0, (s.text, w0, w1)
    # the edges stay on the speech, clear of the neighbours by the minimum gap
    assert seg.start >= truth[0].start - 150 and seg.end <= truth[-1].end + 150
    if i > 0:
        assert seg.start - doc[i - 1].end >= min(MIN_GAP, before[sid].start - doc[i - 1].end)
    if i + 1 < len(doc):
        assert doc[i + 1].start - seg.end >= min(MIN_GAP, doc[i + 1].start - before[sid].end)
    # the edit and its re-alignment: one undo step
    assert len(doc.history) == 1 and doc.history.undo_name == "Edit text"
    doc.history.undo()
    assert doc.snapshot() == original


def test_jfk_misheard_word_fixed_keeps_the_others(aligner, jfk_samples):
    """The demo transcript (engine words and confidences), one word wrong, then fixed."""
    doc = read_file(DEMO_JSON).document
    seg = next(s for s in doc if "country" in s.text.split())
    heard = seg.text.replace("country", "county", 1)
    with doc.transaction("engine"):  # as the engine heard it: the same times, one word wrong
        doc.replace_segment(seg.replace(text=heard, words=tuple(
            Word("county", w.start, w.end, 0.41) if w.text == "country" else w
            for w in seg.words)))
    doc.history.clear()
    wrong = doc.get(seg.id)
    edits.edit_text(doc, seg.id, seg.text)
    res = realign(doc, [seg.id], jfk_samples, SR, aligner, amend=True)
    fixed = doc.get(seg.id)
    assert res.applied == [seg.id] and not fixed.has(TIMES_ESTIMATED)
    country = next(w for w in fixed.words if w.text == "country")
    assert abs(country.start - 5965) <= 120 and not country.estimated  # spoken at ~5.97 s
    assert [w for w in fixed.words if w.text != "country"] == \
        [w for w in wrong.words if w.text != "county"]
    assert (fixed.start, fixed.end) == (wrong.start, wrong.end)
    assert len(doc.history) == 1


def test_new_times_that_do_not_fit_between_the_unchanged_words_are_refused(aligner, jfk_samples):
    """"fellow" is spoken at 1.37-1.56 s, but the unchanged "Americans," was (wrongly) timed
    from 1.40 s: the word cannot be placed without moving an unchanged word, so the estimate is
    kept and the segment flagged."""
    words = (Word("And", 290, 545, 0.65), Word("so", 675, 840, 0.99), Word("my", 840, 1265, 0.84),
             Word("fellow", 1265, 1400, None, True), Word("Americans,", 1400, 2270, 0.93))
    doc = Document([Segment(290, 2620, "And so my fellow Americans,", words,
                            flags=frozenset({WORDS_STALE}))], meta={"language": "en"})
    res = realign(doc, [doc[0].id], jfk_samples, SR, aligner)
    seg = doc[0]
    assert res.kept == [seg.id] and seg.words == words
    assert seg.has(TIMES_ESTIMATED) and not seg.has(WORDS_STALE)


def test_plausibility_refuses_words_moved_off_the_speech():
    speech = [(0, 1000), (2000, 3000)]
    old = [Word("a", 600, 900, None, True)]
    assert _plausible([Word("a", 500, 950)], old, 400, 1000, speech)
    assert not _plausible([Word("a", 1100, 1900)], old, 400, 2000, speech)  # into the pause
    assert not _plausible([Word("a", 300, 950)], old, 500, 1000, speech)  # past its room
    assert not _plausible([Word("a", 500, 950, None, True)], old, 400, 1000, speech)  # untimed


def test_a_segment_stale_after_undo_or_redo_is_realigned_keeping_the_redo(aligner, jfk_samples):
    """Two edits made without re-aligning (no media open, say): after an undo the segment is
    stale with the first edit's text; re-aligned then, folded into the step on top, the redo
    stack stays; after the redo it is stale again and re-aligned again."""
    doc = _doc()
    sid = doc[1].id
    edits.edit_text(doc, sid, "ask not what your nation can do for you,")
    doc.history.break_merge()
    edits.edit_text(doc, sid, "ask not what your nation can do for us,")
    doc.history.undo()
    assert doc.get(sid).has(WORDS_STALE) and doc.history.can_redo
    res = realign(doc, [sid], jfk_samples, SR, aligner, amend=True)
    assert res.applied == [sid] and not doc.get(sid).has(WORDS_STALE)
    assert doc.history.can_redo and len(doc.history) == 1
    nation = next(w for w in doc.get(sid).words if w.text == "nation")
    assert abs(nation.start - 5965) <= 150 and not nation.estimated
    doc.history.redo()
    assert doc.get(sid).text.endswith("for us,") and doc.get(sid).has(WORDS_STALE)
    res = realign(doc, [sid], jfk_samples, SR, aligner, amend=True)
    assert res.applied == [sid] and not doc.get(sid).has(WORDS_STALE)
    assert len(doc.history) == 2 and not doc.history.can_redo
    doc.history.undo()  # the second edit with its re-alignment
    assert doc.get(sid).text.endswith("for you,") and doc.get(sid).has(WORDS_STALE)
    doc.history.undo()
    assert doc.get(sid).text == LINES[1][2] and not doc.history.can_undo
