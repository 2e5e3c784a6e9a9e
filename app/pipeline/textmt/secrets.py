"""API keys of translation servers: :data:`app.core.secrets.TRANSLATE_KEYS`
(``CUELINE_TRANSLATE_API_KEY``, keyring service ``cueline-translate``); see
:mod:`app.core.secrets` for the lookup order and how a key stays out of sight."""

from __future__ import annotations

from app.core.secrets import (
    OPENAI_KEY_ENV,
    TRANSLATE_KEYS,
    ApiKey,
    SecretError,
    origin,
    public_url,
    redact,
)

__all__ = ["ApiKey", "SecretError", "api_key_for", "keyring_get", "keyring_set",
           "keyring_status", "origin", "public_url", "redact", "KEY_ENV", "KEYRING_SERVICE",
           "OPENAI_KEY_ENV"]

KEY_ENV = TRANSLATE_KEYS.key_env
KEYRING_SERVICE = TRANSLATE_KEYS.service
api_key_for = TRANSLATE_KEYS.key_for
keyring_status = TRANSLATE_KEYS.status
keyring_get = TRANSLATE_KEYS.get
keyring_set = TRANSLATE_KEYS.set
