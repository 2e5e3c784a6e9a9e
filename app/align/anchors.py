"""Anchoring a script in a recording: what a quick transcription heard, matched to the script.

The script's words and the heard words are normalised (lower case, letters and digits) and
matched as sequences (:class:`difflib.SequenceMatcher`).  Matched words are anchors: the
script word is spoken when the heard word was.  Lines with too few anchors are lines the
audio does not contain; heard words that match nothing and lie outside every matched line
are speech the script does not contain.  Anchors give every word of a matched line a rough
time, enough to cut the recording into windows for the real aligner.
"""

from __future__ import annotations

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

    def line_words(self, line: int) -> list[int]:
        return [k for k, w in enumerate(self.words) if w.line == line]


def script_words(lines: Sequence[str]) -> list[ScriptWord]:
    out = []
    for i, text in enumerate(lines):
        for j, w in enumerate(split_words(text)):
            out.append(ScriptWord(i, j, w, normalise(w)))
    return out


def anchor(lines: Sequence[str], heard: Sequence[Word]) -> Anchoring:
    """Match the script's ``lines`` with the ``heard`` words (in time order)."""
    words = script_words(lines)
    keyed = [k for k, w in enumerate(words) if w.key]
    heard_keys = [normalise(w.text) for w in heard]
    heard_idx = [h for h, key in enumerate(heard_keys) if key]
    matcher = difflib.SequenceMatcher(a=[words[k].key for k in keyed],
                                      b=[heard_keys[h] for h in heard_idx], autojunk=False)
    anchors: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        if size == 0:
            continue
        if size == 1 and len(words[keyed[a]].key) < 4:
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
    return Anchoring(words, list(heard), anchors, line_heard)


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

    Anchored words take their heard times; the others are spread evenly between the
    surrounding anchors, or extrapolated at ``WORD_MS`` a word before the first / after the
    last anchor (never past the neighbouring lines' anchors or the recording).
    """
    heard_words = [k for k, w in enumerate(anch.words) if anch.line_heard[w.line]]
    out: dict[int, tuple[int, int]] = {}
    anchored = [k for k in heard_words if k in anch.anchors]
    if not anchored:
        return out
    pos = {k: i for i, k in enumerate(heard_words)}
    times = {k: (anch.heard[anch.anchors[k]].start, anch.heard[anch.anchors[k]].end)
             for k in anchored}
    # between anchors
    for a, b in zip(anchored, anchored[1:], strict=False):
        ia, ib = pos[a], pos[b]
        t0, t1 = times[a][1], times[b][0]
        gap = ib - ia - 1
        for n, k in enumerate(heard_words[ia + 1:ib]):
            s = t0 + (t1 - t0) * n / max(1, gap)
            e = t0 + (t1 - t0) * (n + 1) / max(1, gap)
            out[k] = (int(s), int(max(s, e)))
    out.update(times)
    # before the first and after the last anchor
    first, last = pos[anchored[0]], pos[anchored[-1]]
    t = times[anchored[0]][0]
    for n, k in enumerate(reversed(heard_words[:first])):
        e = max(0, t - n * WORD_MS)
        out[k] = (max(0, e - WORD_MS), e)
    t = times[anchored[-1]][1]
    for n, k in enumerate(heard_words[last + 1:]):
        s = min(total_ms, t + n * WORD_MS)
        out[k] = (s, min(total_ms, s + WORD_MS))
    return out


def unmatched_heard(anch: Anchoring, spans: Sequence[tuple[int, int]], min_words: int = 2,
                    min_ms: int = 800, join_ms: int = 1500) -> list[list[Word]]:
    """Runs of heard words that match no script word and lie outside every ``spans``.

    A run is kept when it has ``min_words`` words or lasts ``min_ms``; words closer than
    ``join_ms`` belong to one run.
    """
    used = set(anch.anchors.values())
    spans = sorted(spans)

    def covered(w: Word) -> bool:
        mid = (w.start + w.end) // 2
        return any(a - 200 <= mid <= b + 200 for a, b in spans)

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
    return [r for r in runs if len(r) >= min_words or r[-1].end - r[0].start >= min_ms]
