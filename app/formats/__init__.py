"""Subtitle and transcript files: SRT, WebVTT, ASS/SSA, plain text and Cueline JSON.

::

    result = read_file("film.srt")          # ReadResult(document, warnings, format)
    for w in result.warnings:               # FormatWarning(line, message, file)
        print(w)                            # "film.srt:12: cue number missing"
    write_file(result.document, "film.vtt", karaoke=True)
    text = write_text(segments, "ass", speakers=True)

Readers raise only :class:`FormatError` (``"file:line: reason"``) and repair what they can with
a warning.  Subtitle readers (SRT, WebVTT, ASS) give segments without words unless the file has
word times (WebVTT inline timestamps, ASS karaoke tags): the text is the truth, and inventing
word times would make an imported file look aligned when it is not.  Whoever needs words
(karaoke export, re-shaping into cues) estimates them on the spot with
:func:`app.core.words.distribute`, marked ``estimated``; alignment gives real ones.
"""

from __future__ import annotations

from app.formats.errors import FormatError, FormatWarning
from app.formats.io import (
    ReadResult,
    atomic_write,
    read_bytes,
    read_capped,
    read_file,
    read_text,
    same_file,
    write_file,
    write_text,
)
from app.formats.registry import FORMATS, FormatInfo, format_for_path, get_format, sniff
from app.formats.text import normalize_text

__all__ = [
    "FORMATS",
    "FormatError",
    "FormatInfo",
    "FormatWarning",
    "ReadResult",
    "atomic_write",
    "format_for_path",
    "get_format",
    "normalize_text",
    "read_bytes",
    "read_capped",
    "read_file",
    "read_text",
    "same_file",
    "sniff",
    "write_file",
    "write_text",
]
