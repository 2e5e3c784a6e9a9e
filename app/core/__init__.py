"""The Qt-free document core: segments and words, undoable edits, change events, projects."""

from app.core.cancel import Cancelled, CancelToken, Progress
from app.core.document import Change, Document, MediaRef
from app.core.model import (
    FAILED,
    LOW_CONFIDENCE,
    TIMES_ESTIMATED,
    UNMATCHED,
    UNTIMED,
    WORDS_STALE,
    InvariantError,
    Segment,
    Word,
    new_id,
)

__all__ = [
    "FAILED", "LOW_CONFIDENCE", "TIMES_ESTIMATED", "UNMATCHED", "UNTIMED", "WORDS_STALE",
    "CancelToken", "Cancelled", "Change", "Document", "InvariantError", "MediaRef", "Progress",
    "Segment", "Word", "new_id",
]
