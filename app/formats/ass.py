"""Advanced SubStation Alpha (``.ass``) and SubStation Alpha (``.ssa``).

Read: ``[Script Info]`` (title, PlayRes kept in the document's meta), styles ignored,
``[Events]`` read through its ``Format:`` line (so SSA's ``Marked`` field or a reordered format
work), ``Dialogue:`` lines only.  In the text, ``\\N`` is a line break, ``\\n`` a space and
``\\h`` a no-break space; override blocks ``{\\...}`` are removed, except that karaoke tags
``\\k``/``\\K``/``\\kf``/``\\ko`` give word times; drawings (``\\p1``) are skipped; the Name field
gives the speaker.

Write: a valid ASS v4.00+ script with one ``Default`` style and a PlayRes (1920x1080 unless
``play_res`` says otherwise); the Name field always carries the speaker (players do not show
it).  Options: ``karaoke`` (``{\\k}`` tags, centiseconds per word, pauses as empty syllables),
``bilingual``, ``play_res``, ``font``, ``font_size``.

What ASS keeps: times to the centisecond (the nearest 10 ms), the text with each line stripped
and empty lines dropped, empty cues, speakers (a comma in a speaker name becomes a space, since
commas separate the fields).  Everything else in the file (the script info, styles and other
sections, comments and other event lines, each event's layer, style, margins and effect, and
its text as written with override tags) is kept in the document's markup record
(:mod:`app.formats.markup`) and written back by the ASS writer (an event's text only while it is
not edited), so ASS to ASS loses nothing.  Literal ``\\``, ``{`` and ``}`` are written escaped (``\\\\``,
``\\{``, ``\\}``, as FFmpeg does) and read back.
"""

from __future__ import annotations

import re

from app.core.document import Document
from app.core.model import TIMES_ESTIMATED, Segment
from app.core.timecode import format_ass_time
from app.formats import markup
from app.formats.context import Context, Parsed, split_lines
from app.formats.text import TimedText
from app.formats.timing import TimingLine, fix_times, parse_stamp
from app.formats.writing import text_lines, timed_words, word_pieces

NAME = "ass"
EXTENSIONS = (".ass", ".ssa")
DESCRIPTION = "Advanced SubStation Alpha (Aegisub, libass, karaoke)"
OPTIONS = frozenset({"speakers", "karaoke", "bilingual", "play_res", "font", "font_size"})

DEFAULT_FIELDS = ["layer", "start", "end", "style", "name", "marginl", "marginr", "marginv",
                  "effect", "text"]
_TOKEN_RE = re.compile(r"\{([^{}]*)\}|\\([Nnh{}\\])|([^{\\]+|[{\\])")
_TAG_RE = re.compile(r"\\(kf|ko|k|K|p)\s*(\d{1,9}(?:\.\d{0,3})?)", re.IGNORECASE)
# Dialogue fields kept as written (the writer's defaults otherwise): see the module doc.
_KEPT_FIELDS = ("layer", "style", "marginl", "marginr", "marginv", "effect")
_META_KEYS = {"title": "title", "playresx": "play_res_x", "playresy": "play_res_y",
              "scripttype": "script_type", "wrapstyle": "wrap_style"}


def sniff(text: str) -> bool:
    head = text.lstrip("\ufeff")[:4096].lower()
    return head.lstrip().startswith("[script info]") or "\n[events]" in head


