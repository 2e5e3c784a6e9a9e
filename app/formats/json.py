"""Cueline JSON (``.json``): everything a document holds, and the transcription output format.

Layout (``version`` 1, times in integer milliseconds)::

    {"format": "cueline-transcript", "version": 1, "time_unit": "ms",
     "language": "en",              # the document's (detected) language, meta["language"]
     "cleanup": [...],              # what transcript clean-up did, meta["cleanup"]
     "media": {"path": ..., "size": ..., "mtime": ..., "sha256": ..., "duration_ms": ...},
     "meta": {...},                 # the rest of the document's metadata
     "segments": [{"id", "start", "end", "text", "speaker", "language", "translation",
                   "translation_state",   # machine/edited/approved/stale; only with a translation
                   "flags": [...], "words": [{"text", "start", "end", "probability",
                   "estimated"}]}]}

Reading also accepts the JSON that openai-whisper and faster-whisper scripts write (no
``format`` key, times in seconds, words under ``"word"`` with a leading space).  Values of the
wrong type are repaired or dropped with a warning naming the segment; word times that do not
fit the text are dropped, since the model requires words to compose the text exactly.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from app.core.document import Document, MediaRef
from app.core.model import InvariantError, Segment, Word, check_segment, new_id, word_spans
from app.core.serialize import translation_state_from
from app.core.words import clamp_words
from app.formats.context import Context, Parsed
from app.formats.timing import TOO_LATE, time_too_late

NAME = "json"
EXTENSIONS = (".json",)
DESCRIPTION = "Cueline JSON (everything: words, speakers, flags; also reads Whisper JSON)"
# JSON always keeps speakers, word times and translations: these options change nothing.
OPTIONS = frozenset({"speakers", "karaoke", "bilingual"})
FORMAT_ID = "cueline-transcript"
VERSION = 1
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _finite(value: Any) -> float | None:
    """``value`` as a float if it is a finite, reasonably sized number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) <= 10**15 else None
    return value if math.isfinite(value) and abs(value) <= 1e15 else None


def _clean(text: str) -> str:
    """Lone surrogates (from ``\\udXXX`` escapes) cannot be saved as UTF-8: replace them."""
    return _SURROGATE_RE.sub("\ufffd", text)


def _clean_tree(value: Any) -> Any:
    """``value`` (any JSON data: meta, media extras) with lone surrogates replaced in every
    key and string, so that writing it anywhere later cannot fail."""
    text = json.dumps(value, ensure_ascii=False)
    return json.loads(_clean(text)) if _SURROGATE_RE.search(text) else value


def sniff(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:1] == "{"


# -- reading ----------------------------------------------------------------------------------
class _TooLate(Exception):
    """A time past :data:`~app.formats.timing.MAX_TIME_MS`: the segment (or words) skipped."""


