"""Forced alignment with the Qwen3 forced aligner (``qwen-asr``), for its 11 languages.

``Qwen3ForcedAligner.align(audio, text, language)`` times the text in one forward pass (80 ms
slots).  It drops punctuation and splits Chinese into characters, so its items are mapped back
onto the user's words (:func:`app.align.textmap.map_items`); its times are clamped to the
window (past-the-end values happen), zero-length and repeated ones repaired (a word whose time
repeats the previous word's is re-estimated).  One call takes at most 180 s of audio, as the
package itself chunks; longer windows go through the anchored long alignment.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from app.align.base import Aligner
from app.align.errors import AlignError
from app.align.registry import register_aligner
from app.align.textmap import Timing, map_items, timeable
from app.audio.samples import ENGINE_RATE
from app.core.cancel import CancelToken

# The aligner's languages: ISO code -> the name it takes.
QWEN_ALIGNER_LANGUAGES: dict[str, str] = {
    "zh": "Chinese", "en": "English", "yue": "Cantonese", "fr": "French", "de": "German",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "pt": "Portuguese", "ru": "Russian",
    "es": "Spanish",
}
DEFAULT_MODEL = "qwen3-forcedaligner-0.6b"


def _packages_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("qwen_asr", "torch"))


def _is_aligner_folder(path: Path) -> bool:
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    thinker = cfg.get("thinker_config") or {}
    return "forced_aligner" in str(thinker.get("model_type", "")) and "timestamp_token_id" in cfg


def model_folder(model: str | None) -> Path | None:
    """The folder of an installed Qwen3 forced aligner (catalogue name, hub id or folder)."""
    from app.engines.catalogue import find_model
    from app.engines.errors import ModelError
    from app.engines.models import installed_path

    name = model or DEFAULT_MODEL
    path = Path(name).expanduser()
    if path.is_dir():
        return path if _is_aligner_folder(path) else None
    info = find_model(name)
    if info is not None and info.engine != "qwen-aligner":
        return None
    try:
        found = installed_path(name)
    except ModelError:
        return None
    return found if found is not None and _is_aligner_folder(found) else None


@register_aligner
class QwenAligner(Aligner):
    name: ClassVar[str] = "qwen"
    title: ClassVar[str] = "Qwen3 forced aligner"
    max_window_s: ClassVar[float] = 180.0

    def __init__(self, model: str | None = None, device: str = "auto",
                 dtype: str = "auto") -> None:
        super().__init__()
        self._name = model or DEFAULT_MODEL
        self._device = device
        self._dtype = dtype
        self._aligner: Any = None

    @property
    def model_name(self) -> str:
        return self._name

    @classmethod
    def available(cls, model: str | None = None) -> bool:
        return _packages_installed() and model_folder(model) is not None

    @classmethod
    def install_hint(cls) -> str:
        return (f"install the qwen extra (pip install 'cueline[qwen]') and download the model "
                f"'{DEFAULT_MODEL}' in the model manager")

    @classmethod
    def supports(cls, language: str | None) -> bool:
        return language is None or language in QWEN_ALIGNER_LANGUAGES

    def load(self) -> None:
        with self._lock:
            if self._aligner is not None:
                return
            if not _packages_installed():
                raise AlignError("the Qwen3 forced aligner needs the packages qwen-asr and "
                                 "torch: " + self.install_hint())
            folder = model_folder(self._name)
            if folder is None:
                raise AlignError(f"the Qwen3 forced aligner model '{self._name}' is not "
                                 "installed: " + self.install_hint())
            import torch
            from qwen_asr import Qwen3ForcedAligner

            device = self._device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            dtype = self._dtype
            if dtype == "auto":
                dtype = "bfloat16" if device == "cuda" else "float32"
            try:
                self._aligner = Qwen3ForcedAligner.from_pretrained(
                    str(folder), dtype=getattr(torch, dtype), device_map=device)
            except (OSError, ValueError, RuntimeError, TypeError, KeyError) as exc:
                raise AlignError(f"cannot load the Qwen3 forced aligner from '{folder}': "
                                 f"{exc}") from exc

    def _time_words(self, samples: np.ndarray, words: list[str], language: str | None,
                    cancel: CancelToken | None) -> list[Timing | None]:
        self.load()
        lang = QWEN_ALIGNER_LANGUAGES.get(language or "en")
        if lang is None:
            raise AlignError(f"the Qwen3 forced aligner does not align language '{language}'")
        text = " ".join(words)
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            result = self._aligner.align(audio=(np.asarray(samples, dtype=np.float32),
                                                ENGINE_RATE), text=text, language=lang)[0]
        except (RuntimeError, ValueError, IndexError) as exc:
            raise AlignError(f"Qwen3 forced alignment failed: {exc}") from exc
        items = [(str(it.text), float(it.start_time) * 1000.0, float(it.end_time) * 1000.0)
                 for it in result.items]
        timings = map_items(words, items)
        for w, t in zip(words, timings, strict=True):
            if t is not None and not timeable(w):
                t.estimated = True
        return timings
