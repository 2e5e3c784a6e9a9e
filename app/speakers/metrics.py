"""How right a speaker labelling is: diarization error rate and word-level accuracy.

The diarization error rate (DER) is (missed speech + false alarm + speaker confusion) over the
reference speech time, on a 10 ms grid, after mapping hypothesis speakers to reference
speakers one to one so that the matched time is largest (Hungarian method,
``scipy.optimize.linear_sum_assignment``), as pyannote.metrics computes it (without a forgiveness
collar: every 10 ms counts).  Overlapping reference speech counts once per speaker.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

STEP_MS = 10

Turn = tuple[int, int, Hashable]  # start_ms, end_ms, speaker


@dataclass(frozen=True)
class DER:
    reference_ms: int
    missed_ms: int
    false_alarm_ms: int
    confusion_ms: int
    mapping: dict

    @property
    def rate(self) -> float:
        return (self.missed_ms + self.false_alarm_ms + self.confusion_ms) / max(1, self.reference_ms)


def _grid(turns: Sequence[Turn], n: int) -> tuple[np.ndarray, list]:
    names = sorted({t[2] for t in turns}, key=str)
    m = np.zeros((len(names), n), dtype=bool)
    for s, e, who in turns:
        m[names.index(who), max(0, s // STEP_MS):max(0, e // STEP_MS)] = True
    return m, names


def speaker_mapping(reference: Sequence[Turn], hypothesis: Sequence[Turn]) -> dict:
    """Hypothesis speaker -> reference speaker, one to one, most shared time."""
    from scipy.optimize import linear_sum_assignment

    end = max([t[1] for t in reference] + [t[1] for t in hypothesis] + [0])
    n = end // STEP_MS + 1
    ref, rnames = _grid(reference, n)
    hyp, hnames = _grid(hypothesis, n)
    if not rnames or not hnames:
        return {}
    shared = hyp.astype(np.int32) @ ref.T.astype(np.int32)
    rows, cols = linear_sum_assignment(-shared)
    return {hnames[r]: rnames[c] for r, c in zip(rows, cols, strict=True) if shared[r, c] > 0}


def diarization_error(reference: Sequence[Turn], hypothesis: Sequence[Turn]) -> DER:
    end = max([t[1] for t in reference] + [t[1] for t in hypothesis] + [0])
    n = end // STEP_MS + 1
    ref, rnames = _grid(reference, n)
    hyp, hnames = _grid(hypothesis, n)
    mapping = speaker_mapping(reference, hypothesis)
    n_ref = ref.sum(axis=0)
    n_hyp = hyp.sum(axis=0)
    correct = np.zeros(n, dtype=np.int32)
    for h, r in mapping.items():
        correct += hyp[hnames.index(h)] & ref[rnames.index(r)]
    missed = np.maximum(0, n_ref - n_hyp)
    false_alarm = np.maximum(0, n_hyp - n_ref)
    confusion = np.minimum(n_ref, n_hyp) - correct
    return DER(int(n_ref.sum()) * STEP_MS, int(missed.sum()) * STEP_MS,
               int(false_alarm.sum()) * STEP_MS, int(confusion.sum()) * STEP_MS, mapping)


def word_accuracy(truth: Sequence[Hashable], found: Sequence[Hashable | None]) -> float:
    """Share of words whose found speaker is their true one, under the best one-to-one mapping
    of found names to true names (names are arbitrary: "Speaker 2" may be the true "A")."""
    from scipy.optimize import linear_sum_assignment

    if not truth:
        return 1.0
    tn = sorted(set(truth), key=str)
    fn = sorted({f for f in found if f is not None}, key=str)
    if not fn:
        return 0.0
    m = np.zeros((len(fn), len(tn)), dtype=int)
    for t, f in zip(truth, found, strict=True):
        if f is not None:
            m[fn.index(f), tn.index(t)] += 1
    rows, cols = linear_sum_assignment(-m)
    return float(m[rows, cols].sum()) / len(truth)
