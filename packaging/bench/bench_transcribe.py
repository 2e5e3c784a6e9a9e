"""Benchmark: Cueline's transcription pipeline against plain faster-whisper.

On a synthetic speech file of 5+ minutes (espeak-ng reading a known text, so the word error
rate is meaningful), with the same model (base), beam size and compute type (int8) for all:

* ``cueline``: ``app.pipeline.transcribe_file`` (VAD chunks, parallel workers, cleanup, words);
* ``sequential``: ``faster_whisper.WhisperModel.transcribe`` (its defaults, no VAD);
* ``batched``: ``faster_whisper.BatchedInferencePipeline.transcribe`` (its VAD, batch 8).

Each variant runs in its own subprocess (so peak memory, ``ru_maxrss``, and CPU time are its
own); with ``--repeat N`` the variants run N times interleaved and the fastest run is kept.  All
three compute word timestamps, as Cueline always does.  Reported: wall time (model load
excluded, decoding included), real-time factor, time to the first finished segment, peak
memory, WER (case and punctuation ignored).

    .venv/bin/python packaging/bench/bench_transcribe.py [--minutes 5.4] [--json out.json]

Timings on a shared machine are noisy: run it on an idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = [
    'The morning train left the station a few minutes after seven, carrying commuters into the city.',
    'Most of them read newspapers or stared out of the window at the grey fields.',
    'A small child in the third carriage kept asking her mother about the cows.',
    'When the conductor arrived, he checked every ticket with a patient smile.',
    'Nobody noticed the old man who had fallen asleep with a map on his knees.',
    'Weather forecasters expect heavy rain across the northern hills this weekend.',
    'Farmers have been told to move their animals to higher ground before Saturday.',
    'The river last flooded eleven years ago, and many families still remember it.',
    'Local schools will stay open, although some bus routes may be changed.',
    'Residents can find updates on the council website and on the radio.',
    'Learning a new language takes time, patience, and a lot of practice.',
    'Some people prefer to study grammar first, while others start by listening.',
    'Reading simple stories aloud can help you remember useful words.',
    'It is normal to make mistakes, and every mistake teaches you something.',
    'Try to speak a little every day, even if only for five minutes.',
    'The museum opened a new exhibition about the history of navigation.',
    'Visitors can see ancient compasses, star charts, and models of wooden ships.',
    'One room explains how sailors measured their speed with a knotted rope.',
    'Another shows the first clocks that were accurate enough to find longitude at sea.',
    'Children enjoy the interactive globe that lights up famous voyages.',
    'Our team finished the quarterly report on Tuesday afternoon.',
    'Sales grew by twelve percent, mostly thanks to the new online store.',
    'However, shipping costs increased, and several deliveries arrived late.',
    'We plan to hire two more people for the warehouse before the holidays.',
    'The next meeting will focus on customer feedback and product quality.',
    'Bread is one of the oldest foods prepared by human beings.',
    'Flour, water, salt, and yeast are all you need for a simple loaf.',
    'The dough must rest for several hours so that it can rise properly.',
    'Bakers often shape the bread by hand before placing it in a hot oven.',
    'A good crust should be crisp, and the inside should be soft and light.',
    'The city library is looking for volunteers to help with its reading program.',
    'Volunteers meet with young readers once a week for about an hour.',
    'No special training is required, but patience and kindness are important.',
    'Many volunteers say that the experience has changed the way they see their neighborhood.',
    'If you are interested, please visit the front desk and fill in a short form.',
    'Mountain hiking can be wonderful, but it also requires careful planning.',
    'Always check the weather before you leave, and tell someone where you are going.',
    'Bring enough water, warm clothes, and a small first aid kit.',
    'Paths that look easy on a map can become steep and slippery after rain.',
    'Turning back early is often the wisest decision a hiker can make.',
    'The orchestra rehearsed the symphony for three long evenings.',
    'The conductor asked the violins to play more softly in the second movement.',
    'During the final rehearsal, the lights in the hall suddenly went out.',
    'The musicians kept playing from memory until the power returned.',
    'The audience at the premiere gave them a standing ovation.',
    'Scientists have discovered a new species of frog in the tropical forest.',
    'The frog is smaller than a coin and has bright orange spots on its back.',
    'Researchers found it by following its unusual high pitched call at night.',
    'They believe the species lives only in a few valleys near the mountains.',
    'Protecting those valleys will be essential for its survival.',
    'My grandmother kept a garden full of tomatoes, beans, and sunflowers.',
    'Every summer she gave baskets of vegetables to the neighbors.',
    'She said that a garden teaches you to wait and to work without hurry.',
    'I still use her old watering can, although it leaks a little.',
    'When the sunflowers bloom, I always think of her.',
    'The football match was delayed by almost an hour because of fog.',
    'When it finally started, both teams played carefully and slowly.',
    'The home side scored in the last minute with a header from a corner.',
    'Supporters sang and danced in the streets until late in the evening.',
    'The coach said the victory belonged to everyone who believed in the team.',
    'Good sleep is important for memory, mood, and overall health.',
    'Experts recommend going to bed at the same time every night.',
    'Screens and bright lights late in the evening can make it harder to fall asleep.',
    'A quiet, dark, and cool bedroom helps the body rest.',
    'If you cannot sleep, it may help to get up and read for a while.',
    'The village held its annual festival on the first Sunday of autumn.',
    'There were stalls selling honey, cheese, apples, and handmade baskets.',
    'A brass band played in the square, and children rode on a small carousel.',
    'In the evening, lanterns were lit along the path down to the lake.',
    'Everyone agreed that it was the best festival in many years.',
]
# cueline: the default (the engine's word edges snapped to the speech, word_timing="auto");
# cueline-aligned: words timed again by the forced aligner (word_timing="align");
# cueline-engine-words: the engine's own word times, exactly like the faster-whisper variants
VARIANTS = ("cueline", "cueline-aligned", "cueline-engine-words", "sequential", "batched")
WORD_TIMING = {"cueline": "auto", "cueline-aligned": "align", "cueline-engine-words": "engine"}


def normalise(text: str) -> str:
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def word_error_rate(reference: str, hypothesis: str) -> float:
    import jiwer

    return jiwer.wer(normalise(reference), normalise(hypothesis) or "<empty>")


def build_audio(folder: Path, speed: int = 150) -> tuple[Path, str]:
    """espeak-ng reading the corpus (about 5.4 min at 150 words/minute), 16 kHz WAV."""
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed to build the benchmark audio (apt install espeak-ng)")
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join(CORPUS)
    raw = folder / f"corpus-{speed}.raw.wav"
    wav = folder / f"corpus-{speed}.wav"
    if not wav.is_file():
        (folder / "corpus.txt").write_text(text)
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(speed), "-f",
                        str(folder / "corpus.txt"), "-w", str(raw)], check=True)
        import numpy as np

        from app.audio.decode import decode

        samples = decode(raw, 16000)
        pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
        import wave

        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(pcm.tobytes())
        raw.unlink()
    return wav, " ".join(CORPUS)


def run_variant(name: str, audio: Path, args: argparse.Namespace) -> dict:
    """Runs inside the subprocess."""
    from app.engines.models import resolve_model

    threads = os.cpu_count() or 1
    out: dict = {"variant": name}
    t_load = time.monotonic()
    if name.startswith("cueline"):
        from app.engines.base import TranscribeOptions
        from app.pipeline.transcribe import make_engine, transcribe_file
        from app.pipeline.types import PipelineOptions

        options = PipelineOptions(model=args.model, device="cpu", compute_type=args.compute_type,
                                  workers=args.workers,
                                  batch_size=args.batch_size,
                                  word_timing=WORD_TIMING[name],
                                  decode=TranscribeOptions(beam_size=args.beam_size,
                                                           best_of=args.beam_size))
        engine = make_engine(options)
        engine.load()
        out["load_s"] = time.monotonic() - t_load
        first = []
        t0 = time.monotonic()
        result = transcribe_file(audio, options, engine=engine,
                                 on_partial=lambda i, segs: first.append(time.monotonic())
                                 if segs and not first else None)
        out["wall_s"] = time.monotonic() - t0
        out["first_segment_s"] = (first[0] - t0) if first else None
        out["text"] = " ".join(s.text for s in result.segments)
        out["segments"] = len(result.segments)
        out["workers"] = result.stats.workers
        out["batch_size"] = result.stats.batch_size
        out["chunks"] = result.stats.chunks
        out["cleanup_removals"] = len(result.cleanup_log)
    else:
        from faster_whisper import BatchedInferencePipeline, WhisperModel
        from faster_whisper.audio import decode_audio

        model = WhisperModel(str(resolve_model(args.model)), device="cpu",
                             compute_type=args.compute_type, cpu_threads=threads)
        out["load_s"] = time.monotonic() - t_load
        t0 = time.monotonic()
        samples = decode_audio(str(audio), sampling_rate=16000)
        if name == "sequential":
            segments, _info = model.transcribe(samples, beam_size=args.beam_size,
                                               word_timestamps=True, vad_filter=False)
        else:
            segments, _info = BatchedInferencePipeline(model).transcribe(
                samples, beam_size=args.beam_size, word_timestamps=True, batch_size=8)
        texts = []
        first = None
        for seg in segments:
            if first is None:
                first = time.monotonic() - t0
            texts.append(seg.text)
        out["wall_s"] = time.monotonic() - t0
        out["first_segment_s"] = first
        out["text"] = " ".join(texts)
        out["segments"] = len(texts)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["peak_rss_mb"] = usage.ru_maxrss / 1024.0
    out["cpu_s"] = usage.ru_utime + usage.ru_stime  # whole process, model load included
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--workers", type=int, default=0, help="Cueline workers (0: auto)")
    parser.add_argument("--batch-size", type=int, default=0, help="Cueline batch (0: auto)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each variant, interleaved; the fastest is reported")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "cueline-bench"))
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--run", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--audio", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.run:  # the child
        print(json.dumps(run_variant(args.run, Path(args.audio), args)))
        return 0

    audio, reference = build_audio(Path(args.cache))
    from app.audio.probe import probe

    duration = probe(audio).duration_ms / 1000.0
    print(f"audio: {audio} ({duration:.1f} s, {len(reference.split())} words), model "
          f"{args.model}, {args.compute_type}, beam {args.beam_size}, {os.cpu_count()} cores")
    runs: dict[str, list[dict]] = {}
    for _ in range(max(1, args.repeat)):
        for name in args.variants.split(","):
            cmd = [sys.executable, __file__, "--run", name, "--audio", str(audio),
                   "--model", args.model, "--compute-type", args.compute_type,
                   "--beam-size", str(args.beam_size), "--workers", str(args.workers),
                   "--batch-size", str(args.batch_size)]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            res["rtf"] = res["wall_s"] / duration
            res["wer"] = word_error_rate(reference, res.pop("text"))
            runs.setdefault(name, []).append(res)
    results = []
    for rs in runs.values():
        best = dict(min(rs, key=lambda r: r["wall_s"]))
        best["wall_all_s"] = [round(r["wall_s"], 2) for r in rs]
        results.append(best)
    base = {r["variant"]: r for r in results}
    print(f"{'variant':<11} {'wall s':>7} {'RTF':>6} {'first seg s':>11} {'peak MB':>8} "
          f"{'WER %':>6} {'load s':>6} {'cpu s':>6}  all walls")
    for r in results:
        first = f"{r['first_segment_s']:.2f}" if r.get("first_segment_s") is not None else "-"
        print(f"{r['variant']:<11} {r['wall_s']:7.1f} {r['rtf']:6.3f} {first:>11} "
              f"{r['peak_rss_mb']:8.0f} {100 * r['wer']:6.2f} {r['load_s']:6.2f} "
              f"{r['cpu_s']:6.1f}  {r['wall_all_s']}")
    if "cueline" in base:
        for other in ("sequential", "batched"):
            if other in base:
                print(f"cueline vs {other}: {base[other]['wall_s'] / base['cueline']['wall_s']:.2f}x "
                      "faster")
    if args.json:
        Path(args.json).write_text(json.dumps({"audio_s": duration, "results": results},
                                              indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
