"""Frame-accurate times: which frame shows at a time, where a frame starts, stepping by frames,
``HH:MM:SS:FF`` timecodes, and snapping cue times onto frame boundaries for export.

Times stay integer ms.  Frame ``k`` is shown from ``k * 1000 / fps`` ms; the first whole ms at
or after that is :func:`frame_start_ms` (rounded *up*, so that the frame showing at that ms is
``k`` again: at 23.976 fps rounding to nearest would put some frames' starts 0.4 ms early,
in the frame before).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from app.core.model import Segment
from app.core.words import clamp_words

_EPS = 1e-6


def frame_at(ms: int, fps: float) -> int:
    """The frame showing at ``ms`` (frame 0 from 0 ms)."""
    return int(math.floor(ms * fps / 1000.0 + _EPS))


def frame_start_ms(frame: int, fps: float) -> int:
    """The first whole ms at which ``frame`` shows."""
    return int(math.ceil(frame * 1000.0 / fps - _EPS))


def step_frames(ms: int, fps: float, frames: int) -> int:
    """The start of the frame ``frames`` away from the one showing at ``ms`` (never below 0)."""
    return max(0, frame_start_ms(frame_at(ms, fps) + frames, fps))


def snap_ms(ms: int, fps: float) -> int:
    """The frame boundary nearest to ``ms``."""
    return frame_start_ms(int(math.floor(ms * fps / 1000.0 + 0.5)), fps)


def format_frames(ms: int, fps: float) -> str:
    """``HH:MM:SS:FF``: the clock's whole seconds and the frame within that second (what
    Subtitle Edit shows in frames mode).  At a fractional rate (23.976, 29.97) the frame
    number runs 0 to 23 / 29 and the seconds stay those of the clock, so the timecode never
    drifts from the millisecond time beside it."""
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, frac = divmod(rem, 1000)
    ff = min(int(math.floor(frac * fps / 1000.0 + _EPS)), max(0, math.ceil(fps) - 1))
    return f"{sign}{h:02d}:{m:02d}:{s:02d}:{ff:02d}"


def snap_segment(seg: Segment, fps: float) -> Segment:
    """``seg`` with its start and end on frame boundaries (at least one frame long unless it
    was empty); its words are kept inside it."""
    start = snap_ms(seg.start, fps)
    end = snap_ms(seg.end, fps)
    if seg.end > seg.start and end <= start:
        end = frame_start_ms(frame_at(start, fps) + 1, fps)
    if (start, end) == (seg.start, seg.end):
        return seg
    words = tuple(clamp_words(seg.words, start, end)) if seg.words else ()
    return seg.replace(start=start, end=end, words=words)


def snap_segments(segments: Iterable[Segment], fps: float) -> list[Segment]:
    """Every segment snapped to frames at ``fps`` (for export: the document is not changed)."""
    if fps <= 0:
        raise ValueError("the frame rate must be positive")
    return [snap_segment(s, fps) for s in segments]
