"""Word edges snapped to where the speech is.

Cross-attention alignment (Whisper) puts word boundaries at the right word but not at the right
instant: the first word of a window starts at the window's padded edge, and a boundary between
two words tends to sit where the earlier word ends, so a pause lands in the later word.  The
fix is to move edges out of silences, found two ways and merged:

* Silero speech regions (``app.audio.vad.speech_regions`` with 100 ms minimum silence and
  30 ms padding): robust to noise, blind to short gaps;
* short quiet runs of the energy envelope (>= 50 ms, 5 ms resolution) inside the speech
  regions: the gaps between words.

Times here are float milliseconds relative to the window's first sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

HOP_MS = 5.0
WIN_MS = 10.0


def energy_db(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Frame energies in dB: frame ``i`` covers ``[i*5, i*5+10]`` ms."""
    hop = max(1, int(sample_rate * HOP_MS / 1000))
    win = max(hop, int(sample_rate * WIN_MS / 1000))
    x = np.asarray(samples, dtype=np.float32)
    if len(x) < win:
        x = np.pad(x, (0, win - len(x)))
    n = (len(x) - win) // hop + 1
    sq = np.concatenate(([0.0], np.cumsum(x.astype(np.float64) ** 2)))
    starts = np.arange(n) * hop
    power = (sq[starts + win] - sq[starts]) / win
    return 10.0 * np.log10(power + 1e-10)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    if not len(mask):
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    diff = np.diff(padded)
    starts = np.nonzero(diff == 1)[0]
    ends = np.nonzero(diff == -1)[0]
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def quiet_runs(samples: np.ndarray, sample_rate: int, min_ms: float = 50.0,
               above_floor_db: float = 12.0, below_peak_db: float = 40.0) -> list[tuple[float, float]]:
    """Stretches (ms) whose energy stays near the noise floor for at least ``min_ms``.

    The threshold adapts to the recording: ``above_floor_db`` over the 10th percentile of
    frame energies, but never less than ``below_peak_db`` under the loud frames.
    """
    e = energy_db(samples, sample_rate)
    if len(e) < 3:
        return []
    floor = float(np.percentile(e, 10))
    peak = float(np.percentile(e, 99))
    if peak - floor < 10.0:  # no contrast: all speech, or all silence
        return []
    thr = max(floor + above_floor_db, peak - below_peak_db)
    out = []
    for a, b in _runs(e <= thr):
        # frame a starts at a*HOP; the quiet stretch is the span of frames' centres
        start = a * HOP_MS + WIN_MS / 2 if a > 0 else 0.0
        end = (b - 1) * HOP_MS + WIN_MS / 2 if b < len(e) else len(samples) * 1000.0 / sample_rate
        if end - start >= min_ms:
            out.append((start, end))
    return out


def silences(samples: np.ndarray, sample_rate: int,
             speech: Sequence[tuple[float, float]] | None = None,
             min_ms: float = 50.0) -> list[tuple[float, float]]:
    """Sorted silences (ms) of a window.

    With ``speech`` regions (from a VAD), the gaps between them are the pauses and are
    authoritative at their edges; the energy's quiet runs are added only where they lie
    inside a speech region (the short gaps between words the VAD does not report).
    Without ``speech``, the quiet runs alone.
    """
    total = len(samples) * 1000.0 / sample_rate
    quiet = quiet_runs(samples, sample_rate, min_ms=min_ms)
    if speech is None:
        return quiet
    regions = sorted((max(0.0, a), min(total, b)) for a, b in speech if b > a)
    spans: list[tuple[float, float]] = []
    prev = 0.0
    for a, b in regions:
        if a - prev >= min_ms:
            spans.append((prev, a))
        prev = max(prev, b)
    if total - prev >= min_ms:
        spans.append((prev, total))
    for a, b in quiet:
        if any(ra < a and b < rb for ra, rb in regions):
            spans.append((a, b))
    spans.sort()
    return spans


def _inside(sil: Sequence[tuple[float, float]], lo: float, hi: float, min_len: float) -> list[tuple[float, float]]:
    """Silences clipped to ``[lo, hi]`` that stay at least ``min_len`` long."""
    out = []
    for a, b in sil:
        a2, b2 = max(a, lo), min(b, hi)
        if b2 - a2 >= min_len:
            out.append((a2, b2))
    return out


