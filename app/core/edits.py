"""The operations users (and machines) perform on a document, each one undoable step.

Every function here opens a transaction on the document, so calling it inside an outer
``doc.transaction(...)`` joins that group instead.  Segments are addressed by id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from app.core.document import Document
from app.core.frames import step_frames
from app.core.model import (
    TIMES_ESTIMATED,
    TR_EDITED,
    TR_STALE,
    UNTIMED,
    WORDS_STALE,
    Segment,
    Word,
    new_id,
    word_spans,
)
from app.core.translation import merged_state, stale_after_text_change, with_translation
from app.core.words import clamp_words, distribute, is_cjk_char, retime_text, split_words

LineLayout = Callable[[Segment], str]
"""Lays out one segment's lines (a subtitle profile's rules): returns its text with only the
whitespace changed.  Commands that make new texts (split, merge) take one, so their result
meets the profile; the core stays free of the rules themselves (see ``app.subtitles.layout``)."""


# -- text -----------------------------------------------------------------------------------
def edit_text(doc: Document, seg_id: str, text: str) -> None:
    """Change a segment's text.  Unchanged words keep their times; new or changed words get
    estimated times and the segment is flagged ``WORDS_STALE`` until it is re-aligned.
    Consecutive edits of the same segment merge into one undo step (typing)."""
    seg = doc.get(seg_id)
    if seg.text == text:
        return
    new = _with_text(seg, text)
    with doc.transaction("Edit text", merge_key=("text", seg_id)):
        doc.replace_segment(new)


def _with_text(seg: Segment, text: str) -> Segment:
    """``seg`` with a new text; its translation turns stale when the words changed."""
    if not seg.words:
        return stale_after_text_change(seg, seg.replace(text=text))
    words, changed = retime_text(text, seg.words, seg.start, seg.end)
    flags = seg.flags | {WORDS_STALE} if changed else seg.flags
    return stale_after_text_change(seg, seg.replace(text=text, words=tuple(words), flags=flags))


def edit_translation(doc: Document, seg_id: str, translation: str | None) -> None:
    """Change a segment's translation (a person's edit: its state becomes ``edited``; an
    empty translation removes it).  Consecutive edits of one segment merge (typing)."""
    seg = doc.get(seg_id)
    if seg.translation == translation:
        return
    with doc.transaction("Edit translation", merge_key=("translation", seg_id)):
        doc.replace_segment(with_translation(seg, translation, TR_EDITED))


def replace_all(doc: Document, pattern: str, replacement: str, *, regex: bool = False,
                case: bool = False, whole_word: bool = False, seg_ids: Iterable[str] | None = None,
                translation: bool = False) -> int:
    """Replace every match in the texts (or translations); returns the number of replacements.

    Raises ``re.error`` for an invalid regular expression."""
    if not pattern:
        return 0
    body = pattern if regex else re.escape(pattern)
    if whole_word:
        body = rf"(?<!\w)(?:{body})(?!\w)"
    rx = re.compile(body, 0 if case else re.IGNORECASE)
    repl = replacement if regex else replacement.replace("\\", "\\\\")
    ids = list(seg_ids) if seg_ids is not None else [s.id for s in doc]
    total = 0
    with doc.transaction("Replace all"):
        for sid in ids:
            seg = doc.get(sid)
            source = (seg.translation or "") if translation else seg.text
            new_text, n = rx.subn(repl, source)
            if not n:
                continue
            total += n
            if translation:
                doc.replace_segment(with_translation(seg, new_text, TR_EDITED))
            else:
                doc.replace_segment(_with_text(seg, new_text))
    return total


# -- times ----------------------------------------------------------------------------------
def set_times(doc: Document, seg_id: str, start: int, end: int) -> None:
    """Set a segment's start and end.  Moving it (same duration) moves its words; changing its
    length keeps word times, squeezed inside the new range."""
    seg = doc.get(seg_id)
    start = max(0, int(start))
    end = max(start, int(end))
    if (start, end) == (seg.start, seg.end):
        return
    with doc.transaction("Set times", merge_key=("times", seg_id)):
        doc.replace_segment(_retimed(seg, start, end))


def _retimed(seg: Segment, start: int, end: int) -> Segment:
    if end - start == seg.end - seg.start:
        return seg.shifted(start - seg.start)
    words = clamp_words(seg.words, start, end) if seg.words else []
    return seg.replace(start=start, end=end, words=tuple(words), flags=seg.flags - {UNTIMED})


def move(doc: Document, seg_ids: Iterable[str], delta: int) -> None:
    """Move segments (and their words) by ``delta`` ms; none goes below 0."""
    ids = list(seg_ids)
    if not ids or delta == 0:
        return
    segs = [doc.get(i) for i in ids]
    delta = max(delta, -min(s.start for s in segs))
    with doc.transaction("Move"):
        for s in segs:
            doc.replace_segment(s.shifted(delta))


def shift(doc: Document, delta: int, *, from_ms: int | None = None,
          seg_ids: Iterable[str] | None = None) -> int:
    """Shift a range of segments: those starting at or after ``from_ms``, or the given ids.
    Returns how many segments moved."""
    if seg_ids is not None:
        ids = list(seg_ids)
    else:
        ids = [s.id for s in doc if from_ms is None or s.start >= from_ms]
    move(doc, ids, delta)
    return len(ids) if delta else 0


def nudge(doc: Document, seg_ids: Iterable[str], *, start_delta: int = 0,
          end_delta: int = 0) -> None:
    """Move the starts and ends of segments by ``start_delta`` / ``end_delta`` ms (an end
    never before its start, no time below 0); one undo step "Nudge"."""
    with doc.transaction("Nudge"):
        for sid in seg_ids:
            seg = doc.get(sid)
            start = max(0, seg.start + start_delta)
            end = max(start, seg.end + end_delta)
            set_times(doc, sid, start, end)


def nudge_frames(doc: Document, seg_ids: Iterable[str], fps: float, *, start_frames: int = 0,
                 end_frames: int = 0) -> None:
    """Move edges to the frame boundary ``n`` frames away (an edge between two boundaries goes
    to the next one), so times stay on frames at any rate, 23.976 included; one undo step."""
    with doc.transaction("Nudge"):
        for sid in seg_ids:
            seg = doc.get(sid)
            start = step_frames(seg.start, fps, start_frames) if start_frames else seg.start
            end = step_frames(seg.end, fps, end_frames) if end_frames else seg.end
            set_times(doc, sid, start, max(start, end))


def set_many_times(doc: Document, times: Mapping[str, tuple[int, int]], name: str) -> int:
    """Set ``(start, end)`` of several segments as ONE undo step ``name`` (a timeline drag that
    moved a shared edge: both neighbours).  Applied in time order, so the document is never
    left with a segment crossing its neighbour in between; ids no longer in the document are
    skipped.  Returns how many segments were set."""
    n = 0
    with doc.transaction(name):
        for sid, (start, end) in sorted(times.items(), key=lambda kv: kv[1][0]):
            if sid in doc:
                set_times(doc, sid, start, end)
                n += 1
    return n


# -- structure ------------------------------------------------------------------------------
def insert(doc: Document, segment: Segment) -> str:
    """Insert a segment at its place in time; returns its id."""
    with doc.transaction("Insert"):
        doc.insert_segments(doc.insertion_index(segment.start, segment.end), (segment,))
    return segment.id


def insert_near(doc: Document, seg_id: str, *, after: bool = True, duration: int = 2000,
                gap: int = 0) -> str:
    """Insert an empty segment just after (or before) another, in the free time if any."""
    seg = doc.get(seg_id)
    i = doc.index_of(seg_id)
    if after:
        start = seg.end + gap
        nxt = doc[i + 1].start if i + 1 < len(doc) else None
        end = start + duration if nxt is None or nxt - start <= 0 else min(start + duration, nxt - gap)
        end = max(start, end)
    else:
        end = max(0, seg.start - gap)
        prev = doc[i - 1].end + gap if i > 0 else 0  # the gap is between cues, not before the first
        start = max(prev if prev < end else end, end - duration, 0)
        start = min(start, end)
    return insert(doc, Segment(start, end, "", speaker=seg.speaker, language=seg.language))


def delete(doc: Document, seg_ids: Iterable[str]) -> int:
    ids = set(seg_ids)
    if not ids:
        return 0
    idx = sorted((doc.index_of(i) for i in ids), reverse=True)
    with doc.transaction("Delete"):
        for i in idx:
            doc.remove_segments(i, 1)
    return len(idx)


def split(doc: Document, seg_id: str, *, char_offset: int | None = None,
          at_ms: int | None = None, gap_ms: int = 0,
          layout: LineLayout | None = None) -> tuple[str, str] | None:
    """Split a segment in two, at a character offset of its text or at a time.

    Words keep their own times (a word cut in two shares its time by length).  When the cut
    falls in text without word times, the cut time is estimated from the text and both halves
    are flagged ``TIMES_ESTIMATED``.  The halves are at least ``gap_ms`` apart (a profile's
    minimum gap, so a split never creates a gap the checker flags): the second half keeps its
    start, on the speech, and the first ends earlier; a pause between the words already as
    long is left as it is.  ``layout`` lays out each half's lines.  Returns the two ids, or
    None when nothing to split.
    """
    seg = doc.get(seg_id)
    text = seg.text
    spans = word_spans(text, seg.words) if seg.words else None
    if char_offset is None:
        if at_ms is None:
            raise ValueError("split needs char_offset or at_ms")
        char_offset = _offset_at_time(seg, spans, at_ms)
    char_offset = max(0, min(len(text), char_offset))
    left_text = text[:char_offset].rstrip()
    right_text = text[char_offset:].lstrip()
    left_words: list[Word] = []
    right_words: list[Word] = []
    estimated = False
    if spans is not None and seg.words:
        for w, (s, e) in zip(seg.words, spans, strict=True):
            if e <= char_offset:
                left_words.append(w)
            elif s >= char_offset:
                right_words.append(w)
            else:  # the cut falls inside this word: share its time by characters
                k = char_offset - s
                a, b = w.text[:k], w.text[k:]
                mid = w.start + int(round(w.duration * len(a) / max(1, len(w.text))))
                left_words.append(Word(a, w.start, mid, w.probability, True))
                right_words.append(Word(b, mid, w.end, w.probability, True))
        left_words = [w for w in left_words if w.text.strip()]
        right_words = [w for w in right_words if w.text.strip()]
    if at_ms is not None:
        cut = min(max(at_ms, seg.start), seg.end)
    elif left_words and right_words:
        cut = None
    else:
        estimated = True
        frac = len(text[:char_offset].strip()) / max(1, len(text.strip()))
        cut = seg.start + int(round(seg.duration * frac))
    if cut is None:
        left_end = left_words[-1].end
        right_start = right_words[0].start
    else:
        left_end = right_start = cut
    left_end = max(seg.start, left_end)
    right_start = min(max(right_start, left_end), seg.end)
    left_end, right_start = _make_gap(seg, left_end, right_start, gap_ms)
    if seg.words and (not left_words or not right_words or cut is not None):
        left_words = clamp_words(left_words, seg.start, left_end) if left_words else distribute(split_words(left_text), seg.start, left_end)
        right_words = clamp_words(right_words, right_start, seg.end) if right_words else distribute(split_words(right_text), right_start, seg.end)
    if seg.words and (left_words or right_words):
        # the gap may have cut into the words next to the cut: keep them inside their half
        left_words = clamp_words(left_words, seg.start, left_end) if left_words else left_words
        right_words = clamp_words(right_words, right_start, seg.end) if right_words else right_words
    if layout is not None:
        left_text = layout(seg.replace(text=left_text, words=())) if left_text else left_text
        right_text = layout(seg.replace(text=right_text, words=())) if right_text else right_text
    flags = seg.flags | {TIMES_ESTIMATED} if estimated else seg.flags
    left = seg.replace(end=left_end, text=left_text, words=tuple(left_words) if seg.words else (),
                       flags=flags, translation=seg.translation,
                       # the translation still says what both halves said
                       translation_state=TR_STALE if seg.translation else None)
    right = Segment(right_start, seg.end, right_text, tuple(right_words) if seg.words else (),
                    seg.speaker, seg.language, None, flags, new_id())
    with doc.transaction("Split"):
        i = doc.index_of(seg_id)
        doc.replace_segment(left, i)
        doc.insert_segments(doc.insertion_index(right.start, right.end), (right,))
    return left.id, right.id


def _make_gap(seg: Segment, left_end: int, right_start: int, gap_ms: int) -> tuple[int, int]:
    """The first half's end and the second's start, ``gap_ms`` apart when the segment is
    longer than the gap: the first half gives up the time and the second keeps its start (on
    the speech), unless the cut is too near the segment's start for that."""
    gap_ms = max(0, int(gap_ms))
    if right_start - left_end >= gap_ms or seg.duration <= gap_ms:
        return left_end, right_start
    if right_start - gap_ms > seg.start:
        return right_start - gap_ms, right_start
    left_end = min(max(left_end, seg.start + 1), seg.end - gap_ms)
    return left_end, left_end + gap_ms


