"""Word documents (``.docx``): an interview transcript to paste into an article.

A header (the title, the media file, the date it was written, the speakers), then one
paragraph per speaker turn (see :func:`app.formats.txt.speaker_turns`): a grey ``[hh:mm:ss]``
time (with ``timestamps``), the speaker's name in bold (with ``speakers``) and what they said.
Written with python-docx; export only (Cueline does not read Word files).

:func:`write` gives the same transcript as plain text, for previews; :func:`write_bytes` the
file.
"""

from __future__ import annotations

import datetime as _dt
import io
import os

from app.core.document import Document
from app.core.timecode import format_timecode
from app.formats.errors import FormatError
from app.formats.txt import speaker_turns

NAME = "docx"
EXTENSIONS = (".docx",)
DESCRIPTION = "Word document (interview transcript)"
OPTIONS = frozenset({"timestamps", "speakers", "title"})
BINARY = True


def sniff(text: str) -> bool:
    return False


def _stamp(ms: int) -> str:
    return f"[{format_timecode(ms, sep='.')[:-4]}]"


def _header(doc: Document, title: str | None) -> tuple[str, list[str]]:
    media = os.path.basename(doc.media.path) if doc.media and doc.media.path else None
    head = title or (os.path.splitext(media)[0] if media else None) or "Transcript"
    lines = []
    if media:
        lines.append(f"Media: {media}")
    lines.append(f"Transcribed: {_dt.date.today().isoformat()}")
    names = doc.speakers()
    if names:
        lines.append(f"Speakers: {', '.join(names)}")
    return head, lines


def write(doc: Document, *, timestamps: bool = True, speakers: bool = True,
          title: str | None = None) -> str:
    """The transcript as plain text (what the Word document says)."""
    head, lines = _header(doc, title)
    out = [head, *lines, ""]
    for start, who, text in speaker_turns(doc):
        stamp = f"{_stamp(start)} " if timestamps else ""
        name = f"{who}: " if speakers and who else ""
        out.append(f"{stamp}{name}{text}")
        out.append("")
    return "\n".join(out)


def write_bytes(doc: Document, *, timestamps: bool = True, speakers: bool = True,
                title: str | None = None) -> bytes:
    try:
        import docx
        from docx.shared import Pt, RGBColor
    except ImportError as exc:
        raise FormatError(None, None, "writing Word files needs python-docx "
                          "(pip install python-docx)") from exc
    head, lines = _header(doc, title)
    d = docx.Document()
    d.core_properties.title = head
    d.core_properties.comments = "Transcribed with Cueline"
    d.add_heading(head, level=1)
    meta = d.add_paragraph()
    for i, line in enumerate(lines):
        run = meta.add_run(line)
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x60, 0x60, 0x60)
        if i + 1 < len(lines):
            run.add_break()
    for start, who, text in speaker_turns(doc):
        p = d.add_paragraph()
        if timestamps:
            r = p.add_run(f"{_stamp(start)} ")
            r.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
        if speakers and who:
            p.add_run(f"{who}: ").bold = True
        p.add_run(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
