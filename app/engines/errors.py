"""Errors of the transcription engines and their models.

Both are user errors: the ``cueline`` command prints their message as one line and exits 2.
"""

from __future__ import annotations


class EngineError(Exception):
    """An engine cannot run: bad options, a missing optional package, a failure it reports."""


class ModelError(EngineError):
    """A model is missing, damaged, or cannot be downloaded."""
