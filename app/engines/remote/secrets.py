"""API keys of transcription servers: :data:`app.core.secrets.TRANSCRIBE_KEYS`
(``CUELINE_API_KEY``, keyring service ``cueline-transcribe``); see :mod:`app.core.secrets` for
the lookup order and how a key stays out of sight.  Failures are :class:`EngineError` here, as
everything else the engine reports."""

from __future__ import annotations

from app.core.secrets import OPENAI_KEY_ENV, TRANSCRIBE_KEYS, ApiKey, SecretError, origin
from app.engines.errors import EngineError

__all__ = ["ApiKey", "api_key_for", "keyring_get", "keyring_set", "keyring_status", "origin",
           "DEFAULT_KEY_ENV", "KEYRING_SERVICE", "OPENAI_KEY_ENV"]

DEFAULT_KEY_ENV = TRANSCRIBE_KEYS.key_env
KEYRING_SERVICE = TRANSCRIBE_KEYS.service
keyring_status = TRANSCRIBE_KEYS.status
keyring_get = TRANSCRIBE_KEYS.get


def api_key_for(url: str, key_env: str | None = None) -> ApiKey | None:
    """The key to send to the transcription server at ``url``, or None."""
    try:
        return TRANSCRIBE_KEYS.key_for(url, key_env)
    except SecretError as exc:
        raise EngineError(str(exc)) from None


def keyring_set(url: str, key: str | None) -> None:
    """Keep (or, with an empty ``key``, forget) the key for the server at ``url``."""
    try:
        TRANSCRIBE_KEYS.set(url, key)
    except SecretError as exc:
        raise EngineError(str(exc)) from None
