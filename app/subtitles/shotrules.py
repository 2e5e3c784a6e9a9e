"""Cue timing around shot changes, as Netflix's timing guide asks.

- A cue starting within ``shot_snap_frames`` (12) of a shot change starts ON it.
- A cue ending within that zone of a shot change ends ``shot_gap_frames`` (2) before it.
- A cue should not cross a shot change farther inside it than that zone (a warning: the guide
  allows it when the dialogue goes on over the cut).

:func:`shot_violations` reports both (the checker calls it when shot changes are known);
:func:`snap_plan` computes the times that fix the edges, and :func:`snap_to_shot_changes`
applies them as ONE undoable command.  Times are integer ms; frame distances use the video's
frame rate (the profile's own rate when not given).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core import edits
from app.core.document import Document
from app.core.model import UNTIMED, Segment
from app.core.timecode import format_timecode
from app.subtitles.profiles import Profile, load_profile

SHOT_CROSSING = "shot_crossing"
SHOT_EDGE = "shot_edge"
DEFAULT_SNAP_FRAMES = 12  # Netflix's zone, for a profile without shot rules
DEFAULT_GAP_FRAMES = 2
MIN_CUE_MS = 20  # snapping never shrinks a cue below this


@dataclass(frozen=True)
class ShotZone:
    """The profile's shot rules at one frame rate, in ms."""

    snap_ms: int
    gap_ms: int
    frame_ms: float

    @classmethod
    def of(cls, profile: Profile, fps: float | None = None, force: bool = False) -> ShotZone | None:
        """The zone of ``profile`` (None when it has no shot rules, unless ``force``: then the
        Netflix defaults)."""
        frames = profile.shot_snap_frames
        if frames is None:
            if not force:
                return None
            frames = DEFAULT_SNAP_FRAMES
        rate = fps or profile.frame_rate
        gap = profile.shot_gap_frames if profile.shot_snap_frames is not None else DEFAULT_GAP_FRAMES
        return cls(profile.frames_ms(frames, rate), profile.frames_ms(gap, rate), 1000.0 / rate)

    def frames(self, ms: float) -> int:
        return int(math.floor(abs(ms) / self.frame_ms + 0.5))


class ShotTimes:
    """Sorted shot change times (ms) with nearest-neighbour lookups."""

    def __init__(self, times: Iterable[int]) -> None:
        self.times = sorted({int(t) for t in times})

    def __len__(self) -> int:
        return len(self.times)

    def nearest(self, ms: int, within: int) -> int | None:
        t = self.times
        i = bisect.bisect_left(t, ms)
        best = None
        for j in (i - 1, i):
            if 0 <= j < len(t) and abs(t[j] - ms) <= within:
                if best is None or abs(t[j] - ms) < abs(best - ms):
                    best = t[j]
        return best

    def inside(self, start: int, end: int) -> list[int]:
        """Changes strictly between ``start`` and ``end``."""
        t = self.times
        return t[bisect.bisect_right(t, start):bisect.bisect_left(t, end)]


def start_target(start: int, shots: ShotTimes, zone: ShotZone) -> int | None:
    """Where a cue start near a shot change belongs (None: not near one)."""
    return shots.nearest(start, zone.snap_ms)


def end_target(end: int, shots: ShotTimes, zone: ShotZone) -> int | None:
    """Where a cue end near a shot change belongs: ``gap`` before it (None: not near one)."""
    c = shots.nearest(end, zone.snap_ms)
    return None if c is None else c - zone.gap_ms


def _off(value: int, target: int, zone: ShotZone) -> bool:
    """More than half a frame from where it belongs."""
    return abs(value - target) * 2 > zone.frame_ms


