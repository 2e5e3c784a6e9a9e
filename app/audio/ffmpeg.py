"""The FFmpeg that ships inside pip packages, never a system one.

PyAV (``av``, installed with faster-whisper) carries FFmpeg's libraries and does all the
decoding.  ``imageio-ffmpeg`` carries an ``ffmpeg`` executable: it is what pydub is pointed
at for encoding (:mod:`app.audio.export`), and what the tests and the benchmark use to make
media files.
"""

from __future__ import annotations

import functools
import subprocess
import warnings
from collections.abc import Sequence

from app.audio.errors import MediaError


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ``ffmpeg`` executable bundled by imageio-ffmpeg."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # a broken install, not a user's file
        raise RuntimeError("imageio-ffmpeg is not installed; reinstall Cueline") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def audio_segment_class():
    """pydub's ``AudioSegment``, configured to use the bundled ffmpeg.

    pydub warns at import when no ffmpeg is on ``PATH``; that warning does not apply here
    and is silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    exe = ffmpeg_exe()
    AudioSegment.converter = exe
    AudioSegment.ffmpeg = exe
    return AudioSegment


def run_ffmpeg(args: Sequence[str], timeout: float | None = None) -> None:
    """Run the bundled ffmpeg with ``args`` (quiet, overwrite); raise MediaError on failure.

    The output file is taken to be the last argument, and named in the error.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MediaError(args[-1] if args else "ffmpeg", f"ffmpeg failed ({exc})", "write") from exc
    if proc.returncode != 0:
        detail = (proc.stderr or "").strip().splitlines()
        raise MediaError(args[-1] if args else "ffmpeg",
                         f"ffmpeg failed ({detail[-1] if detail else proc.returncode})", "write")
