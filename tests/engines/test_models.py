"""The model catalogue: bundled models, resolving names, offline downloads, shared loading."""

from __future__ import annotations

import hashlib

import pytest

from app.engines import catalogue, download, loading, models
from app.engines.errors import ModelError


def test_catalogue_lists_bundled_and_downloadable_models():
    names = set(catalogue.CATALOGUE)
    assert {"tiny.en", "base", "small", "large-v3", "large-v3-turbo", "distil-large-v3",
            "qwen3-asr-0.6b", "qwen3-asr-1.7b", "qwen3-forcedaligner-0.6b"} <= names
    assert catalogue.CATALOGUE["tiny.en"].bundled and catalogue.CATALOGUE["base"].bundled
    assert not catalogue.CATALOGUE["tiny.en"].multilingual
    assert catalogue.CATALOGUE["large-v3-turbo"].repos[0] == \
        "mobiuslabsgmbh/faster-whisper-large-v3-turbo"
    assert all(m.size_mb > 0 for m in catalogue.CATALOGUE.values())
    assert catalogue.find_model("Qwen/Qwen3-ASR-0.6B").name == "qwen3-asr-0.6b"
    assert catalogue.find_model("whisper-base").name == "base"


def test_bundled_tiny_en_resolves_to_its_package_folder():
    path = models.resolve_model("tiny.en")
    assert (path / "model.bin").is_file() and (path / "tokenizer.json").is_file()
    assert models.verify_bundled("tiny.en")


def test_base_is_reassembled_once_atomically_and_verified(model_dir):
    path = models.resolve_model("base")
    assert path == model_dir / "whisper-base"
    assert models.verify_bundled("base")
    digest = hashlib.sha256((path / "model.bin").read_bytes()).hexdigest()
    assert digest == models.BASE_SHA256
    assert (path / "tokenizer.json").is_file() and (path / "config.json").is_file()
    assert not [p for p in model_dir.iterdir() if p.name.startswith(".whisper-base-")]


def test_damaged_reassembly_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("CUELINE_MODEL_DIR", str(tmp_path))
    target = tmp_path / "whisper-base"
    target.mkdir()
    (target / "model.bin").write_bytes(b"half a model")  # an interrupted earlier copy
    monkeypatch.setattr(models, "_verified", {})
    path = models.bundled_path("base")
    assert path == target
    assert (path / "model.bin").stat().st_size == 145217532
    assert (path / ".complete").read_text().strip() == models.BASE_SHA256


def test_missing_model_names_the_model_and_the_fix():
    with pytest.raises(ModelError) as err:
        models.resolve_model("small")
    assert str(err.value) == ("model 'small' is not installed; download it from the model "
                              "manager or run `cueline transcribe --model small` with network")


def test_unknown_name_and_bad_folder_are_model_errors(tmp_path):
    with pytest.raises(ModelError, match="unknown model 'no-such-model'"):
        models.resolve_model("no-such-model")
    with pytest.raises(ModelError, match="does not exist"):
        models.resolve_model(str(tmp_path / "nothing"))
    with pytest.raises(ModelError, match="not a model folder"):
        models.resolve_model(tmp_path)


def test_a_model_folder_path_resolves_to_itself():
    folder = models.resolve_model("tiny.en")
    assert models.resolve_model(str(folder)) == folder.resolve()


def test_download_without_network_is_a_clear_model_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="cannot download model 'small'.*no network"):
        download.download_model("small")
    assert not models.is_installed("small")


def test_list_models_marks_bundled_installed():
    listed = {info.name: installed for info, installed in models.list_models("whisper")}
    assert listed["tiny.en"] and listed["base"]
    assert listed["large-v3"] is False


def test_loaded_whisper_model_is_shared():
    a = loading.load_whisper("tiny.en", device="cpu")
    b = loading.load_whisper("tiny.en", device="cpu", compute_type="int8")
    assert a is b
    assert loading.loaded_whisper_info(a) is not None


def test_unknown_device_is_refused():
    with pytest.raises(ModelError, match="unknown device"):
        loading.resolve_device("tpu")
