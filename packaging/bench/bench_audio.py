"""Benchmark: Cueline's audio layer on long media.

Makes a 2-hour MP3 by looping the real JFK speech (``ffmpeg -stream_loop``, stream copy: no
re-encoding, so it takes seconds) and a 1-hour one, kept in ``$TMPDIR/cueline-bench`` between
runs, then measures, each in its own subprocess (so the peak memory, ``ru_maxrss``, is that
step's own):

* decoding 2 h to 16 kHz mono float32, and to int16;
* building the waveform peak pyramid (decode + levels + cache write), and reopening it from
  the cache;
* the time of one 1920 px redraw query (median over many random positions) at overview,
  1 min, 10 s and 1 s zoom, with and without RMS;
* voice activity (Silero, and the energy detector) + chunk planning of 1 hour.

    .venv/bin/python packaging/bench/bench_audio.py [--hours 2] [--json out.json]

Timings on a shared machine are noisy: run it on an idle one.
"""

from __future__ import annotations

import argparse
import json
import os
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

JFK = ROOT / "resources" / "demo" / "jfk.flac"
JFK_S = 11.0
WORK = Path(tempfile.gettempdir()) / "cueline-bench"
WIDTH = 1920
ZOOMS = (("overview", None), ("1 min", 60.0), ("10 s", 10.0), ("1 s", 1.0))


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux: KiB; macOS: bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def make_media(hours: float) -> Path:
    """A looped-JFK MP3 of ``hours``, made once and kept in WORK."""
    from app.audio.ffmpeg import run_ffmpeg

    WORK.mkdir(parents=True, exist_ok=True)
    unit = WORK / "jfk.mp3"
    if not unit.exists():
        run_ffmpeg(["-i", str(JFK), "-c:a", "libmp3lame", "-b:a", "64k", str(unit)])
    out = WORK / f"jfk_{hours:g}h.mp3"
    if not out.exists():
        loops = int(round(hours * 3600 / JFK_S)) - 1
        tmp = out.with_suffix(".part.mp3")
        run_ffmpeg(["-stream_loop", str(loops), "-i", str(unit), "-c", "copy", str(tmp)])
        tmp.replace(out)
    return out


# -- workers: each runs in a fresh interpreter -------------------------------------------

def work_baseline(args) -> dict:
    import av  # noqa: F401
    import numpy as np  # noqa: F401

    import app.audio.decode  # noqa: F401
    return {}


def work_decode(args) -> dict:
    import numpy as np

    from app.audio.decode import decode

    t = time.perf_counter()
    x = decode(args.media, dtype=np.int16 if args.int16 else np.float32)
    return {"seconds": time.perf_counter() - t, "samples": len(x),
            "array_mb": x.nbytes / 2**20}


def work_peaks(args) -> dict:
    from app.audio.peaks import PeakPyramid

    t = time.perf_counter()
    pyr = PeakPyramid.for_media(args.media, cache_dir=args.cache)
    out = {"seconds": time.perf_counter() - t, "duration_s": pyr.duration_s}
    if args.queries:
        out["queries"] = time_queries(pyr, args.queries)
    return out


def time_queries(pyr, repeats: int) -> dict:
    import numpy as np

    rng = np.random.default_rng(0)
    result = {}
    for name, span in ZOOMS:
        for rms in (False, True):
            times = []
            for _ in range(repeats):
                width = pyr.duration_s if span is None else span
                start = 0.0 if span is None else float(rng.uniform(0, pyr.duration_s - span))
                t = time.perf_counter()
                pyr.query(start, start + width, WIDTH, rms=rms)
                times.append(time.perf_counter() - t)
            result[f"{name}{' +rms' if rms else ''}"] = {
                "median_ms": float(np.median(times) * 1000),
                "p95_ms": float(np.percentile(times, 95) * 1000),
            }
    return result


