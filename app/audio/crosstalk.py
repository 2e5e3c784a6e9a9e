"""Crosstalk: one speaker's voice heard on another speaker's microphone.

In an interview recorded with one microphone per speaker (two lavaliers, a podcast with a
channel each), every channel also carries the other voices, 15-30 dB lower.  Transcribed
channel by channel, each of those quiet copies is speech to the voice activity detector and
to Whisper (which reads -30 dB speech perfectly well): every line would come out twice, once
under the wrong speaker.

:class:`CrosstalkGate` mutes, on each channel, the stretches where another channel is much
louder (:data:`DOMINANCE_DB`): there that channel only hears the other speaker.  Stretches
where a channel is within that margin of the loudest one are kept, so two people talking at
once are both kept, and so is silence (all channels equally quiet).  Where a channel is
clearly its own speaker's (louder than all others by the margin), the stretch kept is widened
by :data:`HOLD_MS` on both sides, so the quiet start and end of a word are not cut; pauses
are not widened, so the other speaker's voice next to a pause stays muted.

It works block by block (the media is decoded progressively) and keeps the little state a
frame decision needs across block boundaries.
"""

from __future__ import annotations

import numpy as np

from app.audio.samples import SAMPLES_PER_MS

FRAME_MS = 20  # level measured over frames this long
DOMINANCE_DB = 12.0  # a channel this much quieter than the loudest hears another speaker
HOLD_MS = 200  # a kept stretch is widened this much on both sides
FLOOR_DB = -70.0  # levels below this count as this (digital silence)


def frame_levels_db(block: np.ndarray) -> np.ndarray:
    """RMS level (dBFS) of each channel over :data:`FRAME_MS` frames: ``(channels, frames)``
    (a last partial frame included)."""
    x = np.atleast_2d(np.asarray(block, dtype=np.float32))
    step = FRAME_MS * SAMPLES_PER_MS
    n = x.shape[1]
    frames = -(-n // step)
    padded = np.zeros((x.shape[0], frames * step), np.float32)
    padded[:, :n] = x
    power = np.square(padded).reshape(x.shape[0], frames, step).mean(axis=2)
    if n % step:  # the last frame's mean over its own samples, not the padding
        power[:, -1] *= step / (n % step)
    return np.maximum(10.0 * np.log10(power + 1e-12), FLOOR_DB)


class CrosstalkGate:
    """Mutes each channel where another channel is :data:`DOMINANCE_DB` louder; see the
    module doc.  Feed it the blocks in order with :meth:`apply`."""

    def __init__(self, dominance_db: float = DOMINANCE_DB, hold_ms: int = HOLD_MS) -> None:
        self.dominance_db = dominance_db
        self.hold = max(0, hold_ms // FRAME_MS)
        self._recent: np.ndarray | None = None  # the last `hold` frames' own decisions
        self.muted_s = 0.0  # seconds of channel audio muted so far (all channels)

    def apply(self, block: np.ndarray) -> np.ndarray:
        """``block`` ``(channels, k)`` with the crosstalk muted (a new array; one channel is
        returned as it is)."""
        x = np.atleast_2d(np.asarray(block, dtype=np.float32))
        channels, n = x.shape
        if channels < 2 or n == 0:
            return x
        levels = frame_levels_db(x)
        keep = levels >= levels.max(axis=0, keepdims=True) - self.dominance_db
        # clearly this channel's speaker: louder than every other channel by the margin
        ranked = np.sort(levels, axis=0)
        loudest, second = ranked[-1], ranked[-2]
        own = (levels >= loudest) & (loudest - second >= self.dominance_db)
        frames = own.shape[1]
        if self.hold:
            head = self._recent if self._recent is not None else \
                np.zeros((channels, 0), dtype=bool)
            joined = np.concatenate([head, own], axis=1)
            held = joined.copy()
            for shift in range(1, self.hold + 1):
                held[:, shift:] |= joined[:, :-shift]  # after an own frame
                held[:, :-shift] |= joined[:, shift:]  # before an own frame
            keep |= held[:, head.shape[1]:]
            self._recent = own[:, -self.hold:] if frames >= self.hold else \
                joined[:, -self.hold:]
        step = FRAME_MS * SAMPLES_PER_MS
        gain = np.repeat(keep, step, axis=1)[:, :n].astype(np.float32)
        self.muted_s += float((gain == 0).sum()) / (SAMPLES_PER_MS * 1000)
        return x * gain
