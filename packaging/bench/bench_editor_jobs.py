"""Editor background-job benchmarks (offscreen Qt, the real window and the bundled models).

    .venv/bin/python packaging/bench/bench_editor_jobs.py [--minutes 5] [--model base]
        [--edits 3] [--long MEDIA] [--json OUT]

1. Main-thread responsiveness during a transcription of ``--minutes`` of real speech
   (jfk.flac looped with pauses): a QTimer ticking every 5 ms on the main thread records the
   gaps between ticks; the longest gap is the longest stall the user could feel (target
   < 50 ms), listed with the main-thread events just before it.  Measured for 5 s of idle
   first (the timer's own noise), then for a 30 s "cold" run (the first of the session: the
   model is loaded inside the job), then for the long run (model already loaded).
2. Time from pressing Transcribe (the dialog accepted) to the first segment in the table,
   for the cold run, the long run, and with ``--long MEDIA`` for a long file (e.g. the hour
   of ``speech_inputs.py``), cancelled once its first segments are in: the first segment
   must not wait for the whole file to be decoded or searched for speech.  Peak memory of
   the editor process is reported at the end.
3. Time from a text edit (typed into the segment field) to its re-aligned words: in all
   (typing commit 400 ms + debounce 600 ms + the job) and the job alone.

Figures depend on the machine and on other work running on it; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CUELINE_AUDIO", "silent")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
_TMP = tempfile.mkdtemp(prefix="cueline-bench-jobs-")
atexit.register(shutil.rmtree, _TMP, True)
os.environ.setdefault("CUELINE_RECOVERY_DIR", os.path.join(_TMP, "recovery"))
os.environ.setdefault("CUELINE_CACHE_DIR", os.path.join(_TMP, "cache"))
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(_TMP, "config"))

import numpy as np  # noqa: E402

RATE = 16000
TICK_MS = 5


class StallMeter:
    """Gaps between the ticks of a 5 ms main-thread timer."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self.worst: list[tuple[float, float, str]] = []  # (gap ms, at s, last event before it)
        self.events: list[tuple[float, str]] = []
        self._last: float | None = None
        self._t0 = self.started = time.perf_counter()

    def note(self, event: str) -> None:
        """Remember what happened on the main thread (to tell what a long gap followed)."""
        self.events.append((time.perf_counter(), event))

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            gap = (now - self._last) * 1000
            self.gaps.append(gap)
            if gap > 20:
                before = [e for t, e in self.events if t <= now][-3:]
                self.worst.append((gap, now - self._t0, " < ".join(reversed(before))))
        self._last = now

    def start(self) -> None:
        self.started = time.perf_counter()
        self.gaps = []
        self.worst = []
        self.events = []
        self._last = None
        self._t0 = time.perf_counter()
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        g = sorted(self.gaps) or [0.0]
        return {"ticks": len(self.gaps), "max_ms": round(g[-1], 1),
                "p99_ms": round(g[max(0, int(len(g) * 0.99) - 1)], 1),
                "median_ms": round(statistics.median(g), 1),
                "over_50ms": sum(x > 50 for x in g), "over_20ms": sum(x > 20 for x in g),
                "longest": [{"ms": round(ms, 1), "at_s": round(at, 2), "after": ev}
                            for ms, at, ev in sorted(self.worst, reverse=True)[:5]]}