def work_vad(args) -> dict:
    import numpy as np

    from app.audio.chunking import plan_chunks
    from app.audio.decode import decode
    from app.audio.vad import speech_regions

    x = decode(args.media, dtype=np.int16)
    t = time.perf_counter()
    regions = speech_regions(x, method=args.method)
    t_vad = time.perf_counter() - t
    t = time.perf_counter()
    chunks = plan_chunks(x, 16000, regions=regions)
    t_chunk = time.perf_counter() - t
    return {"seconds": t_vad + t_chunk, "vad_s": t_vad, "chunk_s": t_chunk,
            "regions": len(regions), "chunks": len(chunks),
            "longest_chunk_s": max(c.duration_ms for c in chunks) / 1000}


WORKERS = {"baseline": work_baseline, "decode": work_decode, "peaks": work_peaks,
           "vad": work_vad}


def run_worker(name: str, *extra: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", name, *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--vad-hours", type=float, default=1.0)
    parser.add_argument("--queries", type=int, default=200, help="queries per zoom level")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--int16", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--method", default="silero", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        out = WORKERS[args.worker](args)
        out["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(out))
        return 0

    t = time.perf_counter()
    media = make_media(args.hours)
    media_vad = make_media(args.vad_hours)
    made = time.perf_counter() - t
    print(f"media: {media} ({media.stat().st_size / 2**20:.0f} MB), {media_vad.name}; "
          f"prepared in {made:.1f} s; CPUs: {os.cpu_count()}", flush=True)

    rows = []
    base = run_worker("baseline")
    rows.append(("interpreter + numpy + PyAV (baseline)", None, base["peak_rss_mb"], ""))
    r = run_worker("decode", "--media", str(media))
    rows.append((f"decode {args.hours:g} h -> 16 kHz mono float32", r["seconds"], r["peak_rss_mb"],
                 f"array {r['array_mb']:.0f} MB"))
    r = run_worker("decode", "--media", str(media), "--int16")
    rows.append((f"decode {args.hours:g} h -> 16 kHz mono int16", r["seconds"], r["peak_rss_mb"],
                 f"array {r['array_mb']:.0f} MB"))
    cache = Path(tempfile.mkdtemp(prefix="cueline-bench-peaks-"))
    try:
        r = run_worker("peaks", "--media", str(media), "--cache", str(cache), "--queries", "0")
        rows.append((f"peaks {args.hours:g} h: decode + build + cache", r["seconds"],
                     r["peak_rss_mb"], "first open"))
        r = run_worker("peaks", "--media", str(media), "--cache", str(cache), "--queries", "0")
        rows.append((f"peaks {args.hours:g} h: reopen from cache", r["seconds"], r["peak_rss_mb"],
                     "samples memory-mapped"))
        r = run_worker("peaks", "--media", str(media), "--cache", str(cache),
                       "--queries", str(args.queries))
        rows.append((f"peaks {args.hours:g} h: reopen + {len(ZOOMS) * 2 * args.queries} queries",
                     None, r["peak_rss_mb"], "RSS includes the mapped sample pages read"))
        queries = r["queries"]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    for method in ("silero", "energy"):
        r = run_worker("vad", "--media", str(media_vad), "--method", method)
        rows.append((f"VAD ({method}) + chunks, {args.vad_hours:g} h", r["seconds"],
                     r["peak_rss_mb"],
                     f"vad {r['vad_s']:.1f} s, plan {r['chunk_s']:.2f} s; {r['regions']} regions, "
                     f"{r['chunks']} chunks <= {r['longest_chunk_s']:.1f} s"))

    print()
    print(f"{'measurement':<44} {'seconds':>8} {'peak RSS MB':>12}  note")
    print("-" * 100)
    for name, secs, rss, note in rows:
        s = f"{secs:8.2f}" if secs is not None else " " * 8
        print(f"{name:<44} {s} {rss:12.0f}  {note}")
    print()
    print(f"peak query, one {WIDTH} px redraw of {args.hours:g} h "
          f"({args.queries} random positions per zoom)")
    print(f"{'zoom':<20} {'median ms':>10} {'p95 ms':>10}")
    for name, q in queries.items():
        print(f"{name:<20} {q['median_ms']:10.3f} {q['p95_ms']:10.3f}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "queries": queries}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