def shot_violations(segments: Sequence[Segment], profile: Profile | str, shots: Iterable[int],
                    fps: float | None = None):
    """The shot rules ``segments`` break (checker :class:`Violation` values, warnings)."""
    from app.subtitles.checker import WARNING, Violation

    profile = load_profile(profile)
    zone = ShotZone.of(profile, fps)
    times = shots if isinstance(shots, ShotTimes) else ShotTimes(shots)
    out: list[Violation] = []
    if zone is None or not len(times):
        return out
    for index, seg in enumerate(segments):
        if seg.has(UNTIMED) or seg.end <= seg.start:
            continue
        t = start_target(seg.start, times, zone)
        if t is not None and _off(seg.start, t, zone):
            n = zone.frames(seg.start - t)
            where = "after" if seg.start > t else "before"
            out.append(Violation(index, seg.id, SHOT_EDGE, WARNING,
                                 f"starts {n} frame{'s' if n != 1 else ''} {where} a shot change "
                                 f"at {format_timecode(t)} (start on it)", n, 0))
        t = end_target(seg.end, times, zone)
        if t is not None and _off(seg.end, t, zone) and t > seg.start:
            n = zone.frames(seg.end - (t + zone.gap_ms))
            where = "after" if seg.end > t + zone.gap_ms else "before"
            gap = zone.frames(zone.gap_ms)
            if seg.end == t + zone.gap_ms:
                text = f"ends on a shot change at {format_timecode(t + zone.gap_ms)}"
            else:
                text = (f"ends {n} frame{'s' if n != 1 else ''} {where} a shot change at "
                        f"{format_timecode(t + zone.gap_ms)}")
            out.append(Violation(index, seg.id, SHOT_EDGE, WARNING,
                                 f"{text} (end {gap} frame{'s' if gap != 1 else ''} before it)",
                                 n, gap))
        for c in times.inside(seg.start, seg.end):
            if c - seg.start > zone.snap_ms and seg.end - c > zone.snap_ms:
                out.append(Violation(index, seg.id, SHOT_CROSSING, WARNING,
                                     f"crosses a shot change at {format_timecode(c)}", c, 0))
                break
    return out


def snap_plan(segments: Sequence[Segment], shots: Iterable[int], profile: Profile | str,
              fps: float | None = None, ids: Iterable[str] | None = None,
              min_gap_ms: int | None = None) -> dict[str, tuple[int, int]]:
    """New ``(start, end)`` for the cues (all, or ``ids``) whose edges are near a shot change.

    Starts move onto the change, ends to ``gap`` before it, never past a neighbour (keeping the
    profile's minimum gap) nor shrinking a cue below :data:`MIN_CUE_MS`.  Segments must be in
    document (time) order.
    """
    profile = load_profile(profile)
    zone = ShotZone.of(profile, fps, force=True)
    assert zone is not None
    times = shots if isinstance(shots, ShotTimes) else ShotTimes(shots)
    wanted = set(ids) if ids is not None else None
    gap = profile.min_gap(fps) if min_gap_ms is None else min_gap_ms
    plan: dict[str, tuple[int, int]] = {}
    timed = [s for s in segments if not s.has(UNTIMED)]
    for k, seg in enumerate(timed):
        if wanted is not None and seg.id not in wanted:
            continue
        start, end = seg.start, seg.end
        prev_end = None
        if k > 0:
            prev = timed[k - 1]
            prev_end = plan.get(prev.id, (prev.start, prev.end))[1]
        nxt = timed[k + 1] if k + 1 < len(timed) else None
        t = start_target(start, times, zone)
        if t is not None and t != start and t + MIN_CUE_MS <= end:
            if t > start or prev_end is None or t >= prev_end + gap:
                start = t
        t = end_target(end, times, zone)
        if t is not None and t != end and t >= start + MIN_CUE_MS:
            if t < end or nxt is None or t + gap <= nxt.start:
                end = t
        if (start, end) != (seg.start, seg.end):
            plan[seg.id] = (start, end)
    return plan


def snap_to_shot_changes(doc: Document, shots: Iterable[int], profile: Profile | str,
                         fps: float | None = None, ids: Iterable[str] | None = None) -> int:
    """Move cue edges near shot changes where they belong (:func:`snap_plan`), as one undo
    step.  Returns the number of cues changed."""
    plan = snap_plan(doc.segments, shots, profile, fps, ids)
    if not plan:
        return 0
    with doc.transaction("Snap to shot changes"):
        # shrinking moves first, so no edit makes two cues cross on the way
        for sid, (s, e) in sorted(plan.items(), key=lambda kv: kv[1][0]):
            if sid in doc:
                edits.set_times(doc, sid, s, e)
    return len(plan)
