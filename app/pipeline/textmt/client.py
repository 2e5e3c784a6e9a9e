"""Talking to an OpenAI-compatible chat server: ``POST {base}/chat/completions``.

httpx, through its asyncio API, so that cancelling closes the connection at once: the
request's task is cancelled and httpcore closes its socket, and a server still generating
sees the client go (a cancelled run never waits for a slow model to finish).  A worker thread
runs a whole translation in one event loop (:func:`run_cancellable`), watching its
:class:`~app.core.cancel.CancelToken`.

Retries, with exponential backoff (``Retry-After`` honoured): a refused or dropped
connection, a timeout, 429 and 5xx.  No retry: 401/403 (the key), 404 (the URL or the model),
other 4xx, and a 200 that is not a chat completion at all (an HTML page, say).  A server that
refuses ``response_format`` (some older llama.cpp and vLLM builds answer 400) is asked again
without it, once for the run.  Every error is a :class:`ChatError` with one line for the
user, naming the server (without any password in its URL) and never the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from app.core.cancel import Cancelled, CancelToken
from app.pipeline.textmt.secrets import ApiKey, public_url, redact
from app.pipeline.textmt.wire import ReplyError, chat_payload, reply_content

T = TypeVar("T")
POLL_S = 0.05  # how often a run looks at its cancel token
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0
SHOWN_CHARS = 160  # of a server's own error message


@dataclass(frozen=True)
class ServerConfig:
    """Where and how to reach the chat server."""

    base_url: str  # the OpenAI-compatible base, e.g. http://localhost:11434/v1
    model: str
    api_key: ApiKey | None = None
    timeout_s: float = 180.0  # for one answer (a local model on a CPU is slow)
    connect_timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 1.0  # first wait before a retry; doubles each time
    max_backoff_s: float = 20.0
    temperature: float | None = 0.2
    json_mode: bool = True  # ask for response_format json_object

    @property
    def endpoint(self) -> str:
        return normalize_base(self.base_url) + "/chat/completions"

    @property
    def shown(self) -> str:
        return public_url(normalize_base(self.base_url))


def normalize_base(url: str) -> str:
    """The base URL as given, without a trailing slash or a pasted ``/chat/completions``."""
    url = url.strip().rstrip("/")
    for tail in ("/chat/completions", "/completions"):
        if url.endswith(tail):
            url = url[: -len(tail)]
    return url


def check_base_url(url: str) -> str:
    """``url`` normalised; ``ChatError`` when it is no http(s) URL."""
    base = normalize_base(url)
    parsed = httpx.URL(base) if base else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ChatError(f"the translation server URL {public_url(url)!r} is not an http:// or "
                        "https:// address (e.g. http://localhost:11434/v1)", kind="config")
    return base


class ChatError(Exception):
    """The server could not be used; ``str()`` is one line for the user."""

    def __init__(self, message: str, *, kind: str = "http", retryable: bool = False,
                 status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind  # unreachable, timeout, http, auth, not_found, nonsense, config
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after

    @property
    def user_message(self) -> str:
        return str(self)


class ChatClient:
    """One server, one connection pool, used from inside :func:`run_cancellable`."""

    def __init__(self, config: ServerConfig, *,
                 sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        self.config = config
        self.json_mode = config.json_mode
        self.requests = 0  # requests sent, retries included
        self.retries = 0
        self._sleep = sleep or asyncio.sleep
        headers = {"Accept": "application/json", "User-Agent": "Cueline"}
        if config.api_key is not None:
            headers["Authorization"] = f"Bearer {config.api_key.reveal()}"
        self._http = httpx.AsyncClient(
            headers=headers, follow_redirects=False, trust_env=False,
            timeout=httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's answer to ``messages``, after any retries; ``ChatError`` else."""
        attempt = 0
        while True:
            try:
                return await self._once(messages)
            except ChatError as exc:
                if exc.kind == "refuses_json_mode" and self.json_mode:
                    self.json_mode = False  # ask again without response_format
                    continue
                # a timeout is waited out once more (a model being loaded), not four times
                limit = min(1, self.config.retries) if exc.kind == "timeout" else self.config.retries
                if not exc.retryable or attempt >= limit:
                    raise
                wait = self.config.backoff_s * (2 ** attempt)
                wait = min(self.config.max_backoff_s, wait) * (0.85 + 0.3 * random.random())
                if exc.retry_after is not None:
                    wait = max(wait, min(exc.retry_after, MAX_RETRY_AFTER_S))
                attempt += 1
                self.retries += 1
                await self._sleep(wait)

    async def _once(self, messages: list[dict[str, str]]) -> str:
        cfg = self.config
        payload = chat_payload(cfg.model, messages, json_mode=self.json_mode,
                               temperature=cfg.temperature)
        self.requests += 1
        try:
            response = await self._http.post(cfg.endpoint, json=payload)
        except httpx.TimeoutException as exc:
            what = "to connect" if isinstance(exc, httpx.ConnectTimeout) else "to answer"
            limit = cfg.connect_timeout_s if what == "to connect" else cfg.timeout_s
            raise ChatError(f"the translation server at {cfg.shown} took longer than "
                            f"{limit:g} s {what}", kind="timeout", retryable=True) from None
        except httpx.TransportError as exc:
            raise ChatError(f"cannot reach the translation server at {cfg.shown} "
                            f"({_transport_reason(exc)}): is it running?",
                            kind="unreachable", retryable=True) from None
        return self._read(response)

    def _read(self, response: httpx.Response) -> str:
        cfg = self.config
        status = response.status_code
        if status != 200:
            detail = redact(_server_message(response), cfg.api_key)
            said = f": {detail}" if detail else ""
            if status in (400, 422) and self.json_mode:
                # most likely response_format (unknown to some servers): asked again without
                raise ChatError(f"refused: {detail}", kind="refuses_json_mode", status=status)
            if status in (401, 403):
                hint = ("the key was refused" if cfg.api_key is not None else
                        "it needs an API key: set CUELINE_TRANSLATE_API_KEY or keep one in "
                        "the system keyring")
                raise ChatError(f"the translation server at {cfg.shown} answered {status} "
                                f"({hint}){said}", kind="auth", status=status)
            if status == 404:
                raise ChatError(f"the translation server at {cfg.shown} answered 404: no chat "
                                f"endpoint at {public_url(cfg.endpoint)}, or no model "
                                f"{cfg.model!r} there{said}", kind="not_found", status=status)
            retry_after = _retry_after(response)
            raise ChatError(f"the translation server at {cfg.shown} answered {status}{said}",
                            status=status, retryable=status in RETRY_STATUSES or status >= 500,
                            retry_after=retry_after)
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise ChatError(f"the server at {cfg.shown} does not answer like an "
                            f"OpenAI-compatible chat server (its answer starts "
                            f"{_start(response)})", kind="nonsense") from None
        try:
            return reply_content(data)
        except ReplyError as exc:
            raise ChatError(f"the server at {cfg.shown} does not answer like an "
                            f"OpenAI-compatible chat server: {exc}", kind="nonsense") from None

    async def models(self) -> list[str]:
        """The model names the server lists (``GET {base}/models``), for a menu."""
        url = normalize_base(self.config.base_url) + "/models"
        try:
            response = await self._http.get(url, timeout=min(self.config.timeout_s, 10.0))
        except httpx.TransportError as exc:
            raise ChatError(f"cannot reach the translation server at {self.config.shown} "
                            f"({_transport_reason(exc)}): is it running?",
                            kind="unreachable") from None
        if response.status_code != 200:
            raise ChatError(f"the translation server at {self.config.shown} answered "
                            f"{response.status_code} to the model list", status=response.status_code)
        try:
            items = response.json().get("data", [])
            return sorted({str(m["id"]) for m in items if isinstance(m, dict) and m.get("id")})
        except (ValueError, AttributeError, TypeError):
            raise ChatError(f"the server at {self.config.shown} sent no model list",
                            kind="nonsense") from None


