"""The API key in the system keyring: kept and found per server when a backend works, and a
clear sentence (no crash) when there is none."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from app.pipeline.textmt import secrets


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def set_password(self, service, username, password):
        self.kept[(service, username)] = password

    def delete_password(self, service, username):
        self.kept.pop((service, username), None)


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(secrets.KEY_ENV, raising=False)
    monkeypatch.delenv(secrets.OPENAI_KEY_ENV, raising=False)


@pytest.fixture
def memory(monkeypatch, no_env):
    before = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(before)


@pytest.fixture
def broken(monkeypatch, no_env):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_a_key_kept_in_the_keyring_is_found_for_its_server_only(memory):
    secrets.keyring_set("http://user:pw@gpu-box:8000/v1/chat/completions", "sk-kept")
    assert memory.kept == {(secrets.KEYRING_SERVICE, "http://gpu-box:8000"): "sk-kept"}
    key = secrets.api_key_for("http://gpu-box:8000/v1")
    assert key.reveal() == "sk-kept" and key.source == "the system keyring"
    assert "sk-kept" not in repr(key)
    assert secrets.api_key_for("http://other:8000/v1") is None
    secrets.keyring_set("http://gpu-box:8000/v1", "")
    assert secrets.api_key_for("http://gpu-box:8000/v1") is None
    assert secrets.keyring_status() is None


def test_the_environment_comes_before_the_keyring(memory, monkeypatch):
    secrets.keyring_set("http://gpu-box:8000/v1", "sk-kept")
    monkeypatch.setenv(secrets.KEY_ENV, "sk-env")
    assert secrets.api_key_for("http://gpu-box:8000/v1").source == secrets.KEY_ENV


def test_without_a_keyring_backend_there_is_simply_no_key(broken):
    assert secrets.api_key_for("http://gpu-box:8000/v1") is None
    assert "no system keyring" in secrets.keyring_status()
    with pytest.raises(secrets.SecretError, match="no system keyring"):
        secrets.keyring_set("http://gpu-box:8000/v1", "sk")


def test_redact_masks_the_key_and_pieces_of_it():
    key = secrets.ApiKey("X", "sk-abcdefghijklmnopqrstuvwxyz")
    assert secrets.redact("bad key sk-abcdefghijklmnopqrstuvwxyz", key) == "bad key ***"
    assert "ijklmnopqrst" not in secrets.redact("key ...ijklmnopqrst... refused", key)
    assert secrets.redact("nothing here", key) == "nothing here"
    assert secrets.public_url("http://me:secret@host:1/v1") == "http://host:1/v1"
