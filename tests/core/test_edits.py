from __future__ import annotations

import re

import pytest

from app.core import edits
from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, WORDS_STALE, InvariantError, Segment, Word
from app.core.words import distribute
from tests.reversion import assert_reversible


def seg(start, end, text, timed=True, **kw):
    words = tuple(distribute(text.split(), start, end, estimated=False)) if timed else ()
    return Segment(start, end, text, words, **kw)


@pytest.fixture
def doc():
    return Document([
        seg(0, 2000, "ask not what your country"),
        seg(2500, 4000, "can do for you"),
        seg(5000, 6000, "untimed words here", timed=False),
    ])


def test_edit_text_marks_stale_and_undoes(doc):
    sid = doc[0].id
    assert_reversible(doc, lambda d: edits.edit_text(d, sid, "ask not what your nation"))
    s = doc.get(sid)
    assert s.has(WORDS_STALE)
    assert s.words[-1].text == "nation" and s.words[-1].estimated
    assert s.words[0].estimated is False


def test_typing_merges_into_one_step(doc):
    sid = doc[1].id
    base = len(doc.history)
    for text in ("can do for yo", "can do for y", "can do for you!"):
        edits.edit_text(doc, sid, text)
    assert len(doc.history) == base + 1
    doc.history.undo()
    assert doc.get(sid).text == "can do for you"


def test_set_times_moves_words_and_resorts(doc):
    sid = doc[0].id
    assert_reversible(doc, lambda d: edits.set_times(d, sid, 7000, 9000))
    assert doc[-1].id == sid
    assert doc[-1].words[0].start == 7000


def test_set_times_squeezes_words(doc):
    sid = doc[0].id
    edits.set_times(doc, sid, 0, 1000)
    s = doc.get(sid)
    assert s.end == 1000 and all(w.end <= 1000 for w in s.words)


def test_split_at_word_keeps_word_times(doc):
    sid = doc[0].id
    original = doc[0]
    off = original.text.index("your")
    ids = assert_reversible(doc, lambda d: edits.split(d, sid, char_offset=off))
    left, right = doc.get(ids[0]), doc.get(ids[1])
    assert left.text == "ask not what" and right.text == "your country"
    assert right.words[0] == original.words[3]
    assert left.end == original.words[2].end
    assert not left.has(TIMES_ESTIMATED)


def test_split_inside_untimed_text_estimates(doc):
    sid = doc[2].id
    ids = edits.split(doc, sid, char_offset=len("untimed "))
    left, right = doc.get(ids[0]), doc.get(ids[1])
    assert left.has(TIMES_ESTIMATED) and right.has(TIMES_ESTIMATED)
    assert 5000 < left.end == right.start < 6000


def test_split_at_time(doc):
    sid = doc[0].id
    w = doc[0].words[2]
    ids = edits.split(doc, sid, at_ms=w.start + 5)
    assert doc.get(ids[1]).text.startswith("what")


def test_split_inside_a_word(doc):
    sid = doc[1].id
    ids = assert_reversible(doc, lambda d: edits.split(d, sid, char_offset=5))
    assert doc.get(ids[0]).text == "can d" and doc.get(ids[1]).text == "o for you"


def test_merge(doc):
    a, b = doc[0].id, doc[1].id
    mid = assert_reversible(doc, lambda d: edits.merge(d, [a, b]))
    m = doc.get(mid)
    assert m.text == "ask not what your country can do for you"
    assert (m.start, m.end) == (0, 4000) and len(m.words) == 9


def test_merge_cjk_has_no_space():
    d = Document([seg(0, 1000, "你好", timed=False), seg(1000, 2000, "世界", timed=False)])
    mid = edits.merge(d, [d[0].id, d[1].id])
    assert d.get(mid).text == "你好世界"


def test_insert_delete_shift(doc):
    new = Segment(2100, 2400, "inserted")
    assert_reversible(doc, lambda d: edits.insert(d, new))
    assert doc[1].id == new.id
    assert_reversible(doc, lambda d: edits.delete(d, [new.id]))
    assert_reversible(doc, lambda d: edits.shift(d, 1000, from_ms=2500))
    assert doc[1].start == 3500 and doc[2].start == 6000 and doc[0].start == 0
    assert_reversible(doc, lambda d: edits.shift(d, -10_000))
    assert doc[0].start == 0  # never below zero


