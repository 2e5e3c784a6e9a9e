"""Editor benchmarks (offscreen Qt): waveform frame time, time to first waveform, table
scrolling, memory with long media loaded.

    .venv/bin/python packaging/bench/bench_ui.py [--hours 2] [--open-hours 1] [--quick] [--json OUT]

1. Waveform draw time per frame (rendered into a QImage through ``widget.render``) at the
   whole-file, 1 min, 10 s and 1 s zooms, with ``--hours`` of synthetic speech-like audio in a
   real :class:`~app.audio.peaks.PeakPyramid` and 2,000 word-timed segments.  "scroll" frames
   move the view by 3 % each time (what playback and dragging do: most peak tiles cached);
   "cold" frames drop every cache first (a jump to a new place or zoom).
2. Time from opening a ``--open-hours`` long FLAC file in the window to its first drawn
   waveform: cold (decode + peaks) and warm (peaks from the disk cache).
3. Table scrolling with 5,000 segments: time to page through and paint every page.
4. Resident memory of the editor with a ``--hours`` long file loaded (waveform, speech
   regions and player ready).

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
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CUELINE_AUDIO", "silent")
_TMP = tempfile.mkdtemp(prefix="cueline-bench-ui-")
atexit.register(shutil.rmtree, _TMP, True)
os.environ.setdefault("CUELINE_RECOVERY_DIR", os.path.join(_TMP, "recovery"))
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(_TMP, "config"))

import numpy as np  # noqa: E402

RATE = 16000
ZOOMS = (("whole file", None), ("1 min", 60_000), ("10 s", 10_000), ("1 s", 1_000))


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory (MB): VmRSS in all, RssAnon (the process's own), RssFile (mapped files,
    e.g. the memory-mapped waveform samples: page cache the system can reclaim)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def speechlike(seconds: float, seed: int = 1) -> np.ndarray:
    """int16 mono at 16 kHz: noise bursts shaped like syllables, with pauses."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.empty(n, np.int16)
    block = RATE * 60
    t_env = np.arange(block) / RATE
    for a in range(0, n, block):
        m = min(block, n - a)
        env = np.abs(np.sin(2 * np.pi * 3.0 * t_env[:m] + rng.uniform(0, 6))) ** 2
        env *= (np.sin(2 * np.pi * 0.15 * t_env[:m] + rng.uniform(0, 6)) > -0.3)
        x = rng.standard_normal(m).astype(np.float32) * env.astype(np.float32) * 0.3
        out[a:a + m] = np.clip(x * 32767, -32767, 32767).astype(np.int16)
    return out


def segments(count: int, total_ms: int):
    from app.core.model import Segment
    from app.core.words import distribute

    step = total_ms // count
    out = []
    for i in range(count):
        s = i * step + 100
        e = s + int(step * 0.8)
        text = f"segment {i} with a few words of subtitle text here"
        out.append(Segment(s, e, text, tuple(distribute(text.split(), s, e, estimated=False))))
    return out


def timings(fn, frames: int) -> dict:
    out = []
    for k in range(frames):
        t = time.perf_counter()
        fn(k)
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return {"mean_ms": round(statistics.fmean(out), 2), "p95_ms": round(out[int(len(out) * 0.95) - 1], 2),
            "max_ms": round(out[-1], 2)}


