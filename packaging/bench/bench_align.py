"""Benchmark: forced alignment accuracy and speed.

Ground truth is made with espeak-ng (``tests/align/groundtruth.py``): words synthesised one by
one in several voices and rates, trimmed, and joined with known gaps, so every word's start
and end is exact.  Measured:

* word start / end mean absolute error (ms) of each aligner and model available here
  (Whisper ``base`` and ``tiny.en``; the Qwen3 forced aligner only when its real weights are
  installed), each sentence aligned in its own window (sentence +- 0.5 s, as a re-align does)
  and, for ``base``, whole recordings aligned in windows of up to 25 s (as after a
  transcription), with and without the edge snapping;
* the same errors for faster-whisper's own ``word_timestamps=True`` transcription of the same
  audio (same model, words matched by text);
* re-align latency of one ~10 s segment (jfk.flac), warm model, median of several runs;
* aligning a script to a 10-minute recording (time, and word errors when it is done).

    .venv/bin/python packaging/bench/bench_align.py [--sentences 40] [--minutes 10]
        [--json out.json]

Timings on a shared machine are noisy: run it on an idle one.
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.align.groundtruth import SENTENCES, SR, GroundTruth, build, have_espeak  # noqa: E402

VOICES = ("en", "en-us", "en+f3", "en-gb-x-rp", "en+m3", "en-us+f2", "en+f4", "en-gb-scotland")
JFK = ROOT / "resources" / "demo" / "jfk.flac"
JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")


def _mae(pairs: list[tuple[int, int]]) -> float:
    return float(np.mean([abs(a - b) for a, b in pairs])) if pairs else float("nan")


def per_sentence(aligner, gt: GroundTruth, snap: bool = True) -> dict:
    """Each sentence in its own window (sentence +- 500 ms)."""
    cls = type(aligner)
    old = cls.snap_edges
    cls.snap_edges = snap
    starts, ends = [], []
    t0 = time.perf_counter()
    try:
        for i, sentence in enumerate(gt.sentences):
            a, b = gt.sentence_span(i)
            lo, hi = max(0, a - 500), min(gt.duration_ms, b + 500)
            words = aligner.align(gt.samples[lo * SR // 1000:hi * SR // 1000], SR, sentence,
                                  "en", start_ms=lo)
            truth = [w for w in gt.words if w.sentence == i]
            starts += [(w.start, t.start) for w, t in zip(words, truth, strict=True)]
            ends += [(w.end, t.end) for w, t in zip(words, truth, strict=True)]
    finally:
        cls.snap_edges = old
    elapsed = time.perf_counter() - t0
    return {"words": len(starts), "start_mae_ms": round(_mae(starts), 1),
            "end_mae_ms": round(_mae(ends), 1), "seconds": round(elapsed, 2),
            "ms_per_window": round(1000 * elapsed / max(1, len(gt.sentences)), 1)}


def windowed(aligner, gt: GroundTruth) -> dict:
    """The whole recording: segments at the sentences' true spans, windows of <= 25 s."""
    from app.align.windows import align_segments
    from app.core.model import Segment

    segs = [Segment(*gt.sentence_span(i), s) for i, s in enumerate(gt.sentences)]
    t0 = time.perf_counter()
    out = align_segments(gt.samples, SR, segs, "en", aligner, fit=False)
    elapsed = time.perf_counter() - t0
    words = [w for s in out for w in s.words]
    return {"words": len(words),
            "start_mae_ms": round(_mae([(w.start, t.start) for w, t in zip(words, gt.words,
                                                                           strict=True)]), 1),
            "end_mae_ms": round(_mae([(w.end, t.end) for w, t in zip(words, gt.words,
                                                                     strict=True)]), 1),
            "seconds": round(elapsed, 2)}


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum() or c == "'")


def matched_errors(heard: list[tuple[str, int, int]], gt: GroundTruth) -> dict:
    """Errors of heard words matched to the true words by text."""
    a = [_norm(w.text) for w in gt.words]
    b = [_norm(t) for t, _, _ in heard]
    starts, ends = [], []
    for i, j, n in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        for k in range(n):
            t = gt.words[i + k]
            _, s, e = heard[j + k]
            starts.append((s, t.start))
            ends.append((e, t.end))
    return {"words": len(starts), "of": len(gt.words),
            "start_mae_ms": round(_mae(starts), 1), "end_mae_ms": round(_mae(ends), 1)}