class _Values:
    """Typed access to one JSON object, warning (once per problem) about bad values."""

    def __init__(self, ctx: Context, ms_units: bool) -> None:
        self.ctx = ctx
        self.ms_units = ms_units

    def time(self, value: Any, where: str, what: str) -> int | None:
        number = _finite(value)
        if number is None:
            if value is not None:
                self.ctx.warn(None, f"{where}: {what} is not a number ({_short(value)})",
                              kind=f"{what} not a number")
            return None
        ms = number if self.ms_units else number * 1000.0
        if time_too_late(abs(ms)):
            raise _TooLate
        return int(round(ms))

    def text(self, value: Any, where: str, what: str) -> str | None:
        if value is None or isinstance(value, str):
            return None if value is None else _clean(value)
        self.ctx.warn(None, f"{where}: {what} is not text ({_short(value)})", kind=f"{what} not text")
        return None if isinstance(value, (dict, list)) else str(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read(text: str, ctx: Context) -> Parsed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        ctx.fail(exc.lineno, f"not valid JSON: {exc.msg}")
    except RecursionError:
        ctx.fail(None, "not readable: JSON nested too deeply")
    except ValueError as exc:  # e.g. an integer with thousands of digits
        ctx.fail(None, f"not readable: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        ctx.fail(1, "not a transcript: expected a JSON object with a 'segments' list")
    fmt = data.get("format")
    ms_units = data.get("time_unit") == "ms" or fmt == FORMAT_ID
    if fmt is not None and fmt != FORMAT_ID:
        ctx.warn(1, f"unknown JSON format {_short(fmt)}: reading its segments anyway")
    version = data.get("version")
    if fmt == FORMAT_ID and isinstance(version, int) and version > VERSION:
        ctx.warn(1, f"written by a newer Cueline (format version {version}): some data may be lost")
    values = _Values(ctx, ms_units)
    segments: list[Segment] = []
    ids: set[str] = set()
    for k, item in enumerate(data["segments"]):
        seg = _read_segment(values, item, f"segment {k + 1}", foreign=not ms_units)
        if seg is None:
            continue
        if seg.id in ids:
            ctx.warn(None, f"segment {k + 1}: duplicate id {seg.id!r} replaced", kind="duplicate id")
            seg = seg.replace(id=new_id())
        ids.add(seg.id)
        segments.append(seg)
    return Parsed(segments, _read_meta(ctx, data), _read_media(ctx, data.get("media")))


def _read_meta(ctx: Context, data: dict) -> dict:
    meta = data.get("meta")
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        ctx.warn(None, "'meta' is not an object: ignored")
        meta = {}
    try:
        meta = dict(_clean_tree(meta))
    except RecursionError:
        ctx.warn(None, "'meta' is nested too deeply: ignored")
        meta = {}
    if isinstance(data.get("language"), str) and data["language"]:
        meta["language"] = _clean(data["language"])
    if isinstance(data.get("cleanup"), list) and data["cleanup"]:
        meta["cleanup"] = _clean_tree(data["cleanup"])
    return meta


def _read_media(ctx: Context, media: Any) -> MediaRef | None:
    if media is None:
        return None
    if not isinstance(media, dict) or not isinstance(media.get("path"), str):
        ctx.warn(None, "'media' has no path: ignored")
        return None

    def num(key: str, kind: type) -> Any:
        v = _finite(media.get(key))
        return None if v is None else kind(v)

    sha = media.get("sha256")
    try:
        extra = _clean_tree(media.get("extra"))
    except RecursionError:
        extra = None
    return MediaRef(
        path=_clean(media["path"]),
        size=num("size", int),
        mtime=num("mtime", float),
        sha256=_clean(sha) if isinstance(sha, str) else None,
        duration_ms=num("duration_ms", int),
        extra=dict(extra) if isinstance(extra, dict) else {},
    )


def _read_segment(v: _Values, item: Any, where: str, foreign: bool) -> Segment | None:
    try:
        return _read_segment_times(v, item, where, foreign)
    except _TooLate:
        v.ctx.warn(None, f"{where}: {TOO_LATE}", kind=TOO_LATE)
        return None


def _read_segment_times(v: _Values, item: Any, where: str, foreign: bool) -> Segment | None:
    ctx = v.ctx
    if not isinstance(item, dict):
        ctx.warn(None, f"{where}: not an object: skipped", kind="segment not an object")
        return None
    start = v.time(item.get("start"), where, "start")
    if start is None:
        ctx.warn(None, f"{where}: no start time: skipped", kind="segment without start")
        return None
    end = v.time(item.get("end"), where, "end")
    if end is None:
        ctx.warn(None, f"{where}: no end time: set to its start", kind="segment without end")
        end = start
    if start < 0 or end < 0:
        ctx.warn(None, f"{where}: negative time set to 0", kind="negative time")
        start, end = max(0, start), max(0, end)
    if end < start:
        ctx.warn(None, f"{where}: ends before it starts: start and end swapped", kind="end before start")
        start, end = end, start
    text = v.text(item.get("text"), where, "text") or ""
    if foreign:
        text = text.strip()
    seg_id = item.get("id")
    seg_id = _clean(seg_id) if isinstance(seg_id, str) and seg_id else new_id()
    flags = item.get("flags")
    flags = frozenset(_clean(f) for f in flags if isinstance(f, str)) if isinstance(flags, list) else frozenset()
    seg = Segment(
        start, end, text,
        speaker=v.text(item.get("speaker"), where, "speaker") or None,
        language=v.text(item.get("language"), where, "language") or None,
        translation=v.text(item.get("translation"), where, "translation"),
        flags=flags,
        id=seg_id,
    )
    seg = seg.replace(translation_state=translation_state_from(item.get("translation_state"),
                                                               seg.translation))
    try:
        words = _read_words(v, item.get("words"), where, foreign)
    except _TooLate:
        ctx.warn(None, f"{where}: a word time is past 100:00:00: words dropped", kind="bad word")
        words = []
    if words:
        seg = _attach_words(ctx, seg, words, where)
    return seg


def _read_words(v: _Values, items: Any, where: str, foreign: bool) -> list[Word]:
    if items is None:
        return []
    if not isinstance(items, list):
        v.ctx.warn(None, f"{where}: 'words' is not a list: ignored", kind="words not a list")
        return []
    words: list[Word] = []
    for item in items:
        if not isinstance(item, dict):
            v.ctx.warn(None, f"{where}: a word is not an object: words dropped", kind="bad word")
            return []
        text = item.get("text", item.get("word"))
        text = _clean(text).strip() if isinstance(text, str) else None
        start = v.time(item.get("start"), where, "word start")
        end = v.time(item.get("end"), where, "word end")
        if not text:
            if foreign and text == "":
                continue
            v.ctx.warn(None, f"{where}: a word has no text: words dropped", kind="bad word")
            return []
        if start is None or end is None:
            v.ctx.warn(None, f"{where}: a word has no time: words dropped", kind="bad word")
            return []
        p = _finite(item.get("probability"))
        prob = None if p is None else min(1.0, max(0.0, p))
        words.append(Word(text, start, end, prob, item.get("estimated") is True))
    return words


def _attach_words(ctx: Context, seg: Segment, words: list[Word], where: str) -> Segment:
    if word_spans(seg.text, words) is None:
        ctx.warn(None, f"{where}: the words do not match the text: word times dropped",
                 kind="words do not match the text")
        return seg
    fitted = clamp_words(words, seg.start, seg.end)
    if [(w.start, w.end) for w in fitted] != [(w.start, w.end) for w in words]:
        ctx.warn(None, f"{where}: word times out of order or outside the segment: fitted",
                 kind="word times fitted")
        words = fitted
    seg = seg.replace(words=tuple(words))
    try:
        check_segment(seg)
    except InvariantError as exc:
        ctx.warn(None, f"{where}: {exc}: word times dropped", kind="word times dropped")
        return seg.replace(words=())
    return seg


# -- writing ----------------------------------------------------------------------------------
def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _segment_json(seg: Segment) -> str:
    head = {
        "id": seg.id, "start": seg.start, "end": seg.end, "text": seg.text,
        "speaker": seg.speaker, "language": seg.language, "translation": seg.translation,
        "flags": sorted(seg.flags),
    }
    if seg.translation_state is not None:
        head["translation_state"] = seg.translation_state
    words = [
        _dump({"text": w.text, "start": w.start, "end": w.end, "probability": w.probability,
               "estimated": w.estimated})
        for w in seg.words
    ]
    body = _dump(head)[:-1]
    if not words:
        return f'{body}, "words": []}}'
    inner = ",\n      ".join(words)
    return f'{body}, "words": [\n      {inner}\n    ]}}'


def write(doc: Document, *, speakers: bool = True, karaoke: bool = True,
          bilingual: bool = True) -> str:
    """The whole document; the options are accepted for symmetry and change nothing."""
    media = None
    if doc.media is not None:
        m = doc.media
        media = {"path": m.path, "size": m.size, "mtime": m.mtime, "sha256": m.sha256,
                 "duration_ms": m.duration_ms, "extra": m.extra}
    language = doc.meta.get("language")
    cleanup = doc.meta.get("cleanup")
    moved = set()
    if isinstance(language, str) and language:
        moved.add("language")
    if isinstance(cleanup, (list, tuple)) and cleanup:
        moved.add("cleanup")
    top = {
        "format": FORMAT_ID,
        "version": VERSION,
        "time_unit": "ms",
        "language": language if "language" in moved else None,
        "cleanup": list(cleanup) if cleanup and "cleanup" in moved else [],
        "media": media,
        "meta": {k: v for k, v in doc.meta.items() if k not in moved},
    }
    lines = [f"  {_dump(k)}: {_dump(v)}," for k, v in top.items()]
    segs = ",\n".join(f"    {_segment_json(s)}" for s in doc)
    body = f'  "segments": [\n{segs}\n  ]' if segs else '  "segments": []'
    return "{\n" + "\n".join(lines) + "\n" + body + "\n}\n"
