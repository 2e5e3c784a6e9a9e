"""Benchmark: Cueline's transcription against faster-whisper, whole process, several inputs.

Three variants, each a fresh process per run, the same model, beam size and compute type,
words timed in all three:

* ``cueline``: ``python -m app transcribe MEDIA -o OUT.json`` (the command line, defaults);
* ``batched``: ``faster_whisper.BatchedInferencePipeline(model).transcribe(MEDIA,
  batch_size=8, word_timestamps=True)`` (what whisperX runs);
* ``sequential``: ``faster_whisper.WhisperModel.transcribe(MEDIA, word_timestamps=True)``.

Each figure is the WHOLE process, from spawn to exit: Python start, imports, model load,
media decode, transcription, writing the result.  ``wall`` is the elapsed time, ``CPU s``
user + system time of the process, ``peak MB`` its maximum resident memory (``wait4``).  The
faster-whisper variants get ``cpu_threads`` = the cores; Cueline picks its own threads.
Rounds are interleaved (every variant on every input once per round, in a rotating order) and
the median of the rounds is reported, so a burst of load on a shared machine hits all
variants alike.  WER ignores case and punctuation (``jiwer``).  Each WER difference between
Cueline and a peer comes with its 95 % interval from a paired bootstrap over the reference's
sentences: on a few hundred words a handful of errors either way is within the interval, so
a difference is only read as one when the interval excludes 0.

Inputs (built once into ``--cache`` by ``speech_inputs.py``): ``dialogue`` (two espeak-ng
voices, 5.7 min), ``jfk`` (the real JFK recording looped with pauses, 3.1 min), ``hour``
(64 min of conversation, FLAC), ``hour-b`` (another 65 min, read by other voices than
``hour``'s: a second long input, to check a difference seen on the first), ``stereo`` (the
dialogue one voice per channel: Cueline runs with ``--channels``, the peers on the mix, as
they have no channel mode).

    .venv/bin/python packaging/bench/bench_transcribe.py [--inputs dialogue,jfk,hour]
        [--rounds 3] [--model base] [--before /path/to/older/checkout] [--json out.json]

``--variants cueline,continue,batched`` adds ``continue``: the command line with
``--continue-text`` (each chunk prompted with the text before it).
``--before DIR`` adds a variant ``before``: the command line of another checkout (e.g. main,
``git worktree add /tmp/i14-before main``) in the same interleaved rounds.
Timings on a shared machine are noisy: read CPU seconds first, and run it on an idle machine
for wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for p in (ROOT, HERE):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

PEERS = ("batched", "sequential")
# Cueline's own variants: the command line's defaults, and with --continue-text
OWN = {"cueline": [], "continue": ["--continue-text"]}


def compared(mine: str) -> tuple[str, ...]:
    """What one of Cueline's variants is compared with: the peers, ``before``, and (for
    ``continue``) Cueline's defaults."""
    return PEERS + ("before",) + (("cueline",) if mine != "cueline" else ())

DEFAULT_INPUTS = "dialogue,jfk,hour"


def normalise(text: str) -> str:
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def sentence_errors(reference: str, hypothesis: str) -> tuple[list[int], list[int]]:
    """``(errors, words)`` per sentence of ``reference``: the substitutions, deletions and
    insertions of the WER alignment, each counted in the sentence of its reference word
    (their sums over the words are the WER)."""
    import jiwer

    sentences = [n for n in (normalise(t) for t in re.split(r"(?<=[.!?])\s+", reference)) if n]
    owner = [i for i, t in enumerate(sentences) for _ in t.split()]
    errors = [0] * len(sentences)
    out = jiwer.process_words(" ".join(sentences), normalise(hypothesis) or "<empty>")
    for c in out.alignments[0]:
        if c.type in ("substitute", "delete"):
            for k in range(c.ref_start_idx, c.ref_end_idx):
                errors[owner[k]] += 1
        elif c.type == "insert":
            errors[owner[min(c.ref_start_idx, len(owner) - 1)]] += c.hyp_end_idx - c.hyp_start_idx
    return errors, [len(t.split()) for t in sentences]


