"""Plain-dict forms of words and segments, shared by the project file and the JSON format."""

from __future__ import annotations

import math
from typing import Any

from app.core.model import KNOWN_FLAGS, TRANSLATION_STATES, Segment, Word, new_id


def word_to_dict(w: Word) -> dict[str, Any]:
    d: dict[str, Any] = {"text": w.text, "start": w.start, "end": w.end}
    if w.probability is not None and math.isfinite(w.probability):  # NaN is no JSON
        d["probability"] = round(float(w.probability), 4)
    if w.estimated:
        d["estimated"] = True
    return d


def word_from_dict(d: dict[str, Any]) -> Word:
    prob = d.get("probability")
    return Word(
        text=str(d["text"]),
        start=int(d["start"]),
        end=int(d["end"]),
        probability=None if prob is None else float(prob),
        estimated=bool(d.get("estimated", False)),
    )


def segment_to_dict(s: Segment) -> dict[str, Any]:
    d: dict[str, Any] = {"id": s.id, "start": s.start, "end": s.end, "text": s.text}
    d["words"] = [word_to_dict(w) for w in s.words]
    for key in ("speaker", "language", "translation", "translation_state"):
        value = getattr(s, key)
        if value is not None:
            d[key] = value
    if s.flags:
        d["flags"] = sorted(s.flags)
    return d


def segment_from_dict(d: dict[str, Any]) -> Segment:
    """Build a segment from its dict form; raises KeyError/TypeError/ValueError on bad data."""
    flags = frozenset(str(f) for f in d.get("flags", ()) if str(f) in KNOWN_FLAGS)
    return Segment(
        start=int(d["start"]),
        end=int(d["end"]),
        text=str(d.get("text", "")),
        words=tuple(word_from_dict(w) for w in d.get("words", ())),
        speaker=_opt_str(d.get("speaker")),
        language=_opt_str(d.get("language")),
        translation=_opt_str(d.get("translation")),
        flags=flags,
        id=str(d.get("id") or new_id()),
        translation_state=translation_state_from(d.get("translation_state"), d.get("translation")),
    )


def translation_state_from(value: Any, translation: Any) -> str | None:
    """A stored translation state, if it is one and there is a translation to be in it (an
    unknown state from a later version reads as none: the translation counts as unreviewed)."""
    if not translation or not str(translation).strip():
        return None
    return str(value) if value is not None and str(value) in TRANSLATION_STATES else None


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)
