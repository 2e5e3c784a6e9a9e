"""The pipeline's default word timing: the engine's own word edges snapped to the speech."""

from __future__ import annotations

import difflib
import re

from app.align.snap import snap_segments
from app.core.model import Segment, Word, check_segment


def _norm(t: str) -> str:
    return re.sub(r"[^\w']", "", t.lower())


def _start_mae(segments, gt) -> tuple[float, int]:
    heard = [w for s in segments for w in s.words]
    a = [_norm(w.text) for w in gt.words]
    b = [_norm(w.text) for w in heard]
    errs = []
    for i, j, n in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        errs += [abs(heard[j + k].start - gt.words[i + k].start) for k in range(n)]
    return sum(errs) / max(1, len(errs)), len(errs)


def test_snapping_engine_words_is_close_to_the_truth(ground_truth):
    from app.engines.base import TranscribeOptions
    from app.pipeline.transcribe import transcribe_samples
    from app.pipeline.types import PipelineOptions

    opts = dict(model="base", decode=TranscribeOptions(language="en"))
    raw = transcribe_samples(ground_truth.samples, PipelineOptions(word_timing="engine", **opts))
    snapped = snap_segments(ground_truth.samples, 16000, raw.segments, "en")
    raw_mae, n_raw = _start_mae(raw.segments, ground_truth)
    mae, n = _start_mae(snapped, ground_truth)
    print(f"\nword start MAE: engine {raw_mae:.1f} ms, snapped {mae:.1f} ms ({n} words)")
    assert n == n_raw and n >= 0.6 * len(ground_truth.words)
    assert mae < 80 and mae < raw_mae
    for s, r in zip(snapped, raw.segments, strict=True):
        check_segment(s)
        assert s.text == r.text and [w.text for w in s.words] == [w.text for w in r.words]
    # the pipeline's default ("auto") is the same snapping
    auto = transcribe_samples(ground_truth.samples, PipelineOptions(**opts))
    assert _start_mae(auto.segments, ground_truth)[0] < 80


def test_untimed_segments_pass_through():
    import numpy as np

    x = np.zeros(16000 * 3, np.float32)
    plain = Segment(0, 1000, "no words")
    estimated = Segment(1000, 2000, "a b", (Word("a", 1000, 1500, None, True), Word("b", 1500, 2000, None, True)))
    assert snap_segments(x, 16000, [plain, estimated]) == [plain, estimated]
