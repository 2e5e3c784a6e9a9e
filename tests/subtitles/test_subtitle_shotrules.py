"""Shot change rules: the crossing warning, edges near a change, and snapping them (one undo
step)."""

from __future__ import annotations

from dataclasses import replace

from app.core.document import Document
from app.core.model import Segment
from app.subtitles import check, load_profile
from app.subtitles.shotrules import (
    SHOT_CROSSING,
    SHOT_EDGE,
    ShotZone,
    snap_plan,
    snap_to_shot_changes,
)

NETFLIX = load_profile("netflix-en")  # 12-frame zone, 2 frames before an out-cue
FPS = 25.0  # 40 ms frames: zone 480 ms, gap 80 ms
SHOTS = [10_000, 20_000, 30_000]


def rules(vs, rule):
    return [v for v in vs if v.rule == rule]


def test_the_zone_follows_the_video_frame_rate():
    z = ShotZone.of(NETFLIX, FPS)
    assert (z.snap_ms, z.gap_ms) == (480, 80)
    z24 = ShotZone.of(NETFLIX)
    assert (z24.snap_ms, z24.gap_ms) == (500, 83)
    assert ShotZone.of(replace(NETFLIX, shot_snap_frames=None)) is None


def test_a_cue_crossing_a_shot_change_is_warned_about():
    cues = [Segment(18_000, 22_000, "Across the cut."), Segment(23_000, 25_000, "Inside a shot.")]
    vs = check(cues, NETFLIX, fps=FPS, shots=SHOTS)
    crossing = rules(vs, SHOT_CROSSING)
    assert [v.segment_index for v in crossing] == [0]
    assert "00:00:20,000" in crossing[0].message
    # without shot changes, or with a profile without shot rules, nothing
    assert not rules(check(cues, NETFLIX, fps=FPS), SHOT_CROSSING)
    assert not check(cues, replace(NETFLIX, shot_snap_frames=None), fps=FPS, shots=SHOTS)


def test_edges_near_a_change_are_reported_and_edges_where_they_belong_are_not():
    cues = [
        Segment(10_200, 12_000, "Starts 5 frames late."),  # start near 10 s
        Segment(13_000, 19_960, "Ends 1 frame before the cut."),  # end near 20 s: want 19 920
        Segment(20_000, 23_000, "On the cut."),
        Segment(25_000, 29_920, "Two frames before the cut."),
    ]
    vs = check(cues, NETFLIX, fps=FPS, shots=SHOTS)
    edge = rules(vs, SHOT_EDGE)
    assert [v.segment_index for v in edge] == [0, 1]
    assert "starts 5 frames after" in edge[0].message
    assert "ends 1 frame before" in edge[1].message
    assert not rules(vs, SHOT_CROSSING)  # a change inside the zone is an edge problem only


def test_snap_plan_moves_edges_onto_changes_and_keeps_the_gap():
    cues = [
        Segment(10_200, 12_000, "a"),
        Segment(13_000, 19_960, "b"),
        Segment(20_300, 23_000, "c"),  # start 7.5 frames late: onto 20 000, after b's new end
        Segment(25_000, 29_700, "d"),  # end 7.5 frames early: to 29 920
        Segment(31_000, 33_000, "far from any change"),
    ]
    plan = snap_plan(cues, SHOTS, NETFLIX, FPS)
    ids = [c.id for c in cues]
    assert plan == {ids[0]: (10_000, 12_000), ids[1]: (13_000, 19_920), ids[2]: (20_000, 23_000),
                    ids[3]: (25_000, 29_920)}
    after = [Segment(s, e, "") for s, e in plan.values()]
    assert not rules(check(after, NETFLIX, fps=FPS, shots=SHOTS), SHOT_EDGE)


def test_snapping_never_runs_into_a_neighbour():
    # the previous cue ends at 9 990: moving the start back to 10 000 is fine, but a cue whose
    # previous neighbour ends after the change keeps its start
    cues = [Segment(8_000, 10_100, "first"), Segment(10_150, 12_000, "second")]
    plan = snap_plan(cues, SHOTS, NETFLIX, FPS)
    first, second = cues
    assert plan[first.id] == (8_000, 9_920)  # its end moves 2 frames before the change
    assert plan[second.id] == (10_000, 12_000)  # now free to start on the change
    # an end that would have to move later past the next cue's start stays
    cues = [Segment(18_000, 19_500, "x"), Segment(19_600, 21_000, "y")]
    plan = snap_plan(cues, SHOTS, NETFLIX, FPS)
    assert cues[0].id not in plan


def test_snap_to_shot_changes_is_one_undo_step():
    doc = Document([Segment(10_200, 12_000, "a"), Segment(13_000, 19_960, "b")])
    before = doc.snapshot()
    assert snap_to_shot_changes(doc, SHOTS, NETFLIX, FPS) == 2
    assert [(s.start, s.end) for s in doc] == [(10_000, 12_000), (13_000, 19_920)]
    assert doc.history.undo_name == "Snap to shot changes"
    doc.history.undo()
    assert doc.snapshot() == before
    doc.history.redo()
    assert [(s.start, s.end) for s in doc] == [(10_000, 12_000), (13_000, 19_920)]
    assert snap_to_shot_changes(doc, SHOTS, NETFLIX, FPS) == 0  # nothing left to do


def test_snap_of_selected_ids_only():
    a, b = Segment(10_200, 12_000, "a"), Segment(20_200, 22_000, "b")
    doc = Document([a, b])
    assert snap_to_shot_changes(doc, SHOTS, NETFLIX, FPS, ids=[b.id]) == 1
    assert doc.get(a.id).start == 10_200 and doc.get(b.id).start == 20_000


def test_a_profile_without_shot_rules_still_snaps_with_netflix_defaults():
    plain = replace(NETFLIX, shot_snap_frames=None)
    cue = Segment(10_200, 12_000, "a")
    assert snap_plan([cue], SHOTS, plain, FPS) == {cue.id: (10_000, 12_000)}
