"""SubRip (``.srt``).

Reading uses Cueline's own line-based parser rather than ``srt.parse``: that parser is one
regular expression that rejects a whole file on the first defect or, with
``ignore_errors=True``, skips what it cannot match silently, with no line numbers; it reads
``,5`` as 5 ms (not 500), and a cue with neither a number nor a blank line before it ends up
inside the previous cue's text (checked with srt 3.5).  Here every timing line
(``start --> end``) starts a cue, so cue numbers and blank lines are optional, and each repair
is reported with its line.  Writing uses the ``srt`` library's ``Subtitle.to_srt`` for each block
(not ``srt.compose``, which would drop zero-length cues and renumber behind our back).

What SRT keeps: times to the millisecond, and the text with each line stripped and empty lines
dropped (a blank line ends a cue in SRT).  SRT cannot hold a cue with no text, so the writer
leaves empty cues out.  Styling tags (``<i>``, ``<b>``, ``<font>``...) and ASS override blocks
(``{\\an8}``) are removed from the text on reading; the cue as written, and any coordinates
after its times, are kept in the document's markup record (:mod:`app.formats.markup`) and
written back for every cue not edited since, so SRT to SRT loses nothing.  SRT has no speaker
field: with ``speakers`` the writer prefixes ``Name: ``, which reads back as part of the text.
"""

from __future__ import annotations

import re
from datetime import timedelta

import srt as srtlib

from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, Segment
from app.formats import markup
from app.formats.context import Context, Parsed, split_lines
from app.formats.text import TimedText, strip_markup
from app.formats.timing import TimingLine, fix_times, looks_like_timing, parse_timing_line
from app.formats.writing import cue_lines

NAME = "srt"
EXTENSIONS = (".srt",)
DESCRIPTION = "SubRip subtitles"
OPTIONS = frozenset({"speakers", "bilingual"})

# A cue number, with any spaces or control characters around it (a stray U+001C-U+001F or
# U+0001 from a broken editor); int() refuses those, so only the digits are read.
_INDEX_RE = re.compile(r"^[\s\x00-\x1f\x7f-\x9f]*(\d{1,9})[\s\x00-\x1f\x7f-\x9f]*$")
_PARTIAL_TIMING_RE = re.compile(r"^\s*\d[\d:.,]*\s*(?:-{1,3}>?\s*[\d:.,]*)?\s*$")


def sniff(text: str) -> bool:
    head = "\n".join(split_lines(text[:4096])[:12])
    return any(parse_timing_line(line, "srt") for line in head.split("\n"))


