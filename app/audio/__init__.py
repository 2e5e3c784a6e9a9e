"""Cueline's audio layer (Qt-free): decoding any media, waveform peaks, voice activity and
chunking, playback.

``import app.audio`` pulls in neither PyAV, sounddevice, faster-whisper nor onnxruntime:
PyAV is imported when a file is first opened, the other modules' names on first use.
(``probe`` and ``decode`` are imported at once: they share their names with their modules,
which would otherwise shadow them.)

* :func:`probe` -> :class:`MediaInfo`; :func:`decode` -> numpy samples; :class:`MediaError`
* :data:`ENGINE_RATE`, :func:`float_to_int16`, :func:`int16_to_float`, :func:`audio_window`:
  the one audio primitive (:mod:`app.audio.samples`)
* :class:`PeakPyramid` (``for_media``, ``query``)
* :func:`speech_regions`, :class:`SpeechMap`, :func:`silences`; :func:`plan_chunks`,
  :class:`Chunk`
* :class:`Player` (sound card or silent clock), :func:`choose_backend`
* :func:`write_audio`, :func:`export_clip` (pydub)
"""

from __future__ import annotations

import importlib

from app.audio.decode import decode
from app.audio.errors import MediaError
from app.audio.probe import MediaInfo, probe
from app.audio.samples import ENGINE_RATE, audio_window, float_to_int16, int16_to_float

_NAMES = {
    "PeakPyramid": "peaks",
    "pixel_edges": "peaks",
    "speech_regions": "vad",
    "silero_available": "vad",
    "SpeechMap": "vad",
    "silences": "vad",
    "Chunk": "chunking",
    "plan_chunks": "chunking",
    "Player": "playback",
    "PlayerEvent": "playback",
    "choose_backend": "playback",
    "ArraySource": "reader",
    "MediaSource": "reader",
    "write_audio": "export",
    "export_clip": "export",
}

__all__ = ["ENGINE_RATE", "MediaError", "MediaInfo", "audio_window", "decode", "float_to_int16",
           "int16_to_float", "probe", *_NAMES]


def __getattr__(name: str):
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'app.audio' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"app.audio.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
