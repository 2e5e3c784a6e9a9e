"""The one exception the audio layer raises for bad media, and the translation of
PyAV/FFmpeg and OS errors into messages a user understands.

Every failure to open, probe or decode a file becomes a :class:`MediaError` that names the
file and says what is wrong (``cannot open 'x.mp3': not an audio or video file``).  No
``av`` exception ever leaves :mod:`app.audio`.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


class MediaError(Exception):
    """A media file that cannot be used, with a message naming the file and the problem.

    ``path`` is the file as given, ``problem`` the short reason (``"file not found"``);
    ``str(err)`` and ``err.user_message`` read ``cannot open 'x.mp3': file not found``.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str, action: str = "open") -> None:
        self.path = str(path)
        self.problem = problem
        self.action = action
        super().__init__(f"cannot {action} '{self.path}': {problem}")

    @property
    def user_message(self) -> str:
        return str(self)


NOT_MEDIA = "not an audio or video file (unknown format, damaged or incomplete)"


def media_error(path: str | os.PathLike[str], exc: BaseException, action: str = "open") -> MediaError:
    """Turn an exception from PyAV, FFmpeg or the OS into a :class:`MediaError`."""
    if isinstance(exc, MediaError):
        return exc
    return MediaError(path, describe(path, exc), action)


def describe(path: str | os.PathLike[str], exc: BaseException) -> str:
    """A short, user-level description of why ``path`` could not be read."""
    code = getattr(exc, "errno", None)
    p = Path(path)
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        return "file not found"
    if isinstance(exc, IsADirectoryError) or code == errno.EISDIR or p.is_dir():
        return "is a folder, not a media file"
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return "permission denied (the file cannot be read)"
    try:
        if p.is_file() and p.stat().st_size == 0:
            return "the file is empty"
    except OSError:
        pass
    if isinstance(exc, EOFError):
        return "the file ends unexpectedly (truncated or damaged)"
    if isinstance(exc, MemoryError):
        return "not enough memory to decode it"
    name = type(exc).__name__
    if name in {"InvalidDataError", "DemuxerNotFoundError", "PatchWelcomeError", "UnknownError"}:
        return NOT_MEDIA
    if name == "DecoderNotFoundError":
        return "its audio codec is not supported by this FFmpeg build"
    if isinstance(exc, OSError) and getattr(exc, "strerror", None):
        return str(exc.strerror).lower()
    if isinstance(exc, ValueError) and name != "ValueError":  # other av.error.* classes
        return NOT_MEDIA
    text = str(exc).strip() or name
    return f"unreadable ({text})"
