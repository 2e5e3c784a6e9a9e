"""Test media built from the real recordings: loops, silences, noise, synthetic German."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

RATE = 16000


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """16-bit PCM WAV; ``samples`` float in [-1, 1], shape (n,) or (channels, n)."""
    x = np.asarray(samples, dtype=np.float32)
    frames = x.T if x.ndim == 2 else x[:, None]
    pcm = np.clip(np.rint(frames * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def noise(seconds: float, level: float = 0.05, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * level) \
        .astype(np.float32)


def looped(samples: np.ndarray, times: int, gap_s: float = 0.6) -> np.ndarray:
    parts = []
    for _ in range(times):
        parts += [samples, silence(gap_s)]
    return np.concatenate(parts)


def espeak(path: Path, text: str, voice: str) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True,
                   capture_output=True, timeout=60)
    return path
