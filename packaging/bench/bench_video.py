"""Video benchmarks: shot change detection speed and accuracy, spectrogram frame times.

    .venv/bin/python packaging/bench/bench_video.py [--minutes 1] [--hours 2] [--quick]
        [--scenedetect PATH] [--json OUT]

1. Shot detection on generated H.264 videos (1080p and 360p, 25 fps, ``--minutes`` long)
   whose shots are the bundled FFmpeg's test sources (moving patterns, bars, flat colours, a
   Mandelbrot zoom, cellular automata) with cuts at known frames: seconds of wall time per
   minute of video, and the cuts found exactly, within a frame, missed and invented.
   Cueline's detector (:mod:`app.audio.shots`, PyAV + frame differences) is measured, and with
   ``--scenedetect PATH`` (a folder where ``pip install --target PATH scenedetect`` put
   PySceneDetect and OpenCV, kept out of Cueline's environment) PySceneDetect's
   AdaptiveDetector and ContentDetector on its PyAV backend, each in its own process.
2. The spectrogram view of the waveform panel with ``--hours`` of speech-like audio: the
   paint time of a frame while scrolling (tiles cached), of a frame at a new place or zoom
   (tiles not computed yet: painted blank at once), and how long the worker takes to fill a
   new 1600-pixel view, at the whole-file, 1 min, 10 s and 1 s zooms.

Figures depend on the machine (and on other work running on it); nothing here is asserted.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "packaging" / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CUELINE_AUDIO", "silent")
_TMP = tempfile.mkdtemp(prefix="cueline-bench-video-")
atexit.register(shutil.rmtree, _TMP, True)

FPS = 25
SIZES = (("1080p", (1920, 1080)), ("360p", (640, 360)))
ZOOMS = (("whole file", None), ("1 min", 60_000), ("10 s", 10_000), ("1 s", 1_000))

_SCENEDETECT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from scenedetect import AdaptiveDetector, ContentDetector, SceneManager, open_video
t = time.perf_counter()
video = open_video(sys.argv[2], backend="pyav")
sm = SceneManager()
sm.add_detector(AdaptiveDetector() if sys.argv[3] == "adaptive" else ContentDetector())
sm.detect_scenes(video)
frames = [s[0].frame_num for s in sm.get_scene_list()[1:]]
print(json.dumps({"seconds": time.perf_counter() - t, "frames": frames}))
"""


def accuracy(found: list[int], truth: list[int]) -> dict:
    truth_set = set(truth)
    exact = sum(1 for f in found if f in truth_set)
    near = [t for t in truth if any(abs(f - t) <= 1 for f in found)]
    invented = [f for f in found if all(abs(f - t) > 1 for t in truth)]
    return {"cuts": len(truth), "exact": exact, "within_1_frame": len(near),
            "missed": len(truth) - len(near), "invented": len(invented)}


def make_videos(minutes: float) -> dict[str, tuple[Path, list[int], float]]:
    from tests.audio.cut_video import make_cut_video, shot_plan

    frames = int(minutes * 60 * FPS)
    plan = shot_plan(frames, FPS)
    out = {}
    for label, size in SIZES:
        path = Path(_TMP) / f"cuts_{label}.mp4"
        t = time.perf_counter()
        cuts = make_cut_video(path, plan, fps=FPS, size=size, preset="veryfast")
        out[label] = (path, cuts, time.perf_counter() - t)
        print(f"  made {label}: {len(cuts)} cuts, {path.stat().st_size / 1e6:.1f} MB "
              f"in {out[label][2]:.0f} s", flush=True)
    return out


def bench_shots(minutes: float, scenedetect: str | None) -> dict:
    from app.audio.shots import detect, score_frames

    videos = make_videos(minutes)
    result = {"minutes": minutes, "fps": FPS, "videos": {}}
    for label, (path, cuts, _made) in videos.items():
        row = {}
        t = time.perf_counter()
        scores = score_frames(path)
        found = detect(scores)
        sec = time.perf_counter() - t
        row["cueline (PyAV frame differences)"] = {
            "s_per_min": round(sec / minutes, 2), **accuracy(list(found.frames), cuts)}
        t = time.perf_counter()
        for _ in range(20):
            detect(scores)
        row["cueline detection from cached scores_ms"] = round((time.perf_counter() - t) / 20 * 1000, 2)
        if scenedetect:
            for kind in ("adaptive", "content"):
                proc = subprocess.run([sys.executable, "-c", _SCENEDETECT, scenedetect, str(path), kind],
                                      capture_output=True, text=True)
                if proc.returncode != 0:
                    row[f"scenedetect {kind}"] = {"error": proc.stderr.strip().splitlines()[-1:]}
                    continue
                data = json.loads(proc.stdout.strip().splitlines()[-1])
                row[f"scenedetect {kind}"] = {"s_per_min": round(data["seconds"] / minutes, 2),
                                              **accuracy(data["frames"], cuts)}
        result["videos"][label] = row
        print(f"  {label}: {json.dumps(row)}", flush=True)
    return result


