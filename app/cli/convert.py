"""``cueline convert IN OUT``: read any supported subtitle format and write any other.

With ``--profile`` the cues are re-shaped (line length, reading speed, durations) under a
subtitle profile on the way.  Reader warnings go to stderr as ``cueline: warning: file:line:
...``; a file that cannot be read or written is one ``cueline: error:`` line and exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from app.cli import UserError, warn
from app.cli.outputs import refuse_input
from app.core.document import Document
from app.formats import (
    FORMATS,
    FormatError,
    ReadResult,
    format_for_path,
    get_format,
    read_bytes,
    read_capped,
    read_file,
    write_file,
    write_text,
)

NAME = "convert"
HELP = "convert subtitles between SRT, WebVTT, ASS/SSA, plain text and Cueline JSON"
STDIO = "-"

_OPTION_FLAGS = {
    "karaoke": "--karaoke",
    "speakers": "--speakers",
    "timestamps": "--timestamps",
    "bilingual": "--bilingual",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    names = sorted(FORMATS)
    parser.add_argument("input", metavar="IN", help="file to read ('-' for standard input)")
    parser.add_argument("output", metavar="OUT",
                        help="file to write ('-' for standard output, with --to)")
    parser.add_argument("--from", dest="from_format", choices=names, metavar="FORMAT",
                        help=f"format of IN ({', '.join(names)}); default: from its extension "
                        "or content")
    parser.add_argument("--to", dest="to_format", choices=names, metavar="FORMAT",
                        help="format of OUT; default: from its extension")
    parser.add_argument("--profile", metavar="NAME",
                        help="re-shape the cues under a subtitle profile (e.g. netflix-en, bbc, "
                        "vertical) or a profile JSON file")
    parser.add_argument("--karaoke", action="store_true",
                        help="word-level timing: WebVTT inline timestamps, ASS \\k tags")
    parser.add_argument("--speakers", action="store_true",
                        help="speaker labels: <v Name> in WebVTT, 'Name: ' in SRT and text "
                        "(ASS always fills its Name field)")
    parser.add_argument("--timestamps", action="store_true",
                        help="plain text: start each segment with its [hh:mm:ss] time")
    parser.add_argument("--bilingual", action="store_true",
                        help="write each cue's translation under its text")
    parser.add_argument("--force", action="store_true",
                        help="write the --to format even when OUT's extension names another")


def _read(args: argparse.Namespace) -> ReadResult:
    if args.input == STDIO:
        data = read_capped(sys.stdin.buffer, "<stdin>")
        return read_bytes(data, args.from_format, source="<stdin>")
    return read_file(args.input, args.from_format)


def _target(args: argparse.Namespace) -> str:
    """The output format: ``--to``, else OUT's extension; both, disagreeing, is an error
    (WebVTT written into ``film.srt`` breaks every player that trusts the name)."""
    if args.output == STDIO and not args.to_format:
        raise UserError("writing to standard output needs --to FORMAT")
    if not args.to_format:
        return get_format(format_for_path(args.output)).name
    target = get_format(args.to_format).name
    if args.output != STDIO and not args.force:
        try:
            named = get_format(format_for_path(args.output)).name
        except FormatError:
            named = None  # an extension no format claims (.sub, none): --to decides
        if named is not None and named != target:
            raise UserError(f"'{args.output}': --to {target} contradicts its extension, which "
                            f"names {named}; rename OUT, or add --force to write {target} anyway")
    return target


def _shape(doc: Document, profile_name: str, bilingual: bool = False) -> Document:
    try:
        from app.subtitles import load_profile, shape
    except ImportError as exc:
        raise UserError(f"--profile: subtitle profiles are not available ({exc})") from exc
    profile = load_profile(profile_name)
    if bilingual:  # cut so that both languages fit their lines (app/subtitles/bilingual.py)
        from app.subtitles.bilingual import bilingual_cues

        lang = doc.meta.get("translation_language")
        result = bilingual_cues(list(doc), profile, source_language=doc.meta.get("language"),
                                target_language=lang if isinstance(lang, str) else None,
                                shape_cues=True)
        for p in result.problems:
            warn(f"cue {p.index + 1}, {p.language}: {p.message}")
        return Document(result.cues, media=doc.media, meta=dict(doc.meta))
    cues = shape(list(doc), profile)
    return Document(cues, media=doc.media, meta=dict(doc.meta))


def run(args: argparse.Namespace) -> int:
    target = _target(args)
    if args.input != STDIO and args.output != STDIO:
        refuse_input(args.output, [args.input], "OUT")
    result = _read(args)
    for w in result.warnings:
        warn(str(w))
    doc = result.document
    if args.profile:
        doc = _shape(doc, args.profile, bilingual=bool(getattr(args, "bilingual", False)))
    allowed = FORMATS[target].options
    options = {}
    for key, flag in _OPTION_FLAGS.items():
        if getattr(args, key, False):
            if key in allowed:
                options[key] = True
            else:
                warn(f"{flag} does not apply to {target} output: ignored")
    if args.output == STDIO:
        text = write_text(doc, target, **options)
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8", errors="replace"))  # as write_file does
        sys.stdout.buffer.flush()
        return 0
    write_file(doc, args.output, target, **options)
    print(f"{args.output}: {len(doc)} cue(s) written as {target}")
    return 0
