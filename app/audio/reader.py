"""Audio sources for playback: the media's own samples, at its own rate and channels.

* :class:`ArraySource`: samples already in memory.
* :class:`MediaSource`: random access into a media file without decoding it whole (3 h of
  48 kHz stereo float would be 4 GB).  Blocks of a couple of seconds are decoded on demand,
  ahead of the play position by a background thread, and a few are kept.  Reading straight
  on from the previous block continues the decoder (gapless); anything else seeks.

Both give frames as ``(count, channels)`` float32, zeros past the end.  ``try_read`` never
blocks (None when the audio is not decoded yet): the audio callback uses it.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import OrderedDict

import numpy as np

from app.audio.errors import MediaError, media_error
from app.audio.frames import FloatFrames
from app.audio.probe import OpenedAudio, probe

log = logging.getLogger(__name__)


class ArraySource:
    """In-memory samples: ``(n,)`` mono or ``(channels, n)``."""

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        x = np.asarray(samples, dtype=np.float32)
        if x.ndim == 1:
            x = x[:, None]
        elif x.ndim == 2:
            x = x.T
        else:
            raise ValueError("samples must be (n,) or (channels, n)")
        self.data = np.ascontiguousarray(x)
        self.sample_rate = int(sample_rate)
        self.channels = self.data.shape[1]
        self.frames = self.data.shape[0]

    def read(self, start: int, count: int) -> np.ndarray:
        out = np.zeros((count, self.channels), np.float32)
        a, b = max(start, 0), min(start + count, self.frames)
        if b > a:
            out[a - start:b - start] = self.data[a:b]
        return out

    try_read = read

    def prefetch(self, frame: int) -> None:
        """Nothing to prepare: everything is in memory."""

    def close(self) -> None:
        """Nothing to release."""


class MediaSource:
    """Random-access reader of a media file's audio (see the module doc)."""

    def __init__(self, path: str | os.PathLike[str], block_s: float = 2.0, ahead: int = 3,
                 keep: int = 12) -> None:
        self.path = str(path)
        info = probe(path)
        self.info = info
        self._opened = OpenedAudio(path)
        self.sample_rate = self._opened.sample_rate
        self.channels = self._opened.channels
        self.frames = int(round(info.duration_ms * self.sample_rate / 1000))
        self.block = max(1024, int(block_s * self.sample_rate))
        self.ahead = ahead
        self.keep = max(keep, ahead + 2)
        self._blocks: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Condition()
        self._decode_lock = threading.Lock()
        self._wanted = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        # decoder state (under _decode_lock)
        self._packets = None
        self._cursor: int | None = None  # frame the decoder continues from, None after EOF/seek
        self._carry: list[tuple[int, np.ndarray]] = []
        self._next_frame: int | None = None  # index of the next decoded frame's first sample
        self._eof_at: int | None = None
        # frames to (samples, channels) float at the media's own rate and layout, safely for
        # any channel count (see app.audio.frames)
        self._floats = FloatFrames(layout=self._layout_name(), rate=self.sample_rate)

    def _layout_name(self) -> str | None:
        layout = self._opened.stream.layout
        if layout is not None and layout.nb_channels == self.channels:
            return layout.name
        return None

    # -- reading --------------------------------------------------------------------------

    def read(self, start: int, count: int) -> np.ndarray:
        """Frames ``[start, start + count)``, decoding what is missing (blocks)."""
        return self._assemble(start, count, wait=True)

    def try_read(self, start: int, count: int) -> np.ndarray | None:
        """Like :meth:`read` but None (and a prefetch request) when not decoded yet."""
        return self._assemble(start, count, wait=False)

    def prefetch(self, frame: int) -> None:
        """Ask the background thread to decode around ``frame`` (and ahead of it)."""
        with self._lock:
            self._wanted = max(0, frame // self.block)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="cueline-audio-prefetch",
                                                daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        with self._decode_lock:
            self._opened.close()

    def _assemble(self, start: int, count: int, wait: bool) -> np.ndarray | None:
        out = np.zeros((count, self.channels), np.float32)
        if count <= 0:
            return out
        first = max(start, 0) // self.block
        last = (start + count - 1) // self.block
        for b in range(first, last + 1):
            with self._lock:
                data = self._blocks.get(b)
                if data is not None:
                    self._blocks.move_to_end(b)
            if data is None:
                if not wait:
                    self.prefetch(max(start, 0))
                    return None
                data = self._load(b)
            b0 = b * self.block
            a, e = max(start, b0), min(start + count, b0 + self.block)
            if e > a:
                out[a - start:e - start] = data[a - b0:e - b0]
        return out

    # -- decoding -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed and self._missing() is None:
                    self._lock.wait(0.5)
                if self._closed:
                    return
                b = self._missing()
            try:
                self._load(b)
            except Exception as exc:  # noqa: BLE001 - keep playing silence, say why once
                log.warning("%s", media_error(self.path, exc, "decode"))
                with self._lock:
                    self._blocks[b] = np.zeros((self.block, self.channels), np.float32)

    def _missing(self) -> int | None:
        """The first block from the wanted one on that is not decoded (None: all ready)."""
        last = max(0, math.ceil(self.frames / self.block))
        for b in range(self._wanted, min(self._wanted + self.ahead + 1, last + 1)):
            if b not in self._blocks:
                return b
        return None

    def _load(self, b: int) -> np.ndarray:
        with self._decode_lock:
            with self._lock:
                data = self._blocks.get(b)
            if data is None:
                try:
                    data = self._decode_block(b)
                except MediaError:
                    raise
                except Exception as exc:  # noqa: BLE001 - no av error leaves the audio layer
                    self._cursor = None
                    raise media_error(self.path, exc, "decode") from None
                with self._lock:
                    self._blocks[b] = data
                    while len(self._blocks) > self.keep:
                        self._blocks.popitem(last=False)
            return data

    def _decode_block(self, b: int) -> np.ndarray:
        import av

        start, end = b * self.block, (b + 1) * self.block
        out = np.zeros((self.block, self.channels), np.float32)
        if self._eof_at is not None and start >= self._eof_at and self._cursor is None:
            return out
        if self._cursor != start:
            self._seek(start)
        pending = self._carry
        self._carry = []
        while True:
            for i, (fs, arr) in enumerate(pending):
                fe = fs + len(arr)
                a, e = max(fs, start), min(fe, end)
                if e > a:
                    out[a - start:e - start] = arr[a - fs:e - fs]
                if fe >= end:  # block full: keep what reaches past it for the next block
                    self._carry = [(fs, arr)] if fe > end else []
                    self._carry += pending[i + 1:]
                    self._cursor = end
                    return out
            pending = []
            try:
                packet = next(self._packets)
            except StopIteration:
                self._eof_at, self._cursor = self._next_frame or start, None
                return out
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue  # a damaged packet: a short gap of silence
            for frame in frames:
                if self._next_frame is None:
                    self._next_frame = _frame_index(frame, self._opened.origin_s,
                                                    self.sample_rate)
                for arr in self._floats.feed(frame):
                    arr = _fit_channels(arr, self.channels)
                    pending.append((self._next_frame, arr))
                    self._next_frame += len(arr)

    def _seek(self, start: int) -> None:
        stream = self._opened.stream
        t = max(0.0, start / self.sample_rate + self._opened.origin_s - 0.2)
        try:
            if self._packets is None and t == 0.0:
                pass  # freshly opened: read from the very start, exactly as decode() does
            elif start > 0 and stream.time_base is not None:
                self._opened.container.seek(int(t / stream.time_base), stream=stream,
                                            backward=True, any_frame=False)
            else:
                self._opened.container.seek(0)
        except Exception as exc:  # noqa: BLE001
            raise media_error(self.path, exc, "seek in") from None
        self._packets = self._opened.container.demux(stream)
        self._floats.flush()  # nothing from before the seek may follow it
        self._next_frame = None
        self._carry = []
        self._cursor = start


def _frame_index(frame, origin_s: float, rate: int) -> int:
    if frame.pts is None or frame.time_base is None:
        return 0
    return int(round((float(frame.pts * frame.time_base) - origin_s) * rate))


def _fit_channels(arr: np.ndarray, channels: int) -> np.ndarray:
    """``(n, c)`` samples as ``(n, channels)``: a stream that changed its channel count midway
    is heard as the mono mix of what it has."""
    if arr.shape[1] == channels:
        return arr
    return np.repeat(arr.mean(axis=1, keepdims=True), channels, axis=1)
