"""Media for the speech tests, made from the real recordings (and espeak-ng for German)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from tests.pipeline.media import looped, silence, write_wav

RATE = 16000


def jfk16k(jfk_path: Path) -> np.ndarray:
    from app.audio.decode import decode

    return decode(jfk_path, RATE)


def jfk_loop(jfk_path: Path, out: Path, times: int, gap_s: float = 1.5) -> Path:
    """``times`` copies of jfk.flac with ``gap_s`` of silence after each (16 kHz mono WAV)."""
    x = np.concatenate([silence(0.5), looped(jfk16k(jfk_path), times, gap_s)])
    return write_wav(out, x)


GERMAN = ("Guten Morgen. Ich heiße Anna und ich wohne in Berlin.",
          "Heute ist das Wetter sehr schön, und wir gehen in den Park.")


def german_clip(out: Path, gap_s: float = 1.5) -> tuple[Path, int]:
    """Two German sentences (espeak-ng) with ``gap_s`` of silence between them; returns the
    16 kHz WAV and the time (ms) in the middle of the gap."""
    from app.audio.decode import decode

    parts = []
    for i, text in enumerate(GERMAN):
        raw = out.with_name(f"{out.stem}-{i}.wav")
        subprocess.run(["espeak-ng", "-v", "de", "-w", str(raw), text], check=True,
                       capture_output=True, timeout=60)
        parts.append(decode(raw, RATE))
    x = np.concatenate([silence(0.3), parts[0], silence(gap_s), parts[1], silence(0.3)])
    cut = int((0.3 + len(parts[0]) / RATE + gap_s / 2) * 1000)
    return write_wav(out, x), cut
