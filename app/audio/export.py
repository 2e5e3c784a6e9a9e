"""Writing audio files with pydub (pointed at the ffmpeg bundled by imageio-ffmpeg).

:func:`write_audio` encodes samples to any common format chosen by the file extension;
:func:`export_clip` saves a stretch of a media file's audio (e.g. the selected cue, to share
or to attach to a bug report) without decoding the whole file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from app.audio.errors import MediaError
from app.audio.ffmpeg import audio_segment_class
from app.audio.samples import float_to_int16

# extension -> (ffmpeg muxer, codec or None for the muxer's default)
FORMATS: dict[str, tuple[str, str | None]] = {
    "wav": ("wav", None),
    "flac": ("flac", None),
    "mp3": ("mp3", "libmp3lame"),
    "m4a": ("ipod", "aac"),
    "aac": ("adts", "aac"),
    "ogg": ("ogg", "libvorbis"),
    "opus": ("opus", "libopus"),
    "webm": ("webm", "libopus"),
    "mka": ("matroska", "flac"),
}


def write_audio(samples: np.ndarray, sample_rate: int, out_path: str | os.PathLike[str],
                fmt: str | None = None, bitrate: str | None = None) -> Path:
    """Encode ``samples`` (``(n,)`` or ``(channels, n)``, float in [-1, 1] or int16) to
    ``out_path``; the format comes from ``fmt`` or the extension (see :data:`FORMATS`)."""
    out = Path(out_path)
    ext = (fmt or out.suffix.lstrip(".")).lower()
    if ext not in FORMATS:
        raise MediaError(out, f"unsupported audio format '{ext}' "
                              f"(choose one of {', '.join(sorted(FORMATS))})", "write")
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[None, :]
    if x.dtype != np.int16:
        x = float_to_int16(x)
    if x.shape[1] == 0:
        raise MediaError(out, "nothing to write (no samples)", "write")
    interleaved = np.ascontiguousarray(x.T).astype("<i2", copy=False)
    segment_cls = audio_segment_class()
    segment = segment_cls(data=interleaved.tobytes(), sample_width=2,
                          frame_rate=int(sample_rate), channels=int(x.shape[0]))
    muxer, codec = FORMATS[ext]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle = segment.export(out, format=muxer, codec=codec, bitrate=bitrate)
        handle.close()
    except MediaError:
        raise
    except Exception as exc:  # noqa: BLE001 - pydub raises CouldntEncodeError, OSError...
        detail = str(exc).strip().splitlines()
        raise MediaError(out, f"encoding failed ({detail[0] if detail else type(exc).__name__})",
                         "write") from None
    return out


def export_clip(media_path: str | os.PathLike[str], out_path: str | os.PathLike[str],
                start_ms: int = 0, end_ms: int | None = None, fmt: str | None = None,
                bitrate: str | None = None) -> Path:
    """Save ``[start_ms, end_ms)`` of a media file's audio (own rate and channels)."""
    from app.audio.reader import MediaSource

    source = MediaSource(media_path)
    try:
        rate = source.sample_rate
        end = source.frames if end_ms is None else min(source.frames, int(end_ms) * rate // 1000)
        start = max(0, int(start_ms) * rate // 1000)
        if end <= start:
            raise MediaError(out_path, "the clip is empty (end before start)", "write")
        data = source.read(start, end - start)
    finally:
        source.close()
    return write_audio(data.T, rate, out_path, fmt=fmt, bitrate=bitrate)
