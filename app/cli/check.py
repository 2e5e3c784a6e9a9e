"""``cueline check SUBS [--media M] [--profile P] [--spell LANG] [--json]``: the quality report.

Lists, cue by cue, what breaks the profile's rules (reading speed, line length and count,
durations, gaps, overlaps), the shot change rules when ``--media`` gives the video (a cue
crossing a cut, an edge a few frames off one: the video's frame rate is used for every
frame-based rule), and the misspelled words with ``--spell LANG``.  Each line:

    #12  00:01:02,345  error    cps            reading speed 23.1 characters/s (at most 20)

Exit status: 0 when nothing was found, 1 when problems were found, 2 when a file (subtitles,
media, profile, word list) cannot be used or the language has no dictionary.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.cli import UserError, warn
from app.core.timecode import format_timecode

NAME = "check"
HELP = "check subtitles against a profile's rules, the video's shot changes and spelling"
EXIT_PROBLEMS = 1
SPELLING = "spelling"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subs", metavar="SUBS", help="subtitle file (SRT, WebVTT, ASS, TXT, JSON)")
    parser.add_argument("--media", metavar="M",
                        help="the video: adds the shot change rules and uses its frame rate")
    parser.add_argument("--profile", metavar="P", default="default",
                        help="subtitle profile id or JSON file (default: default)")
    parser.add_argument("--spell", metavar="LANG",
                        help="check spelling with this language's dictionary (en, de, es, fr, it, "
                        "nl, pt, ru, ar, eu, fa, lv)")
    parser.add_argument("--words", metavar="FILE",
                        help="extra known words for --spell (names, jargon), one per line or any "
                        "text")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def collect(segments, profile, *, shots=None, fps=None, speller=None) -> list[dict]:
    """Every problem as a JSON-ready dict, in cue order."""
    from app.subtitles import check
    from app.subtitles.shotrules import SHOT_CROSSING, SHOT_EDGE

    out = []
    for v in check(segments, profile, fps=fps, shots=shots):
        seg = segments[v.segment_index]
        kind = "shot" if v.rule in (SHOT_EDGE, SHOT_CROSSING) else "rule"
        out.append(_problem(v.segment_index, seg, kind, v.rule, v.severity, v.message))
    if speller is not None:
        from app.subtitles.spelling import check_segments

        for index, m in check_segments(segments, speller):
            p = _problem(index, segments[index], SPELLING, SPELLING, "warning",
                         f"unknown word {m.word!r}")
            p["word"] = m.word
            p["suggestions"] = speller.suggestions(m.word, limit=5, budget_s=0.05)
            out.append(p)
    out.sort(key=lambda p: p["cue"])
    return out


def _problem(index: int, seg, kind: str, rule: str, severity: str, message: str) -> dict:
    return {"cue": index + 1, "start": format_timecode(seg.start), "start_ms": seg.start,
            "end_ms": seg.end, "kind": kind, "rule": rule, "severity": severity,
            "message": message}


def _speller(lang: str, words_file: str | None):
    from app.subtitles.spelling import Speller, vocabulary_words

    known: set[str] = set()
    if words_file:
        try:
            with open(words_file, encoding="utf-8", errors="replace") as f:
                known = vocabulary_words(f.read())
        except OSError as exc:
            raise UserError(f"{words_file}: cannot read the word list "
                            f"({exc.strerror or exc})") from None
    return Speller(lang, known)


def run(args: argparse.Namespace) -> int:
    from app.formats import read_file
    from app.subtitles import load_profile

    if args.words and not args.spell:
        raise UserError("--words needs --spell LANG")
    result = read_file(args.subs)
    for w in result.warnings:
        warn(str(w))
    segments = list(result.document.segments)
    profile = load_profile(args.profile)
    speller = _speller(args.spell, args.words) if args.spell else None
    shots = fps = None
    if args.media:
        from app.audio.shots import shot_changes

        found = shot_changes(args.media)
        shots, fps = list(found.times_ms), found.fps
    problems = collect(segments, profile, shots=shots, fps=fps, speller=speller)
    counts = {k: sum(1 for p in problems if p["kind"] == k) for k in ("rule", "shot", SPELLING)}
    cues = len({p["cue"] for p in problems})
    if args.json:
        json.dump({"file": args.subs, "profile": profile.id, "cues": len(segments),
                   "media": args.media, "fps": fps, "shot_changes": len(shots) if shots is not None else None,
                   "spelling": speller.language if speller else None, "problems": problems,
                   "summary": {"problems": len(problems), "cues_with_problems": cues, **counts}},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for p in problems:
            print(f"#{p['cue']:<4} {p['start']}  {p['severity']:<7}  {p['rule']:<14} {p['message']}")
        if problems:
            print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {cues} of "
                  f"{len(segments)} cues ({counts['rule']} rule, {counts['shot']} shot change, "
                  f"{counts[SPELLING]} spelling)")
        else:
            extra = []
            if shots is not None:
                extra.append(f"{len(shots)} shot changes")
            if speller is not None:
                extra.append(f"spelling ({speller.language})")
            print(f"{len(segments)} cues: no problems ({profile.name}"
                  f"{', ' + ', '.join(extra) if extra else ''})")
    return EXIT_PROBLEMS if problems else 0
