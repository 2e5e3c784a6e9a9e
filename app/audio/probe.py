"""What a media file holds: duration, audio channels and rate, video or not.

:func:`probe` reads headers only (plus, for files whose header has no duration, a quick
scan of packet timestamps), so it is cheap even for hours of media.  :func:`open_audio` is
the shared way the decoder and the random-access reader open a file: it checks the path,
opens the container with PyAV and picks the audio stream, turning every failure into a
:class:`~app.audio.errors.MediaError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from app.audio.errors import MediaError, media_error

# The lowest bit rate real audio is stored at: speech codecs (codec2, AMR, Opus) go down to
# 0.7-6 kbit/s, and even digital silence in FLAC or WavPack costs a few dozen bytes a second
# of frame headers.  512 bit/s = 64 bytes a second is below all of them, so a header that
# claims more seconds than the file's size allows at this rate is lying (an MP3 whose Xing
# frame count says 0xFFFFFFF0 frames "lasts" 3.5 years): see :meth:`OpenedAudio.plausible_s`.
MIN_BYTES_PER_S = 64

# Channel mode (one speaker per channel) takes at most this many channels: multitrack
# recorders (Zoom F8, H8, a podcast desk) record up to 8 microphones, and every channel costs a
# full transcription pass and 64 kB of memory per second of audio (16 kHz float32), so 3 h of
# 24 channels would need 16.6 GB.  More channels is refused with a message saying what to do.
MAX_SPEAKER_CHANNELS = 8
# Subwoofer feeds of a surround track (5.1, 7.1, 22.2) carry no speech: channel mode skips them.
_LOW_FREQUENCY_CHANNELS = frozenset({"LFE", "LFE2"})


@dataclass(frozen=True)
class MediaInfo:
    """Facts about one media file.  Times in ms, rates in Hz."""

    path: str
    duration_ms: int
    channels: int
    sample_rate: int
    has_video: bool
    video_fps: float | None = None
    video_size: tuple[int, int] | None = None
    audio_codec: str = ""
    container: str = ""
    #: FFmpeg's names of the channels in order ("FL", "FR", "FC", "LFE", ...), "NONE" for
    #: channels of an unspecified layout
    channel_names: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.duration_ms / 1000.0


def check_path(path: str | os.PathLike[str]) -> Path:
    """Raise MediaError unless ``path`` is an existing, readable, non-empty file."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaError(path, "file not found") from None
    except OSError as exc:
        raise media_error(path, exc) from None
    if p.is_dir():
        raise MediaError(path, "is a folder, not a media file")
    if not p.is_file():
        raise MediaError(path, "not a regular file")
    if st.st_size == 0:
        raise MediaError(path, "the file is empty")
    if not os.access(p, os.R_OK):
        raise MediaError(path, "permission denied (the file cannot be read)")
    return p


class OpenedAudio:
    """An open container and its audio stream; close it (or use ``with``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import av

        self.path = str(path)
        check_path(path)
        try:
            self.container = av.open(self.path, mode="r", metadata_errors="ignore")
        except Exception as exc:  # noqa: BLE001 - every av/OS error becomes a MediaError
            raise media_error(path, exc) from None
        try:
            self.stream = _audio_stream(self.container)
        except BaseException:
            self.container.close()
            raise
        if self.stream is None:
            has_video = bool(_video_streams(self.container))
            self.container.close()
            raise MediaError(path, "has no audio track" if has_video else "contains no audio stream")
        self.stream.thread_type = "AUTO"
        start = self.container.start_time
        #: Media time zero (seconds): the container's start, what video players show as 0.
        self.origin_s = float(start) / 1e6 if start is not None else 0.0

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> OpenedAudio:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def sample_rate(self) -> int:
        return int(self.stream.codec_context.sample_rate or self.stream.rate or 0)

    @property
    def channels(self) -> int:
        return int(self.stream.codec_context.channels or 0)

    def stream_end_s(self) -> float | None:
        """End of the audio stream on the media timeline (seconds from origin), if declared."""
        s = self.stream
        if s.duration is None or s.time_base is None:
            return None
        start = s.start_time if s.start_time is not None else 0
        return float((start + s.duration) * s.time_base) - self.origin_s

    def plausible_s(self) -> float:
        """The longest duration this file's size can hold (see :data:`MIN_BYTES_PER_S`)."""
        try:
            size = os.path.getsize(self.path)
        except OSError:
            size = 0
        return max(size, 1) / MIN_BYTES_PER_S

    def believable(self, seconds: float | None) -> bool:
        """Whether a duration read from a header fits the file's size."""
        return seconds is not None and seconds <= self.plausible_s()

    def duration_s(self) -> float | None:
        """The media's duration from its headers (seconds), or None when not declared (or
        when the headers claim more than the file can hold)."""
        if self.container.duration is not None and self.container.duration > 0:
            declared = float(self.container.duration) / 1e6
        else:
            declared = self.stream_end_s()
        if declared is None or declared <= 0 or not self.believable(declared):
            return None
        return declared

    def scan_duration_s(self) -> float:
        """Duration from the audio packets' timestamps (reads the file, does not decode)."""
        s = self.stream
        end = 0.0
        try:
            for packet in self.container.demux(s):
                if packet.pts is None or packet.time_base is None:
                    continue
                t = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                end = max(end, t - self.origin_s)
        except Exception as exc:  # noqa: BLE001
            raise media_error(self.path, exc, "read") from None
        try:
            self.container.seek(0)
        except Exception:  # noqa: BLE001 - a later decode reopens if needed
            pass
        return end