def read(text: str, ctx: Context) -> Parsed:
    lines = split_lines(text)
    section: str | None = None
    fields: list[str] | None = None
    meta: dict = {}
    seen: set[str] = set()
    segments: list[Segment] = []
    rec = markup.record(NAME, head=[], tail=[])
    before: list[str] = []  # event lines other than Dialogue (Comment...) since the last one
    for i, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
            seen.add(section)
        is_dialogue = line.lower().startswith("dialogue:")  # a segment: never kept raw
        if "events" not in seen:
            if not is_dialogue:  # script info, styles, fonts: everything before the events
                rec["head"].append(raw)
        elif section != "events":
            if not is_dialogue:
                rec["tail"].append(raw)  # sections after the events
        elif line and not is_dialogue and not line.lower().startswith(("format:", "[")):
            before.append(raw)
        if not line or line.startswith(";") or line.startswith("!:"):
            continue
        if line.startswith("[") and line.endswith("]"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep:
            continue
        if section == "script info" and key.replace(" ", "") in _META_KEYS:
            meta[_META_KEYS[key.replace(" ", "")]] = value.strip()
        elif section == "events" and key == "format":
            fields = _format_fields(ctx, i + 1, value)
        elif key == "dialogue":
            if section != "events":
                ctx.warn(i + 1, "Dialogue line outside the [Events] section", kind="dialogue outside")
            if fields is None:
                ctx.warn(i + 1, "no Format line before the events: the standard ASS order assumed",
                         kind="no format line")
                fields = list(DEFAULT_FIELDS)
            read = _read_dialogue(ctx, i + 1, value, fields, meta)
            if read is not None:
                seg, kept = read
                markup.add_cue(rec, seg, before=list(before) or None, **kept)
                before.clear()
                segments.append(seg)
    if not segments and "script info" not in seen and "events" not in seen:
        ctx.fail(1, "not an ASS/SSA file: no [Script Info] or [Events] section")
    if "script info" not in seen:
        ctx.warn(1, "[Script Info] section missing")
    rec["events_tail"] = before
    for key in ("head", "tail", "events_tail"):
        while rec[key] and not rec[key][-1].strip():
            rec[key].pop()
    has_more = any(rec[k] for k in ("head", "tail", "events_tail"))
    return Parsed(segments, markup.keep({k: v for k, v in meta.items() if v}, rec, has_more))


def _format_fields(ctx: Context, line_no: int, value: str) -> list[str] | None:
    fields = [f.strip().lower() for f in value.split(",")]
    missing = [f for f in ("start", "end", "text") if f not in fields]
    if missing:
        ctx.warn(line_no, f"Format line lacks {', '.join(missing)}: the standard ASS order assumed")
        return list(DEFAULT_FIELDS)
    return fields


def _read_dialogue(ctx: Context, line_no: int, value: str, fields: list[str],
                   meta: dict) -> tuple[Segment, dict] | None:
    """The segment of a Dialogue line, and what the markup record keeps of the line."""
    values = value.split(",", len(fields) - 1)
    if len(values) < len(fields):
        ctx.warn(line_no, f"Dialogue line has {len(values)} fields, the format has {len(fields)}: "
                 "line skipped", kind="too few fields")
        return None
    rec = dict(zip(fields, values, strict=True))
    start = parse_stamp(rec["start"], "ass")
    if start is None:
        ctx.warn(line_no, f"unreadable start time {rec['start'].strip()[:30]!r}: line skipped",
                 kind="unreadable start time")
        return None
    end = parse_stamp(rec["end"], "ass")
    fixed = fix_times(ctx, line_no, TimingLine(start, end, ""), None)
    if fixed is None:
        return None
    s, e, guessed = fixed
    soft_break = "\n" if meta.get("wrap_style", "").strip() == "2" else " "
    seg = _read_text(rec["text"], s, e, soft_break)
    name = " ".join((rec.get("name") or rec.get("actor") or "").split())
    if name:
        seg = seg.replace(speaker=name)
    seg = seg.with_flags({TIMES_ESTIMATED}) if guessed else seg
    kept = {key: rec[key].strip() for key in _KEPT_FIELDS if key in rec}
    if "\\N".join(_escape(line) for line in text_lines(seg.text)) != rec["text"]:
        kept["raw"] = rec["text"]
    return seg, kept


def _read_text(text: str, start: int, end: int, soft_break: str) -> Segment:
    tt = TimedText(start, end)
    cursor = start
    drawing = False
    for m in _TOKEN_RE.finditer(text):
        block, escape, plain = m.groups()
        if block is not None:
            for tag, amount in _TAG_RE.findall(block):
                if tag.lower() == "p":
                    drawing = float(amount) > 0
                    continue
                dur = int(round(float(amount) * 10))
                tt.mark(cursor, cursor + dur)
                cursor += dur
        elif drawing:
            continue
        elif escape is not None:
            tt.add({"N": "\n", "n": soft_break, "h": "\u00a0"}.get(escape, escape))
        else:
            tt.add(plain)
    body, words = tt.build()
    return Segment(start, end, body, words=words)


# -- writing ----------------------------------------------------------------------------------
STYLE_FORMAT = ("Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
                "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
                "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding")
EVENT_FORMAT = "Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("\n", "\\N")


def _cs(ms: int) -> int:
    return int(round(max(0, ms) / 10.0))


def _karaoke_text(seg: Segment) -> str:
    out: list[str] = []
    cursor = _cs(seg.start)
    for piece, w in word_pieces(seg, timed_words(seg)):
        if w is None:
            out.append(_escape(piece))
            continue
        ws, we = max(_cs(w.start), cursor), max(_cs(w.end), cursor)
        if ws > cursor:
            out.append(f"{{\\k{ws - cursor}}}")
        out.append(f"{{\\k{we - ws}}}{_escape(piece)}")
        cursor = we
    return "".join(out)


def write(doc: Document, *, speakers: bool = True, karaoke: bool = False, bilingual: bool = False,
          play_res: tuple[int, int] = (1920, 1080), font: str = "Arial",
          font_size: int | None = None) -> str:
    """An ASS script; ``speakers`` is accepted for symmetry (the Name field is always written)."""
    res_x, res_y = (int(v) for v in play_res)
    size = font_size or max(8, round(res_y * 0.06))
    margin = max(10, round(res_y * 0.045))
    title = str(doc.meta.get("title") or "Cueline subtitles").replace("\n", " ")
    rec = markup.for_format(doc, NAME)
    head = _lines(rec.get("head")) if rec else []
    out = head + [""] if any(line.strip() for line in head) else [
        "[Script Info]",
        "; Written by Cueline",
        f"Title: {title}",
        "ScriptType: v4.00+",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: None",
        f"PlayResX: {res_x}",
        f"PlayResY: {res_y}",
        "",
        "[V4+ Styles]",
        f"Format: {STYLE_FORMAT}",
        f"Style: Default,{font.replace(',', ' ')},{size},&H00FFFFFF,&H000000FF,&H00000000,"
        f"&H80000000,0,0,0,0,100,100,0,0,1,{max(1, round(size / 20))},1,2,"
        f"{margin},{margin},{margin},1",
        "",
    ]
    out += ["[Events]", f"Format: {EVENT_FORMAT}"]
    for seg in doc:
        kept = markup.cue(rec, seg)
        raw = None
        if not karaoke and not (bilingual and text_lines(seg.translation)):
            raw = markup.raw_text(rec, seg)
        if raw is not None:
            body = _one_line(raw)
        elif karaoke and seg.text.strip():
            body = _karaoke_text(seg)
        else:
            body = "\\N".join(_escape(line) for line in text_lines(seg.text))
        if bilingual and raw is None:
            body = "\\N".join([*([body] if body else []),
                               *(_escape(line) for line in text_lines(seg.translation))])
        out.extend(_one_line(line) for line in _lines(kept.get("before")))
        name = " ".join((seg.speaker or "").replace(",", " ").split())
        f = {key: _one_line(str(kept.get(key, ""))).replace(",", " ") for key in _KEPT_FIELDS}
        layer = f["layer"] if f["layer"].isdigit() else "0"
        out.append(f"Dialogue: {layer},{format_ass_time(seg.start)},{format_ass_time(seg.end)},"
                   f"{f['style'] or 'Default'},{name},{f['marginl'] or 0},{f['marginr'] or 0},"
                   f"{f['marginv'] or 0},{f['effect']},{body}")
    if rec:
        out.extend(_one_line(line) for line in _lines(rec.get("events_tail")))
        tail = _lines(rec.get("tail"))
        if tail:
            out += [""] + tail
    return "\n".join(out) + "\n"


def _lines(value) -> list[str]:
    """A list of strings from a markup record (anything else: nothing)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")
