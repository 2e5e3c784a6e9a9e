"""Speech-to-text engines behind one interface, and the model catalogue.

- :mod:`base`: :class:`Engine`, :class:`TranscribeOptions`, :class:`ChunkTranscript`, ...
- :mod:`registry`: :func:`create_engine`, :func:`register_engine`, :func:`engine_names`
  (engine modules are imported only when asked for).
- :mod:`whisper`: :class:`WhisperEngine` (faster-whisper); :mod:`qwen`: :class:`QwenEngine`
  (qwen-asr, optional).
- :mod:`models`: the catalogue, bundled models, downloads, :func:`load_whisper`.
- :mod:`languages`, :mod:`textfix`: language codes and separators; repetition/echo repair.

Heavy libraries (ctranslate2, faster_whisper, torch, transformers, qwen_asr) are imported
inside the functions that need them, never when this package is imported.
"""

from app.engines.errors import EngineError, ModelError

__all__ = ["EngineError", "ModelError"]
