"""Undo history: commands made of primitive document operations and their inverses.

Every mutation of a :class:`~app.core.document.Document` happens inside a transaction.  The
primitive operations applied inside it are recorded with their inverses; closing the
transaction pushes one :class:`Command` on the history.  Undo applies the inverses in reverse
order, redo applies the operations again: since segments are immutable values this is exact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core.events import Signal

if TYPE_CHECKING:
    from app.core.document import Document, Op

MERGE_WINDOW_S = 3.0


class _Amend:
    """The merge key of a machine's follow-up to the last step (see :data:`AMEND`)."""

    def __repr__(self) -> str:
        return "AMEND"


# A transaction with this merge key is folded into the command on top of the undo stack,
# whatever its key and age, and leaves the redo stack alone: the re-timing a machine does
# after a user's edit undoes with that edit, and a re-timing after an undo does not wipe what
# can be redone.  With nothing to fold into, it is a step of its own.
AMEND = _Amend()


@dataclass
class Command:
    name: str
    ops: list[Op] = field(default_factory=list)
    inverses: list[Op] = field(default_factory=list)
    merge_key: Any = None
    stamp: float = field(default_factory=time.monotonic)

    @property
    def empty(self) -> bool:
        return not self.ops


class History:
    """Undo and redo stacks with a clean (saved) marker."""

    def __init__(self, doc: Document, limit: int = 1000) -> None:
        self._doc = doc
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._clean: int | None = 0
        self.limit = limit
        self._held: set[Any] = set()  # merge keys that merge whatever the time between
        self.changed = Signal()  # emitted after any change of the stacks or clean state

    # -- queries -------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_name(self) -> str | None:
        return self._undo[-1].name if self._undo else None

    @property
    def redo_name(self) -> str | None:
        return self._redo[-1].name if self._redo else None

    @property
    def can_amend(self) -> bool:
        """Whether an :data:`AMEND` transaction now keeps the redo stack (there is a step to
        fold it into, or nothing to redo)."""
        return bool(self._undo) or not self._redo

    @property
    def is_dirty(self) -> bool:
        return self._clean != len(self._undo)

    def __len__(self) -> int:
        return len(self._undo)

    # -- state ---------------------------------------------------------------------------
    def set_clean(self) -> None:
        self._clean = len(self._undo)
        self.changed.emit()

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._clean = 0
        self.changed.emit()

    def push(self, cmd: Command) -> None:
        if cmd.empty:
            return
        top = self._undo[-1] if self._undo else None
        if cmd.merge_key is AMEND:
            if top is not None:
                self._amend(top, cmd)
                return
            cmd.merge_key = None
        mergeable = (
            top is not None
            and cmd.merge_key is not None
            and top.merge_key == cmd.merge_key
            and not self._redo
            and self._clean != len(self._undo)
            and (cmd.stamp - top.stamp < MERGE_WINDOW_S or cmd.merge_key in self._held)
        )
        self._redo.clear()
        if mergeable:
            assert top is not None
            top.ops.extend(cmd.ops)
            top.inverses = cmd.inverses + top.inverses
            top.stamp = cmd.stamp
        else:
            if self._clean is not None and self._clean > len(self._undo):
                self._clean = None  # the saved state was in the redo stack: unreachable now
            self._undo.append(cmd)
            if len(self._undo) > self.limit:
                del self._undo[0]
                if self._clean is not None:
                    self._clean -= 1
                    if self._clean < 0:
                        self._clean = None
        self.changed.emit()

    def _amend(self, top: Command, cmd: Command) -> None:
        top.ops.extend(cmd.ops)
        top.inverses = cmd.inverses + top.inverses
        if self._clean is not None and self._clean >= len(self._undo):
            self._clean = None  # the saved state (this step, or one to redo) changed under it
        self.changed.emit()

    def undo(self) -> str | None:
        if not self._undo:
            return None
        cmd = self._undo.pop()
        self._doc._replay(cmd.name, cmd.inverses)
        self._redo.append(cmd)
        self.changed.emit()
        return cmd.name

    def redo(self) -> str | None:
        if not self._redo:
            return None
        cmd = self._redo.pop()
        self._doc._replay(cmd.name, cmd.ops)
        self._undo.append(cmd)
        self.changed.emit()
        return cmd.name

    def undo_all(self) -> None:
        while self.can_undo:
            self.undo()

    def redo_all(self) -> None:
        while self.can_redo:
            self.redo()

    def hold_merge(self, key: Any) -> None:
        """Let commands with merge key ``key`` merge into the top command however long apart
        they come (a long machine run applied piece by piece: one undo step).  They still do
        not merge across a save, an undo, or a command with another key in between."""
        if key is not None:
            self._held.add(key)

    def release_merge(self, key: Any) -> None:
        """End :meth:`hold_merge`: the usual time window applies to ``key`` again."""
        self._held.discard(key)

    def break_merge(self) -> None:
        """Make the next command start a new undo step even if it could merge."""
        if self._undo:
            self._undo[-1].merge_key = None
