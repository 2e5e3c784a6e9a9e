"""Anchoring a script in a recording: what a quick transcription heard, matched to the script.

The script's words and the heard words are normalised (lower case, letters and digits) and
matched as sequences (:class:`difflib.SequenceMatcher`).  Matched words are anchors: the
script word is spoken when the heard word was.  Lines with too few anchors are lines the
audio does not contain; heard words that match nothing and lie outside every matched line
are speech the script does not contain.  Anchors give every word of a matched line a rough
time, enough to cut the recording into windows for the real aligner.
"""

from __future__ import annotations

import bisect
import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.align.textmap import normalise
from app.core.model import Word
from app.core.words import split_words

WORD_MS = 330  # a typical spoken word, for words before the first / after the last anchor
MIN_LINE_SHARE = 0.3  # a line is heard when this share of its words is anchored


@dataclass(frozen=True)
class ScriptWord:
    line: int
    index: int  # position in the line's split_words
    text: str
    key: str  # normalised: what is matched


@dataclass
class Anchoring:
    words: list[ScriptWord]  # every word of every line
    heard: list[Word]
    anchors: dict[int, int]  # script word (position in ``words``) -> heard word index
    line_heard: list[bool]  # per line: the audio contains it
    _by_line: dict[int, list[int]] | None = None

    def line_words(self, line: int) -> list[int]:
        """Positions (in ``words``) of the words of ``line``."""
        if self._by_line is None:
            self._by_line = {}
            for k, w in enumerate(self.words):
                self._by_line.setdefault(w.line, []).append(k)
        return self._by_line.get(line, [])


def script_words(lines: Sequence[str]) -> list[ScriptWord]:
    out = []
    for i, text in enumerate(lines):
        for j, w in enumerate(split_words(text)):
            out.append(ScriptWord(i, j, w, normalise(w)))
    return out


def anchor(lines: Sequence[str], heard: Sequence[Word]) -> Anchoring:
    """Match the script's ``lines`` with the ``heard`` words (in time order)."""
    words = script_words(lines)
    heard = sorted(heard, key=lambda w: (w.start, w.end))
    keyed = [k for k, w in enumerate(words) if w.key]
    heard_keys = [normalise(w.text) for w in heard]
    heard_idx = [h for h, key in enumerate(heard_keys) if key]
    a_keys = [words[k].key for k in keyed]
    anchors: dict[int, int] = {}
    for a, b, size in match_blocks(a_keys, [heard_keys[h] for h in heard_idx]):
        if size == 1 and len(a_keys[a]) < 4:
            continue  # a lone short word ("the", "a") matches anywhere
        for k in range(size):
            anchors[keyed[a + k]] = heard_idx[b + k]
    # lines the audio contains
    n_lines = len(lines)
    total = [0] * n_lines
    hit = [0] * n_lines
    for k, w in enumerate(words):
        if w.key:
            total[w.line] += 1
            hit[w.line] += k in anchors
    line_heard = [total[i] > 0 and hit[i] >= max(1, math.ceil(MIN_LINE_SHARE * total[i]))
                  for i in range(n_lines)]
    # anchors inside unheard lines are chance matches
    anchors = {k: h for k, h in anchors.items() if line_heard[words[k].line]}
    _drop_crossing(anchors, heard)
    with_anchor = {words[k].line for k in anchors}
    line_heard = [h and i in with_anchor for i, h in enumerate(line_heard)]
    return Anchoring(words, list(heard), anchors, line_heard)


