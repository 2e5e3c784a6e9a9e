"""Where the API key for a transcription server comes from, and how it is kept out of sight.

A key comes from an environment variable or the system keyring, never from the command line
(shell history, ``ps``), a project file or the editor's settings.  Lookup, per server:

1. the variable named by ``--api-key-env`` (an error when it is unset: the user asked for it);
2. ``CUELINE_API_KEY``;
3. ``OPENAI_API_KEY``, only for a server at ``api.openai.com``: a key meant for OpenAI is
   never sent to another host (a colleague's GPU box, a plain-http address);
4. the system keyring (service :data:`KEYRING_SERVICE`, user name the server's origin, as in
   ``http://gpu-box:8000``), when the optional ``keyring`` package has a working backend.
   Without one (a headless Linux box, no Secret Service) the keyring is simply not there.

The key travels as an :class:`ApiKey`, whose ``repr``/``str`` name where it came from and
never show the key, so it cannot leak through a log line, an exception or a debugger print.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.engines.errors import EngineError

DEFAULT_KEY_ENV = "CUELINE_API_KEY"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
OPENAI_HOSTS = frozenset({"api.openai.com"})
KEYRING_SERVICE = "cueline-transcribe"


@dataclass(frozen=True)
class ApiKey:
    """A secret and where it came from; printing it never shows the secret."""

    source: str  # "CUELINE_API_KEY", "keyring", ...
    _value: str = field(repr=False)

    def reveal(self) -> str:
        """The key itself: only for the Authorization header."""
        return self._value

    def __str__(self) -> str:
        return f"<API key from {self.source}>"

    __repr__ = __str__


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, without any user name or password in it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def api_key_for(url: str, key_env: str | None = None) -> ApiKey | None:
    """The key to send to the server at ``url`` (see the module doc), or None."""
    if key_env:
        value = os.environ.get(key_env, "").strip()
        if not value:
            raise EngineError(f"the environment variable {key_env} named by --api-key-env is "
                              "not set (or empty)")
        return ApiKey(key_env, value)
    value = os.environ.get(DEFAULT_KEY_ENV, "").strip()
    if value:
        return ApiKey(DEFAULT_KEY_ENV, value)
    if (urlsplit(url).hostname or "").lower() in OPENAI_HOSTS:
        value = os.environ.get(OPENAI_KEY_ENV, "").strip()
        if value:
            return ApiKey(OPENAI_KEY_ENV, value)
    stored = keyring_get(url)
    return ApiKey("the system keyring", stored) if stored else None


# ----------------------------------------------------------------------------- the keyring


def _keyring():
    """The ``keyring`` module when it is installed and has a usable backend, else None."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken backend configuration: no keyring
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring


def keyring_status() -> str | None:
    """None when keys can be stored in the system keyring, else why not (one sentence)."""
    try:
        import keyring  # noqa: F401
    except ImportError:
        return ("the optional package 'keyring' is not installed (pip install keyring); "
                f"set {DEFAULT_KEY_ENV} instead")
    if _keyring() is None:
        return f"this computer has no system keyring service; set {DEFAULT_KEY_ENV} instead"
    return None


def keyring_get(url: str) -> str | None:
    """The key stored for the server at ``url`` (None: none stored, or no keyring)."""
    kr = _keyring()
    if kr is None:
        return None
    try:
        value = kr.get_password(KEYRING_SERVICE, origin(url))
    except Exception:  # noqa: BLE001 - a locked or failing keyring: as if no key were stored
        return None
    return value.strip() if value and value.strip() else None


def keyring_set(url: str, key: str | None) -> None:
    """Store (or with an empty ``key``, forget) the key for the server at ``url``."""
    kr = _keyring()
    if kr is None:
        raise EngineError(keyring_status() or "no system keyring")
    try:
        if key and key.strip():
            kr.set_password(KEYRING_SERVICE, origin(url), key.strip())
        else:
            try:
                kr.delete_password(KEYRING_SERVICE, origin(url))
            except Exception:  # noqa: BLE001 - nothing stored: nothing to forget
                pass
    except Exception as exc:  # noqa: BLE001 - the backend's own error, without the key
        raise EngineError(f"the system keyring refused to store the key: "
                          f"{type(exc).__name__}") from None
