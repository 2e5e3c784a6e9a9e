"""Checking cues against a profile's rules.

Each broken rule gives a :class:`Violation`; errors break a hard limit of the profile,
warnings pass a preferred value (a BBC line past 37 characters, a third line).  Segments
flagged ``untimed`` are checked for layout only; empty segments are checked for timing only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.core.model import UNTIMED, Segment
from app.subtitles.measure import cps, line_lengths, wpm
from app.subtitles.profiles import Profile, load_profile
from app.subtitles.shotrules import SHOT_CROSSING, SHOT_EDGE, shot_violations

ERROR = "error"
WARNING = "warning"

CPS = "cps"
WPM = "wpm"
LINE_LENGTH = "line_length"
LINE_COUNT = "line_count"
MIN_DURATION = "min_duration"
MAX_DURATION = "max_duration"
OVERLAP = "overlap"
MIN_GAP = "min_gap"
RULES = (CPS, WPM, LINE_LENGTH, LINE_COUNT, MIN_DURATION, MAX_DURATION, OVERLAP, MIN_GAP,
         SHOT_EDGE, SHOT_CROSSING)


@dataclass(frozen=True, slots=True)
class Violation:
    segment_index: int
    segment_id: str
    rule: str
    severity: str
    message: str
    value: float
    limit: float


def check(segments: Sequence[Segment], profile: Profile | str, fps: float | None = None,
          shots: Sequence[int] | None = None,
          translations: bool | None = None) -> list[Violation]:
    """Every rule of ``profile`` that ``segments`` (in document order) break.

    ``fps`` sets the frame rate for frame-based rules (the profile's own rate otherwise);
    ``shots`` (shot change times in ms, when known) adds the shot rules
    (:mod:`app.subtitles.shotrules`).  ``translations`` adds the checks of the translations
    (:mod:`app.subtitles.translation_rules`); by default they run when some segment has one.
    """
    profile = load_profile(profile)
    out: list[Violation] = []
    gap = profile.min_gap(fps)
    following: list[Segment | None] = [None] * len(segments)
    nxt: Segment | None = None
    for index in range(len(segments) - 1, -1, -1):
        following[index] = nxt
        if not segments[index].has(UNTIMED):
            nxt = segments[index]
    for index, seg in enumerate(segments):
        out.extend(_layout(index, seg, profile))
        if seg.has(UNTIMED):
            continue
        out.extend(_timing(index, seg, profile))
        after = following[index]
        if after is not None:
            out.extend(_neighbour(index, seg, after, gap))
    if shots:
        out.extend(shot_violations(segments, profile, shots, fps))
        out.sort(key=lambda v: v.segment_index)
    from app.subtitles import translation_rules as tr

    if translations or (translations is None and tr.has_translations(segments)):
        out.extend(tr.translation_violations(segments, profile))
        out.sort(key=lambda v: v.segment_index)
    return out


def check_segment_rules(segment: Segment, profile: Profile | str, index: int = 0) -> list[Violation]:
    """The rules of one cue on its own (no neighbour rules), e.g. for the cue being edited."""
    profile = load_profile(profile)
    out = _layout(index, segment, profile)
    if not segment.has(UNTIMED):
        out.extend(_timing(index, segment, profile))
    return out


def _v(index: int, seg: Segment, rule: str, severity: str, message: str, value: float,
       limit: float) -> Violation:
    return Violation(index, seg.id, rule, severity, message, value, limit)


def _layout(index: int, seg: Segment, profile: Profile) -> list[Violation]:
    out: list[Violation] = []
    lengths = line_lengths(seg.text, profile)
    if not lengths:
        return out
    longest = max(lengths)
    line_no = lengths.index(longest) + 1
    if longest > profile.max_chars_per_line:
        out.append(_v(index, seg, LINE_LENGTH, ERROR,
                      f"line {line_no} has {longest} characters (at most {profile.max_chars_per_line})",
                      longest, profile.max_chars_per_line))
    elif profile.optimal_chars_per_line and longest > profile.optimal_chars_per_line:
        out.append(_v(index, seg, LINE_LENGTH, WARNING,
                      f"line {line_no} has {longest} characters "
                      f"({profile.optimal_chars_per_line} preferred)",
                      longest, profile.optimal_chars_per_line))
    count = len(lengths)
    if count > profile.max_lines:
        out.append(_v(index, seg, LINE_COUNT, ERROR,
                      f"{count} lines (at most {profile.max_lines})", count, profile.max_lines))
    elif count > profile.lines_target:
        out.append(_v(index, seg, LINE_COUNT, WARNING,
                      f"{count} lines ({profile.lines_target} preferred)", count, profile.lines_target))
    return out


def _timing(index: int, seg: Segment, profile: Profile) -> list[Violation]:
    out: list[Violation] = []
    if seg.text.strip():
        if profile.max_cps:
            value = cps(seg, profile)
            if value > profile.max_cps + 1e-9:
                out.append(_v(index, seg, CPS, ERROR,
                              f"reading speed {_num(value)} characters/s (at most {profile.max_cps:g})",
                              value, profile.max_cps))
        if profile.max_wpm:
            value = wpm(seg)
            if value > profile.max_wpm + 1e-9:
                out.append(_v(index, seg, WPM, ERROR,
                              f"reading speed {_num(value)} words/min (at most {profile.max_wpm:g})",
                              value, profile.max_wpm))
    if seg.duration < profile.min_duration_ms:
        out.append(_v(index, seg, MIN_DURATION, ERROR,
                      f"on screen {seg.duration} ms (at least {profile.min_duration_ms})",
                      seg.duration, profile.min_duration_ms))
    if seg.duration > profile.max_duration_ms:
        out.append(_v(index, seg, MAX_DURATION, ERROR,
                      f"on screen {seg.duration} ms (at most {profile.max_duration_ms})",
                      seg.duration, profile.max_duration_ms))
    return out


def _neighbour(index: int, seg: Segment, nxt: Segment, gap: int) -> list[Violation]:
    if nxt.start < seg.end:
        overlap = seg.end - nxt.start
        who = " (another speaker)" if nxt.speaker != seg.speaker else ""
        return [_v(index, seg, OVERLAP, ERROR, f"overlaps the next cue{who} by {overlap} ms",
                   overlap, 0)]
    between = nxt.start - seg.end
    if between < gap:
        return [_v(index, seg, MIN_GAP, ERROR, f"{between} ms before the next cue (at least {gap})",
                   between, gap)]
    return []


def _num(value: float) -> str:
    return "infinite" if value == float("inf") else f"{value:.1f}"
