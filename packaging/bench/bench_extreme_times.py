"""Editor frame times with cues at extreme times (issue 11, item 6), offscreen Qt.

    .venv/bin/python packaging/bench/bench_extreme_times.py [--json OUT]

For a document of one cue near 0 and one far away (past int32 ms, at 999,999,999,999 ms, at
9,999,999 hours, past int64), built directly in the core: the time to show it (set the
document and paint the whole-file view) and the time of one frame at the whole-file zoom and
at a 10 s zoom on the far cue, plus how many ruler ticks a frame draws.  Before the fix the
9,999,999 h document froze the first paint for minutes (one ruler tick per 24 min of
timeline) and 999,999,999,999 ms cost ~2 s per frame.

Figures depend on the machine (and on other work running on it); nothing here is asserted.
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
_TMP = tempfile.mkdtemp(prefix="cueline-bench-extreme-")
atexit.register(shutil.rmtree, _TMP, True)
os.environ.setdefault("CUELINE_RECOVERY_DIR", os.path.join(_TMP, "recovery"))
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(_TMP, "config"))

CASES = (
    ("2**31 + 5 ms", 2**31 + 5),
    ("999,999,999,999 ms", 999_999_999_999),
    ("9,999,999 h", 9_999_999 * 3_600_000),
    ("10**20 ms", 10**20),
)
FRAMES = 20


def frame_ms(view) -> float:
    from PySide6.QtGui import QImage

    img = QImage(view.size(), QImage.Format.Format_ARGB32_Premultiplied)
    t = time.perf_counter()
    view.render(img)
    return (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, os.path.join(_TMP, "settings"))
    from app.core.document import Document
    from app.core.model import Segment
    from app.ui.main import application
    from app.ui.main_window import MainWindow
    from app.ui.prompts import Prompts
    from app.ui.waveform_render import ruler_step, ruler_ticks

    app = application()
    window = MainWindow(prompts=Prompts(), recover=False)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    view = window.waveform
    results = []
    for name, far in CASES:
        doc = Document([Segment(1000, 2000, "near"), Segment(far, far + 1000, "far away")])
        t = time.perf_counter()
        window.session.set_document(doc)
        app.processEvents()
        view.repaint()
        show_ms = (time.perf_counter() - t) * 1000
        view.fit_all()
        whole = statistics.median(frame_ms(view) for _ in range(FRAMES))
        step, minor = ruler_step(view.ms_per_px)
        ticks = len(ruler_ticks(view.origin_ms, view.origin_ms + view.width() * view.ms_per_px,
                                minor, view.width() + 2))
        view.zoom_to(far - 5000, far + 5000)
        near_far = statistics.median(frame_ms(view) for _ in range(FRAMES))
        sb = window.waveform_panel.scrollbar
        row = {"case": name, "show_ms": round(show_ms, 1), "whole_file_frame_ms": round(whole, 2),
               "zoom_10s_frame_ms": round(near_far, 2), "ruler_ticks_whole_file": ticks,
               "scrollbar_max": sb.maximum(), "ms_per_scroll_unit": window.waveform_panel.ms_per_unit}
        results.append(row)
        print(json.dumps(row))
    window.files.forget_changes()
    window.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
