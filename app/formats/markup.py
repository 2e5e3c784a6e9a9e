"""What a subtitle file holds beyond the text: kept so that a same-format round trip loses
nothing.

The document model is plain text (the text is the truth: search, spell check, shaping and
alignment work on it).  But a file also carries styling the user made on purpose: ``<i>`` and
``{\\an8}`` in SRT; STYLE, REGION and NOTE blocks, cue identifiers, cue settings and ``<v Bob>``
in WebVTT; styles, override tags, comments, layers and margins in ASS.  Reading and writing the
same format used to drop all of it.

So each subtitle reader also records, in the document's metadata under :data:`META_KEY`, the
file's own markup: per cue (by segment id) the raw text as written plus a *fingerprint* of what
that raw text reads as (text, speaker, word times); per file the header, blocks and sections
outside the cues.  The writer of the same format puts the raw text back for every cue whose
fingerprint still matches, so an unedited cue comes out exactly as it went in, and a cue whose
text was edited (or a new cue) is written plainly, from the model, as before.  Other formats
ignore the record (JSON keeps it, in ``meta``, so nothing is lost through JSON either).
Only files that have something to keep get a record.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.core.document import Document
from app.core.model import Segment

META_KEY = "markup"


def fingerprint(seg: Segment, absolute: bool = False) -> str:
    """What a raw cue reads as, in 16 hex digits: its text, speaker and word times (relative
    to the cue's start, or ``absolute`` where the raw text states times: WebVTT timestamps)."""
    base = 0 if absolute else seg.start
    words = [(w.text, w.start - base, w.end - base) for w in seg.words]
    data = json.dumps([seg.text, seg.speaker, words], ensure_ascii=False)
    return hashlib.sha1(data.encode("utf-8", errors="replace")).hexdigest()[:16]


def record(fmt: str, **fields: Any) -> dict[str, Any]:
    """A new record for format ``fmt`` (``cues`` maps segment ids to per-cue dicts)."""
    return {"format": fmt, "cues": {}, **fields}


def add_cue(rec: dict[str, Any], seg: Segment, raw: str | None = None, absolute: bool = False,
            **fields: Any) -> None:
    """Remember cue ``seg``: its ``raw`` text (None: nothing beyond the plain text) and any
    other per-cue ``fields`` (identifier, settings, layer...)."""
    cue = {k: v for k, v in fields.items() if v not in (None, "")}
    if raw is not None:
        cue.update(raw=raw, fp=fingerprint(seg, absolute), abs=absolute)
    if cue:
        rec["cues"][seg.id] = cue


def for_format(doc: Document, fmt: str) -> dict[str, Any] | None:
    """The markup record of ``doc`` if it was read from a file of format ``fmt``."""
    rec = doc.meta.get(META_KEY)
    if isinstance(rec, dict) and rec.get("format") == fmt and isinstance(rec.get("cues"), dict):
        return rec
    return None


def cue(rec: dict[str, Any] | None, seg: Segment) -> dict[str, Any]:
    """The per-cue record of ``seg`` (empty when none)."""
    if rec is None:
        return {}
    found = rec["cues"].get(seg.id)
    return found if isinstance(found, dict) else {}


def raw_text(rec: dict[str, Any] | None, seg: Segment) -> str | None:
    """The cue's raw text as read, if the cue still reads the same (else None: write plainly)."""
    c = cue(rec, seg)
    raw = c.get("raw")
    if not isinstance(raw, str) or c.get("fp") != fingerprint(seg, bool(c.get("abs"))):
        return None
    return raw


def keep(meta: dict[str, Any], rec: dict[str, Any], has_more: bool) -> dict[str, Any]:
    """``meta`` with the record added when there is anything in it to keep."""
    if rec["cues"] or has_more:
        meta[META_KEY] = rec
    return meta
