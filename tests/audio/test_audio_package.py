"""``import app.audio`` stays light; the public names resolve."""

from __future__ import annotations

import subprocess
import sys

import app.audio
from tests.conftest import ROOT


def test_import_pulls_in_no_heavy_library():
    code = ("import sys, app.audio; "
            "print(sorted(m for m in ('av', 'sounddevice', 'faster_whisper', 'onnxruntime', "
            "'pydub', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True, timeout=60).stdout.strip()
    assert out == "[]"


def test_public_names():
    for name in app.audio.__all__:
        assert getattr(app.audio, name) is not None
    from app.audio import MediaError, PeakPyramid, Player, decode, plan_chunks, probe

    assert callable(decode) and callable(probe) and callable(plan_chunks)
    assert PeakPyramid.__name__ == "PeakPyramid" and Player.__name__ == "Player"
    assert issubclass(MediaError, Exception)