def bench_waveform(hours: float, frames: int) -> dict:
    from PySide6.QtGui import QImage

    from app.audio.peaks import PeakPyramid
    from app.core.document import Document
    from app.ui.session import EditorSession
    from app.ui.waveform_view import WaveformView

    total_ms = int(hours * 3600_000)
    t = time.perf_counter()
    samples = speechlike(total_ms / 1000)
    peaks = PeakPyramid.from_samples(samples, RATE)
    build_s = time.perf_counter() - t
    session = EditorSession()
    session.set_document(Document(segments(2000, total_ms)))
    session.peaks = peaks
    session.media_path = "synthetic"
    view = WaveformView(session)
    view.resize(1600, 300)
    session.media_changed.emit()
    img = QImage(1600, 300, QImage.Format.Format_ARGB32_Premultiplied)
    result = {"media_hours": hours, "segments": 2000, "size": "1600x300",
              "peaks_build_s": round(build_s, 1), "zooms": {}}
    for label, span in ZOOMS:
        span = span or total_ms
        base = total_ms * 0.4 if span < total_ms else 0

        def scroll(k, span=span, base=base):
            view.zoom_to(base + k * span * 0.03, base + k * span * 0.03 + span)
            view.render(img)

        def cold(k, span=span, base=base):
            view.tiles = type(view.tiles)(peaks)
            view.wave_cache_key = None
            view.zoom_to(base + k * span * 0.5, base + k * span * 0.5 + span)
            view.render(img)

        scroll(0)
        result["zooms"][label] = {"scroll": timings(scroll, frames), "cold": timings(cold, max(5, frames // 4))}
    return result


def write_flac(path: Path, seconds: float) -> float:
    """A FLAC file of speech-like audio (via the bundled ffmpeg); returns seconds taken."""
    import imageio_ffmpeg

    t = time.perf_counter()
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    proc = subprocess.Popen([exe, "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1",
                             "-i", "-", "-c:a", "flac", str(path)], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    chunk = 600
    done = 0.0
    while done < seconds:
        part = min(chunk, seconds - done)
        proc.stdin.write(speechlike(part, seed=int(done)).tobytes())
        done += part
    proc.stdin.close()
    proc.wait()
    return time.perf_counter() - t


def wait(app, cond, timeout_s: float) -> bool:
    end = time.time() + timeout_s
    while time.time() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.005)
    return False


def bench_open(app, path: Path, cache_dir: Path) -> dict:
    from PySide6.QtGui import QImage

    from app.ui.main_window import MainWindow

    os.environ["CUELINE_CACHE_DIR"] = str(cache_dir)
    out = {}
    for run in ("cold", "warm"):
        w = MainWindow(recover=False)
        w.resize(1600, 1000)
        w.show()
        t = time.perf_counter()
        w.files.open_media(str(path), sidecar=False)
        ok = wait(app, lambda w=w: w.session.peaks is not None, 1800)
        img = QImage(w.waveform.size(), QImage.Format.Format_ARGB32_Premultiplied)
        w.waveform.render(img)
        out[f"{run}_first_waveform_s"] = round(time.perf_counter() - t, 2) if ok else None
        w.tasks.cancel_all()
        w.tasks.wait(60000)
        w.files.forget_changes()
        w.close()
        w.deleteLater()
        app.processEvents()
    return out


def bench_table(app, rows: int) -> dict:
    from app.core.document import Document
    from app.ui.segment_table_view import SegmentTableView
    from app.ui.session import EditorSession

    session = EditorSession()
    session.set_document(Document(segments(rows, rows * 3000)))
    view = SegmentTableView(session)
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    sb = view.verticalScrollBar()
    pages = 0
    t = time.perf_counter()
    per = []
    value = 0
    while True:
        a = time.perf_counter()
        sb.setValue(value)
        view.viewport().repaint()
        per.append((time.perf_counter() - a) * 1000)
        pages += 1
        if value >= sb.maximum():
            break
        value = min(sb.maximum(), value + sb.pageStep())
    total = time.perf_counter() - t
    view.close()
    return {"rows": rows, "pages": pages, "total_s": round(total, 2),
            "per_page_mean_ms": round(statistics.fmean(per), 2), "per_page_max_ms": round(max(per), 2)}


def bench_memory(app, path: Path, cache_dir: Path) -> dict:
    from app.ui.main_window import MainWindow

    os.environ["CUELINE_CACHE_DIR"] = str(cache_dir)
    before = rss_mb()
    w = MainWindow(recover=False)
    w.resize(1600, 1000)
    w.show()
    t = time.perf_counter()
    w.files.open_media(str(path), sidecar=False)
    wait(app, lambda: w.session.peaks is not None and not w.tasks.active, 3600)
    loaded_s = time.perf_counter() - t
    w.waveform.fit_all()
    w.waveform.repaint()
    after = rss_mb()
    out = {"rss_before_mb": round(before, 1), "rss_loaded_mb": round(after, 1),
           "rss_anon_mb": round(rss_mb("RssAnon"), 1), "rss_file_mb": round(rss_mb("RssFile"), 1),
           "load_with_speech_detection_s": round(loaded_s, 1), "speech_regions": len(w.session.speech)}
    w.files.forget_changes()
    w.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=2.0, help="media length for the waveform and memory figures")
    parser.add_argument("--open-hours", type=float, default=1.0, help="media length for time-to-first-waveform")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="short media (0.1 h) for a smoke run")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_of:
        from app.ui.main import application

        print(json.dumps(bench_memory(application(), Path(args.memory_of), Path(args.cache))))
        return 0
    if args.quick:
        args.hours, args.open_hours, args.frames = 0.1, 0.05, 10
    from app.ui.main import application

    app = application()
    tmp = Path(_TMP)
    results = {"cpu_count": os.cpu_count(), "note": "shared CPU: other work may run at the same time"}
    print(f"waveform: {args.hours} h synthetic media, 2000 segments ...", flush=True)
    results["waveform"] = bench_waveform(args.hours, args.frames)
    print(json.dumps(results["waveform"], indent=1), flush=True)
    print(f"table: {args.rows} rows ...", flush=True)
    results["table"] = bench_table(app, args.rows)
    print(json.dumps(results["table"], indent=1), flush=True)
    open_file = tmp / "open.flac"
    print(f"writing {args.open_hours} h FLAC ...", flush=True)
    write_flac(open_file, args.open_hours * 3600)
    results["open"] = {"media_hours": args.open_hours, **bench_open(app, open_file, tmp / "cache-open")}
    print(json.dumps(results["open"], indent=1), flush=True)
    long_file = tmp / "long.flac"
    print(f"writing {args.hours} h FLAC ...", flush=True)
    write_flac(long_file, args.hours * 3600)
    # a fresh process, so the figures above do not count
    child = subprocess.run([sys.executable, __file__, "--memory-of", str(long_file), "--cache", str(tmp / "cache-mem")],
                           capture_output=True, text=True, timeout=7200)
    last = [line for line in child.stdout.splitlines() if line.startswith("{")]
    results["memory"] = {"media_hours": args.hours, **(json.loads(last[-1]) if last else {"error": child.stderr[-500:]})}
    print(json.dumps(results["memory"], indent=1), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
