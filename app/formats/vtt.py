"""WebVTT (``.vtt``).

Read: the ``WEBVTT`` header (and its metadata lines), NOTE/STYLE/REGION blocks skipped, cue
identifiers and cue settings accepted, ``<v Speaker>`` voice tags give the segment's speaker,
inline timestamps ``<00:00:01.500>`` give word times, other tags are removed and character
references (``&amp;``...) decoded.  The header, the blocks, identifiers, settings and each cue
as written are kept in the document's markup record (:mod:`app.formats.markup`) and written
back by the WebVTT writer (a cue's text only while it is not edited), so WebVTT to WebVTT
loses nothing.  The SRT-style defects (missing blank lines, comma
before milliseconds, short fractions, reversed or negative times) are repaired with a warning.

Write: ``WEBVTT``, then one cue per segment, times to the millisecond.  Options: ``speakers``
(``<v Name>``), ``karaoke`` (each word as ``<00:00:01.000><c>word</c>``, plus a timestamp at
the end of a word followed by a pause, so word starts and ends read back exactly), ``bilingual``
(translation lines under the text).  Unlike SRT, WebVTT keeps empty cues.
"""

from __future__ import annotations

import html
import re

from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, Segment
from app.core.timecode import format_timecode
from app.formats import markup
from app.formats.context import Context, Parsed, split_lines
from app.formats.text import TimedText
from app.formats.timing import fix_times, looks_like_timing, parse_stamp, parse_timing_line
from app.formats.writing import text_lines, timed_words, word_pieces

NAME = "vtt"
EXTENSIONS = (".vtt", ".webvtt")
DESCRIPTION = "WebVTT subtitles (web players, YouTube)"
OPTIONS = frozenset({"speakers", "karaoke", "bilingual"})

_TAG_RE = re.compile(r"<([^<>]*)>")
_TAG_NAME_RE = re.compile(r"^(/?)([A-Za-z][A-Za-z0-9]*)([^\s]*)\s*(.*)$", re.DOTALL)
_IDENT_RE = re.compile(r"^\s*\d{1,9}\s*$")
_BLOCK_KEYWORDS = ("NOTE", "STYLE", "REGION")


def sniff(text: str) -> bool:
    return text.lstrip("\ufeff").startswith("WEBVTT")


def _is_header(line: str) -> bool:
    line = line.lstrip("\ufeff")
    return line.startswith("WEBVTT") and (len(line) == 6 or line[6] in " \t")


def _keyword_block(line: str) -> bool:
    s = line.strip()
    return any(s == k or s.startswith(k + " ") or s.startswith(k + "\t") for k in _BLOCK_KEYWORDS)


def _is_timing(line: str) -> bool:
    return parse_timing_line(line, "vtt") is not None or looks_like_timing(line)


def read(text: str, ctx: Context) -> Parsed:
    lines = split_lines(text)
    n = len(lines)
    meta: dict = {}
    i = 0
    rec = markup.record(NAME)
    if _is_header(lines[0]):
        i = 1
        while i < n and lines[i].strip() and not _is_timing(lines[i]):
            key, sep, value = lines[i].partition(":")
            if sep and key.strip().lower() == "language" and value.strip():
                meta["language"] = value.strip()
            i += 1
        if i > 1 or lines[0].strip() != "WEBVTT":
            rec["header"] = lines[:i]
    else:
        if not any(line.strip() for line in lines):
            return Parsed([])
        if not any(_is_timing(line) for line in lines):
            ctx.fail(1, "not a WebVTT file: no 'WEBVTT' header and no cue")
        ctx.warn(1, "'WEBVTT' header missing")
    segments: list[Segment] = []
    before: list[str] = []  # NOTE, STYLE and REGION blocks since the last cue
    for first, block in _blocks(lines, i):
        for seg, extra in _read_block(ctx, first, block, before):
            markup.add_cue(rec, seg, **extra)
            segments.append(seg)
    if before:
        rec["tail"] = before
    return Parsed(segments, markup.keep(meta, rec, "header" in rec or "tail" in rec))


def _blocks(lines: list[str], i: int):
    """``(first line index, lines)`` of each run of non-blank lines from line ``i``."""
    block: list[str] = []
    start = i
    for j in range(i, len(lines)):
        if lines[j].strip():
            if not block:
                start = j
            block.append(lines[j])
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _read_block(ctx: Context, first: int, block: list[str],
                before: list[str]) -> list[tuple[Segment, dict]]:
    """The cues of one block, each with what the markup record keeps of it; a NOTE, STYLE
    or REGION block goes to ``before`` (it is written back before the next cue)."""
    timings = [k for k, line in enumerate(block) if _is_timing(line)]
    if not timings:
        if not _keyword_block(block[0]):
            ctx.warn(first + 1, "text outside any cue ignored", kind="text outside any cue")
        else:
            before.append("\n".join(block))
        return []
    ident = None
    if timings[0] > 1 and not _keyword_block(block[0]):
        ctx.warn(first + 1, "text outside any cue ignored", kind="text outside any cue")
    elif timings[0] > 0 and _keyword_block(block[0]):
        ctx.warn(first + timings[0] + 1, "no blank line after a NOTE, STYLE or REGION block",
                 kind="missing blank line")
        before.append("\n".join(block[:timings[0]]))
    elif timings[0] == 1:
        ident = block[0].strip()
    out = []
    for idx, k in enumerate(timings):
        stop = timings[idx + 1] if idx + 1 < len(timings) else len(block)
        if idx + 1 < len(timings):
            ctx.warn(first + stop + 1, "no blank line before this cue", kind="missing blank line")
            if stop - 1 > k and _IDENT_RE.match(block[stop - 1]):
                stop -= 1  # that line is the next cue's identifier
        line_no = first + k + 1
        tl = parse_timing_line(block[k], "vtt")
        if tl is None:
            ctx.warn(line_no, f"unreadable timing line {block[k].strip()[:60]!r}: cue skipped",
                     kind="unreadable timing line")
            continue
        fixed = fix_times(ctx, line_no, tl, None)
        if fixed is None:
            continue
        start, end, guessed = fixed
        payload = "\n".join(block[k + 1:stop])
        seg = _read_payload(ctx, line_no, payload, start, end)
        seg = seg.with_flags({TIMES_ESTIMATED}) if guessed else seg
        plain = "\n".join(_escape(line) for line in text_lines(seg.text))
        extra = {"raw": payload if payload != plain or seg.speaker else None,
                 "absolute": bool(seg.words), "ident": ident if idx == 0 else None,
                 "settings": tl.rest or None, "before": list(before) or None}
        before.clear()
        out.append((seg, extra))
    return out


