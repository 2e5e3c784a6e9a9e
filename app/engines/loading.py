"""Loading Whisper models: one loaded ``faster_whisper.WhisperModel`` per (folder, device,
compute type), shared by the engine and the aligner; the device and compute type chosen.

The folder comes from :func:`app.engines.models.resolve_model` (catalogue name, hub repo id or
a folder); nothing here downloads.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from app.engines.errors import ModelError
from app.engines.models import resolve_model

_load_lock = threading.Lock()
_loaded: dict[tuple[str, str, str], tuple[Any, int, int]] = {}


def cuda_available() -> bool:
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count() > 0
    except Exception:  # noqa: BLE001 - a broken CUDA install means no CUDA
        return False


def resolve_device(device: str = "auto") -> str:
    device = (device or "auto").lower()
    if device not in {"auto", "cpu", "cuda"}:
        raise ModelError(f"unknown device '{device}' (use auto, cpu or cuda)")
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise ModelError("device 'cuda' was asked for but no CUDA GPU is usable here")
    return device


def resolve_compute_type(compute_type: str, device: str) -> str:
    """``auto``: int8 on CPU (as accurate as float32 there, 2-4x faster), float16 on CUDA."""
    if not compute_type or compute_type == "auto":
        return "int8" if device == "cpu" else "float16"
    return compute_type


def default_cpu_threads(num_workers: int = 1) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, num_workers))


# oneDNN (CTranslate2's CPU kernels) keeps the kernels it built for every input shape, 1024 by
# default, with their buffers.  The encoder window is fitted to each chunk, so every chunk is a
# new shape: a 1-hour file grew the process by ~500 MB.  With 8 kept it stays flat, at no
# measurable cost in speed (packaging/bench/bench_transcribe.py).
KERNEL_CACHE_CAPACITY = "8"


def _bound_kernel_cache() -> None:
    """Bound oneDNN's kernel cache (before the first model is built; a value the user set in
    the environment wins)."""
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", KERNEL_CACHE_CAPACITY)


def load_whisper(name_or_path: str | os.PathLike[str], device: str = "auto",
                 compute_type: str = "auto", cpu_threads: int = 0, num_workers: int = 0):
    """A loaded ``faster_whisper.WhisperModel``, shared by everyone asking for the same one.

    One model is kept per (folder, device, compute type).  ``cpu_threads`` / ``num_workers``
    of 0 mean "any": an already loaded model is reused whatever its threading, otherwise it is
    loaded with the defaults (all cores, one worker).  Non-zero values that differ from the
    loaded model's load a new one in its place.
    """
    path = resolve_model(name_or_path)
    dev = resolve_device(device)
    ctype = resolve_compute_type(compute_type, dev)
    key = (str(path), dev, ctype)
    with _load_lock:
        cached = _loaded.get(key)
        if cached is not None:
            model, threads, workers = cached
            if cpu_threads in (0, threads) and num_workers in (0, workers):
                return model
        workers = num_workers or 1
        threads = cpu_threads or default_cpu_threads(workers)
        _bound_kernel_cache()
        try:
            from faster_whisper import WhisperModel

            model = WhisperModel(str(path), device=dev, compute_type=ctype,
                                 cpu_threads=threads, num_workers=workers,
                                 local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"cannot load Whisper model '{name_or_path}' from '{path}': "
                             f"{exc}") from exc
        _loaded[key] = (model, threads, workers)
        return model


def loaded_whisper_info(model: Any) -> tuple[int, int] | None:
    """``(cpu_threads, num_workers)`` a cached model was loaded with, or ``None``."""
    with _load_lock:
        for m, threads, workers in _loaded.values():
            if m is model:
                return threads, workers
    return None


def unload_whisper(name_or_path: str | os.PathLike[str] | None = None) -> None:
    """Forget loaded models (all, or those of one model) so their memory can be freed."""
    with _load_lock:
        if name_or_path is None:
            _loaded.clear()
            return
        with contextlib.suppress(ModelError):
            path = str(resolve_model(name_or_path))
            for key in [k for k in _loaded if k[0] == path]:
                del _loaded[key]
