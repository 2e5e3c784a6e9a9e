"""The playback logic, without any device or thread: where the play head is, what happens at
the end of a range or a loop, and how output frames are produced at a given speed.

:class:`~app.audio.playback.Player` owns one Transport and calls it under its lock, from
the audio callback (:meth:`Transport.render`) or from the silent clock
(:meth:`Transport.advance`); both paths share the range/loop/end rules, so what the tests
check on the silent clock is what a sound card gets.
"""

from __future__ import annotations

import math

import numpy as np

MIN_SPEED = 0.5
MAX_SPEED = 2.0


class Transport:
    """Play-head state in source frames (a float: speeds other than 1 land between frames)."""

    def __init__(self, frames: int, sample_rate: int) -> None:
        self.frames = int(frames)
        self.sample_rate = int(sample_rate)
        self.pos = 0.0
        self.playing = False
        self.speed = 1.0
        self.volume = 1.0
        self.stop_at: float | None = None  # end of a play_range, in frames
        self.loop_range: tuple[float, float] | None = None
        self.looping = False

    # -- conversions --------------------------------------------------------------------

    def to_frames(self, ms: float) -> float:
        return max(0.0, min(float(self.frames), ms * self.sample_rate / 1000.0))

    def to_ms(self, frames: float) -> int:
        return int(math.floor(frames * 1000.0 / self.sample_rate + 1e-9))

    @property
    def position_ms(self) -> int:
        return self.to_ms(self.pos)

    @property
    def duration_ms(self) -> int:
        return self.to_ms(self.frames)

    # -- commands -------------------------------------------------------------------------

    def seek_ms(self, ms: float) -> None:
        self.pos = self.to_frames(ms)
        if self.stop_at is not None and self.pos >= self.stop_at:
            self.stop_at = None

    def set_speed(self, speed: float) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"speed must be between {MIN_SPEED} and {MAX_SPEED}")
        self.speed = float(speed)

    def set_volume(self, volume: float) -> None:
        if not 0.0 <= volume <= 2.0:
            raise ValueError("volume must be between 0 and 2")
        self.volume = float(volume)

    def set_loop(self, start_ms: float, end_ms: float) -> None:
        a, b = self.to_frames(start_ms), self.to_frames(end_ms)
        if b <= a:
            raise ValueError("a loop needs end_ms after start_ms")
        self.loop_range = (a, b)
        self.looping = True

    def play_range(self, start_ms: float, end_ms: float) -> None:
        a, b = self.to_frames(start_ms), self.to_frames(end_ms)
        if b <= a:
            raise ValueError("a range needs end_ms after start_ms")
        self.pos = a
        self.stop_at = b
        self.playing = True

    def play(self) -> None:
        if self.pos >= self.frames:  # at the end: start over, as players do
            self.pos = 0.0
        self.playing = True

    # -- time passing -------------------------------------------------------------------

    def _boundary(self) -> tuple[float, str]:
        """The next place where something happens: (frame, "loop" | "stop")."""
        if self.looping and self.loop_range is not None and self.pos < self.loop_range[1]:
            return self.loop_range[1], "loop"
        if self.stop_at is not None and self.pos < self.stop_at:
            return self.stop_at, "stop"
        return float(self.frames), "stop"

    def _hit(self, boundary: float, kind: str, overshoot: float, events: list[str]) -> None:
        if kind == "loop":
            a, b = self.loop_range
            self.pos = a + (overshoot % (b - a))
            return
        self.pos = boundary
        self.playing = False
        self.stop_at = None
        events.append("end")

    def advance(self, frames: float) -> list[str]:
        """Move the play head on by ``frames`` source frames (silent clock); returns events."""
        events: list[str] = []
        remaining = float(frames)
        while self.playing and remaining > 0:
            boundary, kind = self._boundary()
            room = boundary - self.pos
            if remaining < room:
                self.pos += remaining
                break
            remaining -= max(room, 0.0)
            self._hit(boundary, kind, remaining if kind == "loop" else 0.0, events)
            if kind == "loop":
                remaining = 0.0  # the overshoot was applied inside the loop
        return events

    def render(self, count: int, out_rate: int, source) -> tuple[np.ndarray, list[str]]:
        """``count`` output frames at ``out_rate`` from ``source`` (``try_read``), advancing
        the play head.  Returns ``(frames (count, channels), events)``.

        The source is resampled by linear interpolation (speed, or a device rate different
        from the media's).  If the source has not decoded the frames yet, the rest of the
        block is silence and the play head waits (no jump in the position).
        """
        channels = getattr(source, "channels", 1)
        out = np.zeros((count, channels), np.float32)
        events: list[str] = []
        step = self.speed * self.sample_rate / float(out_rate)
        done = 0
        while self.playing and done < count:
            boundary, kind = self._boundary()
            room = boundary - self.pos
            if room <= 1e-9:
                self._hit(boundary, kind, 0.0, events)
                continue
            k = min(count - done, max(1, math.ceil(room / step - 1e-9)))
            t = self.pos + step * np.arange(k)
            i0 = int(math.floor(t[0]))
            i1 = int(math.floor(t[-1])) + 2
            block = source.try_read(i0, i1 - i0)
            if block is None:
                break  # not decoded yet: silence now, same position next time
            frac = (t - i0).astype(np.float32)
            lo = np.floor(frac).astype(np.int64)
            w = (frac - lo)[:, None]
            chunk = block[lo] * (1.0 - w) + block[np.minimum(lo + 1, len(block) - 1)] * w
            out[done:done + k] = chunk * self.volume
            done += k
            new = self.pos + step * k
            if new >= boundary - 1e-9:
                self._hit(boundary, kind, new - boundary, events)
            else:
                self.pos = new
        if self.playing and hasattr(source, "prefetch"):
            source.prefetch(int(self.pos))
        return out, events
