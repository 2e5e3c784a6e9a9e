"""Fixtures shared by every test area: real recordings and their reference transcripts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"

JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
STEREO_LEFT_TEXT = (
    "He began a confused complaint against the wizard, who had vanished behind the curtain on the left."
)
STEREO_RIGHT_TEXT = "The horizon seems extremely distant."

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def jfk_path() -> Path:
    """11 s of real speech (44.1 kHz stereo FLAC), the bundled demo media."""
    return ROOT / "resources" / "demo" / "jfk.flac"


@pytest.fixture(scope="session")
def stereo_path() -> Path:
    """5 s, 16 kHz stereo WAV, one speaker per channel."""
    return DATA / "stereo_diarization.wav"


@pytest.fixture(scope="session")
def jfk_text() -> str:
    return JFK_TEXT


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


# `make test` installs every system tool the suite uses (packaging/system-deps.sh test) and sets
# CUELINE_STRICT_TOOLS: there, and in CI, a missing tool is a failure, never a silent skip.
STRICT_TOOLS = bool(os.environ.get("CUELINE_STRICT_TOOLS") or os.environ.get("CI"))


def need(present: bool, msg: str) -> None:
    """Skip (or, under `make test` and CI, fail) when something the test needs is missing."""
    if present:
        return
    if STRICT_TOOLS:
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def need_tool(tool: str) -> None:
    """Skip (or, under `make test` and CI, fail) when ``tool`` is not on PATH."""
    need(have(tool), f"{tool} is not installed (packaging/system-deps.sh test installs it)")


def pytest_runtest_setup(item) -> None:
    for mark in item.iter_markers("needs_tool"):
        for tool in mark.args:
            need_tool(tool)


requires_espeak = pytest.mark.needs_tool("espeak-ng")

# Some native libraries loaded by the engines (built with fast-math) switch the CPU to
# flush-subnormals-to-zero for the whole process; property tests that draw floats therefore
# pass allow_subnormal=False, so their outcome does not depend on which test ran first.
