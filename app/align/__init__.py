"""Forced alignment (Qt-free): word times for known text.

* :class:`Aligner` (``align(samples, sample_rate, text, language, start_ms, cancel)``),
  :func:`best_aligner`, :func:`create_aligner`, :func:`available_aligners`,
  :func:`aligner_names`; aligners: ``"whisper"`` (CPU default, bundled ``base``) and
  ``"qwen"`` (Qwen3 forced aligner, 11 languages, when its model is installed)
* :func:`realign` (and its parts :func:`prepare_realign`, :func:`compute_alignment`,
  :func:`apply_realign`): re-time what an edit changed, never making timing worse, as one
  undoable step (or folded into the edit's)
* :func:`align_segments` / :func:`word_timer`: aligned words for many segments (the
  transcription pipeline's word-timer hook); a window longer than an aligner takes goes to
  the ``long_window`` hook the caller hands in (aligning a script, which listens first, is a
  pipeline job: :mod:`app.pipeline.script`)
* :class:`AlignError`

Names load on first use: ``import app.align`` imports no model library.
"""

from __future__ import annotations

import importlib

from app.align.errors import AlignError

_NAMES = {
    "Aligner": "base",
    "best_aligner": "registry",
    "create_aligner": "registry",
    "available_aligners": "registry",
    "aligner_names": "registry",
    "register_aligner": "registry",
    "realign": "realign",
    "prepare_realign": "realign",
    "compute_alignment": "realign",
    "apply_realign": "realign",
    "RealignPlan": "realign",
    "RealignResult": "realign",
    "align_segments": "windows",
    "word_timer": "windows",
}

__all__ = ["AlignError", *_NAMES]


def __getattr__(name: str):
    mod = _NAMES.get(name)
    if mod is None:
        raise AttributeError(f"module 'app.align' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"app.align.{mod}"), name)
    globals()[name] = value
    return value
