"""Tolerant reading of timestamps and cue timing lines (``start --> end``).

Real files get timestamps wrong in a handful of ways: a dot instead of SRT's comma (or a comma
in WebVTT), one or two fraction digits, missing hours, a minus sign.  :func:`parse_stamp` reads
them all and says which defects it saw, so the reader can warn with the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.formats.context import Context

_STAMP_RE = re.compile(
    r"(?P<neg>-)?(?:(?P<h>\d{1,7}):)?(?P<m>\d{1,3}):(?P<s>\d{1,2})(?:(?P<sep>[,.:])(?P<f>\d{1,12}))?"
)
_ARROW = r"(?:-{1,3}>|\u2013>|\u2014>)"
_TIMING_RE = re.compile(
    rf"^\s*(?P<a>-?[\d:.,]+)\s*{_ARROW}\s*(?P<b>-?[\d:.,]*)(?P<rest>.*)$"
)
# Something that was meant to be a timing line: digits and a colon before an arrow.
_BROKEN_TIMING_RE = re.compile(rf"^\s*-?\d[^>]*:[^>]*?{_ARROW}")

MISSING_END_MS = 3000  # length given to a cue whose end time is missing (truncated file)
# The latest time a cue may have: 100 hours, longer than any recording a subtitle is made for
# (a day-long live stream is 24 h), and far below 2^31 ms (596 h), past which times overflow
# Qt's int-based widgets.  A cue past it (``9999999:00:00,000``, a typo or a fuzzer's gift)
# is skipped with a warning by every reader, instead of making the timeline hours long.
MAX_TIME_MS = 100 * 3600 * 1000


def time_too_late(ms: int | float) -> bool:
    """Whether a time is past :data:`MAX_TIME_MS`."""
    return ms > MAX_TIME_MS


TOO_LATE = "time past 100:00:00: cue skipped"
EXPECTED_SEP = {"srt": ",", "vtt": ".", "ass": "."}
EXPECTED_DIGITS = {"srt": 3, "vtt": 3, "ass": 2}


@dataclass(frozen=True)
class Stamp:
    ms: int
    notes: tuple[str, ...] = ()


def parse_stamp(token: str, style: str) -> Stamp | None:
    """Read one timestamp written in the ``style`` of ``"srt"``, ``"vtt"`` or ``"ass"``.

    Returns ``None`` when ``token`` is not a timestamp at all.  A negative time is returned
    negative (with a note); the caller decides how to repair it.
    """
    m = _STAMP_RE.fullmatch(token.strip())
    if not m:
        return None
    h, sep, f = m.group("h"), m.group("sep"), m.group("f")
    if h is None and sep is None:
        return None  # bare "12:34" could be minutes or hours: not a timestamp
    minutes, seconds = int(m.group("m")), int(m.group("s"))
    if seconds >= 60 or (h is not None and minutes >= 60):
        return None
    notes: list[str] = []
    if h is None and style != "vtt":
        notes.append("hours missing from the time")
    if sep is not None and sep != EXPECTED_SEP[style]:
        notes.append(f"'{sep}' before the fraction of a second (expected '{EXPECTED_SEP[style]}')")
    frac = 0
    if f:
        if len(f) != EXPECTED_DIGITS[style]:
            notes.append(f"{len(f)}-digit fraction of a second read as {_fraction_name(len(f))}")
        frac = (int(f) * 1000 + 10 ** len(f) // 2) // 10 ** len(f)
    ms = ((int(h or 0) * 60 + minutes) * 60 + seconds) * 1000 + frac
    if m.group("neg"):
        ms = -ms
    return Stamp(ms, tuple(notes))


def _fraction_name(digits: int) -> str:
    return {1: "tenths", 2: "hundredths", 3: "milliseconds"}.get(digits, "a decimal fraction")


@dataclass(frozen=True)
class TimingLine:
    start: Stamp
    end: Stamp | None  # None: the end is missing or unreadable
    rest: str  # what follows the end time (WebVTT cue settings, SRT coordinates)
    start_text: str = ""  # the times as written
    end_text: str = ""

    @property
    def cut_short(self) -> bool:
        """The end time is written shorter than the start: likely a file cut off there."""
        return self.end is not None and len(self.end_text) < len(self.start_text) - 1


def parse_timing_line(line: str, style: str) -> TimingLine | None:
    """A ``start --> end [settings]`` line whose start is readable, else ``None``."""
    m = _TIMING_RE.match(line)
    if not m:
        return None
    start = parse_stamp(m.group("a"), style)
    if start is None:
        return None
    end = parse_stamp(m.group("b"), style) if m.group("b") else None
    return TimingLine(start, end, m.group("rest").strip(), m.group("a"), m.group("b"))


def looks_like_timing(line: str) -> bool:
    """A line meant as a timing line (digits, a colon, an arrow), readable or not."""
    return bool(_BROKEN_TIMING_RE.match(line))


def fix_times(ctx: Context, line: int, timing: TimingLine,
              next_start: int | None) -> tuple[int, int, bool] | None:
    """Cue times after the usual repairs: ``(start, end, end_was_guessed)``; None (with a
    warning) when a time is past :data:`MAX_TIME_MS` and the cue is to be skipped."""
    if time_too_late(abs(timing.start.ms)) or (
            timing.end is not None and time_too_late(abs(timing.end.ms))):
        ctx.warn(line, TOO_LATE, kind=TOO_LATE)
        return None
    for note in timing.start.notes + (timing.end.notes if timing.end else ()):
        ctx.warn(line, note, kind=note)
    start = timing.start.ms
    guessed = False
    if timing.end is None:
        end = start + MISSING_END_MS
        if next_start is not None and next_start > start:
            end = min(end, next_start)
        ctx.warn(line, "end time missing or unreadable: cue end guessed", kind="end time missing")
        guessed = True
    else:
        end = timing.end.ms
    if start < 0 or end < 0:
        ctx.warn(line, "negative time set to 0", kind="negative time set to 0")
        start, end = max(0, start), max(0, end)
    if end < start:
        ctx.warn(line, "cue ends before it starts: start and end swapped", kind="end before start")
        start, end = end, start
    return start, end, guessed
