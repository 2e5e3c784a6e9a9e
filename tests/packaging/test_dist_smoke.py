"""The built application (``make dist``) passes its smoke test: packaging/smoke-test.sh starts
dist/cueline/cueline in a clean environment (no Python environment, offline), transcribes the
demo, runs every subcommand and the editor headless.

Runs when a build exists; without one it is skipped (a missing build, not a missing tool:
``make dist`` builds it and runs the same script at its end)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist" / "cueline"
SCRIPT = ROOT / "packaging" / "smoke-test.sh"
SMOKE_TIMEOUT_S = 600

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not (DIST / "cueline").is_file(), reason="no build in dist/cueline (make dist)")
def test_built_application_passes_the_smoke_test():
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime((DIST / "cueline").stat().st_mtime))
    proc = subprocess.run(["bash", str(SCRIPT), str(DIST)], capture_output=True, text=True,
                          timeout=SMOKE_TIMEOUT_S, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"smoke test of the build from {built} failed " \
                                 f"(rebuild with make dist if the sources changed since):\n{out}"
    lines = out.splitlines()
    assert lines[-1].startswith("PASS")
    for step in ("transcribe", "tiny", "info", "convert", "align", "realign", "docx", "shots",
                 "check", "translate", "speakers", "qwen", "badinput", "editor", "editor-video"):
        assert any(line.startswith("ok ") and f" {step} " in line for line in lines), step
