"""Session fixtures shared by tests/engines and tests/pipeline: the bundled Whisper models
and a tiny random Qwen3-ASR, loaded once per session (both conftests import them from here;
the model folder is the same for both, so each model is loaded once).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.engines.qwen_tiny import build_tiny_qwen_asr


@pytest.fixture(scope="session", autouse=True)
def model_dir(tmp_path_factory) -> Path:
    """Reassemble bundled models into a temporary model folder, not the user's cache."""
    folder = tmp_path_factory.getbasetemp() / "cueline-models"
    folder.mkdir(exist_ok=True)
    old = os.environ.get("CUELINE_MODEL_DIR")
    os.environ["CUELINE_MODEL_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("CUELINE_MODEL_DIR", None)
    else:
        os.environ["CUELINE_MODEL_DIR"] = old


@pytest.fixture(scope="session")
def jfk_samples(jfk_path) -> np.ndarray:
    from faster_whisper.audio import decode_audio

    return decode_audio(str(jfk_path), sampling_rate=16000)


@pytest.fixture(scope="session")
def whisper_base(model_dir):
    from app.engines.whisper import WhisperEngine

    engine = WhisperEngine("base", device="cpu")
    engine.load()
    return engine


@pytest.fixture(scope="session")
def whisper_tiny_en(model_dir):
    from app.engines.whisper import WhisperEngine

    engine = WhisperEngine("tiny.en", device="cpu")
    engine.load()
    return engine


@pytest.fixture(scope="session")
def qwen_tiny_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "qwen-tiny-asr"
    return folder if (folder / "config.json").is_file() else build_tiny_qwen_asr(folder)


@pytest.fixture(scope="session")
def qwen_aligner_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "qwen-tiny-aligner"
    if (folder / "config.json").is_file():
        return folder
    return build_tiny_qwen_asr(folder, aligner=True)


@pytest.fixture(scope="session")
def qwen_tiny(qwen_tiny_dir):
    """Qwen3-ASR engine on the tiny random model; its output never ends, so keep it short."""
    from app.engines.qwen import QwenEngine

    engine = QwenEngine(str(qwen_tiny_dir), device="cpu", max_new_tokens=12, aligner="none")
    engine.load()
    return engine