def timings(fn, frames: int) -> dict:
    out = []
    for k in range(frames):
        t = time.perf_counter()
        fn(k)
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return {"mean_ms": round(statistics.fmean(out), 2),
            "p95_ms": round(out[max(0, int(len(out) * 0.95) - 1)], 2), "max_ms": round(out[-1], 2)}


def bench_spectrogram(hours: float, frames: int) -> dict:
    from bench_ui import segments, speechlike
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from app.audio.peaks import PeakPyramid
    from app.core.document import Document
    from app.ui.session import EditorSession
    from app.ui.waveform_view import WaveformView

    app = QApplication.instance() or QApplication([])
    total_ms = int(hours * 3600_000)
    samples = speechlike(total_ms / 1000)
    peaks = PeakPyramid.from_samples(samples, 16000)
    session = EditorSession()
    session.set_document(Document(segments(2000, total_ms)))
    session.peaks = peaks
    session.media_path = "synthetic"
    view = WaveformView(session)
    view.resize(1600, 300)
    session.media_changed.emit()
    view.set_spectrogram(True)
    img = QImage(1600, 300, QImage.Format.Format_ARGB32_Premultiplied)
    view.render(img)
    result = {"media_hours": hours, "size": "1600x300", "zooms": {}}
    for label, span in ZOOMS:
        span = span or total_ms
        base = total_ms * 0.4 if span < total_ms else 0
        fills = []

        def cold(k, span=span, base=base):
            view.zoom_to(base + k * span * 1.5, base + k * span * 1.5 + span)
            view.render(img)  # tiles missing: painted blank, queued

        def fill(k, span=span, base=base, fills=fills):
            view.zoom_to(base + (k + 50) * span * 1.5, base + (k + 50) * span * 1.5 + span)
            t = time.perf_counter()
            view.render(img)
            view.spectrogram_tiles.wait(120)
            app.processEvents()
            view.render(img)
            fills.append((time.perf_counter() - t) * 1000)

        def scroll(k, span=span, base=base):
            view.zoom_to(base + k * span * 0.03, base + k * span * 0.03 + span)
            view.render(img)

        if span >= total_ms:
            cold = fill = None  # the whole file is one view
            view.zoom_to(0, span)
            t = time.perf_counter()
            view.render(img)
            view.spectrogram_tiles.wait(300)
            app.processEvents()
            view.render(img)
            fills.append((time.perf_counter() - t) * 1000)
            row = {"fill_ms": round(fills[0], 1),
                   "frame": timings(lambda _k: view.render(img), frames)}
        else:
            row = {"new_view_frame": timings(cold, max(5, frames // 4))}
            view.spectrogram_tiles.wait(300)
            for k in range(3):
                fill(k)
            row["fill_ms"] = round(statistics.fmean(fills), 1)
            scroll(0)
            view.spectrogram_tiles.wait(120)
            # scrolling 3 % a frame: one new tile in ~8 frames, computed meanwhile
            def scroll_ready(k, span=span, base=base):
                scroll(k)
                view.spectrogram_tiles.wait(60)
                app.processEvents()
            row["scroll_frame"] = timings(scroll, frames)
            row["scroll_frame_tiles_ready"] = timings(scroll_ready, frames)
            view.set_spectrogram(False)  # the wave, for comparison
            row["wave_scroll_frame"] = timings(scroll, frames)
            view.set_spectrogram(True)
        result["zooms"][label] = row
        print(f"  {label}: {json.dumps(row)}", flush=True)
    view.release_spectrogram()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=1.0, help="length of each test video")
    ap.add_argument("--hours", type=float, default=2.0, help="audio length for the spectrogram")
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--quick", action="store_true", help="0.25 min videos, 0.25 h of audio")
    ap.add_argument("--scenedetect", metavar="PATH", help="folder with PySceneDetect installed "
                    "(pip install --target PATH scenedetect) to compare against")
    ap.add_argument("--skip", choices=("shots", "spectrogram"), action="append", default=[])
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args()
    if args.quick:
        args.minutes, args.hours, args.frames = 0.25, 0.25, 10
    out = {"cpus": os.cpu_count()}
    if "shots" not in args.skip:
        print("shot detection", flush=True)
        out["shots"] = bench_shots(args.minutes, args.scenedetect)
    if "spectrogram" not in args.skip:
        print("spectrogram", flush=True)
        out["spectrogram"] = bench_spectrogram(args.hours, args.frames)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