def read(text: str, ctx: Context) -> Parsed:
    lines = split_lines(text)
    n = len(lines)
    timing: dict[int, TimingLine | None] = {}
    for i, line in enumerate(lines):
        parsed = parse_timing_line(line, "srt")
        if parsed is not None:
            timing[i] = parsed
        elif looks_like_timing(line):
            timing[i] = None
    if not timing:
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            return Parsed([])
        ctx.fail(first + 1, "no SRT cue found (expected a line like '00:00:01,000 --> 00:00:02,000')")
    starts = sorted(timing)
    index_lines = {t - 1 for t in starts if t > 0 and _INDEX_RE.match(lines[t - 1])}
    for i in range(starts[0]):
        if lines[i].strip() and i not in index_lines:
            ctx.warn(i + 1, "text before the first cue ignored")
            break
    segments: list[Segment] = []
    rec = markup.record(NAME)
    expected_index = 1
    for k, t in enumerate(starts):
        nxt = starts[k + 1] if k + 1 < len(starts) else n
        body_end = nxt - 1 if (nxt - 1) in index_lines else nxt
        if k + 1 == len(starts):
            body_end = _drop_trailing_index(ctx, lines, t + 1, body_end)
        if t - 1 in index_lines:
            number = int(_INDEX_RE.match(lines[t - 1]).group(1))  # type: ignore[union-attr]
            if number != expected_index:
                ctx.warn(t, f"cue number {number} out of sequence (expected {expected_index})",
                         kind="cue number out of sequence")
            expected_index = number + 1
        else:
            ctx.warn(t + 1, "cue number missing", kind="cue number missing")
            expected_index += 1
        if k > 0:
            before = (t - 2) if (t - 1) in index_lines else (t - 1)
            if before >= 0 and lines[before].strip() and before > starts[k - 1]:
                ctx.warn(before + 2, "no blank line before this cue", kind="missing blank line")
        tl = timing[t]
        if tl is None:
            ctx.warn(t + 1, f"unreadable timing line {lines[t].strip()[:60]!r}: cue skipped",
                     kind="unreadable timing line")
            continue
        body = lines[t + 1:body_end]
        _check_inner_blank(ctx, body, t + 2)
        next_start = None
        if k + 1 < len(starts) and timing[starts[k + 1]] is not None:
            next_start = timing[starts[k + 1]].start.ms  # type: ignore[union-attr]
        if k + 1 == len(starts) and tl.cut_short and not "".join(body).strip():
            tl = TimingLine(tl.start, None, tl.rest)  # "00:00:05,000 --> 00:00:0" at the end
        fixed = fix_times(ctx, t + 1, tl, next_start)
        if fixed is None:
            continue
        start, end, guessed = fixed
        tt = TimedText(start, end)
        tt.add(strip_markup("\n".join(body)))
        cue_text, _ = tt.build()
        if not cue_text:
            ctx.warn(t + 1, "cue has no text", kind="cue has no text")
        flags = frozenset({TIMES_ESTIMATED}) if guessed else frozenset()
        seg = Segment(start, end, cue_text, flags=flags)
        raw = "\n".join(line for line in body if line.strip())
        markup.add_cue(rec, seg, raw if raw != cue_text else None, rest=tl.rest)
        segments.append(seg)
    return Parsed(segments, markup.keep({}, rec, False))


def _rest(value) -> str:
    """Coordinates kept after a cue's times (``X1:40 X2:600 Y1:20 Y2:50``), on one line."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _check_inner_blank(ctx: Context, body: list[str], first_line: int) -> None:
    seen_blank = False
    for j, line in enumerate(body):
        if not line.strip():
            seen_blank = True
        elif seen_blank:
            ctx.warn(first_line + j, "blank line inside a cue: the text after it is kept in the cue",
                     kind="blank line inside a cue")
            return


def _drop_trailing_index(ctx: Context, lines: list[str], lo: int, hi: int) -> int:
    """Drop an incomplete cue at the very end of the file: its number, maybe part of its time.

    A file cut off there leaves ``3`` or ``3`` and ``00:00:0`` after the last cue's text.
    """
    j = hi
    while j > lo and not lines[j - 1].strip():
        j -= 1
    for tail in (1, 2):
        k = j - tail  # first line of the tail
        if k <= lo or lines[k - 1].strip() or not _INDEX_RE.match(lines[k]):
            continue
        if tail == 2 and not _PARTIAL_TIMING_RE.match(lines[k + 1]):
            continue
        ctx.warn(k + 1, "the file ends with an incomplete cue (truncated file?): it is left out")
        return k
    return hi


def write(doc: Document, *, speakers: bool = False, bilingual: bool = False) -> str:
    blocks: list[str] = []
    index = 1
    rec = markup.for_format(doc, NAME)
    for seg in doc:
        lines = cue_lines(seg, speakers=speakers, bilingual=bilingual)
        if not lines:
            continue  # SRT cannot hold a cue with no text
        content = "\n".join(lines)
        if lines == cue_lines(seg):  # no speaker prefix or translation added
            content = markup.raw_text(rec, seg) or content
        sub = srtlib.Subtitle(
            index=index,
            start=timedelta(milliseconds=seg.start),
            end=timedelta(milliseconds=seg.end),
            content=content,
            proprietary=_rest(markup.cue(rec, seg).get("rest")),
        )
        blocks.append(sub.to_srt(strict=True))
        index += 1
    return "".join(blocks)
