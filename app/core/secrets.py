"""API keys for the servers Cueline talks to (transcription, translation): where a key comes
from, and how it stays out of sight.

A key comes from an environment variable or the system keyring, never from the command line
(shell history, ``ps``), a project, the editor's settings or a log.  Each use has its own
:class:`KeyStore` (its variable and keyring service), and looks a key up per server:

1. the variable named by ``--api-key-env`` (an error when it is unset: the user asked for it);
2. the store's own variable (``CUELINE_API_KEY`` for transcription servers,
   ``CUELINE_TRANSLATE_API_KEY`` for translation servers);
3. ``OPENAI_API_KEY``, only for a server at ``api.openai.com``: a key meant for OpenAI is never
   sent to another host (a colleague's GPU box, a plain-http address);
4. the system keyring (the store's service, user name the server's origin, as in
   ``http://gpu-box:8000``), when the optional ``keyring`` package has a working backend.
   Without one (a headless Linux box with no Secret Service) there is simply no keyring.

A local server needs no key at all.  The key travels as an :class:`ApiKey`, whose
``repr``/``str`` say where it came from and never show it, and :func:`redact` takes it out of
any text from a server before a user sees that text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

OPENAI_KEY_ENV = "OPENAI_API_KEY"
OPENAI_HOSTS = frozenset({"api.openai.com"})
KEYRING_SOURCE = "the system keyring"


class SecretError(ValueError):
    """A key that was asked for and cannot be had (one line for the user)."""

    @property
    def user_message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class ApiKey:
    """A secret and where it came from; printing it never shows the secret."""

    source: str  # "CUELINE_API_KEY", "the system keyring", ...
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
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number: the URL is refused elsewhere
        port = ""
    return f"{parts.scheme}://{host}{port}"


def public_url(url: str) -> str:
    """``url`` without a user name or password, for messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return origin(url) + parts.path


def redact(text: str, key: ApiKey | None) -> str:
    """``text`` (a server's error message) with the key, or any long piece of it, masked."""
    if key is None or not text:
        return text
    secret = key.reveal()
    if secret and secret in text:
        text = text.replace(secret, "***")
    for n in (16, 12, 8):  # a server that echoes part of it ("sk-abc...wxyz")
        if len(secret) > n:
            for i in range(0, len(secret) - n + 1):
                piece = secret[i:i + n]
                if piece in text:
                    text = text.replace(piece, "***")
    return text


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


@dataclass(frozen=True)
class KeyStore:
    """The keys of one kind of server: its environment variable and keyring service."""

    key_env: str  # e.g. "CUELINE_API_KEY"
    service: str  # keyring service, e.g. "cueline-transcribe"

    def key_for(self, url: str, key_env: str | None = None) -> ApiKey | None:
        """The key to send to the server at ``url`` (see the module doc), or None."""
        if key_env:
            value = os.environ.get(key_env, "").strip()
            if not value:
                raise SecretError(f"the environment variable {key_env} named for the API key "
                                  "is not set (or empty)")
            return ApiKey(key_env, value)
        value = os.environ.get(self.key_env, "").strip()
        if value:
            return ApiKey(self.key_env, value)
        if (urlsplit(url).hostname or "").lower() in OPENAI_HOSTS:
            value = os.environ.get(OPENAI_KEY_ENV, "").strip()
            if value:
                return ApiKey(OPENAI_KEY_ENV, value)
        stored = self.get(url)
        return ApiKey(KEYRING_SOURCE, stored) if stored else None

    def status(self) -> str | None:
        """None when keys can be kept in the system keyring, else why not (one sentence)."""
        try:
            import keyring  # noqa: F401
        except ImportError:
            return ("the optional package 'keyring' is not installed (pip install keyring); "
                    f"set {self.key_env} in the environment instead")
        if _keyring() is None:
            return f"this computer has no system keyring service; set {self.key_env} instead"
        return None

    def get(self, url: str) -> str | None:
        """The key kept for the server at ``url`` (None: none kept, or no keyring)."""
        kr = _keyring()
        if kr is None:
            return None
        try:
            value = kr.get_password(self.service, origin(url))
        except Exception:  # noqa: BLE001 - a locked or failing keyring: as if none were kept
            return None
        return value.strip() if value and value.strip() else None

    def set(self, url: str, key: str | None) -> None:
        """Keep (or, with an empty ``key``, forget) the key for the server at ``url``."""
        kr = _keyring()
        if kr is None:
            raise SecretError(self.status() or "no system keyring")
        try:
            if key and key.strip():
                kr.set_password(self.service, origin(url), key.strip())
            else:
                try:
                    kr.delete_password(self.service, origin(url))
                except Exception:  # noqa: BLE001 - nothing kept: nothing to forget
                    pass
        except Exception as exc:  # noqa: BLE001 - the backend's own error, without the key
            raise SecretError(f"the system keyring refused to keep the key: "
                              f"{type(exc).__name__}") from None


TRANSCRIBE_KEYS = KeyStore("CUELINE_API_KEY", "cueline-transcribe")
TRANSLATE_KEYS = KeyStore("CUELINE_TRANSLATE_API_KEY", "cueline-translate")
