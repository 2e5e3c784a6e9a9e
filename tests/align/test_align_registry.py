"""Choosing an aligner: Qwen when its model is installed and the language is one of its 11,
else Whisper; the user may name one."""

from __future__ import annotations

import pytest

from app.align import AlignError, aligner_names, available_aligners, best_aligner, create_aligner


def test_names():
    assert aligner_names() == ["qwen", "whisper"]


def test_whisper_is_the_default_without_qwen_weights(model_dir):  # noqa: ARG001
    # no Qwen3 forced aligner model is installed on this machine
    assert available_aligners("en") == ["whisper"]
    assert best_aligner("en").name == "whisper"
    assert best_aligner("de").name == "whisper"
    assert best_aligner(None).name == "whisper"


def test_instances_are_shared(model_dir):  # noqa: ARG001
    assert best_aligner("en") is best_aligner("fr")
    assert create_aligner("whisper", "tiny.en") is not create_aligner("whisper")


def test_user_choice(model_dir):  # noqa: ARG001
    assert best_aligner("en", prefer="whisper").name == "whisper"
    with pytest.raises(AlignError, match="not available"):
        best_aligner("en", prefer="qwen")  # its model is not installed here
    with pytest.raises(AlignError, match="does not align"):
        best_aligner("xx", prefer="whisper")
    with pytest.raises(AlignError, match="unknown aligner"):
        best_aligner("en", prefer="nope")


def test_model_choice(model_dir):  # noqa: ARG001
    assert best_aligner("en", model="tiny.en").model_name == "tiny.en"
    with pytest.raises(AlignError, match="no aligner can use"):
        best_aligner("en", model="large-v3")  # not installed, no network
