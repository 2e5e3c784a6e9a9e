"""PyAV audio frames as numpy arrays, safely for any number of channels.

Why not ``AudioFrame.to_ndarray()`` on the decoder's frames: PyAV (checked with 18.1) finds a
frame's planes by walking FFmpeg's ``extended_data`` pointer list until it meets a NULL, but
FFmpeg only leaves a NULL after the last plane when a frame has fewer than 8 planes
(``AV_NUM_DATA_POINTERS``).  A *planar* frame of 8 channels or more (7.1 AAC, Opus or Vorbis
decode to ``fltp``; an 8-channel WAV resampled to ``fltp``) makes PyAV read a pointer past the
end of that list and hand numpy a buffer at a garbage address: a segmentation fault.

So every frame goes through :class:`FloatFrames` first, which converts it with FFmpeg's own
resampler to *packed* float (``flt``): all channels interleaved in ONE plane, which PyAV reads
correctly whatever the channel count.  The result is ``(samples, channels)`` float32.
"""

from __future__ import annotations

import numpy as np

PACKED_FLOAT = "flt"


def packed_to_array(frame) -> np.ndarray:
    """A packed float frame as ``(samples, channels)`` float32 (one plane: always safe)."""
    if frame.format.name != PACKED_FLOAT:
        raise ValueError(f"expected a packed float frame, not {frame.format.name}")
    channels = max(1, frame.layout.nb_channels)
    flat = frame.to_ndarray()  # shape (1, samples * channels)
    return flat.reshape(-1, channels)[: frame.samples]


class FloatFrames:
    """Converts decoded frames to ``(samples, channels)`` float32 at a chosen layout and rate.

    ``layout=None`` keeps the first frame's channels (later frames are remixed to it if a
    stream changes its layout midway); ``rate=None`` keeps the frame's own rate, and then each
    frame converts to exactly its own samples, at once (a change of sample format only), which
    the random-access reader relies on.  A new FFmpeg resampler is set up whenever the input's
    format, layout or rate changes (after draining the old one).
    """

    def __init__(self, layout: str | None = None, rate: int | None = None) -> None:
        self.layout = layout
        self.rate = rate
        self._resampler = None
        self._shape: tuple | None = None

    def feed(self, frame) -> list[np.ndarray]:
        """The arrays ``frame`` produces now (none, one or several)."""
        import av

        shape = (frame.format.name, frame.layout.name, frame.sample_rate)
        out: list[np.ndarray] = []
        if self._resampler is not None and shape != self._shape:
            out.extend(self.flush())
        if self._resampler is None:
            if self.layout is None:
                self.layout = frame.layout.name  # fixed from here on
            self._resampler = av.AudioResampler(format=PACKED_FLOAT, layout=self.layout,
                                                rate=self.rate or frame.sample_rate)
            self._shape = shape
        out.extend(packed_to_array(f) for f in self._resampler.resample(frame))
        return out

    def flush(self) -> list[np.ndarray]:
        """What the resampler still holds (the tail of a rate conversion)."""
        if self._resampler is None:
            return []
        out = [packed_to_array(f) for f in self._resampler.resample(None)]
        self._resampler = None
        self._shape = None
        return out
