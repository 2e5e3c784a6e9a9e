"""Synthesised interviews with known speakers, made with espeak-ng at test time.

Each turn is one or more sentences spoken by one voice (an espeak-ng voice variant with its
own pitch and speed); its leading and trailing silence is trimmed, so the start and end of
every turn are exact.  Turns are joined with known pauses; ``overlaps`` puts a short
interjection ("yes", "right") of another speaker on top of some turns, so the truth also has
overlapping speech.  The words of a turn share its speaker; their times are spread over the
turn by length (the speaker of a word is what is tested, not its time).

Used by the speaker tests and by ``packaging/bench/bench_speakers.py``.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.align.groundtruth import SENTENCES, SR, _read_wav, _resample, _trim, have_espeak

# (espeak-ng voice, pitch 0-99, words per minute): four people the voice encoder tells apart
# (mean embeddings at most 0.77 alike; en-gb+m7 and en-us+m1 sound like en-us+m3 to it, 0.91+)
VOICES = (
    ("en-us+m3", 38, 160),
    ("en+f4", 60, 190),
    ("en+Andy", 30, 150),
    ("en+belinda", 70, 180),
)
INTERJECTIONS = ("yes", "right", "I see", "okay", "mm hm")

__all__ = ["VOICES", "Interview", "Turn", "build_interview", "have_espeak"]


@dataclass(frozen=True)
class Turn:
    speaker: int  # index into the voices used
    start: int  # ms
    end: int  # ms
    text: str
    overlap: bool = False  # an interjection on top of another speaker's turn


@dataclass
class Interview:
    samples: np.ndarray  # float32 mono 16 kHz
    turns: list[Turn]
    n_speakers: int
    voices: list[tuple[str, int, int]] = field(default_factory=list)
    spans: list[tuple[int, int, int]] = field(default_factory=list)  # per sentence


    @property
    def duration_ms(self) -> int:
        return len(self.samples) * 1000 // SR

    def reference(self) -> list[tuple[int, int, int]]:
        """``(start_ms, end_ms, speaker)`` of every sentence and interjection (the pauses
        inside a turn are not speech): the truth for the error rate."""
        return sorted(self.spans)


def synth(text: str, voice: tuple[str, int, int], workdir: Path) -> np.ndarray:
    name, pitch, wpm = voice
    out = workdir / "t.wav"
    subprocess.run(["espeak-ng", "-v", name, "-p", str(pitch), "-s", str(wpm), "-w", str(out),
                    text], check=True, capture_output=True)
    x, sr = _read_wav(out)
    return _trim(_resample(x, sr))


def build_interview(n_speakers: int = 2, n_turns: int = 8, seed: int = 0, *,
                    sentences_per_turn: tuple[int, int] = (1, 3), gap_ms: tuple[int, int] = (250, 900),
                    overlaps: int = 0, voices: tuple[tuple[str, int, int], ...] = VOICES,
                    lead_ms: int = 500) -> Interview:
    """An interview of ``n_turns`` turns among ``n_speakers`` voices (the first voice asks,
    the others answer in turn; speakers never follow themselves), ``overlaps`` of the turns
    with an interjection from the previous speaker on top."""
    if not 1 <= n_speakers <= len(voices):
        raise ValueError(f"1 to {len(voices)} speakers")
    rng = random.Random(seed)
    chosen = list(voices[:n_speakers])
    pool = list(SENTENCES)
    rng.shuffle(pool)
    order: list[int] = []
    for i in range(n_turns):
        if n_speakers == 1:
            order.append(0)
        elif i % 2 == 0:
            order.append(0)
        else:
            order.append(1 + (i // 2) % (n_speakers - 1))
    if n_speakers > 2:  # not strictly interviewer/guest: some guests answer each other
        for i in range(2, n_turns, 4):
            if order[i - 1] != order[i] and i + 1 < n_turns:
                order[i] = 1 + (order[i - 1]) % (n_speakers - 1)
                if order[i] == order[i - 1] or order[i] == order[i + 1]:
                    order[i] = 0
    overlap_turns = set(rng.sample(range(1, n_turns), min(overlaps, n_turns - 1))) \
        if n_speakers > 1 else set()
    track = np.zeros(SR * lead_ms // 1000, dtype=np.float32)
    pos = len(track)
    turns: list[Turn] = []
    spans: list[tuple[int, int, int]] = []
    extras: list[tuple[int, np.ndarray]] = []
    k = 0
    with tempfile.TemporaryDirectory(prefix="cueline-interview-") as tmp:
        workdir = Path(tmp)
        pieces = [track]
        for i, who in enumerate(order):
            n = rng.randint(*sentences_per_turn)
            texts = [pool[(k + j) % len(pool)] for j in range(n)]
            k += n
            parts = []
            at = pos
            for j, t in enumerate(texts):
                if j:
                    pause = SR * rng.randint(250, 450) // 1000
                    parts.append(np.zeros(pause, dtype=np.float32))
                    at += pause
                parts.append(synth(t, chosen[who], workdir))
                spans.append((at * 1000 // SR, (at + len(parts[-1])) * 1000 // SR, who))
                at += len(parts[-1])
            audio = np.concatenate(parts)
            start = pos
            pieces.append(audio)
            pos += len(audio)
            turns.append(Turn(who, start * 1000 // SR, pos * 1000 // SR, ". ".join(texts) + "."))
            if i in overlap_turns:
                other = order[i - 1]
                word = INTERJECTIONS[rng.randrange(len(INTERJECTIONS))]
                inter = synth(word, chosen[other], workdir)
                at = start + int(len(audio) * rng.uniform(0.3, 0.6))
                extras.append((at, inter))
                turns.append(Turn(other, at * 1000 // SR, (at + len(inter)) * 1000 // SR,
                                  word.capitalize() + ".", overlap=True))
                spans.append((turns[-1].start, turns[-1].end, other))
            gap = SR * rng.randint(*gap_ms) // 1000
            pieces.append(np.zeros(gap, dtype=np.float32))
            pos += gap
    samples = np.concatenate(pieces)
    for at, inter in extras:
        samples[at:at + len(inter)] += 0.8 * inter
    noise = np.random.default_rng(seed).normal(0.0, 0.0015, len(samples)).astype(np.float32)
    turns.sort(key=lambda t: (t.start, t.end))
    return Interview(samples + noise, turns, n_speakers, chosen, spans)
