"""Timing cues once their words are chosen.

Each cue starts with its speech.  It stays up after the speech for the profile's tail, and
longer if its minimum duration or reading speed asks for it, into the following silence but
never closer to the next cue than the minimum gap and never past the maximum duration.  When
two cues are closer than the minimum gap, the earlier one's end is trimmed.  With a frame
rate, every time falls on a frame boundary (in whole milliseconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.core.timecode import frames_to_ms
from app.subtitles.profiles import Profile


class Grid:
    """Times a cue may take: every millisecond, or every frame boundary at ``fps``.

    Units are ms or frame numbers; ``floor``/``ceil`` of a whole-ms value ``v`` give units
    whose time is ``<= v`` / ``>= v``.
    """

    def __init__(self, fps: float | None = None) -> None:
        if fps is not None and fps <= 0:
            raise ValueError(f"frame rate must be positive, not {fps}")
        self.fps = fps

    def ms(self, unit: int) -> int:
        return frames_to_ms(unit, self.fps) if self.fps else int(unit)

    def nearest(self, ms: float) -> int:
        return int(round(ms * self.fps / 1000.0)) if self.fps else int(round(ms))

    def floor(self, ms: float) -> int:
        return int(math.floor(ms * self.fps / 1000.0 + 1e-9)) if self.fps else int(math.floor(ms))

    def ceil(self, ms: float) -> int:
        return int(math.ceil(ms * self.fps / 1000.0 - 1e-9)) if self.fps else int(math.ceil(ms))


@dataclass(frozen=True, slots=True)
class Speech:
    """What a cue holds, for timing it: where its words are spoken and how much there is to read."""

    start: int
    end: int
    chars: int
    words: int


def time_cues(cues: list[Speech], profile: Profile, fps: float | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` in ms for each cue; ``cues`` are in order of speech start.

    Cues whose speech overlaps (two speakers at once) keep their overlap: nothing is
    trimmed or extended into it.
    """
    grid = Grid(fps)
    gap = profile.min_gap(fps)
    tail = min(profile.tail_ms, profile.lead_out_ms)
    out: list[tuple[int, int]] = []
    prev_end: int | None = None
    prev_speech_end = 0
    for k, cue in enumerate(cues):
        s_unit = max(0, grid.nearest(cue.start))
        if prev_end is not None and cue.start >= prev_speech_end:
            s_unit = max(s_unit, grid.ceil(prev_end + gap))
        start = grid.ms(s_unit)
        speech_end = max(cue.end, start)
        # The latest end allowed: the maximum duration (unless one word is longer) ...
        hi = start + profile.max_duration_ms if speech_end - start <= profile.max_duration_ms else speech_end
        # ... and the minimum gap before the next cue, whose speech is not overlapping ours.
        if k + 1 < len(cues):
            nxt = cues[k + 1]
            if nxt.start >= cue.end:
                hi = min(hi, grid.ms(max(0, grid.nearest(nxt.start))) - gap)
            else:
                hi = min(hi, speech_end)
        want = max(
            speech_end + tail,
            start + profile.min_duration_ms,
            start + profile.reading_time_ms(cue.chars, cue.words, optimal=True),
        )
        e_unit = min(grid.ceil(want), grid.floor(hi))
        if e_unit <= s_unit:
            e_unit = s_unit + 1  # no room at all: one frame (or ms), the next cue moves on
        end = grid.ms(e_unit)
        out.append((start, end))
        prev_end = end
        prev_speech_end = max(prev_speech_end, cue.end)
    return out
