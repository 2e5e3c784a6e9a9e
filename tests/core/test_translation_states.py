"""Translation states as core edits: machine, edited, approved, stale; each an undo step, kept
in projects and Cueline JSON."""

from __future__ import annotations

import json

import pytest

from app.core import edits
from app.core import translation as tr
from app.core.document import Document
from app.core.model import (
    TR_APPROVED,
    TR_EDITED,
    TR_MACHINE,
    TR_NONE,
    TR_STALE,
    InvariantError,
    Segment,
    check_segment,
)
from app.core.project import load_project, save_project
from app.core.words import distribute
from app.formats import read_file, write_file
from tests.reversion import assert_reversible


def seg(start, end, text, **kw):
    return Segment(start, end, text, tuple(distribute(text.split(), start, end, estimated=False)),
                   **kw)


@pytest.fixture
def doc():
    return Document([
        seg(0, 2000, "Morgen wird es regnen."),
        seg(2500, 4000, "Am Wochenende scheint die Sonne."),
        seg(5000, 6000, "Danke."),
        Segment(6500, 7000, ""),
    ])


def machine(doc):
    texts = {doc[0].id: "It will rain tomorrow.", doc[1].id: "The sun shines at the weekend."}
    return tr.apply_machine_translations(doc, texts)


def test_machine_translations_are_one_undo_step_in_state_machine(doc):
    applied = assert_reversible(doc, machine)
    assert applied.changed == 2
    assert [s.translation_status for s in doc] == [TR_MACHINE, TR_MACHINE, TR_NONE, TR_NONE]
    assert doc.history.undo_name == "Translate"
    doc.history.undo()
    assert all(s.translation is None and s.translation_state is None for s in doc)


def test_editing_the_translation_marks_it_edited_and_typing_merges(doc):
    machine(doc)
    sid = doc[0].id
    steps = len(doc.history)
    for text in ("It will rain", "It will rain tomorrow!"):
        edits.edit_translation(doc, sid, text)
    assert len(doc.history) == steps + 1
    assert doc.get(sid).translation_status == TR_EDITED
    doc.history.undo()
    assert doc.get(sid).translation_status == TR_MACHINE
    assert doc.get(sid).translation == "It will rain tomorrow."


def test_clearing_the_translation_clears_its_state(doc):
    machine(doc)
    sid = doc[0].id
    assert_reversible(doc, lambda d: edits.edit_translation(d, sid, "  "))
    assert doc.get(sid).translation is None and doc.get(sid).translation_state is None
    assert doc.get(sid).translation_status == TR_NONE


def test_approve_marks_approved_skips_untranslated_and_undoes(doc):
    machine(doc)
    ids = [s.id for s in doc]
    n = assert_reversible(doc, lambda d: tr.approve(d, ids))
    assert n == 2
    assert [s.translation_status for s in doc][:3] == [TR_APPROVED, TR_APPROVED, TR_NONE]
    assert doc.history.undo_name == "Approve translation"
    assert tr.approve(doc, ids) == 0  # approving again changes nothing, adds no step


def test_editing_the_source_words_makes_a_translation_stale(doc):
    machine(doc)
    tr.approve(doc, [doc[0].id])
    sid = doc[0].id
    assert_reversible(doc, lambda d: edits.edit_text(d, sid, "Morgen wird es schneien."))
    assert doc.get(sid).translation_status == TR_STALE
    assert doc.get(sid).translation == "It will rain tomorrow."  # kept for the translator
    doc.history.undo()
    assert doc.get(sid).translation_status == TR_APPROVED


def test_line_breaks_alone_do_not_make_a_translation_stale(doc):
    machine(doc)
    sid = doc[1].id
    edits.edit_text(doc, sid, "Am Wochenende\nscheint die Sonne.")
    assert doc.get(sid).translation_status == TR_MACHINE


def test_source_of_an_untranslated_segment_edited_stays_untranslated(doc):
    sid = doc[2].id
    edits.edit_text(doc, sid, "Danke schön.")
    assert doc.get(sid).translation_state is None


def test_replace_all_in_source_marks_stale_and_in_translation_marks_edited(doc):
    machine(doc)
    assert_reversible(doc, lambda d: edits.replace_all(d, "Sonne", "Hitze"))
    assert doc[1].translation_status == TR_STALE and doc[0].translation_status == TR_MACHINE
    assert_reversible(doc, lambda d: edits.replace_all(d, "rain", "pour", translation=True))
    assert doc[0].translation_status == TR_EDITED and doc[0].translation == "It will pour tomorrow."


def test_split_leaves_the_whole_translation_stale_on_the_first_half(doc):
    machine(doc)
    sid = doc[1].id
    left, right = assert_reversible(doc, lambda d: edits.split(d, sid, char_offset=14))
    assert doc.get(left).translation_status == TR_STALE
    assert doc.get(right).translation_status == TR_NONE


