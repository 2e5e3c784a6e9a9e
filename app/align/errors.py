"""The error alignment raises for problems the user can act on."""

from __future__ import annotations


class AlignError(Exception):
    """Alignment cannot run or failed: bad input, a missing model, an unknown aligner.

    The ``cueline`` command prints its message as one line and exits with status 2.
    """
