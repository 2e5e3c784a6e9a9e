"""Benchmark: speaker detection accuracy, speed and memory (issue 15).

Test sets (all made or shipped here, so the figures can be reproduced offline):

* synthesised interviews (``tests/speakers/interview.py``): 2, 3 and 4 espeak-ng voices, short
  and long turns, some with an interjection of another speaker on top (overlapping speech);
  the truth is known per sentence and per word;
* the real stereo interview (``tests/data/stereo_diarization.wav``) mixed to mono (the right
  speaker talks over the left one for 2.3 of its 5 s), and per channel;
* a real one-speaker speech (``resources/demo/jfk.flac``) and a synthesised one;
* 10 s of near silence.

Measured per set: speakers found against the truth, word-level speaker accuracy (each word of
the transcript labelled; names mapped one to one), diarization error rate (missed + false
alarm + confusion over the reference speech time, no collar, optimal mapping) and its
confusion part alone, CPU seconds per audio minute of the detection (on top of
transcription: the transcript is given), and the process's peak memory.

    .venv/bin/python packaging/bench/bench_speakers.py [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.audio.decode import decode  # noqa: E402
from app.audio.vad import speech_regions  # noqa: E402
from app.core.model import Segment  # noqa: E402
from app.speakers import detect_speakers, diarize  # noqa: E402
from app.speakers.metrics import diarization_error, word_accuracy  # noqa: E402
from tests.speakers.conftest import transcript, true_speakers  # noqa: E402
from tests.speakers.interview import build_interview, have_espeak  # noqa: E402

JFK = ROOT / "resources" / "demo" / "jfk.flac"
STEREO = ROOT / "tests" / "data" / "stereo_diarization.wav"
JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_set(name: str, samples, segments, reference, n_true: int, encoder, truth_words=None,
            n_speakers=None, channels=False, channel_of=None) -> dict:
    audio_min = (samples.shape[-1] / 16000) / 60.0
    c0, t0 = time.process_time(), time.perf_counter()
    result = detect_speakers(samples, segments, n_speakers=n_speakers, channels=channels,
                             channel_of=channel_of, encoder=encoder, use_profiles=False)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    d = result.diarization
    if channels:
        hyp = [(a, b, k) for ch in range(len(d.labels)) for a, b, k in d.turns(ch)]
    else:
        hyp = d.turns()
    row = {"set": name, "audio_s": round(samples.shape[-1] / 16000, 1), "true": n_true,
           "found": result.n_speakers, "asked": n_speakers or "auto"}
    if reference:
        der = diarization_error(reference, hyp)
        row.update(der=round(der.rate, 3), confusion=round(der.confusion_ms / der.reference_ms, 3),
                   missed=round(der.missed_ms / der.reference_ms, 3),
                   false_alarm=round(der.false_alarm_ms / der.reference_ms, 3))
    if truth_words is not None:
        found = [s.speaker for s in result.segments for _w in s.words]
        row["word_acc"] = round(word_accuracy(truth_words(result.segments), found), 3)
    row.update(cpu_s_per_min=round(cpu / audio_min, 2) if audio_min else 0.0,
               wall_s=round(wall, 2), peak_mb=round(peak_mb()))
    return row


def interview_sets(quick: bool) -> list[tuple[str, object, int | None]]:
    specs = [(2, 14, 21, 2), (2, 24, 22, 3), (3, 16, 23, 2), (3, 24, 24, 2), (4, 18, 25, 2),
             (4, 28, 26, 3)]
    if quick:
        specs = specs[::2]
    out = []
    for n, turns, seed, overlaps in specs:
        iv = build_interview(n, turns, seed, overlaps=overlaps)
        out.append((f"interview {n} voices, {turns} turns", iv, None))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="half the interviews")
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args()
    if not have_espeak():
        print("espeak-ng is needed (packaging/system-deps.sh test)", file=sys.stderr)
        return 2
    from app.engines.voice import load_encoder

    base_mb = peak_mb()
    c0 = time.process_time()
    encoder = load_encoder()
    load_cpu = time.process_time() - c0
    rows = []
    for name, iv, asked in interview_sets(args.quick):
        segs = transcript(iv)
        rows.append(run_set(name, iv.samples, segs, iv.reference(), iv.n_speakers, encoder,
                            truth_words=lambda out, iv=iv: true_speakers(iv, out), n_speakers=asked))
        two = transcript(iv, turns_per_segment=2)
        rows.append(run_set(name + " (2 turns a segment)", iv.samples, two, iv.reference(),
                            iv.n_speakers, encoder, truth_words=lambda out, iv=iv: true_speakers(iv, out)))
        rows.append(run_set(name, iv.samples, segs, iv.reference(), iv.n_speakers, encoder,
                            truth_words=lambda out, iv=iv: true_speakers(iv, out),
                            n_speakers=iv.n_speakers))
    one = build_interview(1, 8, 27)
    rows.append(run_set("one synthesised voice", one.samples, transcript(one), one.reference(), 1,
                        encoder, truth_words=lambda out: [0] * sum(len(s.words) for s in out)))
    jfk = decode(JFK, 16000)
    rows.append(run_set("JFK (real, one speaker)", jfk, [Segment(300, 10800, JFK_TEXT)],
                        [(a, b, 0) for a, b in speech_regions(jfk)], 1, encoder))
    st = decode(STEREO, 16000, mono=False)
    truth = [(a, b, ch) for ch in (0, 1) for a, b in speech_regions(st[ch])]
    whole = [Segment(0, 5000, "x")]
    rows.append(run_set("stereo interview mixed to mono", st.mean(axis=0), whole, truth, 2, encoder))
    rows.append(run_set("stereo interview mixed to mono", st.mean(axis=0), whole, truth, 2, encoder,
                        n_speakers=2))
    chan = [Segment(250, 5000, "left", speaker="Speaker 1"), Segment(350, 2650, "right",
                                                                      speaker="Speaker 2")]
    rows.append(run_set("stereo interview per channel", st, chan, truth, 2, encoder, channels=True,
                        channel_of=lambda s: int(s.speaker[-1]) - 1))
    silence = np.random.default_rng(0).normal(0, 0.001, 160000).astype(np.float32)
    rows.append(run_set("silence", silence, [Segment(0, 2000, "x")], [], 0, encoder))
    d = diarize(silence, encoder=encoder)
    assert d.n_speakers == 0

    cols = ("set", "audio_s", "true", "asked", "found", "word_acc", "der", "confusion", "missed",
            "false_alarm", "cpu_s_per_min", "wall_s", "peak_mb")
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r.get(c, "-")) for c in cols))
    speech = [r for r in rows if r["audio_s"] >= 30]
    cpu = [r["cpu_s_per_min"] for r in speech]
    print(f"\nencoder load: {load_cpu:.1f} s CPU (once per process); peak memory before loading "
          f"{base_mb:.0f} MB, at the end {peak_mb():.0f} MB")
    print(f"CPU per audio minute on interviews of 30 s or more: median {np.median(cpu):.1f} s "
          f"(min {min(cpu):.1f}, max {max(cpu):.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "load_cpu_s": load_cpu}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
