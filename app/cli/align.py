"""``cueline align MEDIA SCRIPT``: time a script (plain text, or subtitles with wrong or missing
times) against a recording, headless.

The script is read with :func:`app.formats.read_file` (plain text becomes one untimed line per
line of text) and written with :func:`app.formats.write_file`; JSON output keeps the words.
Script lines the audio does not contain, and speech the script does not contain, are reported
on stderr as warnings and flagged in the output document.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import OUTPUT_FORMATS, UserError, output_format, warn
from app.formats import same_file

NAME = "align"
HELP = "align a script (plain text or subtitles) to media: word-level times"
FORMATS = OUTPUT_FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", metavar="MEDIA", help="audio or video file")
    parser.add_argument("script", metavar="SCRIPT",
                        help="the text: plain text (one line per cue) or a subtitle file")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="output file (default: MEDIA's name with the format's extension)")
    parser.add_argument("--format", choices=FORMATS, dest="fmt",
                        help="output format (default: from OUT's extension, else srt)")
    parser.add_argument("--language", metavar="CODE",
                        help="language of the speech (ISO code such as en, de); default: detect")
    parser.add_argument("--aligner", choices=("whisper", "qwen"),
                        help="aligner (default: the Qwen3 forced aligner when installed and "
                        "the language is one of its 11, else Whisper)")
    parser.add_argument("--model", metavar="NAME|PATH",
                        help="the aligner's model (default: the bundled Whisper base)")
    parser.add_argument("--profile", metavar="NAME",
                        help="shape the cues under a subtitle profile (netflix-en, bbc, ...)")
    parser.add_argument("--no-extra", action="store_true",
                        help="leave out speech the script does not contain (it is still "
                        "reported)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")


def _format(args: argparse.Namespace) -> str:
    return output_format(args.fmt, args.output)


def _output(args: argparse.Namespace, fmt: str) -> Path:
    """OUT, or MEDIA's name with the format's extension (``.aligned`` before it when that is
    the script or the media itself); never one of the inputs (see :mod:`app.cli.outputs`)."""
    from app.cli.outputs import refuse_input

    inputs = (args.media, args.script)
    if args.output:
        refuse_input(args.output, inputs, "-o")
        return Path(args.output)
    media = Path(args.media)
    out = media.with_suffix(f".{fmt}")
    if any(same_file(out, p) for p in inputs):
        out = media.with_name(f"{media.stem}.aligned.{fmt}")
        refuse_input(out, inputs)
    return out


def run(args: argparse.Namespace) -> int:
    from app.audio.decode import decode
    from app.audio.samples import ENGINE_RATE
    from app.cli.transcribe import ProgressBar
    from app.core.document import Document, MediaRef
    from app.engines.languages import normalize_code
    from app.formats import read_file, write_file
    from app.pipeline.script import align_script

    fmt = _format(args)
    out = _output(args, fmt)
    media = Path(args.media)
    if not media.is_file():
        raise UserError(f"'{media}': no such media file")
    read = read_file(args.script)
    for w in read.warnings:
        warn(f"{args.script}: {w}")
    script = [s for s in read.document if s.text.strip()]
    if not script:
        raise UserError(f"'{args.script}': the script has no text to align")
    profile = None
    if args.profile:
        from app.subtitles import load_profile

        profile = load_profile(args.profile)
    language = normalize_code(args.language)
    samples = decode(media)
    bar = ProgressBar(media.name, enabled=not args.quiet)
    try:
        result = align_script(samples, ENGINE_RATE, script, language, args.aligner, model=args.model,
                              include_extra_speech=not args.no_extra, progress=bar)
    finally:
        bar.done()
    for note in result.warnings:
        warn(note)
    for u in result.unmatched:
        warn(u.describe())
    segments = result.segments
    if profile is not None:
        from app.subtitles import shape

        segments = shape(segments, profile)
    meta = dict(read.document.meta)
    if result.language:
        meta["language"] = result.language
    doc = Document(segments, media=MediaRef(path=str(media.resolve()),
                                            duration_ms=len(samples) * 1000 // ENGINE_RATE),
                   meta=meta)
    write_file(doc, out, fmt)
    if not args.quiet:
        print(f"{media} + {args.script} -> {out}", file=sys.stderr)
    return 0