class GcWatch:
    """Durations of the garbage collector's passes (they hold the GIL: every thread waits)."""

    def __init__(self, meter: StallMeter | None = None) -> None:
        import gc

        self.meter = meter
        self.passes: list[tuple[float, int, float]] = []  # (ms, generation, at)
        self._t: float | None = None
        gc.callbacks.append(self._cb)

    def _cb(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        elif self._t is not None:
            ms = (time.perf_counter() - self._t) * 1000
            self.passes.append((ms, info["generation"], time.perf_counter()))
            self._t = None
            if self.meter is not None and ms > 5:
                self.meter.note(f"gc gen{info['generation']} {ms:.0f} ms")

    def summary(self, since: float) -> dict:
        mine = [(ms, g) for ms, g, at in self.passes if at >= since]
        full = [ms for ms, g in mine if g == 2]
        return {"passes": len(mine), "full_passes": len(full),
                "longest_ms": round(max((ms for ms, _ in mine), default=0.0), 1),
                "longest_full_ms": round(max(full, default=0.0), 1)}


def make_media(minutes: float, out: Path) -> Path:
    """jfk.flac looped with 1.5 s pauses to ``minutes`` (16 kHz mono WAV)."""
    import wave

    from app.audio.decode import decode

    jfk = decode(ROOT / "resources" / "demo" / "jfk.flac", RATE)
    gap = np.zeros(int(1.5 * RATE), np.float32)
    parts, n = [], 0
    while n < minutes * 60 * RATE:
        parts += [jfk, gap]
        n += len(jfk) + len(gap)
    x = np.concatenate(parts)[: int(minutes * 60 * RATE)]
    pcm = np.clip(np.rint(x * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return out


def wait_until(app, cond, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            return False
        app.processEvents()
        time.sleep(0.002)
    return True


def spin(app, seconds: float) -> None:
    wait_until(app, lambda: False, seconds)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--model", default="base")
    ap.add_argument("--edits", type=int, default=3)
    ap.add_argument("--long", metavar="MEDIA",
                    help="also time the first segment on this (long) media, then cancel")
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args(argv)

    from app.ui.main import application
    from app.ui.main_window import MainWindow
    from app.ui.prompts import DISCARD, Prompts

    class Quiet(Prompts):
        def error(self, title, message):
            print(f"error: {title}: {message}", file=sys.stderr)

        warning = info = error

        def ask_save_changes(self, name):
            return DISCARD

        def run_dialog(self, dialog):
            return bool(self.hook(dialog)) if getattr(self, "hook", None) else True

    app = application()
    prompts = Quiet()
    w = MainWindow(prompts=prompts, recover=False)
    w.resize(1400, 900)
    w.show()
    meter = StallMeter()
    gcw = GcWatch(meter)
    tools = w.tools
    tools.transcription.partial_applied.connect(lambda i, n: meter.note(f"partial {i} (+{n})"))
    tools.transcription.run_started.connect(lambda _r: meter.note("run started"))
    w.tasks.tasks_changed.connect(lambda: meter.note("jobs changed"))
    w.session.committed.connect(lambda n: meter.note(f"committed {n}"))
    w.session.violations_changed.connect(lambda: meter.note("violations"))
    report: dict = {"media_minutes": args.minutes, "model": args.model, "cpus": os.cpu_count()}

    def open_media(path: Path) -> None:
        w.files.forget_changes()
        w.files.open_media(str(path), sidecar=False)
        assert wait_until(app, lambda: w.session.peaks is not None and not w.tasks.active, 300)

    def transcribe(minutes: float, stop_after: int = 0) -> tuple[dict, dict]:
        """One run from the dialog; (stall figures, run figures).  ``stop_after``: cancel once
        that many chunks are in (0: run to the end)."""
        pressed: dict[str, float] = {}
        first: dict[str, float] = {}

        def accept(dlg) -> bool:
            dlg.set_engine("whisper")
            dlg.set_model(args.model)
            pressed["t"] = time.perf_counter()
            return True

        chunks = []

        def on_partial(_index: int, n: int) -> None:
            chunks.append(n)
            if n and "t" not in first:
                first["t"] = time.perf_counter()
            if stop_after and len(chunks) >= stop_after:
                job.cancel()

        tools.transcription.partial_applied.connect(on_partial)
        prompts.hook = accept
        meter.start()
        job = tools.ask_transcribe()
        assert job is not None
        job.signals.progress.connect(lambda p: meter.note(f"progress {p.message}"))
        assert wait_until(app, lambda: job.status.done, 3600)
        wall = time.perf_counter() - pressed["t"]
        spin(app, 0.2)
        stall = meter.stop()
        stall["gc"] = gcw.summary(meter.started)
        import gc

        stall["python_objects"] = len(gc.get_objects())
        tools.transcription.partial_applied.disconnect(on_partial)
        result = job.result
        return stall, {
            "status": job.status.value, "segments": len(w.session.doc), "wall_s": round(wall, 1),
            "real_time_factor": round(wall / (minutes * 60), 3),
            "chunks": result.stats.chunks if result else None,
            "press_to_first_segment_s": round(first["t"] - pressed["t"], 2) if first else None,
            "pipeline_first_segment_s": round(result.stats.first_segment_s, 2)
            if result and result.stats.first_segment_s else None,
        }

    # 0: a short first run loads the model (cold: the model load happens in the job)
    open_media(make_media(0.5, Path(_TMP) / "warmup.wav"))
    meter.start()
    spin(app, 5.0)
    report["idle_stall"] = meter.stop()
    report["cold_transcribe_stall"], report["cold_transcribe"] = transcribe(0.5)

    # 1 + 2: the long run, model loaded
    open_media(make_media(args.minutes, Path(_TMP) / "speech.wav"))
    report["transcribe_stall"], report["transcribe"] = transcribe(args.minutes)

    # 3: edit -> re-aligned words
    doc = w.session.doc
    times, job_times = [], []
    meter.start()
    for k in range(args.edits):
        seg = doc[min(len(doc) - 1, 1 + k * max(1, len(doc) // max(1, args.edits)))]
        if "country" not in seg.text:
            continue
        w.session.set_current(seg.id)
        spin(app, 0.05)
        done = []
        w.tools.realign.applied.connect(done.append)
        ed = w.editor.text
        text = ed.toPlainText()
        i = text.index("country")
        cur = ed.textCursor()
        cur.setPosition(i)
        cur.setPosition(i + len("country"), cur.MoveMode.KeepAnchor)
        t0 = time.perf_counter()
        cur.insertText("nation")
        ed.setTextCursor(cur)
        ok = wait_until(app, lambda sid=seg.id, done=done: bool(done) and not doc.get(sid).has(
            "words_stale"), 120)
        w.tools.realign.applied.disconnect(done.append)
        if ok:
            times.append(time.perf_counter() - t0)
            job_times.append(done[-1].elapsed_s)
    report["realign_stall"] = meter.stop()
    report["edit_to_realigned"] = {
        "edits": len(times),
        "total_s": [round(t, 2) for t in times],
        "job_s": [round(t, 2) for t in job_times],
        "note": "total = 400 ms typing commit + 600 ms debounce + the job",
    }
    # 2b: press-to-first-segment on a long file, cancelled after its first chunks
    if args.long:
        from app.audio.probe import probe

        open_media(Path(args.long))
        minutes = probe(args.long).duration_ms / 60000
        report["long_media"] = {"path": args.long, "minutes": round(minutes, 1)}
        report["long_transcribe_stall"], report["long_transcribe"] = transcribe(minutes, 3)

    import resource

    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    w.files.forget_changes()
    w.shutdown()
    w.close()
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
