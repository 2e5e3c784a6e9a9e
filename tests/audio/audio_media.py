"""The formats the audio tests make from the JFK recording."""

from __future__ import annotations

AUDIO_FORMATS = ("wav", "flac", "mp3", "m4a", "ogg", "opus", "webm")
VIDEO_FORMATS = {
    # name: (ffmpeg video source, fps, size, video codec, audio codec)
    "mp4": ("testsrc=duration=11", 25, (160, 120), "libx264", "aac"),
    "mkv": ("color=c=blue:duration=11", 30, (64, 48), "libx264", "libvorbis"),
    "mov": ("testsrc=duration=11", 24, (64, 48), "mpeg4", "pcm_s16le"),
}
LOSSLESS = ("wav", "flac", "mov")