def _offset_at_time(seg: Segment, spans: list[tuple[int, int]] | None, at_ms: int) -> int:
    """The character offset of the word boundary nearest to ``at_ms``."""
    if spans and seg.words:
        best = 0
        best_d = None
        for w, (s, _e) in zip(seg.words, spans, strict=True):
            d = abs(w.start - at_ms)
            if best_d is None or d < best_d:
                best, best_d = s, d
        last_end = spans[-1][1]
        if abs(seg.words[-1].end - at_ms) < (best_d or 0):
            best = last_end
        return best
    frac = (at_ms - seg.start) / max(1, seg.duration)
    pos = int(round(len(seg.text) * min(1.0, max(0.0, frac))))
    # move to the nearest space so words stay whole
    left = seg.text.rfind(" ", 0, pos)
    right = seg.text.find(" ", pos)
    cands = [c for c in (left, right) if c >= 0]
    return min(cands, key=lambda c: abs(c - pos)) if cands else pos


def joiner(a: str, b: str) -> str:
    """The separator between two texts: nothing between CJK characters, a space otherwise."""
    if not a or not b:
        return ""
    if is_cjk_char(a[-1]) and is_cjk_char(b[0]):
        return ""
    return " "


def merge(doc: Document, seg_ids: Sequence[str], separator: str | None = None,
          layout: LineLayout | None = None) -> str | None:
    """Merge segments into the first (in time order); returns the merged id.

    ``layout`` lays out the merged text's lines (else the texts are joined on the lines they
    had, the last line of one running into the first of the next)."""
    if len(seg_ids) < 2:
        return None
    segs = sorted((doc.get(i) for i in seg_ids), key=lambda s: (s.start, s.end))
    first = segs[0]
    text = first.text
    translation = first.translation
    words = list(first.words)
    has_words = all(s.words or not s.text.strip() for s in segs) and any(s.words for s in segs)
    for s in segs[1:]:
        sep = joiner(text, s.text) if separator is None else separator
        text = f"{text}{sep}{s.text}" if s.text else text
        if s.translation:
            translation = f"{translation} {s.translation}" if translation else s.translation
        words.extend(s.words)
    start = min(s.start for s in segs)
    end = max(s.end for s in segs)
    if has_words:
        words = sorted(words, key=lambda w: w.start)
        words = clamp_words(words, start, end)
    else:
        words = []
    if layout is not None and text.strip():
        text = _laid_out(first.replace(text=text, words=()), layout)
    flags = frozenset().union(*(s.flags for s in segs))
    merged = first.replace(start=start, end=end, text=text, words=tuple(words), flags=flags,
                           translation=translation, translation_state=merged_state(segs))
    if merged.words and word_spans(merged.text, merged.words) is None:
        merged = merged.replace(words=tuple(distribute(split_words(text), start, end)),
                                flags=merged.flags | {WORDS_STALE})
    with doc.transaction("Merge"):
        for s in sorted(segs[1:], key=lambda s: doc.index_of(s.id), reverse=True):
            doc.remove_segments(doc.index_of(s.id), 1)
        doc.replace_segment(merged)
    return merged.id