def snap_edges(times: list[list[float]], sil: Sequence[tuple[float, float]],
               radius: float = 400.0, min_word: float = 30.0,
               edge_pause: float = 150.0, before_weight: float = 3.0,
               keep: float = 0.5, keep_ms: float = 80.0,
               weights: Sequence[float] | None = None) -> list[list[float]]:
    """Move word edges ``[[start, end], ...]`` (ms, in order) out of silences.

    * each boundary between two words moves onto the silence nearest to it within ``radius``
      (the earlier word ends where the silence starts, the later one starts where it ends),
      unless the silence is short (under ``edge_pause``: maybe a stop consonant's closure)
      and leaves either word less than ``keep`` of its length (or ``keep_ms``);
    * then the first word starts after the longest pause (>= ``edge_pause``) inside it, the last
      word ends before the longest pause inside it (the window's padding);
    * a start still inside a silence moves to its end, an end inside one to its start.

    * words left wholly inside the window's leading or trailing pause share the time of the
      nearest word in speech, by ``weights`` (their spoken lengths; default: equal).

    A word never gets shorter than ``min_word`` from snapping.
    """
    t = [list(x) for x in times]
    n = len(t)
    if n == 0 or not sil:
        return t
    # boundaries between words
    for i in range(n - 1):
        lo_b, hi_b = t[i][1], t[i + 1][0]
        if hi_b < lo_b:
            lo_b, hi_b = hi_b, lo_b
        cands = _inside(sil, t[i][0] + min_word, t[i + 1][1] - min_word, 1.0)
        best = None
        best_score = None
        len_a = t[i][1] - t[i][0]
        len_b = t[i + 1][1] - t[i + 1][0]
        for a, b in cands:
            if b < lo_b - radius or a > hi_b + radius:
                continue
            # a short gap never takes most of a word away (it may be a stop consonant's
            # closure inside the word); a real pause may
            short = b - a < edge_pause
            if short and (a - t[i][0] < min(keep * len_a, keep_ms)
                          or t[i + 1][1] - b < min(keep * len_b, keep_ms)):
                continue
            if a <= hi_b and b >= lo_b:
                dist = 0.0
            elif b < lo_b:  # before the boundary: alignment rarely ends a word late
                dist = before_weight * (lo_b - b)
            else:
                dist = a - hi_b
            score = dist - 0.5 * (b - a)
            if best_score is None or score < best_score:
                best, best_score = (a, b), score
        if best is not None:
            t[i][1] = max(best[0], t[i][0] + min_word)
            t[i + 1][0] = min(best[1], t[i + 1][1] - min_word)
    # leading and trailing edges of the window
    first = _inside(sil, t[0][0], t[0][1] - min_word, edge_pause)
    if first:
        a, b = max(first, key=lambda ab: ab[1] - ab[0])
        if a <= t[0][0] + 1.0 or b - a >= 2 * edge_pause:
            t[0][0] = b
    last = _inside(sil, t[-1][0] + min_word, t[-1][1], edge_pause)
    if last:
        a, b = max(last, key=lambda ab: ab[1] - ab[0])
        if b >= t[-1][1] - 1.0 or b - a >= 2 * edge_pause:
            t[-1][1] = a
    # remaining edges inside silences
    for w in t:
        for a, b in sil:
            if a <= w[0] < b and b <= w[1] - min_word:
                w[0] = b
            if a < w[1] <= b and a >= w[0] + min_word:
                w[1] = a
    return _rescue_stranded(t, sil, edge_pause, min_word, weights)


def _in_pause(w: list[float], sil: Sequence[tuple[float, float]], edge_pause: float) -> bool:
    return any(a <= w[0] and w[1] <= b and b - a >= edge_pause for a, b in sil)


def _rescue_stranded(t: list[list[float]], sil: Sequence[tuple[float, float]],
                     edge_pause: float, min_word: float,
                     weights: Sequence[float] | None) -> list[list[float]]:
    """Words left wholly inside a pause at the start or end of the window (alignment put them
    in the padding) share the time of the nearest word that is in speech, by their length."""
    n = len(t)
    k = 0
    while k < n - 1 and _in_pause(t[k], sil, edge_pause):
        k += 1
    if 0 < k and not _in_pause(t[k], sil, edge_pause):
        _share(t, 0, k, t[k][0], t[k][1], min_word, weights)
    j = n - 1
    while j > 0 and _in_pause(t[j], sil, edge_pause):
        j -= 1
    if j < n - 1 and not _in_pause(t[j], sil, edge_pause):
        _share(t, j, n - 1, t[j][0], t[j][1], min_word, weights)
    return t


def _share(t: list[list[float]], i: int, j: int, lo: float, hi: float, min_word: float,
           weights: Sequence[float] | None) -> None:
    """Spread words ``i..j`` (inclusive) over ``[lo, hi]`` in proportion to their weights."""
    count = j - i + 1
    span = max(hi - lo, min_word * count)
    lengths = list(weights[i:j + 1]) if weights is not None else [1.0] * count
    total = sum(lengths)
    pos = lo
    for k, length in enumerate(lengths):
        t[i + k][0] = pos
        pos += span * length / total
        t[i + k][1] = pos