def test_insert_near(doc):
    sid = doc[0].id
    nid = assert_reversible(doc, lambda d: edits.insert_near(d, sid, after=True))
    n = doc.get(nid)
    assert n.start == 2000 and n.end <= 2500


def test_replace_all_options(doc):
    assert edits.replace_all(doc, "YOU", "YOU") == 2  # "your" and "you", case-insensitive
    doc.history.undo()
    assert assert_reversible(doc, lambda d: edits.replace_all(d, "YOU", "thee", whole_word=True)) == 1
    assert "thee" in doc[1].text and doc[0].text.endswith("your country")
    assert edits.replace_all(doc, "your", "thy", whole_word=True, case=True) == 1
    assert edits.replace_all(doc, r"c(\w+)y", r"C\1Y", regex=True) == 1
    assert "CountrY" in doc[0].text
    with pytest.raises(re.error):
        edits.replace_all(doc, "(", "x", regex=True)


def test_speakers(doc):
    ids = [s.id for s in doc]
    assert_reversible(doc, lambda d: edits.set_speaker(d, ids[:2], "Ann"))
    assert doc.speakers() == ["Ann"]
    assert assert_reversible(doc, lambda d: edits.rename_speaker(d, "Ann", "Bob")) == 2
    assert doc.speakers() == ["Bob"]


def test_apply_result_replaces_range(doc):
    new = [seg(2600, 3000, "fresh one"), seg(3100, 3900, "fresh two")]
    assert_reversible(doc, lambda d: edits.apply_result(d, new, replace_range=(2000, 5000),
                                                       meta={"language": "en"}))
    assert [s.text for s in doc] == ["ask not what your country", "fresh one", "fresh two", "untimed words here"]
    assert doc.meta["language"] == "en"


def test_apply_alignment_skips_changed_text(doc):
    sid = doc[1].id
    old_text = doc[1].text
    words = [Word(t, 2600 + i * 300, 2800 + i * 300, 0.9) for i, t in enumerate(old_text.split())]
    edits.edit_text(doc, sid, "can do for you now")
    assert edits.apply_alignment(doc, sid, words, old_text) is False
    new_text = doc.get(sid).text
    words = [Word(t, 2600 + i * 250, 2800 + i * 250, 0.9) for i, t in enumerate(new_text.split())]
    assert assert_reversible(doc, lambda d: edits.apply_alignment(d, sid, words, new_text))
    assert not doc.get(sid).has(WORDS_STALE)


def test_invariants_reject_bad_segments():
    with pytest.raises(InvariantError):
        Document([Segment(10, 5, "x")])
    with pytest.raises(InvariantError):
        Document([Segment(0, 100, "a b", (Word("a", 0, 50), Word("c", 50, 100)))])
    with pytest.raises(InvariantError):
        Document([Segment(0, 100, "a b", (Word("a", 0, 60), Word("b", 50, 100)))])
    d = Document([Segment(0, 100, "x")])
    with pytest.raises(InvariantError), d.transaction("bad"):
        d.replace_segment(d[0].replace(end=-1))
    assert d[0].end == 100 and not d.history.can_undo


def test_failed_transaction_rolls_back(doc):
    before = doc.snapshot()
    with pytest.raises(RuntimeError), doc.transaction("group"):
        edits.edit_text(doc, doc[0].id, "changed")
        edits.delete(doc, [doc[1].id])
        raise RuntimeError("boom")
    assert doc.snapshot() == before and not doc.history.can_undo


def test_overlaps_reported():
    d = Document([Segment(0, 1000, "a"), Segment(500, 1500, "b"), Segment(2000, 2500, "c")])
    assert d.overlaps() == [(0, 1)]


def test_change_events_are_precise(doc):
    events = []
    doc.changed.connect(events.append)
    edits.edit_text(doc, doc[1].id, "can do for them")
    assert len(events) == 1
    e = events[0]
    assert e.kind == "changed" and e.index == 1 and {"text", "words", "flags"} <= e.fields
    events.clear()
    edits.delete(doc, [doc[0].id])
    assert [(e.kind, e.index, e.count) for e in events] == [("removed", 0, 1)]


# -- defaults that meet a profile: split gap, merge layout, break/balance lines -------------
def two_lines(seg: Segment) -> str:
    """A stand-in line layout: the words in two halves (what matters is that it is used)."""
    words = seg.text.split()
    half = (len(words) + 1) // 2
    return " ".join(words[:half]) + ("\n" + " ".join(words[half:]) if words[half:] else "")


