"""Reversion checks for undoable operations (after gaupol's ``reversion_test``).

``assert_reversible(doc, op)`` runs ``op(doc)``, then undo, redo, undo, redo, checking after
each step that the document is exactly the state it should be and that every invariant holds.
Any later command can be tested with it in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.document import Document


def assert_reversible(doc: Document, op: Callable[[Document], Any]) -> Any:
    before = doc.snapshot()
    steps_before = len(doc.history)
    result = op(doc)
    doc.check()
    after = doc.snapshot()
    if after == before:
        assert len(doc.history) == steps_before, "a no-op must not add an undo step"
        return result
    assert len(doc.history) == steps_before + 1 or doc.history.can_undo, "the operation left no undo step"
    for _ in range(2):
        doc.history.undo()
        doc.check()
        assert doc.snapshot() == before, "undo did not restore the previous state"
        doc.history.redo()
        doc.check()
        assert doc.snapshot() == after, "redo did not restore the result"
    return result