def _laid_out(seg: Segment, layout: LineLayout) -> str:
    """``layout``'s text for ``seg``, checked to change only whitespace."""
    text = layout(seg)
    if split_words(text) != split_words(seg.text):
        raise ValueError(f"a line layout changed the words of segment {seg.id}")
    return text


def relayout(doc: Document, seg_ids: Iterable[str], layout: LineLayout) -> int:
    """Lay out the lines of segments anew (break and balance them): only whitespace changes,
    so words keep their times.  One undo step; returns how many segments changed."""
    changed = 0
    with doc.transaction("Break lines"):
        for sid in seg_ids:
            seg = doc.get(sid)
            if not seg.text.strip():
                continue
            text = _laid_out(seg, layout)
            if text != seg.text:
                doc.replace_segment(_with_text(seg, text))
                changed += 1
    return changed


# -- speakers -------------------------------------------------------------------------------
def set_speaker(doc: Document, seg_ids: Iterable[str], speaker: str | None) -> None:
    speaker = speaker.strip() if speaker else None
    with doc.transaction("Set speaker"):
        for sid in seg_ids:
            seg = doc.get(sid)
            if seg.speaker != speaker:
                doc.replace_segment(seg.replace(speaker=speaker))


def rename_speaker(doc: Document, old: str, new: str | None) -> int:
    """Rename (or, naming an existing speaker, merge into it) a speaker everywhere."""
    ids = [s.id for s in doc if s.speaker == old]
    set_speaker(doc, ids, new)
    return len(ids)


