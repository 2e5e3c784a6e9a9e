"""Signals that carry no speech (tones, music-like chords and drums) and spoken sign-offs made
with espeak-ng: what the cleanup must remove text over, and what it must keep.

Used by tests/pipeline/test_cleanup.py and packaging/bench/bench_trust.py.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000

CONTENT = ("Today we look at a small camera. It is light, it has a good lens, and the battery "
           "lasts two days.")
SIGN_OFFS = (
    "Thank you for watching, and see you next time.",
    "Please subscribe to the channel if this review was useful.",
)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def noise(seconds: float, level: float = 0.05, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * level) \
        .astype(np.float32)


def tone(seconds: float, freq_hz: float = 440.0, level: float = 0.3) -> np.ndarray:
    """A steady sine tone (a test tone, a beep held)."""
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def music(seconds: float, seed: int = 2, beat_s: float = 0.5) -> np.ndarray:
    """Music-like sound: a three-note chord with harmonics on every beat, decaying, over a
    noise-burst drum; no voice."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    x = np.zeros(n, np.float64)
    notes = (220.0, 261.6, 329.6, 392.0, 440.0, 523.3)
    step = int(beat_s * RATE)
    for a in range(0, n, step):
        b = min(n, a + step)
        tt = np.arange(b - a) / RATE
        env = np.exp(-3.0 * tt)
        for f in rng.choice(notes, 3, replace=False):
            for h in (1, 2, 3):
                x[a:b] += env * np.sin(2 * np.pi * f * h * tt) / h
        k = min(800, b - a)
        x[a:a + k] += rng.standard_normal(k) * np.exp(-np.arange(k) / 150.0)
    return (0.3 * x / max(1e-9, float(np.abs(x).max()))).astype(np.float32)


def speak(text: str, voice: str = "en-us") -> np.ndarray:
    """``text`` spoken by espeak-ng, as 16 kHz float32."""
    with tempfile.TemporaryDirectory(prefix="cueline-speak-") as tmp:
        path = Path(tmp) / "s.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True,
                       capture_output=True, timeout=60)
        with wave.open(str(path), "rb") as f:
            rate = f.getframerate()
            x = np.frombuffer(f.readframes(f.getnframes()), np.int16).astype(np.float32) / 32768
    if rate != RATE:
        n = int(round(len(x) * RATE / rate))
        x = np.interp(np.arange(n) * (rate / RATE), np.arange(len(x)), x).astype(np.float32)
    return x


@dataclass(frozen=True)
class Spoken:
    """A recording and where each spoken sign-off lies in it (ms)."""

    name: str
    samples: np.ndarray
    sign_off: str
    spans: tuple[tuple[int, int], ...]


def sign_off_clips(sign_off: str, voice: str = "en-us") -> list[Spoken]:
    """The sign-off at the end of a clip, alone, and three times over (an outro repeated)."""
    line = speak(sign_off, voice)
    content = speak(CONTENT, voice)

    def build(name: str, parts: list[tuple[np.ndarray, bool]]) -> Spoken:
        pos = 0
        spans = []
        for x, is_line in parts:
            if is_line:
                spans.append((pos * 1000 // RATE, (pos + len(x)) * 1000 // RATE))
            pos += len(x)
        return Spoken(name, np.concatenate([x for x, _ in parts]), sign_off, tuple(spans))

    return [
        build("end", [(silence(0.5), False), (content, False), (silence(0.8), False),
                      (line, True), (silence(1.0), False)]),
        build("alone", [(silence(0.5), False), (line, True), (silence(0.5), False)]),
        build("three", [(silence(0.5), False), (content, False), (silence(0.8), False),
                        (line, True), (silence(1.5), False), (line, True),
                        (silence(1.5), False), (line, True), (silence(0.8), False)]),
    ]


def kept(segments, spoken: Spoken, min_share: float = 0.6) -> int:
    """How many of the clip's sign-offs are in the transcript: segments over each one's time
    hold at least ``min_share`` of its words (case and punctuation ignored)."""
    import re

    def words(t: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", t.lower())

    want = words(spoken.sign_off)
    n = 0
    for a, b in spoken.spans:
        heard = words(" ".join(s.text for s in segments if s.end > a - 300 and s.start < b + 300))
        if want and sum(1 for w in set(want) if w in heard) >= min_share * len(set(want)):
            n += 1
    return n
