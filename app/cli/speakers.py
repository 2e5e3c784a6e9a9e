"""``cueline speakers MEDIA DOC -o OUT``: who speaks each line of an existing transcript.

DOC is any transcript or subtitle file Cueline reads (JSON keeps word times, so segments are
split exactly where the speaker changes; cues without words get one speaker each).  The voices
are found offline (:mod:`app.speakers`); saved voice profiles name the speakers they match.
The input is never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import OUTPUT_FORMATS, UserError, output_format, warn

NAME = "speakers"
HELP = "detect who speaks each segment of a transcript (offline speaker detection)"


def add_speaker_count(parser: argparse.ArgumentParser, *, default: str | None) -> None:
    parser.add_argument("--speakers", metavar="auto|N", default=default,
                        help="label segments with who speaks: 'auto' finds the number of "
                        "speakers, N asks for exactly N" + ("" if default is None
                                                            else f" (default: {default})"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", metavar="MEDIA", help="the recording (audio or video)")
    parser.add_argument("doc", metavar="DOC", help="its transcript (JSON, SRT, VTT, ASS, TXT)")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="file to write (default: DOC's name + '.speakers' + extension)")
    parser.add_argument("--format", choices=OUTPUT_FORMATS, dest="fmt",
                        help="output format (default: from OUT's extension, else DOC's)")
    add_speaker_count(parser, default="auto")
    parser.add_argument("--channels", action="store_true",
                        help="stereo interview: listen to each segment on its own channel "
                        "(segments named 'Speaker 1'/'Speaker 2' by channel transcription)")
    parser.add_argument("--no-profiles", action="store_true",
                        help="do not name speakers from saved voice profiles")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")


def speaker_count(value: str | None) -> int | None:
    from app.speakers import parse_count

    try:
        return parse_count(value)
    except ValueError as exc:
        raise UserError(f"--speakers: {exc}") from exc


def channel_of_speaker(seg) -> int:
    """The channel a channel-mode segment came from ("Speaker 2" -> 1), else 0."""
    name = seg.speaker or ""
    if name.startswith("Speaker ") and name[8:].isdigit():
        return max(0, int(name[8:]) - 1)
    return 0


def run_detection(samples, segments, n_speakers: int | None, *, channels: bool,
                  profiles: bool, label: str, quiet: bool):
    """Detect speakers with a progress bar on stderr; returns a ``SpeakerResult``."""
    from app.cli.transcribe import ProgressBar
    from app.speakers import detect_speakers

    bar = ProgressBar(f"{label} speakers", enabled=not quiet)
    try:
        result = detect_speakers(samples, segments, n_speakers=n_speakers, channels=channels,
                                 channel_of=channel_of_speaker if channels else None,
                                 use_profiles=profiles, progress=bar)
    finally:
        bar.done()
    if not quiet:
        print(f"{label}: {result.summary()}", file=sys.stderr)
    return result


def speaker_options(fmt: str) -> dict:
    """Writer options that show the speakers: names on cues, and for plain text an interview
    transcript (one timestamped paragraph per turn)."""
    from app.formats import FORMATS

    allowed = FORMATS[fmt].options
    opts = {k: True for k in ("speakers",) if k in allowed}
    if fmt == "txt":
        opts.update(turns=True, timestamps=True)
    return opts


def _output(args: argparse.Namespace, doc: Path, fmt: str) -> Path:
    if args.output:
        out = Path(args.output)
    else:
        out = doc.with_name(f"{doc.stem}.speakers.{fmt}")
    if out.exists() and out.resolve() in (doc.resolve(), Path(args.media).resolve()):
        raise UserError(f"'{out}': refusing to overwrite the input; choose another -o OUT")
    return out


def run(args: argparse.Namespace) -> int:
    from app.audio.decode import decode
    from app.audio.samples import ENGINE_RATE
    from app.core.document import Document
    from app.formats import FORMATS, format_for_path, read_file, write_file

    n = speaker_count(args.speakers)
    media, doc_path = Path(args.media), Path(args.doc)
    if not media.is_file():
        raise UserError(f"'{media}': no such media file")
    if not doc_path.is_file():
        raise UserError(f"'{doc_path}': no such transcript file")
    read = read_file(doc_path)
    for w in read.warnings:
        warn(str(w))
    if args.fmt or args.output:
        fmt = output_format(args.fmt, args.output)
    else:
        fmt = read.format if read.format in FORMATS else format_for_path(doc_path)
    out = _output(args, doc_path, fmt)
    segments = list(read.document)
    if not segments:
        raise UserError(f"'{doc_path}': the transcript has no segments")
    samples = decode(media, ENGINE_RATE, mono=not args.channels)
    if args.channels and samples.ndim == 1:
        warn(f"{media}: one audio channel: --channels ignored")
    result = run_detection(samples, segments, n, channels=args.channels and samples.ndim == 2,
                           profiles=not args.no_profiles, label=media.name, quiet=args.quiet)
    doc = Document(result.segments, media=read.document.media, meta=dict(read.document.meta))
    write_file(doc, out, fmt, **speaker_options(fmt))
    if not args.quiet:
        print(f"{media} + {doc_path} -> {out}", file=sys.stderr)
    return 0