def wer_difference(a: list[int], b: list[int], words: list[int],
                   resamples: int = 4000) -> tuple[float, float, float]:
    """WER(a) - WER(b) in points, with its 95 % interval from a paired bootstrap over the
    sentences (the same sentences drawn for both): a difference whose interval holds 0 is
    within what the choice of sentences alone would give."""
    import random

    rng = random.Random(0)
    n = len(words)
    diffs = []
    for _ in range(resamples):
        pick = [rng.randrange(n) for _ in range(n)]
        total = sum(words[i] for i in pick) or 1
        diffs.append(100.0 * sum(a[i] - b[i] for i in pick) / total)
    diffs.sort()
    point = 100.0 * (sum(a) - sum(b)) / (sum(words) or 1)
    return point, diffs[int(0.025 * resamples)], diffs[int(0.975 * resamples) - 1]


# ----------------------------------------------------------------------------- the peers


def run_peer(name: str, audio: str, out: str, args: argparse.Namespace) -> None:
    """Inside the child process: one faster-whisper variant, result written as JSON."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from app.engines.models import resolve_model

    t0 = time.monotonic()
    model = WhisperModel(str(resolve_model(args.model)), device="cpu",
                         compute_type=args.compute_type, cpu_threads=os.cpu_count() or 1)
    if name == "sequential":
        segments, _info = model.transcribe(audio, beam_size=args.beam_size,
                                           word_timestamps=True)
    else:
        segments, _info = BatchedInferencePipeline(model).transcribe(
            audio, beam_size=args.beam_size, word_timestamps=True, batch_size=8)
    rows, first = [], None
    for seg in segments:
        if first is None:
            first = time.monotonic() - t0
        rows.append({"start": seg.start, "end": seg.end, "text": seg.text,
                     "words": [[w.word, w.start, w.end] for w in seg.words or ()]})
    Path(out).write_text(json.dumps({"segments": rows, "first_segment_s": first}))


# ----------------------------------------------------------------------------- running


def command(variant: str, audio: Path, out: Path, args: argparse.Namespace,
            channels: bool) -> tuple[list[str], dict]:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if variant in PEERS:
        env["PYTHONPATH"] = str(ROOT)
        return [sys.executable, __file__, "--peer", variant, "--audio", str(audio),
                "--out", str(out), "--model", args.model, "--compute-type", args.compute_type,
                "--beam-size", str(args.beam_size)], env
    root = Path(args.before) if variant == "before" else ROOT
    env["PYTHONPATH"] = str(root)
    cmd = [sys.executable, "-m", "app", "transcribe", str(audio), "-o", str(out), "--format",
           "json", "-q", "--model", args.model, "--compute-type", args.compute_type,
           "--beam-size", str(args.beam_size), "--device", "cpu"]
    if channels:
        cmd.append("--channels")
    cmd += OWN.get(variant, [])
    cmd += args.cueline_args.split()
    return cmd, env


def measure(cmd: list[str], env: dict, cwd: Path) -> dict:
    """Run ``cmd``; wall, CPU seconds and peak RSS of that process alone."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"rc": proc.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024.0, "stderr": err.decode(errors="replace")[-2000:]}