def _transport_reason(exc: httpx.TransportError) -> str:
    text = str(exc).lower()
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    if "refused" in text or "errno 111" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text \
            or "getaddrinfo" in text or "temporary failure in name resolution" in text:
        return "unknown host"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was closed without an answer"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return type(exc).__name__


def _server_message(response: httpx.Response) -> str:
    """The server's own words about an error: ``error.message`` or the start of the body."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    msg: Any = None
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        msg = err.get("message") if isinstance(err, dict) else err
    if not isinstance(msg, str):
        try:
            msg = response.text
        except UnicodeDecodeError:
            msg = ""
    msg = " ".join(str(msg).split())
    return msg[:SHOWN_CHARS] + ("…" if len(msg) > SHOWN_CHARS else "")


def _start(response: httpx.Response) -> str:
    try:
        text = " ".join(response.text.split())
    except UnicodeDecodeError:
        return "with bytes that are not text"
    return repr(text[:40] + ("…" if len(text) > 40 else "")) if text else "empty"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def run_cancellable(factory: Callable[[], Awaitable[T]], cancel: CancelToken | None) -> T:
    """Run ``factory()`` in a fresh event loop on this (worker) thread; cancelling ``cancel``
    cancels it at once (closing its connections) and raises :class:`Cancelled`."""

    async def main() -> T:
        task = asyncio.ensure_future(factory())
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_S)
            if done:
                return task.result()
            if cancel is not None and cancel.cancelled:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                raise Cancelled()

    return asyncio.run(main())
