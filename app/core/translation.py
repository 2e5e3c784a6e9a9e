"""Translations under review: the state each segment's translation is in, and the edits that
move it (each one undoable step).

A translator works through a file the way CAT tools (memoQ, Trados) and Subtitle Edit's
translate mode have them do: a machine drafts (``machine``), a person corrects (``edited``)
and confirms (``approved``); when the source text changes afterwards the translation no longer
says what the source says (``stale``).  The states live on the segment
(``Segment.translation_state``), so they are saved in projects and Cueline JSON and undo
restores them exactly:

- editing the source's words of a translated segment marks it ``stale``
  (:func:`stale_after_text_change`, used by :func:`app.core.edits.edit_text` and
  ``replace_all``); a change of line breaks only does not;
- editing the translation marks it ``edited`` (:func:`app.core.edits.edit_translation`);
- :func:`approve` marks it ``approved``;
- :func:`apply_machine_translations` stores a machine's translations as ``machine``.

:func:`next_to_review` finds the next segment a translator still has to look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.core.document import Document
from app.core.model import (
    TR_APPROVED,
    TR_EDITED,
    TR_MACHINE,
    TR_NONE,
    TR_STALE,
    Segment,
)
from app.core.words import split_words

# the order of confidence: a merge of several translations keeps the weakest
_RANK = {TR_STALE: 0, TR_MACHINE: 1, TR_EDITED: 2, TR_APPROVED: 3}
TO_REVIEW = frozenset({TR_NONE, TR_MACHINE, TR_EDITED, TR_STALE})


def has_translation(seg: Segment) -> bool:
    return bool(seg.translation and seg.translation.strip())


def stale_after_text_change(old: Segment, new: Segment) -> Segment:
    """``new`` (``old`` with a new source text) marked stale when its words changed and it
    has a translation; line breaks and spacing alone leave the translation as it was."""
    if not has_translation(new) or new.translation_state == TR_STALE:
        return new
    if split_words(old.text) == split_words(new.text):
        return new
    return new.replace(translation_state=TR_STALE)


def with_translation(seg: Segment, translation: str | None, state: str) -> Segment:
    """``seg`` with ``translation`` in ``state`` (no state when the translation is empty)."""
    if translation is not None and not translation.strip():
        translation = None
    return seg.replace(translation=translation,
                       translation_state=state if translation is not None else None)


def merged_state(parts: Iterable[Segment]) -> str | None:
    """The state of a translation made by joining the translations of ``parts`` (a merge):
    the weakest of theirs, stale when some part had no translation to join."""
    parts = list(parts)
    states = [p.translation_status for p in parts]
    if all(s == TR_NONE for s in states):
        return None
    if any(s == TR_NONE for s in states):
        return TR_STALE
    return min(states, key=lambda s: _RANK[s])


def approve(doc: Document, seg_ids: Iterable[str]) -> int:
    """Approve the translations of ``seg_ids`` (segments without one are skipped).  One undo
    step; returns how many segments changed."""
    changed = 0
    with doc.transaction("Approve translation"):
        for sid in seg_ids:
            seg = doc.get(sid)
            if has_translation(seg) and seg.translation_state != TR_APPROVED:
                doc.replace_segment(seg.replace(translation_state=TR_APPROVED))
                changed += 1
    return changed


def set_state(doc: Document, seg_ids: Iterable[str], state: str) -> int:
    """Put the translations of ``seg_ids`` in ``state`` (say, back to ``edited`` after an
    approval given by mistake).  One undo step; returns how many changed."""
    if state not in _RANK:
        raise ValueError(f"unknown translation state {state!r}")
    changed = 0
    with doc.transaction("Set translation state"):
        for sid in seg_ids:
            seg = doc.get(sid)
            if has_translation(seg) and seg.translation_status != state:
                doc.replace_segment(seg.replace(translation_state=state))
                changed += 1
    return changed


@dataclass
class Applied:
    """What :func:`apply_machine_translations` did."""

    changed: int = 0
    gone: int = 0  # segments deleted since the job began
    source_changed: int = 0  # segments whose text changed since the job began: not applied
    kept: int = 0  # translations a person edited or approved meanwhile: kept


def apply_machine_translations(doc: Document, translations: Mapping[str, str], *,
                               sources: Mapping[str, str] | None = None,
                               before: Mapping[str, str | None] | None = None,
                               name: str = "Translate",
                               state: str = TR_MACHINE) -> Applied:
    """Store a machine's translations as ONE undoable step, in ``state``.

    ``sources`` holds each segment's text as it was sent: a segment whose text changed since
    is left alone (its translation would be of the old text).  ``before`` holds each
    segment's translation when the job began: one a person changed meanwhile is kept.
    Segments deleted meanwhile are skipped."""
    out = Applied()
    with doc.transaction(name):
        for sid, text in translations.items():
            if sid not in doc:
                out.gone += 1
                continue
            seg = doc.get(sid)
            if sources is not None and sid in sources and seg.text != sources[sid]:
                out.source_changed += 1
                continue
            if before is not None and sid in before and seg.translation != before[sid]:
                out.kept += 1
                continue
            new = with_translation(seg, text, state)
            if new != seg:
                doc.replace_segment(new)
                out.changed += 1
    return out


def needs_review(seg: Segment) -> bool:
    """A translator still has to look at ``seg``: untranslated, stale or not approved.
    Empty segments (no source text) need no translation."""
    if not seg.text.strip():
        return False
    return seg.translation_status in TO_REVIEW


def next_to_review(doc: Document, from_index: int | None, step: int = 1,
                   states: frozenset[str] = TO_REVIEW) -> int | None:
    """The index of the next (``step=1``) or previous (``-1``) segment after ``from_index``
    whose translation status is in ``states``, wrapping around; None when there is none."""
    n = len(doc)
    if not n:
        return None
    start = from_index if from_index is not None else (-1 if step > 0 else n)
    for k in range(1, n + 1):
        i = (start + step * k) % n
        seg = doc[i]
        if seg.text.strip() and seg.translation_status in states:
            return i
    return None


def review_counts(segments: Iterable[Segment]) -> dict[str, int]:
    """How many segments (with source text) are in each status, for a progress line."""
    counts = {TR_NONE: 0, TR_MACHINE: 0, TR_EDITED: 0, TR_APPROVED: 0, TR_STALE: 0}
    for s in segments:
        if s.text.strip():
            counts[s.translation_status] += 1
    return counts
