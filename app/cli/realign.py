"""``cueline realign MEDIA DOC -o OUT``: re-time a transcript corrected outside Cueline.

DOC is a Cueline JSON transcript or a ``.cueline`` project (any subtitle file works too: its
segments have no words).  Every segment whose words no longer spell its text, or that has no
words, gets words aligned against MEDIA within its own time range; it may grow into the pause
next to it, never into a neighbour (the profile's minimum gap is kept).  Where the old words
still match the text (a word or two corrected), those keep their times and only the changed
ones are aligned, as in the editor (:mod:`app.align.realign`).  Every other segment and word
comes back unchanged, to the millisecond.  New times less plausible than the old are refused:
the segment keeps its estimate and is flagged ``times_estimated``.

The output format follows OUT's extension (``.cueline`` writes a project) or ``--format``;
without ``-o`` it is DOC's name with ``.realigned`` before the extension.  No input file is
ever overwritten.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli import OUTPUT_FORMATS, UserError, output_format, warn

NAME = "realign"
HELP = "re-time a transcript corrected outside Cueline (Cueline JSON or a .cueline project)"
PROJECT = "cueline"
FORMATS = (*OUTPUT_FORMATS, PROJECT)
STALE_WARNING = "words do not match the text"  # the JSON reader's warning about them


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", metavar="MEDIA", help="the audio or video the transcript is of")
    parser.add_argument("doc", metavar="DOC",
                        help="the corrected transcript: Cueline JSON or a .cueline project")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="output file (default: DOC's name with .realigned before the "
                        "extension)")
    parser.add_argument("--format", choices=FORMATS, dest="fmt",
                        help="output format (default: from OUT's extension, else DOC's)")
    parser.add_argument("--language", metavar="CODE",
                        help="language of the speech (default: the transcript's)")
    parser.add_argument("--aligner", choices=("whisper", "qwen"),
                        help="aligner (default: the Qwen3 forced aligner when installed and "
                        "the language is one of its 11, else Whisper)")
    parser.add_argument("--profile", metavar="NAME", default="default",
                        help="the subtitle profile whose minimum gap between cues is kept "
                        "(default: default)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")


def _is_project(path: Path) -> bool:
    return path.suffix.lower() == f".{PROJECT}"


def _format(args: argparse.Namespace) -> str:
    if args.fmt:
        return args.fmt
    if args.output:
        return PROJECT if _is_project(Path(args.output)) else output_format(None, args.output)
    doc = Path(args.doc)
    if _is_project(doc):
        return PROJECT
    return output_format(None, str(doc), default="json") if doc.suffix else "json"


def _output(args: argparse.Namespace, fmt: str) -> Path:
    if args.output:
        out = Path(args.output)
    else:
        doc = Path(args.doc)
        out = doc.with_name(f"{doc.stem}.realigned.{fmt}")
    for given in (args.doc, args.media):
        if out.resolve() == Path(given).resolve():
            raise UserError(f"'{out}' is an input file: give another -o (inputs are never "
                            "overwritten)")
    return out


def _raw_words(path: Path) -> dict[str, list]:
    """The words each segment of a Cueline JSON or project file had, by segment id."""
    from app.core.serialize import word_from_dict

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    out: dict[str, list] = {}
    for item in data.get("segments", []) if isinstance(data, dict) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        try:
            out[item["id"]] = [word_from_dict(w) for w in item.get("words") or []]
        except (KeyError, TypeError, ValueError):
            continue
    return out


def _load_project(path: Path):
    """A project; one whose words no longer spell a segment's text loads with those words
    left out (they are re-timed)."""
    from app.core.document import Document, MediaRef
    from app.core.model import word_spans
    from app.core.project import FORMAT, ProjectError, load_project
    from app.core.serialize import segment_from_dict

    try:
        return load_project(path)
    except ProjectError as exc:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise exc from None
            segments = []
            for item in data.get("segments", []):
                seg = segment_from_dict(item)
                if seg.words and word_spans(seg.text, seg.words) is None:
                    seg = seg.replace(words=())
                segments.append(seg)
            media = data.get("media")
            ref = MediaRef(**{k: media[k] for k in media if k in MediaRef.__dataclass_fields__}) \
                if isinstance(media, dict) else None
            return Document(segments, media=ref, meta=dict(data.get("meta") or {}))
        except ProjectError:
            raise
        except Exception:  # noqa: BLE001 - not the words: the project's own message says why
            raise exc from None


def _load(path: Path):
    """``(document, old words by id of the segments whose words no longer spell the text)``."""
    from app.core.model import word_spans
    from app.formats import read_file

    if not path.is_file():
        raise UserError(f"'{path}': no such transcript file")
    raw = _raw_words(path)
    if _is_project(path):
        doc = _load_project(path)
    else:
        result = read_file(path)
        for w in result.warnings:
            if STALE_WARNING not in w.message:  # expected here: those are re-timed
                warn(f"{path}: {w}")
        doc = result.document
    stale = {s.id: raw[s.id] for s in doc
             if not s.words and raw.get(s.id) and word_spans(s.text, raw[s.id]) is None}
    return doc, stale


def run(args: argparse.Namespace) -> int:
    from app.align.realign import apply_realign, prepare_realign
    from app.audio.decode import decode
    from app.audio.samples import ENGINE_RATE
    from app.cli.transcribe import ProgressBar
    from app.core.document import MediaRef
    from app.core.model import WORDS_STALE
    from app.core.project import save_project
    from app.core.words import retime_text
    from app.engines.languages import normalize_code
    from app.formats import write_file
    from app.pipeline.realign import realign_words
    from app.subtitles.profiles import ProfileError, load_profile

    fmt = _format(args)
    out = _output(args, fmt)
    media = Path(args.media)
    if not media.is_file():
        raise UserError(f"'{media}': no such media file")
    try:
        gap = load_profile(args.profile).min_gap()
    except ProfileError as exc:
        raise UserError(str(exc)) from None
    doc, stale = _load(Path(args.doc))
    # corrected words: the old ones that still match keep their times, the others are estimated
    with doc.transaction("Corrected outside Cueline"):
        for sid, old in stale.items():
            seg = doc.get(sid)
            words, _ = retime_text(seg.text, old, seg.start, seg.end)
            if any(not w.estimated for w in words):
                doc.replace_segment(seg.replace(words=tuple(words),
                                                flags=seg.flags | {WORDS_STALE}))
    ids = [s.id for s in doc if s.text.strip() and (not s.words or s.id in stale)]
    samples = decode(media)
    language = normalize_code(args.language) or (str(doc.meta.get("language") or "") or None)
    from app.align.registry import best_aligner

    aligner = best_aligner(language, prefer=args.aligner)
    plan = prepare_realign(doc, ids, language, mode="local", min_gap_ms=gap)
    bar = ProgressBar(Path(args.doc).name, enabled=not args.quiet)
    try:
        timed = realign_words(plan, samples, ENGINE_RATE, aligner=aligner, progress=bar)
    finally:
        bar.done()
    result = apply_realign(doc, plan, timed)
    if doc.media is None:
        doc.media = MediaRef(path=str(media.resolve()), duration_ms=len(samples) * 1000 // ENGINE_RATE)
    try:
        if fmt == PROJECT:
            save_project(doc, out)
        else:
            write_file(doc, out, fmt)
    except OSError as exc:
        raise UserError(f"'{out}': cannot write: {exc.strerror or exc}") from None
    if not args.quiet:
        n, k = len(result.applied), len(result.kept)
        changed = sum(1 for sid in result.applied if sid in stale)
        line = (f"re-aligned {n} segment{'s' if n != 1 else ''} ({changed} whose words no longer "
                f"spelled the text, {n - changed} without words)")
        if k:
            line += (f"; {k} kept the earlier times (the new ones were less plausible) and are "
                     "flagged times_estimated")
        print(line, file=sys.stderr)
        print(f"{media} + {args.doc} -> {out}", file=sys.stderr)
    return 0
