"""Time values: Cueline keeps every time as an integer number of milliseconds.

Integers avoid float drift when times are nudged, shifted and saved many times over.
These helpers convert to and from seconds, timecodes and video frames.
"""

from __future__ import annotations

import re

_TC_RE = re.compile(
    r"^\s*(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:[.,:](?P<f>\d{1,3}))?\s*$"
)


def seconds_to_ms(seconds: float) -> int:
    """Round a time in seconds to whole milliseconds."""
    return int(round(float(seconds) * 1000.0))


def ms_to_seconds(ms: int) -> float:
    return ms / 1000.0


def format_timecode(ms: int, sep: str = ",", hours_digits: int = 2, always_hours: bool = True) -> str:
    """``3723004`` -> ``01:02:03,004`` (SRT style; pass ``sep='.'`` for WebVTT)."""
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, frac = divmod(rem, 1000)
    if not always_hours and h == 0:
        return f"{sign}{m:02d}:{s:02d}{sep}{frac:03d}"
    return f"{sign}{h:0{hours_digits}d}:{m:02d}:{s:02d}{sep}{frac:03d}"


def format_ass_time(ms: int) -> str:
    """ASS uses ``H:MM:SS.cc`` (centiseconds)."""
    ms = max(0, int(ms))
    cs = int(round(ms / 10.0))
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6000)
    s, c = divmod(rem, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{c:02d}"


def parse_timecode(text: str) -> int:
    """Parse ``hh:mm:ss,mmm``, ``hh:mm:ss.mmm``, ``mm:ss.mmm`` or ``h:mm:ss.cc`` to ms.

    The fraction is read by its number of digits (``.5`` = 500 ms, ``.05`` = 50 ms,
    ``.005`` = 5 ms).  Raises ``ValueError`` on anything else.
    """
    m = _TC_RE.match(text)
    if not m:
        raise ValueError(f"not a timecode: {text!r}")
    h = int(m.group("h") or 0)
    mi = int(m.group("m"))
    s = int(m.group("s"))
    if mi >= 60 or s >= 60:
        raise ValueError(f"minutes or seconds out of range in {text!r}")
    f = m.group("f") or ""
    frac = int(f.ljust(3, "0")) if f else 0
    return ((h * 60 + mi) * 60 + s) * 1000 + frac


def ms_to_frames(ms: int, fps: float) -> int:
    """The frame that is showing at ``ms`` (floor)."""
    return int((ms * fps) // 1000 + 1e-9)


def frames_to_ms(frames: int, fps: float) -> int:
    return int(round(frames * 1000.0 / fps))


def snap_to_frame(ms: int, fps: float) -> int:
    """Round a time to the nearest frame boundary."""
    return frames_to_ms(int(round(ms * fps / 1000.0)), fps)


def frame_ms(fps: float) -> int:
    """Length of one frame in whole milliseconds (at least 1)."""
    return max(1, int(round(1000.0 / fps)))


def format_duration(ms: int) -> str:
    """A short human duration: ``1:02:03`` or ``2:03.4``."""
    ms = max(0, int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s = rem / 1000.0
    if h:
        return f"{h}:{m:02d}:{int(s):02d}"
    return f"{m}:{s:04.1f}"