def _read_payload(ctx: Context, line_no: int, payload: str, start: int, end: int) -> Segment:
    tt = TimedText(start, end)
    speaker: str | None = None
    last_mark = start
    pos = 0
    for m in _TAG_RE.finditer(payload):
        tt.add(html.unescape(payload[pos:m.start()]))
        pos = m.end()
        inner = m.group(1)
        if inner[:1].isdigit():
            stamp = parse_stamp(inner, "vtt")
            if stamp is not None:
                if not (last_mark <= stamp.ms <= end):
                    ctx.warn(line_no, "inline timestamp out of order or outside the cue",
                             kind="inline timestamp out of order")
                last_mark = max(last_mark, stamp.ms)
                tt.mark(stamp.ms)
                continue
        tag = _TAG_NAME_RE.match(inner)
        if tag is None:
            tt.add(html.unescape(m.group(0)))  # "<3", "< b >": text, not a tag
            continue
        closing, name, _classes, annotation = tag.groups()
        if not closing and name.lower() == "v" and speaker is None:
            speaker = " ".join(html.unescape(annotation).split()) or None
    tt.add(html.unescape(payload[pos:]))
    text, words = tt.build()
    return Segment(start, end, text, words=words, speaker=speaker)


# -- writing ----------------------------------------------------------------------------------
def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ts(ms: int) -> str:
    return format_timecode(ms, sep=".")


def _karaoke_payload(seg: Segment) -> str:
    """Words as ``<start><c>word</c>``, with ``<end>`` after a word followed by a pause.

    The first word's start is implied by the cue start (WebVTT wants inline timestamps after
    it), unless the cue would then have no timestamp at all and read back as untimed.
    """
    pieces = word_pieces(seg, timed_words(seg))
    words = [w for _, w in pieces if w is not None]
    implied = words[0].start == seg.start and (
        len(words) > 1 or words[0].end < seg.end)
    out: list[str] = []
    wi = 0
    for piece, w in pieces:
        if w is None:
            out.append(_escape(piece))
            continue
        if not (wi == 0 and implied):
            out.append(f"<{_ts(w.start)}>")
        out.append(f"<c>{_escape(piece)}</c>")
        nxt = words[wi + 1].start if wi + 1 < len(words) else seg.end
        if w.end < nxt:
            out.append(f"<{_ts(w.end)}>")
        wi += 1
    return "".join(out)


def write(doc: Document, *, speakers: bool = False, karaoke: bool = False,
          bilingual: bool = False) -> str:
    rec = markup.for_format(doc, NAME)
    header = _lines(rec.get("header")) if rec else []
    parts = ["\n".join(header) + "\n\n" if header and _is_header(header[0]) else "WEBVTT\n\n"]
    for seg in doc:
        kept = markup.cue(rec, seg)
        raw = None
        if not karaoke and not (bilingual and text_lines(seg.translation)):
            raw = markup.raw_text(rec, seg)
        if raw is not None:
            body = _one_block(raw)
        else:
            if karaoke and seg.text.strip():
                body = _karaoke_payload(seg)
            else:
                body = "\n".join(_escape(line) for line in text_lines(seg.text))
            if speakers and seg.speaker and seg.speaker.strip():
                body = f"<v {_escape(' '.join(seg.speaker.split()))}>{body}"
            if bilingual:
                body = "\n".join([*([body] if body else []),
                                  *map(_escape, text_lines(seg.translation))])
        parts.extend(f"{_one_block(b)}\n\n" for b in _lines(kept.get("before")))
        settings = " ".join(str(kept.get("settings") or "").split())
        timing = f"{_ts(seg.start)} --> {_ts(seg.end)}" + (f" {settings}" if settings else "")
        ident = " ".join(str(kept.get("ident") or "").split())
        if ident and "-->" not in ident:
            timing = f"{ident}\n{timing}"
        parts.append(f"{timing}\n{body}\n\n" if body else f"{timing}\n\n")
    if rec:
        parts.extend(f"{_one_block(b)}\n\n" for b in _lines(rec.get("tail")))
    return "".join(parts)


def _lines(value) -> list[str]:
    """A list of strings from a markup record (anything else: nothing)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _one_block(text: str) -> str:
    """``text`` without blank lines (a blank line would end the block early)."""
    return "\n".join(line for line in split_lines(text) if line.strip())
