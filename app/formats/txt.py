"""Plain text (``.txt``): transcripts for journalists, and scripts to align.

Write: without timestamps, paragraphs (a new one when the speaker changes or after a pause of
2 s or more), ``Name: `` at the start of a paragraph with ``speakers``; segments of a script
read without times (flagged ``untimed``) stay one per line.  With ``timestamps``
(``True`` for ``[hh:mm:ss]``, ``"ms"`` for ``[hh:mm:ss.mmm]``) one segment per line, each
starting with its time (and ``Name: `` with ``speakers``), a blank line when the speaker
changes.  ``bilingual`` writes each segment's translation under it.  ``turns`` writes an
interview transcript: one paragraph per speaker turn (consecutive segments of one speaker
joined, a long turn cut at a sentence end after about 600 characters), each starting with
``[hh:mm:ss] Name:`` (the time with ``timestamps``, the name with ``speakers``).

Read: if lines start with a bracketed time (``[01:02:03]``, ``[02:03]``, ``(01:02:03.500)``,
or a range ``[00:00:01.000 --> 00:00:04.000]`` as whisper.cpp prints), each such line starts a
segment that ends where the next one starts (an estimated end, flagged ``times_estimated``,
unless the range gave it); lines without a time continue the segment above.  Otherwise the text
is a script: each non-empty line, cut into sentences, becomes one segment flagged ``untimed``
and ``times_estimated``, laid end to end from 0 at a reading speed of 15 characters a second
(at least 1 s each) so the editor shows them in order until alignment gives real times.

Speakers: a leading ``Name: `` (up to four words) is read as the speaker when at least two
entries have one and either every entry does or a name repeats; inside a paragraph, lines
without a name keep the speaker of the line above.
"""

from __future__ import annotations

import re

from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, UNTIMED, Segment
from app.core.timecode import format_timecode, parse_timecode
from app.formats.context import Context, Parsed, split_lines
from app.formats.text import normalize_text
from app.formats.timing import TOO_LATE, time_too_late
from app.formats.writing import cue_lines, text_lines

NAME = "txt"
EXTENSIONS = (".txt",)
DESCRIPTION = "Plain text transcript or script"
OPTIONS = frozenset({"timestamps", "speakers", "bilingual", "turns"})
PARAGRAPH_GAP_MS = 2000
PARAGRAPH_CHARS = 600
READING_CPS = 15.0
MIN_UNTIMED_MS = 1000

_TC = r"(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TS_LINE_RE = re.compile(
    rf"^\s*[\[(]\s*(?P<a>{_TC})(?:\s*(?:-->|-|\u2013|\u2014)\s*(?P<b>{_TC}))?\s*[\])]\s*(?P<rest>.*)$"
)
_SPEAKER_RE = re.compile(r"^(?P<name>[^\W\d_][\w'\u2019.\- ]{0,38}?)\s*:\s+(?P<text>\S.*)$")
_SENTENCE_END_RE = re.compile(
    r"([.!?\u2026]+[\"'\u201d\u2019)\]]*)(?=\s)|([\u3002\uff01\uff1f]+[\u300d\u300f\u201d\u2019)]*)"
)
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st vs etc eg ie jr sr prof no mt ft approx dept est inc ltd co".split()
)


# -- reading ----------------------------------------------------------------------------------
def _timestamp(line: str) -> tuple[int, int | None, str] | None:
    m = _TS_LINE_RE.match(line)
    if not m:
        return None
    try:
        start = parse_timecode(m.group("a"))
        end = parse_timecode(m.group("b")) if m.group("b") else None
    except ValueError:
        return None
    return start, end, m.group("rest")


def _speaker(text: str) -> tuple[str | None, str]:
    m = _SPEAKER_RE.match(text.strip())
    if not m or len(m.group("name").split()) > 4:
        return None, text
    return " ".join(m.group("name").split()), m.group("text")


def _use_speakers(names: list[str | None]) -> bool:
    """Speaker prefixes are trusted when at least two entries have one and either all do or a
    name repeats (so "Warning: ..." in a script stays text)."""
    found = [n for n in names if n]
    return len(found) >= 2 and (len(found) == len(names) or len(set(found)) < len(found))


def read(text: str, ctx: Context) -> Parsed:
    lines = split_lines(text)
    if any(_timestamp(line) for line in lines):
        return Parsed(_read_timestamped(ctx, lines))
    return Parsed(_read_script(lines))


def _read_timestamped(ctx: Context, lines: list[str]) -> list[Segment]:
    entries: list[dict | None] = []
    for i, line in enumerate(lines):
        ts = _timestamp(line)
        if ts is not None and (time_too_late(ts[0]) or time_too_late(ts[1] or 0)):
            ctx.warn(i + 1, TOO_LATE, kind=TOO_LATE)
            entries.append(None)  # lines below belong to the skipped entry
            continue
        if ts is not None:
            start, end, rest = ts
            entries.append({"start": start, "end": end, "first": rest, "more": [], "line": i + 1})
        elif not line.strip():
            continue
        elif not entries:
            ctx.warn(i + 1, "text before the first timestamp ignored", kind="text before first time")
        elif entries[-1] is not None:
            entries[-1]["more"].append(line)
    found: list[dict] = [e for e in entries if e is not None]
    names = [_speaker(e["first"])[0] for e in found if e["first"].strip()]
    use = _use_speakers(names)
    out: list[Segment] = []
    for k, e in enumerate(found):
        speaker, first = _speaker(e["first"]) if use else (None, e["first"])
        body = normalize_text("\n".join([first, *e["more"]]))
        start, end = e["start"], e["end"]
        flags: frozenset[str] = frozenset()
        if end is None:
            nxt = found[k + 1]["start"] if k + 1 < len(found) else None
            end = nxt if nxt is not None and nxt >= start else start + _reading_ms(body)
            flags = frozenset({TIMES_ESTIMATED})
        if end < start:
            ctx.warn(e["line"], "time range ends before it starts: start and end swapped",
                     kind="end before start")
            start, end = end, start
        out.append(Segment(start, end, body, speaker=speaker, flags=flags))
    return out


