"""Language codes and the engine registry."""

from __future__ import annotations

import numpy as np
import pytest

from app.engines import registry
from app.engines.base import (
    Capabilities,
    ChunkSegment,
    ChunkTranscript,
    Engine,
    TranscribeOptions,
)
from app.engines.errors import EngineError
from app.engines.languages import (
    QWEN_LANGUAGES,
    from_qwen,
    join_texts,
    normalize_code,
    separator,
    to_qwen,
)


def test_qwen_language_names_round_trip():
    assert len(QWEN_LANGUAGES) == 30
    for code, name in QWEN_LANGUAGES.items():
        assert to_qwen(code) == name and from_qwen(name) == code
    assert to_qwen("EN") == "English" and to_qwen("fil") == "Filipino"
    assert from_qwen("Chinese,English") == "zh"
    assert to_qwen("xx") is None and normalize_code("auto") is None


def test_separators():
    assert separator("zh") == "" and separator("ja") == "" and separator("th") == ""
    assert separator("en") == " " and separator(None) == " "
    assert join_texts(["你好", "世界"], "zh") == "你好世界"
    assert join_texts(["Hello", " world. "], "en") == "Hello world."


def test_registry_lists_and_creates_engines_lazily():
    assert {"whisper", "qwen"} <= set(registry.engine_names())
    engine = registry.create_engine("whisper", "tiny.en", device="cpu")
    assert engine.name == "whisper" and not engine.loaded
    with pytest.raises(EngineError, match="unknown engine 'nope'"):
        registry.create_engine("nope")


def test_a_new_engine_is_one_class_and_one_registration():
    @registry.register_engine
    class EchoEngine(Engine):
        name = "echo-test"
        title = "Echo"

        def _load(self, progress, cancel):
            self.ready = True

        def capabilities(self):
            return Capabilities(word_timestamps=False)

        def transcribe_chunk(self, samples, options, cancel=None):
            ms = len(samples) // 16
            return ChunkTranscript((ChunkSegment(0, ms, f"{ms} ms"),), language="en")

    try:
        engine = registry.create_engine("echo-test")
        engine.load()
        out = engine.transcribe_batch([np.zeros(1600, np.float32), np.zeros(3200, np.float32)],
                                      TranscribeOptions())
        assert [t.text for t in out] == ["100 ms", "200 ms"]
    finally:
        registry._ENGINES.pop("echo-test", None)