def _unique_ngrams(keys: Sequence[str], n: int) -> dict[tuple[str, ...], int]:
    seen: dict[tuple[str, ...], int] = {}
    dup: set[tuple[str, ...]] = set()
    for i in range(len(keys) - n + 1):
        g = tuple(keys[i:i + n])
        if g in seen:
            dup.add(g)
        else:
            seen[g] = i
    return {g: i for g, i in seen.items() if g not in dup}


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by first) increasing in second."""
    tails: list[int] = []  # index into pairs of the smallest tail of each length
    prev = [-1] * len(pairs)
    for i, (_a, b) in enumerate(pairs):
        k = _bisect_tails(tails, pairs, b)
        if k > 0:
            prev[i] = tails[k - 1]
        if k == len(tails):
            tails.append(i)
        else:
            tails[k] = i
    out = []
    i = tails[-1] if tails else -1
    while i >= 0:
        out.append(pairs[i])
        i = prev[i]
    return out[::-1]


def _bisect_tails(tails: list[int], pairs: list[tuple[int, int]], b: int) -> int:
    lo, hi = 0, len(tails)
    while lo < hi:
        mid = (lo + hi) // 2
        if pairs[tails[mid]][1] < b:
            lo = mid + 1
        else:
            hi = mid
    return lo


def match_blocks(a: Sequence[str], b: Sequence[str], n: int = 3) -> list[tuple[int, int, int]]:
    """Matching blocks ``(i, j, size)`` of two word sequences, in order in both.

    A skeleton of n-grams found exactly once in each sequence (the longest chain of them in
    order, as "patience diff" does) holds repeated phrases in place; the stretches between
    skeleton points are matched with :class:`difflib.SequenceMatcher`.  Plain
    ``SequenceMatcher`` alone takes the longest common block first, and a phrase repeated far
    away can then pull everything between out of place.
    """
    ua, ub = _unique_ngrams(a, n), _unique_ngrams(b, n)
    pairs = sorted((i, ub[g]) for g, i in ua.items() if g in ub)
    # n-grams that touch on one diagonal make one run; where two runs overlap (a word both
    # could claim), the longer run keeps it
    runs: list[list[int]] = []
    for i, j in _longest_increasing(pairs):
        last = runs[-1] if runs else None
        if last and j - i == last[1] - last[0] and i <= last[0] + last[2]:
            last[2] = i + n - last[0]  # same diagonal, touching: one run
        else:
            runs.append([i, j, n])
    kept: list[list[int]] = []
    for run in runs:
        while kept:
            prev = kept[-1]
            over = max(prev[0] + prev[2] - run[0], prev[1] + prev[2] - run[1], 0)
            if over == 0:
                break
            if prev[2] >= run[2]:
                run = [run[0] + over, run[1] + over, run[2] - over]
                break
            prev[2] -= over
            if prev[2] <= 0:
                kept.pop()
            break
        if run[2] > 0:
            kept.append(run)
    blocks: list[tuple[int, int, int]] = []
    ai = bj = 0
    for i, j, size in [*kept, [len(a), len(b), 0]]:
        if i > ai and j > bj:
            sm = difflib.SequenceMatcher(a=a[ai:i], b=b[bj:j], autojunk=False)
            blocks.extend((ai + x, bj + y, k) for x, y, k in sm.get_matching_blocks() if k)
        if size:
            blocks.append((i, j, size))
        ai, bj = i + size, j + size
    return blocks


def _drop_crossing(anchors: dict[int, int], heard: Sequence[Word]) -> None:
    """Keep anchors whose times rise with the script (drop the odd one that goes back)."""
    last = -1
    for k in sorted(anchors):
        t = heard[anchors[k]].start
        if t < last:
            del anchors[k]
        else:
            last = t


def rough_times(anch: Anchoring, total_ms: int) -> dict[int, tuple[int, int]]:
    """A rough ``(start, end)`` for every word of the heard lines (by position in ``words``).

    Anchored words take their heard times.  Words between two anchors are spread evenly
    between them when only heard lines lie there (heard words between are most likely
    these words, misheard); across a line the audio lacks, they are put ``WORD_MS`` a word
    after the earlier anchor (their line's) or before the later one.  Words before the first
    anchor and after the last are extrapolated the same way.
    """
    times = {k: (anch.heard[h].start, anch.heard[h].end) for k, h in anch.anchors.items()}
    out: dict[int, tuple[int, int]] = dict(times)
    order = sorted(times)
    if not order:
        return out
    heard_ids = [k for k, w in enumerate(anch.words) if anch.line_heard[w.line]]
    pos = {k: i for i, k in enumerate(heard_ids)}

    def forward(ids: list[int], t: int, ceil: int) -> None:
        for n, k in enumerate(ids):
            s = min(ceil, t + n * WORD_MS)
            out[k] = (s, min(ceil, s + WORD_MS))

    def backward(ids: list[int], t: int, floor: int) -> None:
        for n, k in enumerate(reversed(ids)):
            e = max(floor, t - n * WORD_MS)
            out[k] = (max(floor, e - WORD_MS), e)

    for a, b in zip(order, order[1:], strict=False):
        between = heard_ids[pos[a] + 1:pos[b]]
        if not between:
            continue
        la, lb = anch.words[a].line, anch.words[b].line
        t0, t1 = times[a][1], max(times[a][1], times[b][0])
        if all(anch.line_heard[i] for i in range(la, lb + 1)):
            for n, k in enumerate(between):
                out[k] = (t0 + (t1 - t0) * n // len(between),
                          t0 + (t1 - t0) * (n + 1) // len(between))
        else:
            forward([k for k in between if anch.words[k].line == la], t0, t1)
            backward([k for k in between if anch.words[k].line != la], t1, t0)
    backward(heard_ids[:pos[order[0]]], times[order[0]][0], 0)
    forward(heard_ids[pos[order[-1]] + 1:], times[order[-1]][1], total_ms)
    return out


def unmatched_heard(anch: Anchoring, spans: Sequence[tuple[int, int]], min_words: int = 2,
                    min_ms: int = 800, join_ms: int = 1500) -> list[list[Word]]:
    """Runs of heard words that match no script word and lie outside every ``spans``.

    A run is kept when it has ``min_words`` words, or lasts ``min_ms`` and is a word of four
    letters or more (a short lone word is more likely a script word misheard); words closer
    than ``join_ms`` belong to one run.
    """
    used = set(anch.anchors.values())
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a - 200 <= merged[-1][1] + 200:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    starts = [a for a, _ in merged]

    def covered(w: Word) -> bool:
        mid = (w.start + w.end) // 2
        i = bisect.bisect_right(starts, mid + 200) - 1
        return i >= 0 and mid <= merged[i][1] + 200

    runs: list[list[Word]] = []
    cur: list[Word] = []
    for h, w in enumerate(anch.heard):
        free = h not in used and not covered(w) and normalise(w.text)
        if free and cur and w.start - cur[-1].end <= join_ms:
            cur.append(w)
            continue
        if cur:
            runs.append(cur)
            cur = []
        if free:
            cur = [w]
    if cur:
        runs.append(cur)
    return [r for r in runs if len(r) >= min_words
            or (r[-1].end - r[0].start >= min_ms and len(normalise(r[0].text)) >= 4)]
