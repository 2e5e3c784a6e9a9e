"""The document: an ordered list of segments, media reference, metadata, history and events.

Segments are kept sorted by start time (overlaps are allowed, since two speakers can talk at
once, and are reported by :meth:`Document.overlaps`).  The only way to change a document is a
transaction (see :mod:`app.core.edits` for the operations users perform)::

    with doc.transaction("Edit text", merge_key=("text", seg.id)):
        doc.replace_segment(seg.replace(text="new"))

Each primitive operation emits a :class:`Change` on ``doc.changed`` with exactly what changed,
so a view can refresh one row instead of everything.  When a transaction ends,
``doc.committed`` is emitted with its name.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from app.core.events import Signal
from app.core.history import Command, History
from app.core.model import InvariantError, Segment, check_segment

SEGMENT_FIELDS = frozenset(f.name for f in fields(Segment))


@dataclass(frozen=True)
class Change:
    """What one primitive operation did.

    ``kind`` is ``"inserted"``, ``"removed"``, ``"changed"`` (``fields`` names the segment
    fields that differ) or ``"meta"`` (``key`` names the metadata entry).
    Indexes are positions at the time of the change, so changes replay in order.
    """

    kind: str
    index: int = 0
    count: int = 0
    fields: frozenset[str] = frozenset()
    ids: tuple[str, ...] = ()
    key: str | None = None


# -- primitive operations --------------------------------------------------------------------
@dataclass(frozen=True)
class InsertOp:
    index: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class RemoveOp:
    index: int
    count: int


@dataclass(frozen=True)
class ReplaceOp:
    index: int
    segment: Segment


@dataclass(frozen=True)
class MetaOp:
    key: str
    value: Any


Op = InsertOp | RemoveOp | ReplaceOp | MetaOp


@dataclass
class MediaRef:
    """The media a document belongs to, with what is needed to find it again if moved."""

    path: str
    size: int | None = None
    mtime: float | None = None
    sha256: str | None = None  # of the first and last MiB plus the size: fast on huge files
    duration_ms: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Document:
    def __init__(self, segments: Iterable[Segment] = (), media: MediaRef | None = None,
                 meta: dict[str, Any] | None = None) -> None:
        segs = sorted(segments, key=lambda s: (s.start, s.end))
        for s in segs:
            check_segment(s)
        self._segs: list[Segment] = segs
        self._pos: dict[str, int] | None = None
        self._check_unique_ids()
        self.media = media
        self.meta: dict[str, Any] = dict(meta or {})
        self.path: str | None = None  # the project file this document was loaded from / saved to
        # what that file was when read or written (app.core.atomic.FileStamp): a save notices
        # another writer since
        self.file_stamp: Any = None
        self.history = History(self)
        self.changed = Signal()  # Change
        self.committed = Signal()  # name of the transaction that ended
        self._tx: Command | None = None
        self._tx_depth = 0

    # -- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._segs)

    def __iter__(self) -> Iterator[Segment]:
        return iter(self._segs)

    def __getitem__(self, index: int) -> Segment:
        return self._segs[index]

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(self._segs)

    def index_of(self, seg_id: str) -> int:
        """Position of the segment with ``seg_id``; ``KeyError`` if absent."""
        if self._pos is None:
            self._pos = {s.id: i for i, s in enumerate(self._segs)}
        return self._pos[seg_id]

    def get(self, seg_id: str) -> Segment:
        return self._segs[self.index_of(seg_id)]

    def __contains__(self, seg_id: object) -> bool:
        try:
            self.index_of(seg_id)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True

    def insertion_index(self, start: int, end: int | None = None) -> int:
        """Where a segment starting at ``start`` belongs (after equal starts)."""
        keys = [(s.start, s.end) for s in self._segs]
        return bisect.bisect_right(keys, (start, end if end is not None else start))

    def at_time(self, ms: int) -> list[int]:
        """Indexes of the segments showing at ``ms``."""
        hi = bisect.bisect_right([s.start for s in self._segs], ms)
        return [i for i in range(hi) if self._segs[i].start <= ms < max(self._segs[i].end, self._segs[i].start + 1)]

    def overlaps(self) -> list[tuple[int, int]]:
        """Pairs of indexes of segments that overlap in time."""
        out: list[tuple[int, int]] = []
        active: list[int] = []
        for i, s in enumerate(self._segs):
            active = [j for j in active if self._segs[j].end > s.start]
            out.extend((j, i) for j in active)
            active.append(i)
        return out

    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self._segs:
            if s.speaker:
                seen.setdefault(s.speaker, None)
        return list(seen)

    @property
    def duration_ms(self) -> int:
        media = self.media.duration_ms if self.media and self.media.duration_ms else 0
        return max(media, max((s.end for s in self._segs), default=0))

    # -- transactions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self, name: str, merge_key: Any = None) -> Iterator[Command]:
        """Group every operation inside into one undoable step.

        Nested transactions join the outermost one.  If the body raises, everything applied
        inside is rolled back and the exception propagates.
        """
        outer = self._tx is None
        if outer:
            self._tx = Command(name, merge_key=merge_key)
        self._tx_depth += 1
        tx = self._tx
        assert tx is not None
        mark = len(tx.ops)
        try:
            yield tx
            if outer:
                self._check_order()
        except BaseException:
            # roll back what this level applied
            undo = tx.inverses[: len(tx.ops) - mark]
            del tx.ops[mark:]
            del tx.inverses[: len(undo)]
            for op in undo:
                self._apply(op)
            if outer:
                self._tx = None
                self._tx_depth = 0
            else:
                self._tx_depth -= 1
            raise
        self._tx_depth -= 1
        if outer:
            self._tx = None
            if not tx.empty:
                self.history.push(tx)
                self.committed.emit(tx.name)

    @property
    def in_transaction(self) -> bool:
        return self._tx is not None

    def _record(self, op: Op) -> None:
        if self._tx is None:
            raise RuntimeError("documents change only inside doc.transaction(...)")
        inverse = self._apply(op)
        self._tx.ops.append(op)
        self._tx.inverses.insert(0, inverse)

    def _replay(self, name: str, ops: list[Op]) -> None:
        """Apply ops outside any transaction (undo/redo)."""
        for op in ops:
            self._apply(op)
        self.committed.emit(name)

    # -- primitive mutations (inside a transaction) ----------------------------------------
    def insert_segments(self, index: int, segments: Iterable[Segment]) -> None:
        segs = tuple(segments)
        if not segs:
            return
        for s in segs:
            check_segment(s)
            if s.id in self:
                raise InvariantError(f"duplicate segment id {s.id}")
        self._record(InsertOp(index, segs))

    def remove_segments(self, index: int, count: int = 1) -> None:
        if count <= 0:
            return
        if index < 0 or index + count > len(self._segs):
            raise IndexError("remove out of range")
        self._record(RemoveOp(index, count))

    def replace_segment(self, segment: Segment, index: int | None = None) -> None:
        """Replace the segment with the same id (times may move it: it is re-sorted)."""
        check_segment(segment)
        i = self.index_of(segment.id) if index is None else index
        old = self._segs[i]
        if old == segment:
            return
        if (old.start, old.end) != (segment.start, segment.end):
            target = self._sorted_position(i, segment)
            if target != i:
                self.remove_segments(i, 1)
                self.insert_segments(target, (segment,))
                return
        self._record(ReplaceOp(i, segment))

    def set_meta(self, key: str, value: Any) -> None:
        if self.meta.get(key) == value:
            return
        self._record(MetaOp(key, value))

    def _sorted_position(self, i: int, seg: Segment) -> int:
        """Index ``seg`` should have once the segment at ``i`` is removed."""
        others = self._segs[:i] + self._segs[i + 1:]
        keys = [(s.start, s.end) for s in others]
        lo = bisect.bisect_left(keys, (seg.start, seg.end))
        hi = bisect.bisect_right(keys, (seg.start, seg.end))
        return min(max(i, lo), hi)  # stay put among equals

    def _apply(self, op: Op) -> Op:
        if isinstance(op, InsertOp):
            self._segs[op.index:op.index] = op.segments
            self._pos = None
            self.changed.emit(Change("inserted", op.index, len(op.segments), ids=tuple(s.id for s in op.segments)))
            return RemoveOp(op.index, len(op.segments))
        if isinstance(op, RemoveOp):
            removed = tuple(self._segs[op.index:op.index + op.count])
            del self._segs[op.index:op.index + op.count]
            self._pos = None
            self.changed.emit(Change("removed", op.index, op.count, ids=tuple(s.id for s in removed)))
            return InsertOp(op.index, removed)
        if isinstance(op, ReplaceOp):
            old = self._segs[op.index]
            self._segs[op.index] = op.segment
            if old.id != op.segment.id:
                self._pos = None
            changed = frozenset(f for f in SEGMENT_FIELDS if getattr(old, f) != getattr(op.segment, f))
            self.changed.emit(Change("changed", op.index, 1, changed, ids=(op.segment.id,)))
            return ReplaceOp(op.index, old)
        if isinstance(op, MetaOp):
            missing = object()
            old_value = self.meta.get(op.key, missing)
            if op.value is None:
                self.meta.pop(op.key, None)
            else:
                self.meta[op.key] = op.value
            self.changed.emit(Change("meta", key=op.key))
            return MetaOp(op.key, None if old_value is missing else old_value)
        raise TypeError(op)

    # -- checks ----------------------------------------------------------------------------
    def _check_unique_ids(self) -> None:
        ids = [s.id for s in self._segs]
        if len(set(ids)) != len(ids):
            raise InvariantError("duplicate segment ids in document")

    def _check_order(self) -> None:
        segs = self._segs
        for i in range(1, len(segs)):
            if (segs[i - 1].start, segs[i - 1].end) > (segs[i].start, segs[i].end) and segs[i - 1].start > segs[i].start:
                raise InvariantError(f"segments out of order at {i}")

    def check(self) -> None:
        """Check every invariant of the whole document (tests call this after each step)."""
        for s in self._segs:
            check_segment(s)
        self._check_unique_ids()
        self._check_order()

    def snapshot(self) -> tuple[tuple[Segment, ...], tuple[tuple[str, Any], ...]]:
        """A comparable value of the whole content (segments and metadata)."""
        return tuple(self._segs), tuple(sorted((k, repr(v)) for k, v in self.meta.items()))