def _reading_ms(text: str) -> int:
    return max(MIN_UNTIMED_MS, int(round(len(text) * 1000 / READING_CPS)))


def _read_script(lines: list[str]) -> list[Segment]:
    units: list[tuple[str | None, str, str, bool]] = []  # speaker, rest, line, new paragraph
    new_paragraph = True
    for line in lines:
        if not line.strip():
            new_paragraph = True
            continue
        name, rest = _speaker(line)
        units.append((name, rest, line, new_paragraph))
        new_paragraph = False
    use = _use_speakers([u[0] for u in units])
    out: list[Segment] = []
    cursor = 0
    speaker: str | None = None
    flags = frozenset({UNTIMED, TIMES_ESTIMATED})
    for name, rest, line, starts_paragraph in units:
        if starts_paragraph:
            speaker = None
        if use and name:
            speaker = name
        for sentence in split_sentences(normalize_text(rest if use and name else line)):
            dur = _reading_ms(sentence)
            out.append(Segment(cursor, cursor + dur, sentence, speaker=speaker if use else None,
                               flags=flags))
            cursor += dur
    return out


def split_sentences(text: str) -> list[str]:
    """Cut ``text`` after sentence-ending punctuation, sparing abbreviations and initials."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        end = m.end()
        if m.group(1):
            if m.group(1).startswith(".") and _is_abbreviation(text[start:m.start()]):
                continue
            after = text[end:].lstrip()
            if after[:1].islower():
                continue
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


def _is_abbreviation(before: str) -> bool:
    m = re.search(r"([\w.]+)$", before)
    if not m:
        return False
    word = m.group(1).replace(".", "").lower()
    return word in _ABBREVIATIONS or (len(m.group(1)) == 1 and m.group(1).isalpha())


# -- writing ----------------------------------------------------------------------------------
def _stamp(ms: int, precise: bool) -> str:
    tc = format_timecode(ms, sep=".")
    return tc if precise else tc[:-4]


def write(doc: Document, *, timestamps: bool | str = False, speakers: bool = False,
          bilingual: bool = False, turns: bool = False) -> str:
    if turns:
        return _write_turns(doc, timestamps=timestamps, speakers=speakers)
    if timestamps:
        return _write_timestamped(doc, precise=(timestamps == "ms"), speakers=speakers,
                                  bilingual=bilingual)
    if bilingual:
        blocks = ["\n".join(cue_lines(s, speakers=speakers, bilingual=True)) for s in doc]
        return "\n\n".join(b for b in blocks if b) + "\n"
    paragraphs: list[str] = []
    current = ""
    prev: Segment | None = None
    for seg in doc:
        text = " ".join(text_lines(seg.text))
        if not text:
            continue
        if current and prev is not None and (
            seg.speaker != prev.speaker
            or seg.start - prev.end >= PARAGRAPH_GAP_MS
            or (len(current) > PARAGRAPH_CHARS and current[-1:] in ".!?\u2026")
        ):
            paragraphs.append(current)
            current = ""
        if not current and speakers and seg.speaker and seg.speaker.strip():
            text = f"{seg.speaker.strip()}: {text}"
        # A script read without times keeps its lines: there are no pauses to go by.
        joiner = "\n" if prev is not None and prev.has(UNTIMED) and seg.has(UNTIMED) else " "
        current = f"{current}{joiner}{text}" if current else text
        prev = seg
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs) + ("\n" if paragraphs else "")


def _write_timestamped(doc: Document, *, precise: bool, speakers: bool, bilingual: bool) -> str:
    out: list[str] = []
    prev: Segment | None = None
    for seg in doc:
        if prev is not None and (seg.speaker != prev.speaker):
            out.append("")
        lines = cue_lines(seg, speakers=speakers, bilingual=bilingual)
        head = f"[{_stamp(seg.start, precise)}]"
        out.append(f"{head} {lines[0]}" if lines else head)
        out.extend(lines[1:])
        prev = seg
    return "\n".join(out) + ("\n" if out else "")


def speaker_turns(doc: Document, max_chars: int = PARAGRAPH_CHARS) -> list[tuple[int, str | None, str]]:
    """``(start_ms, speaker, text)`` of each turn: consecutive segments of one speaker joined
    into one paragraph; a turn longer than ``max_chars`` goes on in a new paragraph (with its
    own time) after a sentence end.  Also used by the DOCX writer."""
    out: list[tuple[int, str | None, str]] = []
    cur: list = []  # start, speaker, text
    for seg in doc:
        text = " ".join(text_lines(seg.text))
        if not text:
            continue
        who = seg.speaker.strip() if seg.speaker and seg.speaker.strip() else None
        if cur and cur[1] == who and not (len(cur[2]) > max_chars and cur[2][-1:] in ".!?\u2026"):
            cur[2] = f"{cur[2]} {text}"
            continue
        if cur:
            out.append((cur[0], cur[1], cur[2]))
        cur = [seg.start, who, text]
    if cur:
        out.append((cur[0], cur[1], cur[2]))
    return out


def _write_turns(doc: Document, *, timestamps: bool | str, speakers: bool) -> str:
    out = []
    for start, who, text in speaker_turns(doc):
        head = f"[{_stamp(start, timestamps == 'ms')}] " if timestamps else ""
        name = f"{who}: " if speakers and who else ""
        out.append(f"{head}{name}{text}")
    return "\n\n".join(out) + ("\n" if out else "")
