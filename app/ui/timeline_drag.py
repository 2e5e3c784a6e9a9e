"""What a mouse drag on the timeline does to segment times (no Qt, no painting).

A :class:`TimelineDrag` is built when the button goes down on a segment edge or body.  Each
mouse move calls :meth:`TimelineDrag.update` with the time under the mouse and returns a
*preview* (``{segment id: (start, end)}``) the view paints instead of the document's times; the
document is not touched.  :meth:`TimelineDrag.commit` applies the final preview as ONE
undoable command.

Rules: an edge never crosses the other edge of its segment; an edge (or a moved body) does not
cross a neighbour it did not overlap when the drag began; with ``linked`` (Alt) the
neighbour's shared edge moves along, keeping the gap; edges snap to the nearest target (other
segments' edges, speech edges, the playhead) within a threshold.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.core import edits
from app.core.document import Document
from app.core.model import Segment

MIN_DURATION_MS = 20
START, END, MOVE = "start", "end", "move"


class SnapTargets:
    """Sorted times an edge may snap to."""

    def __init__(self, times: Iterable[int] = ()) -> None:
        self._times = sorted(set(int(t) for t in times))

    def __len__(self) -> int:
        return len(self._times)

    def nearest(self, ms: float, threshold: float) -> int | None:
        t = self._times
        if not t:
            return None
        i = bisect.bisect_left(t, ms)
        best = None
        for j in (i - 1, i):
            if 0 <= j < len(t):
                d = abs(t[j] - ms)
                if d <= threshold and (best is None or d < abs(best - ms)):
                    best = t[j]
        return best


def snap_targets(segments: Sequence[Segment], exclude: set[str], speech: Iterable[tuple[int, int]] = (),
                 extra: Iterable[int] = ()) -> SnapTargets:
    times: list[int] = []
    for s in segments:
        if s.id not in exclude:
            times.append(s.start)
            times.append(s.end)
    for a, b in speech:
        times.append(a)
        times.append(b)
    times.extend(extra)
    return SnapTargets(times)


@dataclass
class TimelineDrag:
    kind: str  # START, END or MOVE
    seg: Segment
    press_ms: int
    prev: Segment | None = None  # the neighbour before (by time order)
    next: Segment | None = None  # the neighbour after
    group: tuple[Segment, ...] = ()  # MOVE: every segment that moves together (includes seg)
    preview: dict[str, tuple[int, int]] = field(default_factory=dict)
    snapped_to: int | None = None

    @classmethod
    def begin(cls, doc: Document, seg_id: str, kind: str, press_ms: int,
              group_ids: Sequence[str] = ()) -> TimelineDrag:
        i = doc.index_of(seg_id)
        seg = doc[i]
        prev = doc[i - 1] if i > 0 else None
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        group = tuple(doc.get(g) for g in group_ids if g in doc) if kind == MOVE else ()
        if kind == MOVE and seg.id not in {g.id for g in group}:
            group = (seg,)
        if kind == MOVE and len(group) > 1:
            ids = {g.id for g in group}
            first = min(doc.index_of(g) for g in ids)
            last = max(doc.index_of(g) for g in ids)
            prev = doc[first - 1] if first > 0 else None
            nxt = doc[last + 1] if last + 1 < len(doc) else None
        return cls(kind, seg, int(press_ms), prev, nxt, group)

    @property
    def moving_ids(self) -> set[str]:
        ids = {g.id for g in self.group} if self.kind == MOVE else {self.seg.id}
        return ids

    def update(self, ms: float, *, linked: bool = False, targets: SnapTargets | None = None,
               threshold_ms: float = 0.0) -> dict[str, tuple[int, int]]:
        seg, prev, nxt = self.seg, self.prev, self.next
        self.snapped_to = None
        out: dict[str, tuple[int, int]] = {}
        if self.kind == START:
            t = self._snap(seg.start + (ms - self.press_ms), targets, threshold_ms)
            lo = 0
            if prev is not None and prev.end <= seg.start:
                lo = prev.start + MIN_DURATION_MS if linked else prev.end
            t = int(min(max(t, lo), seg.end - MIN_DURATION_MS))
            t = max(t, 0)
            out[seg.id] = (t, seg.end)
            if linked and prev is not None and prev.end <= seg.start:
                gap = seg.start - prev.end
                out[prev.id] = (prev.start, max(prev.start + MIN_DURATION_MS, t - gap))
        elif self.kind == END:
            t = self._snap(seg.end + (ms - self.press_ms), targets, threshold_ms)
            hi = None
            if nxt is not None and nxt.start >= seg.end:
                hi = nxt.end - MIN_DURATION_MS if linked else nxt.start
            t = max(t, seg.start + MIN_DURATION_MS)
            if hi is not None:
                t = min(t, hi)
            t = int(max(t, seg.start))
            out[seg.id] = (seg.start, t)
            if linked and nxt is not None and nxt.start >= seg.end:
                gap = nxt.start - seg.end
                out[nxt.id] = (min(nxt.end - MIN_DURATION_MS, t + gap), nxt.end)
        else:
            out = self._move(ms, targets, threshold_ms)
        self.preview = {k: v for k, v in out.items() if v != self._orig(k)}
        return self.preview

    def _orig(self, seg_id: str) -> tuple[int, int] | None:
        for s in (self.seg, self.prev, self.next, *self.group):
            if s is not None and s.id == seg_id:
                return (s.start, s.end)
        return None

    def _move(self, ms: float, targets: SnapTargets | None, threshold_ms: float) -> dict[str, tuple[int, int]]:
        delta = ms - self.press_ms
        first = min(g.start for g in self.group)
        last = max(g.end for g in self.group)
        seg = self.seg
        if targets is not None and threshold_ms > 0:
            cands = []
            for edge in (seg.start, seg.end):
                hit = targets.nearest(edge + delta, threshold_ms)
                if hit is not None:
                    cands.append((abs(hit - (edge + delta)), hit - edge, hit))
            if cands:
                _, delta, self.snapped_to = min(cands)
        lo = -first
        if self.prev is not None and self.prev.end <= first:
            lo = self.prev.end - first
        hi = None
        if self.next is not None and self.next.start >= last:
            hi = self.next.start - last
        delta = max(delta, lo)
        if hi is not None:
            delta = min(delta, hi)
        d = int(round(delta))
        return {g.id: (g.start + d, g.end + d) for g in self.group}

    def _snap(self, t: float, targets: SnapTargets | None, threshold_ms: float) -> float:
        if targets is None or threshold_ms <= 0:
            return t
        hit = targets.nearest(t, threshold_ms)
        if hit is None:
            return t
        self.snapped_to = hit
        return float(hit)

    def commit(self, doc: Document) -> bool:
        """Apply the preview as one undo step; False when nothing changed."""
        if not self.preview:
            return False
        if self.kind == MOVE:
            name = "Move segment" if len(self.preview) == 1 else f"Move {len(self.preview)} segments"
        elif len(self.preview) > 1:
            name = "Move shared edge"
        else:
            name = "Set start" if self.kind == START else "Set end"
        if self.kind == MOVE:
            first = next(iter(self.preview))
            orig = self._orig(first)
            assert orig is not None
            with doc.transaction(name):
                edits.move(doc, list(self.preview), self.preview[first][0] - orig[0])
        else:
            edits.set_many_times(doc, self.preview, name)
        self.preview = {}
        return True
