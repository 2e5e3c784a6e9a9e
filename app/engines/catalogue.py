"""The model catalogue: every model Cueline knows by name, its engine, hub repositories, size
and files.  Pure data: where a model is on this computer is :mod:`app.engines.models`, how to
fetch one :mod:`app.engines.download`, how to load one :mod:`app.engines.loading`."""

from __future__ import annotations

from dataclasses import dataclass

WHISPER_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.*",
                 "preprocessor_config.json")
HF_FILES = ("*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.py", "merges.txt",
            "vocab.json")

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
