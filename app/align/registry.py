"""Aligners by name, and the choice of the best one for a language.

Aligners register themselves with :func:`register_aligner` (one line per module, as engines
do).  :func:`best_aligner` picks the Qwen3 forced aligner when its model is installed and the
language is one of its 11, else Whisper; the user can name one instead (``prefer``).
Instances are shared (a loaded model is reused), keyed by name, model and settings.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from app.align.errors import AlignError

if TYPE_CHECKING:
    from app.align.base import Aligner

_CLASSES: dict[str, type[Aligner]] = {}
_INSTANCES: dict[tuple, Aligner] = {}
_lock = threading.Lock()
_MODULES = ("app.align.whisper_aligner", "app.align.qwen_aligner")
ORDER = ("qwen", "whisper")  # preferred first, when available for the language


def register_aligner(cls: type[Aligner]) -> type[Aligner]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _CLASSES[cls.name] = cls
    return cls


def _load_all() -> None:
    for mod in _MODULES:
        importlib.import_module(mod)


def aligner_names() -> list[str]:
    _load_all()
    return sorted(_CLASSES)


def aligner_class(name: str) -> type[Aligner]:
    _load_all()
    key = (name or "").strip().lower()
    if key not in _CLASSES:
        raise AlignError(f"unknown aligner '{name}' (known: {', '.join(sorted(_CLASSES))})")
    return _CLASSES[key]


def create_aligner(name: str, model: str | None = None, **settings: Any) -> Aligner:
    """The (shared) aligner ``name`` with ``model`` (None: its default)."""
    cls = aligner_class(name)
    key = (cls.name, model, tuple(sorted(settings.items())))
    with _lock:
        inst = _INSTANCES.get(key)
        if inst is None:
            inst = cls(model, **settings) if model is not None else cls(**settings)
            _INSTANCES[key] = inst
        return inst


def available_aligners(language: str | None = None) -> list[str]:
    """Names of the aligners that can run here for ``language``, best first."""
    _load_all()
    names = [n for n in ORDER if n in _CLASSES] + sorted(set(_CLASSES) - set(ORDER))
    return [n for n in names if _CLASSES[n].available() and _CLASSES[n].supports(language)]


def best_aligner(language: str | None, prefer: str | None = None, model: str | None = None,
                 **settings: Any) -> Aligner:
    """The aligner to use for ``language``.

    ``prefer`` (a name) is honoured when that aligner supports the language, else
    :class:`AlignError` says why.  Without it: the first available of :data:`ORDER`.
    """
    _load_all()
    if prefer:
        cls = aligner_class(prefer)
        if not cls.supports(language):
            raise AlignError(f"the {cls.title or cls.name} aligner does not align language "
                             f"'{language}'")
        if not cls.available(model):
            what = f" with model '{model}'" if model else ""
            hint = cls.install_hint()
            raise AlignError(f"the {cls.title or cls.name} aligner{what} is not available here"
                             + (f": {hint}" if hint else ""))
        return create_aligner(cls.name, model, **settings)
    if model is not None:  # a model belongs to one kind of aligner
        for n in ORDER:
            cls = _CLASSES.get(n)
            if cls is not None and cls.supports(language) and cls.available(model):
                return create_aligner(n, model, **settings)
        raise AlignError(f"no aligner can use the model '{model}' for language '{language}'")
    names = available_aligners(language)
    if not names:
        raise AlignError(f"no aligner available for language '{language}'")
    return create_aligner(names[0], None, **settings)
