"""Segments on the clipboard: Cueline's own MIME type (JSON with times, words, speakers,
flags) plus SRT as plain text, so a paste into a text editor or another subtitle program
gets ordinary subtitles, and plain subtitle text copied elsewhere (SRT, WebVTT, ASS) pastes
into Cueline.  Qt-free: the editor puts these bytes on the system clipboard."""

from __future__ import annotations

import json
from collections.abc import Sequence

from app.core.model import Segment
from app.core.serialize import segment_from_dict, segment_to_dict

MIME_TYPE = "application/x-cueline-segments+json"
_KIND = "cueline-segments"


def encode(segments: Sequence[Segment]) -> tuple[bytes, str]:
    """``(json bytes for MIME_TYPE, SRT text)`` of the segments, in time order."""
    from app.formats import write_text

    segs = sorted(segments, key=lambda s: (s.start, s.end))
    data = json.dumps({"kind": _KIND, "version": 1,
                       "segments": [segment_to_dict(s) for s in segs]}, ensure_ascii=False)
    return data.encode("utf-8"), write_text(segs, "srt")


def decode_json(data: bytes) -> list[Segment]:
    """Segments from :data:`MIME_TYPE` bytes; ValueError if they are not Cueline's."""
    try:
        obj = json.loads(data.decode("utf-8"))
        if obj.get("kind") != _KIND:
            raise ValueError("not Cueline segments")
        return [segment_from_dict(d) for d in obj["segments"]]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"clipboard data is not Cueline segments ({exc})") from None


def decode_text(text: str) -> list[Segment]:
    """Segments from subtitle text (SRT, WebVTT, ASS...); [] when it is no subtitle format.

    Plain prose is not turned into segments: pasting a sentence is a text edit, not cues.
    """
    from app.formats import FormatError, read_text, sniff

    if not text.strip():
        return []
    fmt = sniff(text)
    if fmt not in ("srt", "vtt", "ass", "json"):
        return []
    try:
        return list(read_text(text, fmt, source="clipboard").document.segments)
    except FormatError:
        return []
