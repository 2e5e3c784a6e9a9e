"""A speech recording with known word boundaries, made with espeak-ng at test time.

Each word is synthesised on its own (``espeak-ng -w``), its leading and trailing silence is
trimmed with an energy threshold, and the words are joined with known gaps at 16 kHz: the
start and end of every word are then exact.  Sentences get longer gaps between them, so the
set also has segment boundaries.  Used by the tests and by ``packaging/bench/bench_align.py``.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SR = 16000

SENTENCES = (
    "The quick brown fox jumps over the lazy dog",
    "She sells sea shells by the sea shore",
    "Please call Stella and ask her to bring these things with her from the store",
    "A rainbow is a division of white light into many beautiful colours",
    "The boy was there when the sun rose",
    "Rice is often served in round bowls",
    "The juice of lemons makes fine punch",
    "The box was thrown beside the parked truck",
    "Four hours of steady work faced us",
    "A large size in stockings is hard to sell",
    "The birch canoe slid on the smooth planks",
    "Glue the sheet to the dark blue background",
    "It is easy to tell the depth of a well",
    "These days a chicken leg is a rare dish",
    "The small pup gnawed a hole in the sock",
    "The fish twisted and turned on the bent hook",
    "Press the pants and sew a button on the vest",
    "The swan dive was far short of perfect",
    "The beauty of the view stunned the young boy",
    "Two blue fish swam in the tank",
    "Her purse was full of useless trash",
    "The colt reared and threw the tall rider",
    "It snowed rained and hailed the same morning",
    "Read verse out loud for pleasure",
    "Hoist the load to your left shoulder",
    "Take the winding path to reach the lake",
    "Note closely the size of the gas tank",
    "Wipe the grease off his dirty face",
    "Mend the coat before you go out",
    "The wrist was badly strained and hung limp",
    "The stray cat gave birth to kittens",
    "The young girl gave no clear response",
    "The meal was cooked before the bell rang",
    "What joy there is in living",
    "A king ruled the state in the early days",
    "The ship was torn apart on the sharp reef",
    "Sickness kept him home the third week",
    "The wide road shimmered in the hot sun",
    "The lazy cow lay in the cool grass",
    "Lift the square stone over the fence",
)

VOICES = ("en", "en-us", "en+f3", "en-gb-x-rp", "en+m3", "en-us+f2")


@dataclass(frozen=True)
class TrueWord:
    text: str
    start: int  # ms
    end: int  # ms
    sentence: int


@dataclass
class GroundTruth:
    samples: np.ndarray  # float32 mono 16 kHz
    words: list[TrueWord]
    sentences: list[str]  # the text of each sentence, in order

    @property
    def duration_ms(self) -> int:
        return int(len(self.samples) * 1000 / SR)

    def sentence_span(self, i: int) -> tuple[int, int]:
        ws = [w for w in self.words if w.sentence == i]
        return ws[0].start, ws[-1].end


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as f:
        sr = f.getframerate()
        n = f.getnframes()
        data = np.frombuffer(f.readframes(n), dtype=np.int16).astype(np.float32) / 32768.0
        if f.getnchannels() > 1:
            data = data.reshape(-1, f.getnchannels()).mean(axis=1)
    return data, sr


def _resample(x: np.ndarray, sr: int, target: int = SR) -> np.ndarray:
    """Band-limited resampling by FFT (exact for these short clips)."""
    if sr == target or len(x) == 0:
        return x.astype(np.float32)
    n_out = int(round(len(x) * target / sr))
    spec = np.fft.rfft(x)
    out_bins = n_out // 2 + 1
    if out_bins <= len(spec):
        spec = spec[:out_bins]
    else:
        spec = np.concatenate([spec, np.zeros(out_bins - len(spec), dtype=spec.dtype)])
    return (np.fft.irfft(spec, n_out) * (n_out / len(x))).astype(np.float32)


def _trim(x: np.ndarray, below_peak_db: float = 35.0) -> np.ndarray:
    """Cut leading and trailing silence: 5 ms frames whose RMS is within 35 dB of the
    word's loudest frame are the word (fainter tails are inaudible under any noise)."""
    frame = SR // 200
    n = len(x) // frame
    if n == 0:
        return x
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1))
    db = 20.0 * np.log10(rms + 1e-10)
    loud = np.nonzero(db > db.max() - below_peak_db)[0]
    if len(loud) == 0:
        return x[:0]
    return x[loud[0] * frame:(loud[-1] + 1) * frame]


def synth_word(word: str, voice: str, rate: int, workdir: Path) -> np.ndarray:
    out = workdir / "w.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(out), word],
                   check=True, capture_output=True)
    x, sr = _read_wav(out)
    return _trim(_resample(x, sr))


def build(n_sentences: int = 8, seed: int = 0, voices: tuple[str, ...] = VOICES,
          rates: tuple[int, ...] = (140, 165, 190), lead_ms: int = 600,
          word_gap: tuple[int, int] = (50, 160), sentence_gap: tuple[int, int] = (400, 900),
          sentences: tuple[str, ...] | None = None) -> GroundTruth:
    """A recording of ``n_sentences`` sentences, each in a voice and rate picked by ``seed``."""
    rng = random.Random(seed)
    pool = list(sentences or SENTENCES)
    chosen = [pool[(seed * 7 + i) % len(pool)] for i in range(n_sentences)]
    pieces: list[np.ndarray] = [np.zeros(SR * lead_ms // 1000, dtype=np.float32)]
    pos = len(pieces[0])
    words: list[TrueWord] = []
    cache: dict[tuple[str, str, int], np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="cueline-espeak-") as tmp:
        workdir = Path(tmp)
        for si, sentence in enumerate(chosen):
            voice = voices[rng.randrange(len(voices))]
            rate = rates[rng.randrange(len(rates))]
            toks = sentence.split()
            for wi, tok in enumerate(toks):
                key = (tok.lower(), voice, rate)
                if key not in cache:
                    cache[key] = synth_word(tok, voice, rate, workdir)
                audio = cache[key]
                if wi > 0:
                    gap = rng.randint(*word_gap) * SR // 1000
                    pieces.append(np.zeros(gap, dtype=np.float32))
                    pos += gap
                start = pos
                pieces.append(audio)
                pos += len(audio)
                words.append(TrueWord(tok, start * 1000 // SR, pos * 1000 // SR, si))
            gap = rng.randint(*sentence_gap) * SR // 1000
            pieces.append(np.zeros(gap, dtype=np.float32))
            pos += gap
    samples = np.concatenate(pieces)
    # a faint noise floor, as in a real room (deterministic)
    noise = np.random.default_rng(seed).normal(0.0, 0.0015, len(samples)).astype(np.float32)
    return GroundTruth(samples + noise, words, chosen)