def faster_whisper_words(model_name: str, gt: GroundTruth) -> dict:
    """faster-whisper's own transcription with ``word_timestamps=True`` (beam 5, int8)."""
    from app.engines.loading import load_whisper

    model = load_whisper(model_name, "cpu", "int8")
    t0 = time.perf_counter()
    segments, _ = model.transcribe(gt.samples, language="en", beam_size=5,
                                   word_timestamps=True, condition_on_previous_text=False)
    heard = [(w.word.strip(), int(round(w.start * 1000)), int(round(w.end * 1000)))
             for s in segments for w in (s.words or [])]
    out = matched_errors(heard, gt)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def realign_latency(aligner, runs: int = 7) -> dict:
    from app.align.realign import realign
    from app.audio.decode import decode
    from app.core import edits
    from app.core.document import Document
    from app.core.model import Segment

    x = decode(JFK)
    times = []
    for k in range(runs):
        doc = Document([Segment(0, 10_500, JFK_TEXT)], meta={"language": "en"})
        sid = doc[0].id
        edits.edit_text(doc, sid, JFK_TEXT.replace("country", "nation", 1 + k % 2))
        t0 = time.perf_counter()
        res = realign(doc, [sid], x, SR, aligner)
        times.append(time.perf_counter() - t0)
        assert res.applied == [sid]
    return {"segment_s": 10.5, "runs": runs, "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3), "max_s": round(max(times), 3)}


def long_script(minutes: float, seed: int = 7) -> GroundTruth:
    """About ``minutes`` of speech with unique lines (halves of the test sentences mixed)."""
    rng = random.Random(seed)
    lines: list[str] = []
    seen: set[str] = set()
    n_lines = int(minutes * 60 / 4.2)
    while len(lines) < n_lines:
        a, b = rng.sample(SENTENCES, 2)
        wa, wb = a.split(), b.split()
        line = " ".join(wa[: max(2, len(wa) // 2)] + wb[len(wb) // 2:])
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return build(len(lines), seed=seed, voices=VOICES, sentences=tuple(lines))


def script_alignment(gt: GroundTruth, listen_model: str | None = None) -> dict:
    from app.pipeline.script import align_script

    t0 = time.perf_counter()
    res = align_script(gt.samples, SR, "\n".join(gt.sentences), "en",
                       listen_model=listen_model)
    elapsed = time.perf_counter() - t0
    by_text = {s.text: s for s in res.segments}
    starts, ends = [], []
    for i, sentence in enumerate(gt.sentences):
        seg = by_text[sentence]
        truth = [w for w in gt.words if w.sentence == i]
        starts += [(w.start, t.start) for w, t in zip(seg.words, truth, strict=True)]
        ends += [(w.end, t.end) for w, t in zip(seg.words, truth, strict=True)]
    return {"audio_s": round(gt.duration_ms / 1000, 1), "lines": len(gt.sentences),
            "seconds": round(elapsed, 1), "rtf": round(elapsed * 1000 / gt.duration_ms, 3),
            "listen_s": round(res.stats.get("listen_s", 0.0), 1),
            "align_s": round(res.stats.get("align_s", 0.0), 1),
            "unmatched_lines": sum(u.kind == "script" for u in res.unmatched),
            "extra_speech": [u.text for u in res.unmatched if u.kind == "speech"],
            "start_mae_ms": round(_mae(starts), 1), "end_mae_ms": round(_mae(ends), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--json", metavar="OUT")
    parser.add_argument("--skip-long", action="store_true", help="no 10-minute script run")
    args = parser.parse_args(argv)
    if not have_espeak():
        print("espeak-ng is needed for the ground truth", file=sys.stderr)
        return 2
    from app.align.qwen_aligner import QwenAligner
    from app.align.whisper_aligner import WhisperAligner

    report: dict = {}
    t0 = time.perf_counter()
    gt = build(args.sentences, seed=100, voices=VOICES)
    print(f"ground truth: {len(gt.words)} words, {len(gt.sentences)} sentences, "
          f"{gt.duration_ms / 1000:.0f} s, {len(VOICES)} voices, 3 rates "
          f"(built in {time.perf_counter() - t0:.1f} s)")
    acc: dict = {}
    for name in ("base", "tiny.en"):
        al = WhisperAligner(name, device="cpu")
        al.load()
        al.align(gt.samples[:SR], SR, "warm up", "en")
        acc[f"whisper {name}"] = per_sentence(al, gt)
        acc[f"whisper {name} (no snapping)"] = per_sentence(al, gt, snap=False)
        if name == "base":
            acc["whisper base, 25 s windows"] = windowed(al, gt)
    if QwenAligner.available():
        q = QwenAligner()
        q.load()
        acc["qwen3 forced aligner"] = per_sentence(q, gt)
    else:
        acc["qwen3 forced aligner"] = "not measured: no Qwen3-ForcedAligner weights here"
    for name in ("base", "tiny.en"):
        acc[f"faster-whisper {name} word_timestamps"] = faster_whisper_words(name, gt)
    report["accuracy"] = acc
    for k, v in acc.items():
        if isinstance(v, str):
            print(f"  {k:40s} {v}")
        else:
            extra = f" ({v['words']} of {v['of']} words matched)" if "of" in v else ""
            print(f"  {k:40s} start MAE {v['start_mae_ms']:6.1f} ms   end MAE "
                  f"{v['end_mae_ms']:6.1f} ms   {v['seconds']:.1f} s{extra}")
    base = WhisperAligner("base", device="cpu")
    report["realign_latency"] = realign_latency(base)
    r = report["realign_latency"]
    print(f"re-align one {r['segment_s']} s segment (base, warm): median {r['median_s']} s "
          f"(min {r['min_s']}, max {r['max_s']}, {r['runs']} runs)")
    if not args.skip_long:
        t0 = time.perf_counter()
        long = long_script(args.minutes)
        print(f"long recording: {long.duration_ms / 60000:.1f} min, {len(long.words)} words "
              f"(built in {time.perf_counter() - t0:.0f} s)")
        report["script"] = script_alignment(long)
        s = report["script"]
        print(f"align a script to {s['audio_s'] / 60:.1f} min: {s['seconds']} s (RTF {s['rtf']}; "
              f"listening {s['listen_s']} s, aligning {s['align_s']} s); "
              f"{s['unmatched_lines']} of {s['lines']} lines unmatched, extra speech reported: "
              f"{s['extra_speech']}; word start MAE {s['start_mae_ms']} ms, end MAE "
              f"{s['end_mae_ms']} ms")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
