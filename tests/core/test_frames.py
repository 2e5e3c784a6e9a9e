"""Frame-accurate times: frame starts that map back to their frame at any rate, stepping,
HH:MM:SS:FF, and snapping segments to frames for export."""

from __future__ import annotations

import pytest

from app.core.frames import (
    format_frames,
    frame_at,
    frame_start_ms,
    snap_segment,
    snap_segments,
    step_frames,
)
from app.core.model import Segment
from app.core.words import distribute

RATES = (23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0)


@pytest.mark.parametrize("fps", RATES)
def test_every_frame_start_shows_its_own_frame(fps):
    for k in range(0, 20_000, 7):
        ms = frame_start_ms(k, fps)
        assert frame_at(ms, fps) == k
        assert frame_at(ms - 1, fps) == k - 1 or ms == 0


@pytest.mark.parametrize("fps", RATES)
def test_stepping_visits_every_frame_once(fps):
    ms, seen = 0, []
    for _ in range(500):
        seen.append(frame_at(ms, fps))
        ms = step_frames(ms, fps, 1)
    assert seen == list(range(500))
    for _ in range(500):
        ms = step_frames(ms, fps, -1)
    assert ms == 0
    assert step_frames(0, fps, -3) == 0
    assert step_frames(1010, 25.0, 0) == 1000  # to the start of the frame showing


def test_timecode_display():
    assert format_frames(0, 25) == "00:00:00:00"
    assert format_frames(3_723_040, 25) == "01:02:03:01"
    assert format_frames(1999, 25) == "00:00:01:24"
    assert format_frames(59_999, 29.97) == "00:00:59:29"
    assert format_frames(1001, 23.976) == "00:00:01:00"
    assert format_frames(-40, 25) == "-00:00:00:01"


def test_snap_segments_to_frames():
    text = "three word cue"
    seg = Segment(1010, 2030, text, tuple(distribute(text.split(), 1010, 2030, estimated=False)))
    snapped = snap_segment(seg, 25.0)
    assert (snapped.start, snapped.end) == (1000, 2040)
    assert snapped.words[0].start >= 1000 and snapped.words[-1].end <= 2040
    assert snapped.id == seg.id and snapped.text == text
    tiny = Segment(1005, 1010, "x")  # shorter than a frame: keeps one frame
    assert (snap_segment(tiny, 25.0).start, snap_segment(tiny, 25.0).end) == (1000, 1040)
    on = Segment(1000, 2000, "already")
    assert snap_segment(on, 25.0) is on
    out = snap_segments([seg, on], 23.976)
    assert all(frame_start_ms(frame_at(s.start, 23.976), 23.976) == s.start for s in out)
    with pytest.raises(ValueError):
        snap_segments([seg], 0)
