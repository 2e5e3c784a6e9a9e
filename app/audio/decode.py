"""Decode any media FFmpeg reads into a numpy array: 16 kHz mono float32 for the engines,
per channel (``mono=False``), or at the media's own rate (``sample_rate=None``).

Decoding streams: PyAV demuxes packet by packet, ``av.AudioResampler`` converts each frame
to packed float at the target rate (:mod:`app.audio.frames`: never planar, which crashes PyAV
from 8 channels on), and the samples are written into ONE array allocated
up front from the probed duration (grown by half again if the header lied), never a list of
chunks concatenated at the end.  Peak memory is therefore about the size of the result:
3 h of 16 kHz mono is 691 MB as float32, 346 MB as ``dtype=np.int16``, and next to nothing
with ``out_path=`` (a memory-mapped file on disk).

Time zero of the array is the media's time zero (the container start, what a video player
shows as 0:00): audio that starts later in its container (common in video files) is
preceded by silence, so sample ``i`` is at ``i / sample_rate`` seconds of the media.

Mono is the mean of the channels for mono and stereo sources; for surround sources FFmpeg's
own downmix matrix (which keeps the centre, dialogue, channel) is used.

:func:`stream` decodes the same way but hands the samples over in blocks as they come (a
thread decodes a few blocks ahead), so a long file is never held whole: transcription of
a 3-hour file needs only the blocks in flight.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from app.audio.errors import MediaError, media_error
from app.audio.frames import FloatFrames
from app.audio.probe import OpenedAudio
from app.audio.samples import ENGINE_RATE, float_to_int16
from app.core.cancel import Cancelled, CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

_PROGRESS_EVERY_S = 0.2
_BATCH = 1 << 16  # output samples gathered before down-mixing and storing
_MAX_BAD_PACKETS = 50


def decode(
    path: str | os.PathLike[str],
    sample_rate: int | None = ENGINE_RATE,
    mono: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    *,
    dtype: type | np.dtype = np.float32,
    out_path: str | os.PathLike[str] | None = None,
    allow_truncated: bool = False,
) -> np.ndarray:
    """Decode the audio of ``path``.

    Returns float32 in [-1, 1] (or int16 full scale with ``dtype=np.int16``), shape ``(n,)``
    when ``mono`` else ``(channels, n)``.  ``sample_rate=None`` keeps the media's own rate.
    ``progress`` receives ``Progress(done_s, total_s, message)`` a few times a second;
    ``cancel`` is checked between packets (raises :class:`~app.core.cancel.Cancelled`).

    ``out_path``: write the samples to that file (raw little-endian, frames interleaved, no
    header) and return a read-only ``np.memmap`` over it (``.T`` view when not mono): for
    very long media.  The file is removed if decoding fails.

    A file whose audio ends well before its header says (a partial download, an interrupted
    recording) raises MediaError, unless ``allow_truncated`` (then what could be read is
    returned and a warning logged).
    """
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.int16)):
        raise ValueError(f"dtype must be float32 or int16, not {dt}")
    if sample_rate is not None and sample_rate <= 0:
        raise ValueError("sample_rate must be positive")
    name = Path(path).name
    with OpenedAudio(path) as opened:
        rate = int(sample_rate or opened.sample_rate)
        if rate <= 0 or opened.channels <= 0:
            raise MediaError(path, "its audio stream has no sample rate or channels (damaged)")
        total_s = opened.duration_s()
        src_ch = opened.channels
        out_ch = 1 if mono else src_ch
        capacity = int(math.ceil(((total_s or 60.0) + 1.0) * rate))
        sink = _Sink(out_ch, capacity, dt, out_path)
        try:
            bad = _decode_into(opened, sink, rate, mono, progress, cancel, total_s, name)
            decoded_s = sink.n / rate
            _check_complete(opened, path, decoded_s, bad, allow_truncated)
            if progress is not None:
                progress(Progress(total_s or decoded_s, total_s or decoded_s, f"decoded {name}"))
            return sink.finish(mono)
        except BaseException:
            sink.discard()
            raise


def _decode_into(opened, sink, rate, mono, progress, cancel, total_s, name) -> int:
    """Decode every audio packet into ``sink``; return how many packets were unreadable."""
    import av

    stream = opened.stream
    src_ch = opened.channels
    if mono and src_ch > 2:
        layout = "mono"  # FFmpeg's downmix matrix keeps the centre (dialogue) channel
    elif stream.layout is not None and stream.layout.nb_channels == src_ch:
        layout = stream.layout.name
    else:
        layout = None  # the first frame's own layout
    converter = FloatFrames(layout=layout, rate=rate)
    pending: list[np.ndarray] = []
    pending_n = 0
    skip = 0  # samples to drop at the start (audio beginning before media time zero)
    started = False
    bad = packets = 0
    last_report = time.monotonic()

    def store(force: bool = False) -> None:
        nonlocal pending, pending_n, skip
        if not pending or (pending_n < _BATCH and not force):
            return
        block = pending[0] if len(pending) == 1 else np.concatenate(pending, axis=0)
        pending, pending_n = [], 0
        if skip:
            cut = min(skip, block.shape[0])
            block, skip = block[cut:], skip - cut
        block = block.T  # (channels, samples)
        if mono and block.shape[0] > 1:
            block = block.mean(axis=0, keepdims=True, dtype=np.float32)
        if block.shape[0] != sink.channels:  # a stream whose channel count changed midway
            block = np.broadcast_to(block.mean(axis=0, keepdims=True, dtype=np.float32),
                                    (sink.channels, block.shape[1]))
        sink.write(block)

    def take(arrays: list[np.ndarray]) -> None:
        nonlocal pending_n
        for arr in arrays:
            pending.append(arr)
            pending_n += arr.shape[0]

    try:
        for packet in opened.container.demux(stream):
            if cancel is not None:
                cancel.raise_if_cancelled()
            packets += 1
            try:
                frames = packet.decode()
            except av.error.FFmpegError as exc:
                if isinstance(exc, MemoryError):
                    raise
                bad += 1
                if bad > _MAX_BAD_PACKETS and bad * 10 > packets:
                    raise MediaError(opened.path, "too damaged to decode", "decode") from None
                continue
            for frame in frames:
                if not started:
                    started = True
                    lead = _lead_samples(frame, opened.origin_s, rate, opened.plausible_s())
                    if lead > 0:
                        sink.write_silence(lead)
                    else:
                        skip = -lead
                take(converter.feed(frame))
            store()
            if progress is not None and time.monotonic() - last_report >= _PROGRESS_EVERY_S:
                last_report = time.monotonic()
                progress(Progress(sink.n / rate, total_s or 0.0, f"decoding {name}"))
        take(converter.flush())
        store(force=True)
    except (MediaError, MemoryError, Cancelled):
        raise
    except Exception as exc:  # noqa: BLE001 - reading failed mid-file: damaged or truncated
        if sink.n == 0 and not pending:
            raise media_error(opened.path, exc, "decode") from None
        store(force=True)
        bad += 1
    return bad


def _lead_samples(frame, origin_s: float, rate: int, plausible_s: float) -> int:
    """Samples between media time zero and the first decoded frame (negative: before zero)."""
    if frame.pts is None or frame.time_base is None:
        return 0
    offset = float(frame.pts * frame.time_base) - origin_s
    if abs(offset) > min(24 * 3600, plausible_s):  # nonsense: ignore rather than allocate
        return 0
    return int(round(offset * rate))


def _check_complete(opened, path, decoded_s: float, bad: int, allow_truncated: bool) -> None:
    if decoded_s <= 0:
        if bad:
            raise MediaError(path, "damaged: no audio could be decoded", "decode")
        raise MediaError(path, "contains no audio (zero length)")
    expected = _wav_declared_s(opened) or _declared_end_s(opened)
    short = expected is not None and decoded_s < expected * 0.9 - 0.5
    if short:
        problem = (f"the file is truncated or damaged: its audio stops at {decoded_s:.1f} s "
                   f"of {expected:.1f} s")
        if not allow_truncated:
            raise MediaError(path, problem, "decode")
        log.warning("%s: %s", path, problem)
    elif bad:
        log.warning("%s: skipped %d damaged packet(s) while decoding", path, bad)


# containers whose headers state the audio's exact length (FLAC STREAMINFO, the last Ogg
# page, the MP4 index, AIFF/W64/WavPack headers); elsewhere FFmpeg may estimate it from the
# bit rate, and a short decode proves nothing
_EXACT_LENGTH = {"flac", "ogg", "aiff", "w64", "wv", "mov,mp4,m4a,3gp,3g2,mj2"}


def _declared_end_s(opened) -> float | None:
    """Where the headers say the audio ends, when they state it exactly (and believably)."""
    name = opened.container.format.name
    if name == "mp3" and not _mp3_has_length_header(opened.path):
        return None
    if name != "mp3" and name not in _EXACT_LENGTH:
        return None
    end = opened.stream_end_s()
    return end if opened.believable(end) else None


def _mp3_has_length_header(path: str) -> bool:
    """Whether an MP3 carries a Xing/Info/VBRI header (frame count: an exact length)."""
    try:
        with open(path, "rb") as f:
            head = f.read(10)
            skip = 0
            if head[:3] == b"ID3" and len(head) == 10:  # ID3v2 tag before the first frame
                skip = 10 + ((head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14
                             | (head[8] & 0x7F) << 7 | (head[9] & 0x7F))
            f.seek(skip)
            frame = f.read(4096)
    except OSError:
        return False
    return any(tag in frame for tag in (b"Xing", b"Info", b"VBRI"))


def _wav_declared_s(opened) -> float | None:
    """Seconds a WAV header promises, if the file is a WAV with a plain data chunk.

    FFmpeg silently recomputes a WAV's duration from the file size, so a cut WAV looks
    like a short one; the RIFF header still says how much was written.
    """
    if opened.container.format.name != "wav":
        return None
    try:
        with open(opened.path, "rb") as f:
            head = f.read(1 << 16)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        cid, csize = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if cid == b"fmt " and pos + 20 <= len(head):
            byte_rate = struct.unpack("<I", head[pos + 16:pos + 20])[0]
        if cid == b"data":
            if byte_rate <= 0 or csize in (0, 0xFFFFFFFF):
                return None
            present = size - (pos + 8)
            if present >= csize:
                return None
            return csize / byte_rate
        pos += 8 + csize + (csize & 1)
    return None


class _Sink:
    """A growable sample store: in memory, or a memory-mapped raw file."""

    def __init__(self, channels: int, capacity: int, dtype: np.dtype,
                 out_path: str | os.PathLike[str] | None) -> None:
        self.channels = channels
        self.dtype = dtype
        self.n = 0
        self.path = Path(out_path) if out_path is not None else None
        self.capacity = max(1, capacity)
        self.buf = self._allocate(self.capacity)

    def _allocate(self, capacity: int) -> np.ndarray:
        if self.path is None:
            shape = (capacity,) if self.channels == 1 else (self.channels, capacity)
            return np.empty(shape, dtype=self.dtype)
        nbytes = capacity * self.channels * self.dtype.itemsize
        mode = "r+" if self.path.exists() and self.n else "w+"
        if mode == "r+":
            os.truncate(self.path, nbytes)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "wb") as f:
                f.truncate(nbytes)
        return np.memmap(self.path, dtype=self.dtype, mode="r+", shape=(capacity, self.channels))

    def _grow(self, needed: int) -> None:
        capacity = max(needed, int(self.capacity * 1.5) + 1)
        if self.path is None:
            old = self.buf
            self.buf = self._allocate(capacity)
            if self.channels == 1:
                self.buf[: self.n] = old[: self.n]
            else:
                self.buf[:, : self.n] = old[:, : self.n]
            del old
        else:
            self.buf.flush()
            self.buf = None
            self.buf = self._allocate(capacity)
        self.capacity = capacity

    def _view(self, a: int, b: int) -> np.ndarray:
        """Writable (channels, b - a) view of frames [a, b)."""
        if self.path is not None:
            return self.buf[a:b].T
        return self.buf[None, a:b] if self.channels == 1 else self.buf[:, a:b]

    def write(self, block: np.ndarray) -> None:
        k = block.shape[1]
        if k == 0:
            return
        if self.n + k > self.capacity:
            self._grow(self.n + k)
        if self.dtype == np.int16:
            block = float_to_int16(block)
        self._view(self.n, self.n + k)[...] = block
        self.n += k

    def write_silence(self, k: int) -> None:
        if self.n + k > self.capacity:
            self._grow(self.n + k)
        self._view(self.n, self.n + k)[...] = 0
        self.n += k

    def finish(self, mono: bool) -> np.ndarray:
        n = self.n
        if self.path is None:
            if self.channels == 1:
                return self.buf[:n] if mono else self.buf[None, :n]
            return self.buf[:, :n]
        self.buf.flush()
        self.buf = None
        os.truncate(self.path, n * self.channels * self.dtype.itemsize)
        mapped = np.memmap(self.path, dtype=self.dtype, mode="r", shape=(n, self.channels))
        return mapped[:, 0] if mono else mapped.T

    def discard(self) -> None:
        self.buf = None
        if self.path is not None:
            try:
                self.path.unlink()
            except OSError:
                pass


# ----------------------------------------------------------------------------- streaming


class AudioStream:
    """Blocks of decoded samples, ``(channels, k)`` float32, in order; see :func:`stream`.

    Iterate it (or call :meth:`read`); close it (or use ``with``) to stop the decoding
    thread early.  Errors of the decoding (``MediaError``, a truncated file) are raised by
    the iteration where they happen; ``Cancelled`` when ``cancel`` is set.
    """

    _END = object()

    def __init__(self, path: str | os.PathLike[str], sample_rate: int, mono: bool,
                 cancel: CancelToken | None, block_s: float, ahead: int,
                 allow_truncated: bool) -> None:
        self.path = path
        self.cancel = cancel
        self._stop = CancelToken()
        opened = OpenedAudio(path)  # opening errors are raised here, in the caller's thread
        try:
            if opened.sample_rate <= 0 or opened.channels <= 0:
                raise MediaError(path, "its audio stream has no sample rate or channels "
                                       "(damaged)")
            self.sample_rate = int(sample_rate)
            self.channels = 1 if mono else opened.channels
            self.duration_s = opened.duration_s()  # from the headers: None when not declared
        except BaseException:
            opened.close()
            raise
        self.decoded = 0  # samples handed over so far
        self.warning: str | None = None  # set when a truncated file was read as far as it goes
        self.elapsed_s: float | None = None  # how long decoding took, once it is done
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, ahead))
        self._block = max(1, int(block_s * self.sample_rate))
        self._thread = threading.Thread(
            target=self._run, args=(opened, mono, allow_truncated), daemon=True,
            name="cueline-decode")
        self._thread.start()

    # the decoding thread -------------------------------------------------------------------
    def _run(self, opened: OpenedAudio, mono: bool, allow_truncated: bool) -> None:
        t0 = time.monotonic()
        sink = _BlockSink(self.channels, self._block, self._put)
        try:
            bad = _decode_into(opened, sink, self.sample_rate, mono, None, self._stop,
                               self.duration_s, Path(self.path).name)
            sink.flush()
            decoded_s = sink.n / self.sample_rate
            try:
                _check_complete(opened, self.path, decoded_s, bad, decoded_s <= 0)
            except MediaError as exc:
                if not (allow_truncated and decoded_s > 0):
                    raise
                self.warning = exc.problem  # what could be read is kept
                log.warning("%s: %s", self.path, exc.problem)
            self.elapsed_s = time.monotonic() - t0
            self._put(self._END)
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, raised there
            if not self._stop.cancelled:
                self._put(exc)
        finally:
            opened.close()

    def _put(self, item) -> None:
        while True:
            if self._stop.cancelled:
                raise Cancelled()
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    # the reader ----------------------------------------------------------------------------
    def read(self) -> np.ndarray | None:
        """The next block, or None at the end of the audio."""
        while True:
            if self.cancel is not None and self.cancel.cancelled:
                self.close()
                raise Cancelled()
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    return None  # closed
                continue
            if item is self._END:
                self._queue.put(item)  # reading again still says "the end"
                return None
            if isinstance(item, BaseException):
                self.close()
                raise item
            self.decoded += item.shape[1]
            return item

    def __iter__(self) -> Iterator[np.ndarray]:
        while (block := self.read()) is not None:
            yield block

    def close(self) -> None:
        """Stop decoding (the thread ends within one packet) and drop what was queued."""
        self._stop.cancel()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break

    def __enter__(self) -> AudioStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _BlockSink:
    """``_Sink``'s interface for :func:`_decode_into`, passing fixed-size blocks on."""

    def __init__(self, channels: int, block: int, put) -> None:
        self.channels = channels
        self.block = block
        self.put = put
        self.n = 0
        self._parts: list[np.ndarray] = []
        self._have = 0

    def write(self, block: np.ndarray) -> None:
        k = block.shape[1]
        if k == 0:
            return
        self._parts.append(np.asarray(block, dtype=np.float32))
        self._have += k
        self.n += k
        while self._have >= self.block:
            joined = np.concatenate(self._parts, axis=1) if len(self._parts) > 1 \
                else self._parts[0]
            self.put(np.ascontiguousarray(joined[:, :self.block]))
            rest = joined[:, self.block:]
            self._parts = [rest] if rest.shape[1] else []
            self._have = rest.shape[1]

    def write_silence(self, k: int) -> None:
        self.write(np.zeros((self.channels, k), np.float32))

    def flush(self) -> None:
        if self._have:
            joined = np.concatenate(self._parts, axis=1) if len(self._parts) > 1 \
                else self._parts[0]
            self.put(np.ascontiguousarray(joined))
            self._parts, self._have = [], 0


def stream(path: str | os.PathLike[str], sample_rate: int = ENGINE_RATE, mono: bool = True,
           cancel: CancelToken | None = None, *, block_s: float = 30.0, ahead: int = 4,
           allow_truncated: bool = False) -> AudioStream:
    """Decode ``path`` progressively: an :class:`AudioStream` of ``(channels, k)`` float32
    blocks of ``block_s`` seconds (the last one shorter), exactly the samples :func:`decode`
    returns, cut in blocks.  A thread decodes at most ``ahead`` blocks before they are read,
    so memory stays at a few blocks whatever the length of the media.

    Raises ``MediaError`` at once when the file cannot be opened; decoding errors are raised
    while reading.  With ``allow_truncated``, a file whose audio stops before its headers
    say is read as far as it goes and :attr:`AudioStream.warning` says so.
    """
    if sample_rate <= 0:
        raise ValueError("sample_rate must be positive")
    return AudioStream(path, sample_rate, mono, cancel, block_s, ahead, allow_truncated)
