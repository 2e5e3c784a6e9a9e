"""The long-window hook: the aligners never import the pipeline; a window longer than an
aligner takes goes to the hook the caller hands in (the pipeline's anchored alignment), and
without one the align layer refuses it (window aligner) or keeps the words (re-align)."""

from __future__ import annotations

import numpy as np
import pytest

from app.align.base import Aligner
from app.align.errors import AlignError
from app.align.realign import compute_alignment, prepare_realign
from app.align.textmap import Timing
from app.align.windows import Item, align_items
from app.audio.samples import ENGINE_RATE
from app.core.document import Document
from app.core.model import Segment, Word
from app.core.words import distribute, split_words


class EvenAligner(Aligner):
    """Spreads the words over the window: enough to follow where windows go."""

    name = "even-test"
    max_window_s = 2.0
    snap_edges = False

    def _time_words(self, samples, words, language, cancel):
        ms = len(samples) * 1000 / ENGINE_RATE
        step = ms / max(1, len(words))
        return [Timing(i * step, (i + 1) * step, 0.9) for i in range(len(words))]


TEXT = "one two three four five six"
AUDIO = np.random.default_rng(0).normal(0, 0.1, ENGINE_RATE * 6).astype(np.float32)


def hook_recording(calls):
    def long_window(aligner, samples_16k, texts, language, start_ms, cancel):
        calls.append((len(samples_16k) * 1000 // ENGINE_RATE, list(texts), language, start_ms))
        return [[w.shifted(start_ms) for w in distribute(split_words(t), 0, 100, False)]
                for t in texts]
    return long_window


def test_window_aligner_hands_long_windows_to_the_hook_and_refuses_without_one():
    item = Item("a", TEXT, 500, 4500)  # 4 s of text: longer than the aligner's 2 s
    with pytest.raises(AlignError, match="at most 2 s"):
        align_items(EvenAligner(), AUDIO, ENGINE_RATE, [item], "en")
    calls = []
    out = align_items(EvenAligner(), AUDIO, ENGINE_RATE, [item], "en",
                      long_window=hook_recording(calls))
    assert calls and calls[0][1] == [TEXT] and calls[0][2] == "en"
    assert [w.text for w in out["a"]] == split_words(TEXT)
    assert out["a"][0].start == calls[0][3]  # the hook's words, in media time
    short = align_items(EvenAligner(), AUDIO, ENGINE_RATE, [Item("b", "one two", 0, 1000)], "en",
                        long_window=hook_recording(calls := []))
    assert not calls and len(short["b"]) == 2  # short windows never reach the hook


def test_realign_of_a_long_segment_uses_the_hook_or_keeps_its_words():
    words = tuple(Word(t, 400 + 600 * i, 900 + 600 * i) for i, t in enumerate(split_words(TEXT)))
    seg = Segment(400, 4000, TEXT, words)
    doc = Document([seg])
    plan = prepare_realign(doc, [seg.id], "en", mode="full")
    kept = compute_alignment(plan, AUDIO, ENGINE_RATE, EvenAligner())
    assert kept[seg.id] == list(words)
    calls: list = []
    compute_alignment(plan, AUDIO, ENGINE_RATE, EvenAligner(), long_window=hook_recording(calls))
    assert len(calls) == 1 and calls[0][1] == [TEXT]
