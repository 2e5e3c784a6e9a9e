"""Engines by name.

Engine modules are imported only when an engine is asked for, so listing engines or
starting the editor loads no heavy library.  Adding an engine is one module that decorates
its class with :func:`register_engine` plus one line in ``ENGINE_MODULES``.
"""

from __future__ import annotations

import importlib
from typing import Any

from app.engines.base import Engine
from app.engines.errors import EngineError

# name -> module that registers it (imported lazily)
ENGINE_MODULES: dict[str, str] = {
    "whisper": "app.engines.whisper",
    "qwen": "app.engines.qwen",
    "remote": "app.engines.remote",
}

_ENGINES: dict[str, type[Engine]] = {}


def register_engine(cls: type[Engine]) -> type[Engine]:
    """Class decorator: make an engine available under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no engine name")
    _ENGINES[cls.name] = cls
    return cls


def engine_names() -> list[str]:
    return sorted(set(ENGINE_MODULES) | set(_ENGINES))


def engine_class(name: str) -> type[Engine]:
    if name not in _ENGINES:
        module = ENGINE_MODULES.get(name)
        if module is None:
            raise EngineError(f"unknown engine '{name}' (engines: {', '.join(engine_names())})")
        importlib.import_module(module)
        if name not in _ENGINES:
            raise EngineError(f"engine module {module} did not register engine '{name}'")
    return _ENGINES[name]


def create_engine(name: str, model: str | None = None, **settings: Any) -> Engine:
    """A new (not yet loaded) engine."""
    return engine_class(name)(model=model, **settings)