def _audio_stream(container):
    try:
        best = container.streams.best("audio")
    except Exception:  # noqa: BLE001
        best = None
    if best is not None:
        return best
    return container.streams.audio[0] if container.streams.audio else None


def _video_streams(container) -> list:
    import av

    attached = av.stream.Disposition.attached_pic
    return [v for v in container.streams.video if not (v.disposition & attached)]


def _container_name(container, path: str) -> str:
    names = [n for n in (container.format.name or "").split(",") if n]
    ext = Path(path).suffix.lower().lstrip(".")
    if ext in names:
        return ext
    return names[0] if names else ext


def _codec_name(stream) -> str:
    """The codec, not FFmpeg's decoder variant ("mp3", not "mp3float")."""
    name = stream.codec_context.name or ""
    for suffix in ("float", "_fixed"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _fps(stream) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            value = float(Fraction(rate))
            if 0 < value < 1000:
                return round(value, 3)
    return None


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a media file.  Raises MediaError for anything that is not usable media."""
    with OpenedAudio(path) as opened:
        c = opened.container
        duration = opened.duration_s()
        if duration is None:
            duration = opened.scan_duration_s()
        if duration <= 0:
            raise MediaError(path, "contains no audio (zero length)")
        if opened.sample_rate <= 0 or opened.channels <= 0:
            raise MediaError(path, "its audio stream has no sample rate or channels (damaged)")
        videos = _video_streams(c)
        video = videos[0] if videos else None
        return MediaInfo(
            path=str(path),
            duration_ms=int(round(duration * 1000)),
            channels=opened.channels,
            sample_rate=opened.sample_rate,
            has_video=video is not None,
            video_fps=_fps(video) if video is not None else None,
            video_size=(int(video.width), int(video.height)) if video is not None else None,
            audio_codec=_codec_name(opened.stream),
            container=_container_name(c, str(path)),
            channel_names=_channel_names(opened.stream, opened.channels),
        )


def _channel_names(stream, channels: int) -> tuple[str, ...]:
    layout = stream.layout
    if layout is None or layout.nb_channels != channels:
        return ("NONE",) * channels
    return tuple(str(ch.name) for ch in layout.channels)


def speaker_channels(info: MediaInfo) -> tuple[list[int], list[str]]:
    """The channels channel mode transcribes (one speaker each), and notes for the user.

    Subwoofer (LFE) channels are left out; more than :data:`MAX_SPEAKER_CHANNELS` of the
    rest raises MediaError saying what to do instead.
    """
    names = info.channel_names or ("NONE",) * info.channels
    picked = [i for i, n in enumerate(names) if n not in _LOW_FREQUENCY_CHANNELS]
    notes = []
    if len(picked) < len(names):
        notes.append(f"channel mode: the subwoofer (LFE) channel of the {len(names)}-channel "
                     "track is left out (it carries no speech)")
    if len(picked) > MAX_SPEAKER_CHANNELS:
        raise MediaError(info.path, f"has {len(picked)} audio channels: channel mode takes at "
                         f"most {MAX_SPEAKER_CHANNELS} (one speaker each); transcribe without "
                         "it (the channels are mixed), or pick channels first with ffmpeg "
                         "(-af pan)", "transcribe")
    return picked, notes