@pytest.mark.parametrize("states, expected", [
    ((TR_APPROVED, TR_APPROVED), TR_APPROVED),
    ((TR_APPROVED, TR_EDITED), TR_EDITED),
    ((TR_MACHINE, TR_EDITED), TR_MACHINE),
    ((TR_APPROVED, TR_STALE), TR_STALE),
    ((TR_APPROVED, None), TR_STALE),  # the second had no translation to join
])
def test_merge_keeps_the_weakest_state(states, expected):
    a = seg(0, 1000, "Eins.", translation="One.", translation_state=states[0])
    b = seg(1000, 2000, "Zwei.", translation="Two." if states[1] else None,
            translation_state=states[1])
    d = Document([a, b])
    merged = assert_reversible(d, lambda d: edits.merge(d, [a.id, b.id]))
    assert d.get(merged).translation_status == expected


def test_merge_of_untranslated_segments_has_no_state():
    a, b = seg(0, 1000, "Eins."), seg(1000, 2000, "Zwei.")
    d = Document([a, b])
    merged = edits.merge(d, [a.id, b.id])
    assert d.get(merged).translation_state is None


def test_machine_results_skip_changed_sources_and_translations_edited_meanwhile(doc):
    sources = {s.id: s.text for s in doc}
    before = {s.id: s.translation for s in doc}
    edits.edit_text(doc, doc[0].id, "Morgen schneit es.")  # edited while the job ran
    edits.edit_translation(doc, doc[2].id, "Thanks!")  # a person translated it meanwhile
    gone = doc[3].id
    edits.delete(doc, [gone])
    applied = tr.apply_machine_translations(
        doc, {doc[0].id: "It will rain tomorrow.", doc[1].id: "Sun at the weekend.",
              doc[2].id: "Thank you.", gone: "?"}, sources=sources, before=before)
    assert (applied.changed, applied.source_changed, applied.kept, applied.gone) == (1, 1, 1, 1)
    assert doc[0].translation is None
    assert doc[2].translation == "Thanks!" and doc[2].translation_status == TR_EDITED


def test_next_to_review_walks_untranslated_stale_and_unapproved_and_wraps(doc):
    machine(doc)
    tr.approve(doc, [doc[0].id])
    # 0 approved, 1 machine, 2 untranslated, 3 empty (nothing to translate)
    assert tr.next_to_review(doc, None) == 1
    assert tr.next_to_review(doc, 1) == 2
    assert tr.next_to_review(doc, 2) == 1  # wraps past the approved and the empty one
    assert tr.next_to_review(doc, 1, step=-1) == 2
    tr.approve(doc, [doc[1].id])
    edits.edit_translation(doc, doc[2].id, "Thanks.")
    tr.approve(doc, [doc[2].id])
    assert tr.next_to_review(doc, 0) is None
    assert tr.review_counts(doc) == {TR_NONE: 0, TR_MACHINE: 0, TR_EDITED: 0,
                                     TR_APPROVED: 3, TR_STALE: 0}


def test_set_state_moves_back_and_refuses_unknown_states(doc):
    machine(doc)
    tr.approve(doc, [doc[0].id])
    assert_reversible(doc, lambda d: tr.set_state(d, [d[0].id], TR_EDITED))
    assert doc[0].translation_status == TR_EDITED
    with pytest.raises(ValueError):
        tr.set_state(doc, [doc[0].id], "done")


def test_an_unknown_state_breaks_the_model():
    with pytest.raises(InvariantError):
        check_segment(Segment(0, 1, "a", translation="b", translation_state="done"))


def test_a_translation_without_a_state_counts_as_machine_made():
    assert Segment(0, 1, "a", translation="b").translation_status == TR_MACHINE


def test_states_are_saved_in_projects_and_cueline_json(doc, tmp_path):
    machine(doc)
    tr.approve(doc, [doc[0].id])
    edits.edit_text(doc, doc[1].id, "Am Sonntag scheint die Sonne.")
    states = [s.translation_state for s in doc]
    assert states == [TR_APPROVED, TR_STALE, None, None]
    path = tmp_path / "p.cueline"
    save_project(doc, path)
    assert [s.translation_state for s in load_project(path)] == states
    out = tmp_path / "t.json"
    write_file(doc, str(out), "json")
    assert [s.translation_state for s in read_file(str(out)).document] == states
    raw = json.loads(out.read_text("utf-8"))
    assert "translation_state" not in raw["segments"][2]  # only with a translation


def test_unknown_or_orphan_states_in_files_read_as_none(tmp_path, doc):
    machine(doc)
    path = tmp_path / "p.cueline"
    save_project(doc, path)
    data = json.loads(path.read_text("utf-8"))
    data["segments"][0]["translation_state"] = "signed-off"  # a later version's state
    data["segments"][2]["translation_state"] = "approved"  # no translation to approve
    path.write_text(json.dumps(data), "utf-8")
    loaded = load_project(path)
    assert loaded[0].translation_state is None and loaded[0].translation_status == TR_MACHINE
    assert loaded[2].translation_state is None
