"""The editing session every panel shares: the document, its media, the current segment, the
selection, the playhead, the active profile and its rule violations.

The core's plain-Python events (``doc.changed``, ``doc.committed``, ``doc.history.changed``)
are forwarded as Qt signals, so panels connect once and survive a document being replaced
(``document_reset``).  Panels never talk to each other: they read and set the session.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.core.document import Change, Document
from app.core.model import WORDS_STALE, Segment, Word

if TYPE_CHECKING:  # the editor starts without importing the audio or rule layers
    from app.audio.peaks import PeakPyramid
    from app.audio.probe import MediaInfo
    from app.subtitles.checker import Violation
    from app.subtitles.profiles import Profile

    RuleChecker = Callable[[Sequence[Segment], Profile], Iterable[Violation]]

_INT64_MAX = (1 << 63) - 1


class EditorSession(QObject):
    document_reset = Signal()  # a different Document object (new, opened, recovered)
    segments_changed = Signal(object)  # one core Change, as it happens
    committed = Signal(str)  # a transaction, undo or redo ended
    history_changed = Signal()
    current_changed = Signal(object)  # the current segment id, or None
    selection_changed = Signal()
    # times travel as Python ints (object): a C int ends at 24.8 days of media
    position_changed = Signal(object)  # playhead, ms
    media_changed = Signal()  # media info / peaks / player replaced
    speech_changed = Signal()  # speech regions computed
    profile_changed = Signal()
    violations_changed = Signal()
    range_changed = Signal()  # the time range selected on the waveform
    playing_segment_changed = Signal(object)  # id of the segment under the playhead, or None
    path_changed = Signal()  # project path or dirty state
    seek_requested = Signal(object)  # a panel asks the player to jump (ms)
    shots_changed = Signal()  # the media's shot changes were found (or forgotten)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = Document()
        self.project_path: str | None = None
        self.media_path: str | None = None
        self.media_info: MediaInfo | None = None
        self.peaks: PeakPyramid | None = None  # the waveform cache: also the jobs' samples
        self.speech: list[tuple[int, int]] = []
        self.shots: list[int] = []  # shot change times (ms) of the media's video
        self.profile: Profile | None = None
        self.checker: RuleChecker | None = None
        self.violations: dict[str, list[Violation]] = {}
        self.current_id: str | None = None
        self.selected_ids: list[str] = []
        self.position_ms = 0
        self.playing_id: str | None = None
        self.selected_range: tuple[int, int] | None = None
        self._current_index_hint = 0
        self._starts: list[int] | None = None
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._max_dur = 0
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(self.recheck)
        self._connect(self.doc)

    # -- the document ----------------------------------------------------------------------
    def _connect(self, doc: Document) -> None:
        doc.changed.connect(self._on_doc_changed)
        doc.committed.connect(self._on_doc_committed)
        doc.history.changed.connect(self._on_history_changed)

    def _disconnect(self, doc: Document) -> None:
        doc.changed.disconnect(self._on_doc_changed)
        doc.committed.disconnect(self._on_doc_committed)
        doc.history.changed.disconnect(self._on_history_changed)

    def set_document(self, doc: Document, project_path: str | None = None) -> None:
        self._disconnect(self.doc)
        self.doc = doc
        self.project_path = project_path
        self._connect(doc)
        self._starts = None
        self._arrays = None
        self.current_id = doc[0].id if len(doc) else None
        self.selected_ids = [self.current_id] if self.current_id else []
        self._current_index_hint = 0
        self.playing_id = None
        self.selected_range = None
        self.violations = {}
        self.document_reset.emit()
        self.recheck()
        self.current_changed.emit(self.current_id)
        self.selection_changed.emit()
        self.path_changed.emit()
        self._update_playing()

    def _on_doc_changed(self, change: Change) -> None:
        self._starts = None
        self._arrays = None
        self.segments_changed.emit(change)

    def _on_doc_committed(self, name: str) -> None:
        self._starts = None
        self._repair_selection()
        self.committed.emit(name)
        self._check_timer.start()
        self._update_playing()

    def _on_history_changed(self) -> None:
        self.history_changed.emit()
        self.path_changed.emit()

    def _repair_selection(self) -> None:
        """After an edit, drop ids that no longer exist; keep a current segment near the old one."""
        doc = self.doc
        before = list(self.selected_ids)
        self.selected_ids = [i for i in self.selected_ids if i in doc]
        cur = self.current_id
        if cur is not None and cur not in doc:
            if len(doc):
                i = min(self._current_index_hint, len(doc) - 1)
                self.current_id = doc[i].id
                if not self.selected_ids:
                    self.selected_ids = [self.current_id]
            else:
                self.current_id = None
            self.current_changed.emit(self.current_id)
        elif cur is not None:
            self._current_index_hint = doc.index_of(cur)
        if self.selected_ids != before or cur != self.current_id:
            self.selection_changed.emit()

    @property
    def dirty(self) -> bool:
        return self.doc.history.is_dirty

    # -- rule checks -----------------------------------------------------------------------
    def set_profile(self, profile: Profile, checker: RuleChecker | None = None) -> None:
        self.profile = profile
        if checker is not None:
            self.checker = checker
        self.profile_changed.emit()
        self.recheck()

    def recheck(self) -> None:
        """Run the profile's rule checks on the whole document (after each committed edit)."""
        out: dict[str, list[Violation]] = {}
        if self.checker is not None and self.profile is not None and len(self.doc):
            segs = self.doc.segments
            for v in self.checker(segs, self.profile):
                sid = violation_segment_id(v, segs)
                if sid is not None:
                    out.setdefault(sid, []).append(v)
        if out != self.violations:
            self.violations = out
            self.violations_changed.emit()

    def violations_for(self, seg_id: str) -> list[Violation]:
        return self.violations.get(seg_id, [])

    # -- current segment and selection ------------------------------------------------------
    @property
    def current(self) -> Segment | None:
        if self.current_id is None or self.current_id not in self.doc:
            return None
        return self.doc.get(self.current_id)

    @property
    def current_index(self) -> int | None:
        if self.current_id is None or self.current_id not in self.doc:
            return None
        return self.doc.index_of(self.current_id)

    def set_current(self, seg_id: str | None, *, select: bool = True) -> None:
        if seg_id is not None and seg_id not in self.doc:
            return
        changed = seg_id != self.current_id
        self.current_id = seg_id
        if seg_id is not None:
            self._current_index_hint = self.doc.index_of(seg_id)
        if select:
            sel = [seg_id] if seg_id else []
            if sel != self.selected_ids:
                self.selected_ids = sel
                self.selection_changed.emit()
        if changed:
            self.current_changed.emit(seg_id)

    def set_selection(self, ids: Iterable[str], current: str | None = None) -> None:
        ids = [i for i in dict.fromkeys(ids) if i in self.doc]
        if current is None:
            current = self.current_id if self.current_id in ids else (ids[0] if ids else None)
        changed_sel = ids != self.selected_ids
        self.selected_ids = ids
        if changed_sel:
            self.selection_changed.emit()
        if current != self.current_id:
            self.current_id = current
            if current is not None:
                self._current_index_hint = self.doc.index_of(current)
            self.current_changed.emit(current)

    def toggle_selected(self, seg_id: str) -> None:
        ids = list(self.selected_ids)
        if seg_id in ids:
            ids.remove(seg_id)
            self.set_selection(ids, ids[-1] if ids else None)
        else:
            ids.append(seg_id)
            self.set_selection(ids, seg_id)

    def selected_in_order(self) -> list[str]:
        ids = [i for i in self.selected_ids if i in self.doc]
        if not ids and self.current_id is not None and self.current_id in self.doc:
            ids = [self.current_id]
        return sorted(ids, key=self.doc.index_of)

    def step_current(self, delta: int) -> None:
        i = self.current_index
        if not len(self.doc):
            return
        i = 0 if i is None else min(max(i + delta, 0), len(self.doc) - 1)
        self.set_current(self.doc[i].id)

    def set_range(self, rng: tuple[int, int] | None) -> None:
        if rng is not None:
            a, b = sorted((int(rng[0]), int(rng[1])))
            rng = (max(0, a), max(0, b)) if b > a else None
        if rng != self.selected_range:
            self.selected_range = rng
            self.range_changed.emit()

    # -- time lookups ------------------------------------------------------------------------
    def _index(self) -> list[int]:
        if self._starts is None:
            self._starts = [s.start for s in self.doc]
            self._max_dur = max((s.end - s.start for s in self.doc), default=0)
        return self._starts

    def time_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Starts, ends (ms) and a words-stale mask of all segments, as numpy arrays."""
        if self._arrays is None:
            segs = self.doc.segments
            top = _INT64_MAX  # a time past int64 (a document built by code) is drawn at the end
            self._arrays = (
                np.fromiter((min(s.start, top) for s in segs), np.int64, len(segs)),
                np.fromiter((min(s.end, top) for s in segs), np.int64, len(segs)),
                np.fromiter((WORDS_STALE in s.flags for s in segs), bool, len(segs)),
            )
        return self._arrays

    def visible_range(self, start_ms: float, end_ms: float) -> range:
        """Indexes of segments that may intersect ``[start_ms, end_ms]`` (by bisection)."""
        starts = self._index()
        lo = bisect.bisect_left(starts, start_ms - self._max_dur)
        hi = bisect.bisect_right(starts, end_ms)
        return range(lo, hi)

    def segment_at(self, ms: int) -> Segment | None:
        """The segment showing at ``ms`` (the latest-starting one when they overlap)."""
        starts = self._index()
        i = bisect.bisect_right(starts, ms) - 1
        lo = bisect.bisect_left(starts, ms - self._max_dur)
        while i >= lo and i >= 0:
            s = self.doc[i]
            if s.start <= ms < max(s.end, s.start + 1):
                return s
            i -= 1
        return None

    def word_at(self, seg: Segment | None, ms: int) -> int | None:
        if seg is None or not seg.words:
            return None
        words: Sequence[Word] = seg.words
        i = bisect.bisect_right([w.start for w in words], ms) - 1
        if 0 <= i < len(words) and words[i].start <= ms < max(words[i].end, words[i].start + 1):
            return i
        return None

    # -- playhead ----------------------------------------------------------------------------
    def set_position(self, ms: int) -> None:
        ms = max(0, int(ms))
        if ms == self.position_ms:
            return
        self.position_ms = ms
        self._update_playing()
        self.position_changed.emit(ms)

    def seek(self, ms: int) -> None:
        """Move the playhead (the player follows through ``seek_requested``)."""
        ms = max(0, int(ms))
        self.seek_requested.emit(ms)
        self.set_position(ms)

    def _update_playing(self) -> None:
        seg = self.segment_at(self.position_ms)
        sid = seg.id if seg else None
        if sid != self.playing_id:
            self.playing_id = sid
            self.playing_segment_changed.emit(sid)

    @property
    def duration_ms(self) -> int:
        media = int(getattr(self.media_info, "duration_ms", 0) or 0)
        return max(media, self.doc.duration_ms)

    def set_speech(self, regions: Sequence[tuple[int, int]]) -> None:
        self.speech = [(int(a), int(b)) for a, b in regions]
        self.speech_changed.emit()

    def set_shots(self, times: Sequence[int]) -> None:
        """The media's shot changes (ms); the rule checks learn them."""
        shots = sorted(int(t) for t in times)
        if shots != self.shots:
            self.shots = shots
            self.shots_changed.emit()
            self.recheck()

    def visible_shots(self, t0: float, t1: float) -> list[int]:
        i = bisect.bisect_left(self.shots, t0)
        j = bisect.bisect_right(self.shots, t1)
        return self.shots[i:j]

    @property
    def frame_rate(self) -> float | None:
        """The video's frame rate, when the media has video."""
        fps = getattr(self.media_info, "video_fps", None)
        return float(fps) if fps else None


def violation_segment_id(v: Any, segments: Sequence[Segment]) -> str | None:
    """The id of the segment a rule violation is about."""
    sid = getattr(v, "segment_id", None)
    if sid:
        return str(sid)
    idx = getattr(v, "segment_index", None)
    if isinstance(idx, int) and 0 <= idx < len(segments):
        return segments[idx].id
    return None
