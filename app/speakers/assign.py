"""From a :class:`~app.speakers.diarization.Diarization` to labelled segments.

Each word gets the speaker whose voice its time sounds most like; a run of words too short to
be a turn (:data:`MIN_RUN_WORDS` words and under :data:`MIN_RUN_MS`) inside a segment takes
its neighbours' speaker, since a one-word "turn" in mid-sentence is far likelier a window
straddling a pause than a real interruption.  A segment whose words change speaker is split at
the word boundary (its text is cut exactly where the words are, punctuation kept); the first
piece keeps the segment's id and translation.  Segments without words get the speaker of their
whole span.  Pieces where two voices sound at once are flagged ``overlap``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.model import OVERLAP, Segment, new_id, word_spans
from app.speakers.diarization import Diarization

MIN_RUN_WORDS = 2
MIN_RUN_MS = 700


def default_name(index: int) -> str:
    return f"Speaker {index + 1}"


def word_labels(seg: Segment, diar: Diarization, channel: int = 0) -> list[int | None]:
    """The speaker of each word of ``seg``, smoothed (see the module doc)."""
    labels = [diar.speaker_of(w.start, max(w.end, w.start + 1), channel) for w in seg.words]
    return smooth(labels, [(w.start, w.end) for w in seg.words])


def smooth(labels: list[int | None], times: Sequence[tuple[int, int]]) -> list[int | None]:
    """A short run between two others takes the label of its longer neighbour (shortest runs
    first).  Runs at the edges stay: a turn can start or end inside a segment."""
    out = list(labels)
    while True:
        runs = _runs(out)
        short = [(times[b - 1][1] - times[a][0], k) for k, (a, b, _lab) in enumerate(runs)
                 if 0 < k < len(runs) - 1
                 and b - a <= MIN_RUN_WORDS and times[b - 1][1] - times[a][0] < MIN_RUN_MS]
        if not short:
            return out
        _dur, k = min(short)
        a, b, _lab = runs[k]
        left, right = runs[k - 1], runs[k + 1]
        nb = left if left[1] - left[0] >= right[1] - right[0] else right
        out[a:b] = [nb[2]] * (b - a)


def _runs(labels: list[int | None]) -> list[tuple[int, int, int | None]]:
    runs = []
    i = 0
    while i < len(labels):
        j = i
        while j < len(labels) and labels[j] == labels[i]:
            j += 1
        runs.append((i, j, labels[i]))
        i = j
    return runs


def split_segment(seg: Segment, diar: Diarization, names: Sequence[str],
                  channel: int = 0) -> list[Segment]:
    """``seg`` as one or more segments, each with one speaker."""
    if diar.n_speakers == 0:
        return [seg]
    spans = word_spans(seg.text, seg.words) if seg.words else None
    if not seg.words or spans is None:
        who = diar.speaker_of(seg.start, max(seg.end, seg.start + 1), channel)
        return [_finish(seg, who, names, diar, channel)]
    labels = word_labels(seg, diar, channel)
    runs = _runs(labels)
    pieces: list[Segment] = []
    for k, (a, b, lab) in enumerate(runs):
        words = seg.words[a:b]
        start = seg.start if k == 0 else words[0].start
        end = seg.end if k == len(runs) - 1 else words[-1].end
        text = seg.text[spans[a][0]:spans[b - 1][1]]
        if k == 0:
            piece = seg.replace(start=start, end=end, text=text, words=tuple(words))
        else:
            piece = Segment(start, end, text, tuple(words), seg.speaker, seg.language, None,
                            seg.flags, new_id())
        pieces.append(_finish(piece, lab, names, diar, channel))
    return pieces


def _finish(seg: Segment, who: int | None, names: Sequence[str], diar: Diarization,
            channel: int) -> Segment:
    speaker = names[who] if who is not None else seg.speaker
    over = who is not None and diar.overlapping(seg.start, max(seg.end, seg.start + 1), channel)
    return seg.replace(speaker=speaker).with_flags(add={OVERLAP} if over else (),
                                                   remove=() if over else {OVERLAP})


def label_segments(segments: Sequence[Segment], diar: Diarization, names: Sequence[str], *,
                   channel_of: Callable[[Segment], int] | None = None) -> dict[str, list[Segment]]:
    """For each segment id, the segments that replace it (itself, relabelled, or its pieces)."""
    out: dict[str, list[Segment]] = {}
    for seg in segments:
        ch = channel_of(seg) if channel_of is not None else 0
        out[seg.id] = split_segment(seg, diar, names, ch)
    return out


def names_by_appearance(diar: Diarization, segments: Sequence[Segment] = (),
                        given: dict[int, str] | None = None) -> list[str]:
    """A name for each speaker: ``given`` ones (voice profiles) kept, the others
    "Speaker 1", "Speaker 2"... in the order they first speak, skipping taken names."""
    given = dict(given or {})
    first: dict[int, int] = {}
    for ch, labels in enumerate(diar.labels):
        for i, lab in enumerate(labels.tolist()):
            if lab >= 0 and (lab not in first or i < first[lab]):
                first[lab] = i
        del ch
    order = sorted(range(diar.n_speakers), key=lambda k: first.get(k, 1 << 60))
    taken = set(given.values())
    names: dict[int, str] = {}
    n = 0
    for k in order:
        if k in given:
            names[k] = given[k]
            continue
        while default_name(n) in taken:
            n += 1
        names[k] = default_name(n)
        taken.add(names[k])
        n += 1
    return [names[k] for k in range(diar.n_speakers)]