def result_text(out: Path) -> str:
    data = json.loads(out.read_text())
    return " ".join(s["text"] for s in data["segments"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", default=DEFAULT_INPUTS,
                        help=f"comma-separated: dialogue, jfk, hour, hour-b, stereo (default "
                             f"{DEFAULT_INPUTS})")
    parser.add_argument("--variants", default="cueline,batched,sequential")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="base")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--before", metavar="DIR", help="also run the CLI of this checkout")
    parser.add_argument("--cueline-args", default="", help="extra arguments for cueline")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "cueline-bench"))
    parser.add_argument("--json", help="write every run and the summary here")
    parser.add_argument("--peer", choices=PEERS, help=argparse.SUPPRESS)
    parser.add_argument("--audio", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.peer:  # the child
        run_peer(args.peer, args.audio, args.out, args)
        return 0

    from speech_inputs import build

    from app.audio.probe import probe

    variants = args.variants.split(",")
    if args.before and "before" not in variants:
        variants.append("before")
    inputs = {}
    for name in args.inputs.split(","):
        path, reference = build(name, Path(args.cache))
        inputs[name] = (path, reference, probe(path).duration_ms / 1000.0)
    print(f"model {args.model}, {args.compute_type}, beam {args.beam_size}, "
          f"{os.cpu_count()} cores, {args.rounds} interleaved rounds, whole process each")
    for name, (path, ref, dur) in inputs.items():
        print(f"  {name}: {path} ({dur / 60:.1f} min, {len(ref.split())} words)")
    runs: list[dict] = []
    words: dict[str, list[int]] = {}
    work = Path(tempfile.mkdtemp(prefix="cueline-bench-out-"))
    for rnd in range(args.rounds):
        for name, (path, reference, duration) in inputs.items():
            order = variants[rnd % len(variants):] + variants[:rnd % len(variants)]
            for variant in order:
                out = work / f"{variant}-{name}-{rnd}.json"
                cmd, env = command(variant, path, out, args, channels=name == "stereo")
                load = os.getloadavg()[0]
                # `python -m app` imports the package of its working directory first
                cwd = Path(args.before) if variant == "before" else ROOT
                r = measure(cmd, env, cwd)
                r.update(variant=variant, input=name, round=rnd, load=load)
                if r["rc"] != 0 or not out.is_file():
                    print(f"  {variant} on {name} failed (exit {r['rc']}):\n{r['stderr']}",
                          file=sys.stderr)
                    continue
                # the text itself is kept in --json, so errors can be read, not only counted
                r["text"] = result_text(out)
                r["sentence_errors"], words[name] = sentence_errors(reference, r["text"])
                r["wer"] = sum(r["sentence_errors"]) / max(1, sum(words[name]))
                r["rtf"] = r["wall_s"] / duration
                r.pop("stderr")
                runs.append(r)
                print(f"  round {rnd + 1} {name:<9} {variant:<10} wall {r['wall_s']:7.1f} s  "
                      f"cpu {r['cpu_s']:7.1f} s  peak {r['peak_mb']:5.0f} MB  "
                      f"WER {100 * r['wer']:5.2f} %  (load {load:.1f})", flush=True)
    summary = summarise(runs, inputs, variants, words)
    print_table(summary, variants)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "runs": runs,
                                               "summary": summary}, indent=2))
    return 0


def summarise(runs: list[dict], inputs: dict, variants: list[str],
              words: dict[str, list[int]]) -> dict:
    out: dict = {}
    for name, (_path, _ref, duration) in inputs.items():
        row: dict = {"audio_min": duration / 60}
        for v in variants:
            rs = [r for r in runs if r["input"] == name and r["variant"] == v]
            if not rs:
                continue
            row[v] = {
                "wall_s": statistics.median(r["wall_s"] for r in rs),
                "cpu_s": statistics.median(r["cpu_s"] for r in rs),
                "peak_mb": max(r["peak_mb"] for r in rs),
                # the lower median (a WER one run had), so it matches the errors below
                "wer": statistics.median_low(r["wer"] for r in rs),
                "walls": [round(r["wall_s"], 1) for r in rs],
                "cpu_per_audio_min": statistics.median(r["cpu_s"] for r in rs) / (duration / 60),
                "rtf": statistics.median(r["wall_s"] for r in rs) / duration,
                # the run whose WER is that median: its errors sentence by sentence
                "sentence_errors": sorted(rs, key=lambda r: r["wer"])[(len(rs) - 1) // 2][
                    "sentence_errors"],
            }
        for mine in OWN:
            me = row.get(mine)
            for other in compared(mine):
                if me and other in row:
                    me["wer_vs_" + other] = wer_difference(
                        me["sentence_errors"], row[other]["sentence_errors"], words[name])
        out[name] = row
    return out


def print_table(summary: dict, variants: list[str]) -> None:
    print()
    print(f"{'input':<9} {'variant':<10} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} "
          f"{'WER %':>6} {'RTF':>6} {'CPU s/min':>9}  walls")
    for name, row in summary.items():
        for v in variants:
            r = row.get(v)
            if r is None:
                continue
            print(f"{name:<9} {v:<10} {r['wall_s']:7.1f} {r['cpu_s']:7.1f} {r['peak_mb']:8.0f} "
                  f"{100 * r['wer']:6.2f} {r['rtf']:6.3f} {r['cpu_per_audio_min']:9.2f}  "
                  f"{r['walls']}")
        for mine in OWN:
            me = row.get(mine)
            if not me:
                continue
            for other in compared(mine):
                if other in row:
                    o = row[other]
                    d, lo, hi = me["wer_vs_" + other]
                    print(f"{'':<9} {mine} vs {other}: {o['wall_s'] / me['wall_s']:.2f}x faster "
                          f"(wall), {o['cpu_s'] / me['cpu_s']:.2f}x less CPU, WER {d:+.2f} "
                          f"points (95 % interval {lo:+.2f} to {hi:+.2f})")
    print()


if __name__ == "__main__":
    raise SystemExit(main())