def test_split_between_touching_words_leaves_the_gap_before_the_second_half(doc):
    sid = doc[0].id
    original = doc[0]
    off = original.text.index("your")
    assert original.words[2].end == original.words[3].start  # no pause between the words
    ids = assert_reversible(doc, lambda d: edits.split(d, sid, char_offset=off, gap_ms=83))
    left, right = doc.get(ids[0]), doc.get(ids[1])
    assert right.start == original.words[3].start  # the second half starts on its speech
    assert right.start - left.end == 83
    assert left.words[-1].end <= left.end and right.words == original.words[3:]
    doc.check()


def test_split_keeps_a_pause_already_longer_than_the_gap():
    d = Document([Segment(0, 3000, "one two", (Word("one", 0, 800), Word("two", 1500, 3000)))])
    ids = edits.split(d, d[0].id, char_offset=4, gap_ms=83)
    left, right = d.get(ids[0]), d.get(ids[1])
    assert (left.end, right.start) == (800, 1500)


def test_split_at_a_time_and_in_untimed_text_leaves_the_gap(doc):
    ids = edits.split(doc, doc[0].id, at_ms=1200, gap_ms=83)
    assert doc.get(ids[1]).start == 1200 and doc.get(ids[0]).end == 1117
    ids = edits.split(doc, doc[-1].id, char_offset=len("untimed "), gap_ms=83)
    left, right = doc.get(ids[0]), doc.get(ids[1])
    assert right.start - left.end == 83 and left.has(TIMES_ESTIMATED)


def test_split_near_the_start_still_leaves_the_gap():
    d = Document([Segment(0, 1000, "a b", (Word("a", 0, 30), Word("b", 30, 1000)))])
    ids = edits.split(d, d[0].id, char_offset=2, gap_ms=83)
    left, right = d.get(ids[0]), d.get(ids[1])
    assert left.start == 0 < left.end and right.start - left.end == 83 and right.end == 1000
    d.check()
    tiny = Document([Segment(0, 50, "a b")])  # shorter than the gap: nothing to give
    ids = edits.split(tiny, tiny[0].id, char_offset=2, gap_ms=83)
    assert tiny.get(ids[0]).end == tiny.get(ids[1]).start


def test_split_lays_out_each_half():
    d = Document([Segment(0, 4000, "one two three\nfour five six seven")])
    ids = edits.split(d, d[0].id, char_offset=len("one two "), layout=two_lines)
    assert d.get(ids[0]).text == "one\ntwo"
    assert d.get(ids[1]).text == "three four five\nsix seven"


def test_merge_lays_out_the_merged_lines(doc):
    a, b = doc[0].id, doc[1].id
    mid = assert_reversible(doc, lambda d: edits.merge(d, [a, b], layout=two_lines))
    m = doc.get(mid)
    assert m.text == "ask not what your country\ncan do for you"
    assert len(m.words) == 9 and not m.has(WORDS_STALE)  # only whitespace changed


def test_relayout_changes_only_whitespace_in_one_step(doc):
    ids = [s.id for s in doc]
    words = [s.words for s in doc]
    n = assert_reversible(doc, lambda d: edits.relayout(d, ids, two_lines))
    assert n == 3
    assert [s.text for s in doc] == ["ask not what\nyour country", "can do\nfor you",
                                     "untimed words\nhere"]
    assert [s.words for s in doc] == words and not any(s.has(WORDS_STALE) for s in doc)
    assert doc.history.undo_name == "Break lines"
    assert edits.relayout(doc, ids, two_lines) == 0  # already laid out: no new step


def test_relayout_refuses_a_layout_that_changes_words(doc):
    before = doc.snapshot()
    with pytest.raises(ValueError, match="changed the words"):
        edits.relayout(doc, [doc[0].id], lambda s: s.text.upper())
    assert doc.snapshot() == before


def test_insert_near_keeps_the_gap_between_cues_only(doc):
    nid = edits.insert_near(doc, doc[0].id, after=True, gap=83)
    n = doc.get(nid)
    assert (n.start, n.end) == (2083, 2417)  # 2000..2500 less the gap on both sides
    d = Document([seg(1000, 2000, "first")])
    first = d.get(edits.insert_near(d, d[0].id, after=False, gap=83))
    assert (first.start, first.end) == (0, 917)  # no gap before the first cue: nothing is there
