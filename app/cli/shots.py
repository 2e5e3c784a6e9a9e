"""``cueline shots MEDIA [--json]``: the shot changes (hard cuts) of a video.

One change per line, in seconds with three decimals (the time the new shot's first frame is
shown), or with ``--json`` one object with the frame rate, the times and the frame numbers.
The frame scores are cached like the waveform (a second run, or another sensitivity, is
instant).  A file without video, or one that cannot be read, is one error line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.cli import UserError

NAME = "shots"
HELP = "list the shot changes (cuts) of a video, one per line in seconds"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from app.audio.shots import MIN_SCORE, RATIO

    parser.add_argument("media", metavar="MEDIA", help="a video file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--threshold", type=float, default=MIN_SCORE,
                        help=f"smallest frame difference that can be a cut, 0-1 (default {MIN_SCORE})")
    parser.add_argument("--ratio", type=float, default=RATIO,
                        help="how many times the neighbouring frames' difference a cut must be "
                        f"(default {RATIO:g})")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="decode again even when the scores are cached")


def run(args: argparse.Namespace) -> int:
    from app.audio.shots import shot_changes

    if not 0 < args.threshold < 1:
        raise UserError("--threshold must be between 0 and 1")
    if args.ratio < 1:
        raise UserError("--ratio must be at least 1")
    result = shot_changes(args.media, use_cache=args.cache, min_score=args.threshold,
                          ratio=args.ratio)
    if args.json:
        json.dump({"path": args.media, "fps": round(result.fps, 3),
                   "shot_changes": [round(t, 3) for t in result.times_s],
                   "frames": list(result.frames)}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for t in result.times_s:
            print(f"{t:.3f}")
    return 0