# -- machine results ------------------------------------------------------------------------
def apply_result(doc: Document, segments: Sequence[Segment], *, replace_range: tuple[int, int] | None = None,
                 replace_all_segments: bool = False, name: str = "Transcribe",
                 meta: dict | None = None, merge_key: object = None) -> None:
    """Apply an engine's result: insert its segments, replacing the segments that lie inside
    ``replace_range`` (start inclusive, end exclusive) or all of them."""
    with doc.transaction(name, merge_key=merge_key):
        if replace_all_segments:
            if len(doc):
                doc.remove_segments(0, len(doc))
        elif replace_range is not None:
            lo, hi = replace_range
            for i in range(len(doc) - 1, -1, -1):
                s = doc[i]
                if s.start >= lo and s.start < hi:
                    doc.remove_segments(i, 1)
        for seg in sorted(segments, key=lambda s: (s.start, s.end)):
            doc.insert_segments(doc.insertion_index(seg.start, seg.end), (seg,))
        for k, v in (meta or {}).items():
            doc.set_meta(k, v)


def replace_segments(doc: Document, seg_ids: Iterable[str], segments: Sequence[Segment], *,
                     name: str, merge_key: object = None) -> list[str]:
    """Swap segments for others in ONE undo step (a finished transcription's segments for the
    cues shaped from them): ``seg_ids`` removed (unknown ids skipped), ``segments`` inserted
    at their places in time.  With ``merge_key`` the step merges into the run that made the
    segments.  Returns the ids of the inserted segments."""
    with doc.transaction(name, merge_key=merge_key):
        ids = [sid for sid in dict.fromkeys(seg_ids) if sid in doc]
        for sid in sorted(ids, key=doc.index_of, reverse=True):
            doc.remove_segments(doc.index_of(sid), 1)
        apply_result(doc, segments, name=name)
    return [s.id for s in segments]


def apply_alignment(doc: Document, seg_id: str, words: Sequence[Word], expected_text: str, *,
                    fit_segment: bool = False) -> bool:
    """Give a segment the aligned words, unless its text changed since the job began.

    ``fit_segment`` also moves the segment's edges to its first and last word.  Returns True
    when applied.  One undo step (join a caller's transaction to group several)."""
    if seg_id not in doc:
        return False
    seg = doc.get(seg_id)
    if seg.text != expected_text:
        return False
    words = list(words)
    start, end = seg.start, seg.end
    if fit_segment and words:
        start, end = words[0].start, words[-1].end
    else:
        start = min(start, words[0].start) if words else start
        end = max(end, words[-1].end) if words else end
    new = seg.replace(start=start, end=end, words=tuple(clamp_words(words, start, end)),
                      flags=seg.flags - {WORDS_STALE, UNTIMED})
    if new.words and word_spans(new.text, new.words) is None:
        raise ValueError(f"aligned words do not compose the text of segment {seg_id}")
    with doc.transaction("Re-align"):
        doc.replace_segment(new)
    return True
