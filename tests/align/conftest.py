"""Fixtures of the alignment tests: the bundled Whisper aligner, the demo recording, a
ground-truth recording made with espeak-ng, and a tiny random Qwen3 forced aligner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.align.groundtruth import GroundTruth, build
from tests.align.qwen_tiny_aligner import build_tiny_aligner
from tests.conftest import need_tool, requires_espeak  # noqa: F401 - re-exported to the tests
from tests.engines.fixtures import model_dir  # noqa: F401 - autouse: models in a temp folder


@pytest.fixture(scope="session")
def aligner(model_dir):  # noqa: F811 - the fixture imported above
    """The default CPU aligner: Whisper with the bundled base model."""
    from app.align.whisper_aligner import WhisperAligner

    a = WhisperAligner("base", device="cpu")
    a.load()
    return a


@pytest.fixture(scope="session")
def jfk_samples(jfk_path) -> np.ndarray:
    from app.audio.decode import decode

    return decode(jfk_path)


@pytest.fixture(scope="session")
def ground_truth() -> GroundTruth:
    """Six sentences, each in its own espeak-ng voice and rate, with exact word edges."""
    need_tool("espeak-ng")
    return build(6, seed=11)


@pytest.fixture(scope="session")
def qwen_aligner_model(tmp_path_factory) -> Path:
    return build_tiny_aligner(tmp_path_factory.getbasetemp() / "qwen-tiny-forced-aligner")
