"""``cueline info MEDIA...``: what each media file holds and how much of it is speech.

Per file: duration, audio channels and rate, codec and container, video (frame rate, size)
or not, and the share of speech the voice-activity detector finds.  ``--json`` prints one
JSON list for scripts.  A file that cannot be read is one ``cueline: error: FILE: PROBLEM``
line; the other files are still processed and the exit status is 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.cli import error

NAME = "info"
HELP = "show duration, channels, sample rate, video and share of speech of media files"
EXIT_SOME_FAILED = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", nargs="+", metavar="MEDIA", help="audio or video files")
    parser.add_argument("--json", action="store_true", help="print one JSON list")
    parser.add_argument("--no-speech", dest="speech", action="store_false",
                        help="skip voice-activity detection (headers only: instant)")
    parser.add_argument("--vad", choices=("auto", "silero", "energy"), default="auto",
                        help="speech detector (default: Silero when available, else energy)")


def describe(path: str, speech: bool = True, vad: str = "auto") -> dict:
    """Facts about one media file as a JSON-ready dict; raises MediaError."""
    import numpy as np

    from app.audio.decode import decode
    from app.audio.probe import probe
    from app.audio.samples import ENGINE_RATE
    from app.audio.vad import SpeechMap, speech_regions

    info = probe(path)
    out = {
        "path": path,
        "duration_ms": info.duration_ms,
        "channels": info.channels,
        "sample_rate": info.sample_rate,
        "audio_codec": info.audio_codec,
        "container": info.container,
        "has_video": info.has_video,
        "video_fps": info.video_fps,
        "video_size": list(info.video_size) if info.video_size else None,
    }
    if speech:
        samples = decode(path, ENGINE_RATE, mono=True, dtype=np.int16)
        regions = speech_regions(samples, ENGINE_RATE, method=vad)
        smap = SpeechMap(regions, max(info.duration_ms, len(samples) * 1000 // ENGINE_RATE))
        out.update(speech_ms=smap.speech_ms, speech_fraction=round(smap.speech_fraction, 4),
                   speech_regions=len(regions))
    return out


def _clock(ms: int) -> str:
    h, rem = divmod(int(ms), 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, frac = divmod(rem, 1000)
    return f"{h}:{m:02d}:{s:02d}.{frac:03d}"


def format_text(d: dict) -> str:
    lines = [d["path"]]
    lines.append(f"  duration     {_clock(d['duration_ms'])} ({d['duration_ms'] / 1000:.1f} s)")
    ch = d["channels"]
    lines.append(f"  audio        {ch} channel{'s' if ch != 1 else ''}, {d['sample_rate']} Hz, "
                 f"{d['audio_codec']} in {d['container']}")
    if d["has_video"]:
        parts = ["yes"]
        if d.get("video_fps"):
            parts.append(f"{d['video_fps']:g} fps")
        if d.get("video_size"):
            parts.append("x".join(str(v) for v in d["video_size"]))
        lines.append(f"  video        {', '.join(parts)}")
    else:
        lines.append("  video        no")
    if "speech_ms" in d:
        lines.append(f"  speech       {d['speech_fraction'] * 100:.0f}% "
                     f"({d['speech_ms'] / 1000:.1f} s in {d['speech_regions']} region"
                     f"{'s' if d['speech_regions'] != 1 else ''})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from app.audio.errors import MediaError

    results = []
    failed = False
    for i, path in enumerate(args.media):
        try:
            d = describe(path, speech=args.speech, vad=args.vad)
        except MediaError as exc:
            failed = True
            error(f"{path}: {exc.problem}")
            results.append({"path": path, "error": exc.problem})
            continue
        results.append(d)
        if not args.json:
            if i:
                print()
            print(format_text(d))
            sys.stdout.flush()
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return EXIT_SOME_FAILED if failed else 0
