"""Errors of the remote engine as one line each, and the small pure helpers behind them:
URLs shown without credentials, a failed connection or a server's error answer put into
words, ``Retry-After`` and the backoff between retries."""

from __future__ import annotations

import email.utils
import random
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.engines.errors import EngineError

CONNECT_TIMEOUT_S = 10.0
BACKOFF_BASE_S = 0.5  # first wait after a 5xx/429 when no other server is up; doubles
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 120.0  # a server's Retry-After is honoured up to this
ERROR_TEXT_CHARS = 200  # at most this much of a server's error message is shown


class RemoteError(EngineError):
    """A server could not be used; the message is one line for the user."""


class ConfigError(RemoteError):
    """Wrong URL, refused connection, TLS or authentication failure: no retry fixes it."""


class RequestError(RemoteError):
    """One request failed (after its retries)."""


# ----------------------------------------------------------------------------- URLs


def display_url(url: str) -> str:
    """``url`` without user name, password, query or fragment: safe to show and to log."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<invalid URL>"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def normalize_url(url: str) -> str:
    """A server's base URL checked and tidied (no trailing slash); :class:`ConfigError` for
    something that is not an http(s) URL, or one carrying a password."""
    text = (url or "").strip()
    if "://" not in text:
        raise ConfigError(f"'{display_url('http://' + text)[7:] or text}' is not a server URL: "
                          "write it as http://HOST:PORT/v1 (or https://...)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"'{display_url(text)}' is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"'{display_url(text)}' is not a server URL: write it as "
                          "http://HOST:PORT/v1 (or https://...)")
    if parts.username or parts.password:
        raise ConfigError(f"{display_url(text)}: do not put credentials in the URL; set the "
                          "API key in CUELINE_API_KEY or the system keyring")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), parts.query, ""))


# ----------------------------------------------------------------------------- errors


def _chain(first: BaseException):
    exc: BaseException | None = first
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def transport_reason(exc: BaseException, timeout_s: float | None = None) -> tuple[str, bool]:
    """``(reason, fatal)`` for a failed connection: fatal ones (TLS, unknown host) are a
    configuration problem no retry fixes."""
    import httpx

    for e in _chain(exc):
        if isinstance(e, ssl.SSLCertVerificationError):
            detail = getattr(e, "verify_message", "") or str(e)
            return (f"its TLS certificate is not trusted ({detail}); for a private certificate "
                    "authority use --ca-bundle FILE", True)
        if isinstance(e, ssl.SSLError):
            if e.reason in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE"):
                return (f"the TLS handshake failed ({e.reason}): that port does not seem to "
                        "speak https; try http://", True)
            return f"the TLS handshake failed ({e.reason or e})", True
        if isinstance(e, socket.gaierror):
            return "unknown host (the name does not resolve)", True
        if isinstance(e, ConnectionRefusedError):
            return "connection refused (is the server running on that port?)", False
        if isinstance(e, ConnectionResetError):
            return "the connection was reset", False
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {CONNECT_TIMEOUT_S:.0f} s", False
    if isinstance(exc, httpx.TimeoutException):
        limit = f" within {timeout_s:g} s" if timeout_s else ""
        return f"no answer{limit} (timed out)", False
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection without answering", False
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL ({exc})", True
    text = str(exc).strip() or type(exc).__name__
    if "unknown url type" in text.lower():
        return "unsupported URL", True
    return f"connection failed ({text})", False


def server_message(resp: Any) -> str:
    """The error a server put in its answer (OpenAI's ``error.message``, FastAPI's
    ``detail``, else the text), shortened to one line."""
    text = ""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        err = data.get("error") if isinstance(data.get("error"), dict) else None
        detail = data.get("detail")
        if isinstance(detail, dict) and isinstance(detail.get("error"), dict):
            err = detail["error"]
        if err is not None:
            text = str(err.get("message") or "")
        elif detail is not None:
            text = str(detail)
        elif data.get("message"):
            text = str(data["message"])
    if not text:
        try:
            text = resp.text
        except Exception:  # noqa: BLE001 - undecodable body
            text = ""
    text = " ".join(text.split())
    return text[:ERROR_TEXT_CHARS] + ("…" if len(text) > ERROR_TEXT_CHARS else "")


def retry_after_s(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    return min(RETRY_AFTER_MAX_S, max(0.0, seconds))


def backoff_s(attempt: int, base: float = BACKOFF_BASE_S) -> float:
    """Exponential backoff with jitter: half fixed, half random (``attempt`` from 1)."""
    d = min(BACKOFF_MAX_S, base * 2 ** max(0, attempt - 1))
    return d / 2 + random.uniform(0, d / 2)


def auth_message(server: Any, status: int, message: str) -> str:
    what = "refused the API key" if server.key is not None else "needs an API key"
    hint = (f" from {server.key.source}" if server.key is not None else
            ": set CUELINE_API_KEY (or --api-key-env NAME) or store one in the system keyring")
    detail = f" ({message})" if message else ""
    return f"{server.label} {what}{hint} ({status}){detail}"


def wrong_url_message(server: Any) -> str:
    hint = ""
    if not urlsplit(server.url).path.rstrip("/").endswith("/v1"):
        hint = f"; the URL is usually the OpenAI-compatible base, as in {server.label}/v1"
    return (f"{server.label} has no OpenAI-compatible transcription endpoint "
            f"(/audio/transcriptions answered 404){hint}")
