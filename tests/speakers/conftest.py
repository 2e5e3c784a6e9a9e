"""Fixtures for the speaker tests: the voice encoder (loaded once), synthesised interviews
(made once per session with espeak-ng), and an empty voice-profile folder for every test."""

from __future__ import annotations

import hashlib

import pytest

from app.core.model import Segment
from app.core.words import distribute, split_words
from tests.conftest import need, need_tool
from tests.speakers.interview import Interview, build_interview


@pytest.fixture(autouse=True)
def isolated_voices(tmp_path, monkeypatch):
    folder = tmp_path / "voices"
    monkeypatch.setenv("CUELINE_VOICES_DIR", str(folder))
    return folder


class CachingEncoder:
    """The real encoder, remembering the embeddings of windows it has already computed (the
    tests run detection several times on the same recordings; the numbers are the same)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.memo: dict = {}

    def embed_windows(self, mel, windows, *, progress=None, cancel=None):
        key = (hashlib.sha1(mel.tobytes()).hexdigest(), tuple(windows))
        if key not in self.memo:
            self.memo[key] = self.inner.embed_windows(mel, windows, progress=progress,
                                                      cancel=cancel)
        elif progress is not None:
            progress(len(windows), len(windows))
        return self.memo[key]

    def embed(self, samples):
        return self.inner.embed(samples)


def need_encoder() -> None:
    """Skip without the voice encoder (under make test and CI, which install it: fail)."""
    from app.engines.voice import available

    need(available(),
         "the Resemblyzer voice encoder is not installed (pip install --no-deps resemblyzer)")


@pytest.fixture(scope="session")
def encoder():
    from app.engines.voice import load_encoder

    need_encoder()
    return CachingEncoder(load_encoder())


def _interview(n: int, turns: int, seed: int, overlaps: int = 0) -> Interview:
    need_tool("espeak-ng")
    return build_interview(n, turns, seed, overlaps=overlaps, sentences_per_turn=(1, 2))


@pytest.fixture(scope="session")
def interview2() -> Interview:
    return _interview(2, 8, 11, overlaps=1)


@pytest.fixture(scope="session")
def interview3() -> Interview:
    return _interview(3, 10, 3)


@pytest.fixture(scope="session")
def interview4() -> Interview:
    return _interview(4, 12, 4)


def transcript(iv: Interview, turns_per_segment: int = 1) -> list[Segment]:
    """Segments with words, as a transcriber would give: the text of each turn (or of
    several turns, so the detector has to split them) with its words spread over it."""
    main = [t for t in iv.turns if not t.overlap]
    out = []
    for i in range(0, len(main), turns_per_segment):
        group = main[i:i + turns_per_segment]
        words = []
        for t in group:
            words += distribute(split_words(t.text), t.start, t.end)
        out.append(Segment(group[0].start, group[-1].end, " ".join(t.text for t in group),
                           tuple(words)))
    return out


def true_speakers(iv: Interview, segments) -> list[int]:
    """The true speaker of every word of ``segments`` (by its middle)."""
    main = [t for t in iv.turns if not t.overlap]
    out = []
    for s in segments:
        for w in s.words:
            mid = (w.start + w.end) // 2
            out.append(min(main, key=lambda t: 0 if t.start <= mid <= t.end
                           else min(abs(mid - t.start), abs(mid - t.end))).speaker)
    return out
