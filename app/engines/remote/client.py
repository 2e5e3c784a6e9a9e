"""HTTP to OpenAI-compatible transcription servers: a pool of servers with health, requests
spread over them, retries, timeouts, and cancellation that closes the connection at once.

The HTTP client is httpx (already a dependency of huggingface_hub): per-request timeouts,
connection pools, TLS verified against certifi's roots (or a CA bundle the user names; there
is no switch to turn verification off) and, used through its asyncio API, cancellation by
closing the connection: cancelling the request's task makes httpcore close the socket, so a
cancelled run does not wait for a server that is still decoding.  All requests run on one
background event loop (:func:`_loop`); the engine's worker threads hand their request to it
and wait, watching the job's cancel token.

Per request (one chunk):

* the server is the least loaded one that is up (fewest requests in flight; ties go to the
  one used longest ago, so equal servers take turns);
* 429, 500, 502, 503, 504, timeouts and broken connections are retried, up to
  ``max_attempts`` in all: at once on another server when one is up, else after the
  server's ``Retry-After`` or an exponential backoff with jitter;
* a connection that fails (refused, reset, closed mid-answer) puts the server to rest for a
  while (1 s, 2 s, ...); after :data:`GONE_STRIKES` such outages in a row it is given up for
  the run, and its chunks go to the others.  When no server is left, the request fails at
  once with the reason of each server (the pipeline records the chunk as a failed region and
  goes on);
* anything else (401/403, 404, 413, another 4xx) is not retried.

Errors are one line naming the server by its URL without credentials (:func:`display_url`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import ssl
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.core.cancel import Cancelled, CancelToken
from app.engines.remote.errors import (  # noqa: F401 - re-exported for callers
    BACKOFF_BASE_S,
    CONNECT_TIMEOUT_S,
    ConfigError,
    RemoteError,
    RequestError,
    auth_message,
    backoff_s,
    display_url,
    normalize_url,
    retry_after_s,
    server_message,
    transport_reason,
    wrong_url_message,
)
from app.engines.remote.secrets import ApiKey

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT_S = 300.0  # a whole answer; catches a hung server, not a slow one
PROBE_TIMEOUT_S = 30.0
PROBE_POST_S = 120.0  # the first transcription may wait for the server to load its model
MAX_ATTEMPTS = 4  # per request, over all servers
REST_BASE_S = 1.0  # rest after a failed connection; doubles with each outage in a row
GONE_STRIKES = 3  # outages in a row after which a server is given up for the run
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
CLOSE_WAIT_S = 2.0
LOOP_THREAD = "cueline-http"
POLL_S = 0.05  # how often a waiting worker thread looks at its cancel token


# ----------------------------------------------------------------------------- the event loop

_loop_lock = threading.Lock()
_loop_obj: asyncio.AbstractEventLoop | None = None


def _loop() -> asyncio.AbstractEventLoop:
    """The process's one background event loop for HTTP (started on first use)."""
    global _loop_obj
    with _loop_lock:
        if _loop_obj is None or _loop_obj.is_closed():
            loop = asyncio.new_event_loop()
            t = threading.Thread(target=loop.run_forever, name=LOOP_THREAD, daemon=True)
            t.start()
            _loop_obj = loop
        return _loop_obj


def run_async(coro: Coroutine[Any, Any, T], cancel: CancelToken | None = None) -> T:
    """Run ``coro`` on the HTTP loop and wait for it; cancelling ``cancel`` cancels it at
    once (its connection is closed) and raises :class:`Cancelled`."""
    fut: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(coro, _loop())
    while True:
        try:
            return fut.result(timeout=POLL_S)
        except concurrent.futures.TimeoutError:
            if cancel is not None and cancel.cancelled:
                fut.cancel()
                raise Cancelled() from None
        except concurrent.futures.CancelledError:
            raise Cancelled() from None


# ----------------------------------------------------------------------------- servers


@dataclass
class Server:
    """One server and what this run knows about it (changed only on the HTTP loop)."""

    url: str
    key: ApiKey | None = None
    in_flight: int = 0
    done: int = 0  # answers received
    retried: int = 0  # its failures that were retried (here or elsewhere)
    failed: int = 0
    rest_until: float = 0.0  # loop time before which it gets no request
    strikes: int = 0  # failed connections (outages) in a row
    epoch: int = 0  # bumped at each outage, so simultaneous failures count once
    gone: bool = False
    reason: str = ""  # why it rests or is gone
    plain_json: bool = False  # refused verbose_json: ask for json
    last_used: int = 0
    busy_s: float = 0.0  # time with requests in flight (for the summary)
    models: list[str] | None = None

    @property
    def label(self) -> str:
        return display_url(self.url)

    @property
    def state(self) -> str:
        if self.gone:
            return "gone"
        if self.strikes:
            return "down"  # its last connection failed; it gets another try after a rest
        return "resting" if self.rest_until > time.monotonic() else "up"


@dataclass
class Answer:
    body: Any  # parsed JSON, or text
    server: Server
    seconds: float
    verbose: bool  # the answer is verbose_json


@dataclass
class ProbeResult:
    server: Server
    models: list[str] | None  # from GET /models (None: the server has no such endpoint)
    seconds: float = 0.0
    verbose: bool | None = None  # verbose_json accepted (None: not tried)
    words: bool | None = None  # the answer had word times
    text: str = ""
    error: RemoteError | None = None


@dataclass
class ServerPool:
    """Servers, one HTTP client, and the requests spread over them (see the module doc)."""

    urls: list[str]
    keys: dict[str, ApiKey | None] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S
    ca_bundle: str | None = None
    max_attempts: int = MAX_ATTEMPTS
    backoff_base_s: float = BACKOFF_BASE_S
    rest_base_s: float = REST_BASE_S

    def __post_init__(self) -> None:
        self.servers = [Server(u, self.keys.get(u)) for u in self.urls]
        self._client = None
        self._turn = 0
        self._events: list[str] = []
        self._events_lock = threading.Lock()
        self._verify = self._tls()

    # ---------------------------------------------------------------- set-up

    def _tls(self) -> Any:
        if not self.ca_bundle:
            return True
        try:
            return ssl.create_default_context(cafile=self.ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"--ca-bundle: cannot read certificates from '{self.ca_bundle}': "
                              f"{getattr(exc, 'strerror', None) or exc}") from None

    def _http(self):
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                verify=self._verify, follow_redirects=False,
                timeout=httpx.Timeout(self.timeout_s, connect=CONNECT_TIMEOUT_S),
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=64))
        return self._client

    def close(self) -> None:
        """Close the connections (waits briefly; never from the HTTP loop itself)."""
        client, self._client = self._client, None
        if client is None:
            return
        loop = _loop()
        fut = asyncio.run_coroutine_threadsafe(client.aclose(), loop)
        if threading.current_thread().name == LOOP_THREAD:
            return
        try:
            fut.result(timeout=CLOSE_WAIT_S)
        except Exception:  # noqa: BLE001 - closing is best effort
            pass

    def _headers(self, server: Server) -> dict[str, str]:
        if server.key is None:
            return {}
        return {"Authorization": f"Bearer {server.key.reveal()}"}

    def _redact(self, text: str) -> str:
        for s in self.servers:
            if s.key is not None and s.key.reveal() and s.key.reveal() in text:
                text = text.replace(s.key.reveal(), "***")
        return text

    # ---------------------------------------------------------------- events for the user

    def _event(self, message: str) -> None:
        log.info("%s", message)
        with self._events_lock:
            self._events.append(message)

    def take_events(self) -> list[str]:
        """What happened to the servers since the last call (for the run's warnings)."""
        with self._events_lock:
            out, self._events = self._events, []
        return out

    def summary(self) -> list[dict[str, Any]]:
        return [dict(server=s.label, state=s.state, done=s.done, retried=s.retried,
                     failed=s.failed, busy_s=round(s.busy_s, 3), reason=s.reason)
                for s in self.servers]

    # ---------------------------------------------------------------- health

    def _strike(self, server: Server, epoch: int, reason: str) -> None:
        """A failed connection: rest the server, give it up after repeated outages."""
        if server.gone or epoch != server.epoch:
            return  # this outage was already counted (requests that were in flight with it)
        server.epoch += 1
        server.strikes += 1
        server.reason = reason
        if server.strikes >= GONE_STRIKES:
            server.gone = True
            others = [s for s in self.servers if not s.gone]
            where = "the other servers" if others else "no other server: the chunks left fail"
            self._event(f"{server.label} stopped answering ({reason}); its chunks go to {where}")
        else:
            rest = self.rest_base_s * 2 ** (server.strikes - 1)
            server.rest_until = max(server.rest_until, time.monotonic() + rest)
            log.info("%s: %s; resting %.1f s", server.label, reason, rest)

    def _rest(self, server: Server, seconds: float, reason: str) -> None:
        server.reason = reason
        server.rest_until = max(server.rest_until, time.monotonic() + seconds)

    def _healthy(self, server: Server) -> None:
        server.strikes = 0
        server.reason = ""

    def mark_down(self, server: Server, reason: str) -> None:
        """A server found unreachable before the run: one outage already counted."""
        self._strike(server, server.epoch, reason)

    async def _pick(self, avoid: Server | None) -> Server:
        """The server for the next attempt (waits while every live server rests)."""
        while True:
            live = [s for s in self.servers if not s.gone]
            if not live:
                reasons = "; ".join(f"{s.label}: {s.reason or 'gone'}" for s in self.servers)
                raise RequestError(f"no server left ({reasons})")
            now = time.monotonic()
            ready = [s for s in live if s.rest_until <= now]
            choice = [s for s in ready if s is not avoid] or ready
            if choice:
                best = min(choice, key=lambda s: (s.in_flight, s.last_used))
                self._turn += 1
                best.last_used = self._turn
                return best
            await asyncio.sleep(max(0.01, min(s.rest_until for s in live) - now))

    # ---------------------------------------------------------------- requests

    @staticmethod
    def _timeout(seconds: float) -> Any:
        import httpx

        return httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT_S))

    async def _send(self, server: Server, method: str, path: str, **kw) -> Any:
        return await self._http().request(method, server.url + path,
                                          headers=self._headers(server), **kw)

    async def transcribe(self, endpoint: str, audio: bytes, filename: str, mime: str,
                         fields: dict[str, Any], *, server: Server | None = None,
                         timeout_s: float | None = None) -> Answer:
        """POST one chunk to ``endpoint`` (``/audio/transcriptions`` or ``/audio/translations``)
        on the best server (or on ``server`` only), with retries (see the module doc)."""
        timeout_s = timeout_s or self.timeout_s
        only = server
        attempts = 0
        avoid: Server | None = None
        while True:
            if only is not None:
                await asyncio.sleep(max(0.0, only.rest_until - time.monotonic()))
            server = only if only is not None else await self._pick(avoid)
            verbose = not server.plain_json
            data = dict(fields)
            if verbose:
                data["response_format"] = "verbose_json"
                data["timestamp_granularities[]"] = ["word", "segment"]
            else:
                data["response_format"] = "json"
            epoch = server.epoch
            server.in_flight += 1
            t0 = time.monotonic()
            retry_in: float | None = None
            try:
                resp = await self._send(server, "POST", endpoint, data=data,
                                        files={"file": (filename, audio, mime)},
                                        timeout=self._timeout(timeout_s))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - httpx transport errors, classified
                import httpx

                if not isinstance(exc, httpx.TransportError):
                    raise
                reason, fatal = transport_reason(exc, timeout_s)
                if fatal:
                    server.failed += 1
                    raise ConfigError(f"{server.label}: {reason}") from None
                if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout | httpx.PoolTimeout):
                    self._rest(server, backoff_s(attempts + 1, self.backoff_base_s), reason)
                else:
                    self._strike(server, epoch, reason)
                error = f"{server.label}: {reason}"
            else:
                status = resp.status_code
                if 200 <= status < 300:
                    self._healthy(server)
                    server.done += 1
                    return Answer(self._body(resp), server, time.monotonic() - t0, verbose)
                message = self._redact(server_message(resp))
                if verbose and status in (400, 415, 422) and not server.plain_json:
                    server.plain_json = True  # e.g. vLLM for Qwen3-ASR: json or text only
                    log.info("%s refused verbose_json (%s): asking for json", server.label,
                             message)
                    continue
                if status in (401, 403):
                    server.failed += 1
                    raise ConfigError(auth_message(server, status, message))
                if status not in RETRY_STATUS:
                    server.failed += 1
                    raise RequestError(f"{server.label} answered {status}"
                                       + (f": {message}" if message else ""))
                retry_in = retry_after_s(resp.headers.get("retry-after"))
                self._rest(server, retry_in if retry_in is not None
                           else backoff_s(attempts + 1, self.backoff_base_s), f"{status}")
                error = f"{server.label} answered {status}" + (f": {message}" if message else "")
            finally:
                server.in_flight -= 1
                server.busy_s += time.monotonic() - t0
            attempts += 1
            server.retried += 1
            if attempts >= self.max_attempts:
                server.failed += 1
                raise RequestError(f"{error} (gave up after {attempts} attempts)")
            log.info("retrying a chunk (%d/%d) after: %s", attempts, self.max_attempts, error)
            avoid = server

    @staticmethod
    def _body(resp: Any) -> Any:
        ctype = resp.headers.get("content-type", "")
        if "json" in ctype:
            try:
                return resp.json()
            except ValueError as exc:
                raise RequestError(f"the server's answer is not valid JSON ({exc})") from None
        return resp.text

    # ---------------------------------------------------------------- checks

    async def probe(self, server: Server, *, model: str | None = None,
                    silence: tuple[bytes, str, str] | None = None) -> ProbeResult:
        """Check one server: reachable, TLS, key accepted, an OpenAI-compatible transcription
        endpoint; with ``silence`` (an encoded short clip) also one real transcription."""
        import httpx

        t0 = time.monotonic()
        try:
            resp = await self._send(server, "GET", "/models", timeout=PROBE_TIMEOUT_S)
            models = None
            if resp.status_code in (401, 403):
                raise ConfigError(auth_message(server, resp.status_code,
                                               self._redact(server_message(resp))))
            if resp.status_code == 200:
                models = _model_ids(resp)
            if models is None:
                # no usable /models (faster-whisper-server has none): is the endpoint there?
                resp = await self._send(server, "GET", "/audio/transcriptions",
                                        timeout=PROBE_TIMEOUT_S)
                if resp.status_code in (401, 403):
                    raise ConfigError(auth_message(server, resp.status_code,
                                                   self._redact(server_message(resp))))
                if resp.status_code == 404:
                    raise ConfigError(wrong_url_message(server))
            server.models = models
            result = ProbeResult(server, models)
            if silence is not None:
                audio, name, mime = silence
                use = model or (models[0] if models else None)
                fields = {"model": use} if use else {}
                # its own server only, and time for a server that loads its model lazily
                answer = await self.transcribe("/audio/transcriptions", audio, name, mime,
                                               fields, server=server,
                                               timeout_s=max(self.timeout_s, PROBE_POST_S))
                body = answer.body
                result.verbose = answer.verbose
                result.words = isinstance(body, dict) and bool(body.get("words") or any(
                    isinstance(s, dict) and s.get("words") for s in body.get("segments") or ()))
                result.text = body.get("text", "") if isinstance(body, dict) else str(body)
        except httpx.TransportError as exc:
            reason, _fatal = transport_reason(exc, PROBE_TIMEOUT_S)
            raise ConfigError(f"cannot use {server.label}: {reason}") from None
        result.seconds = time.monotonic() - t0
        return result

    async def endpoint_exists(self, server: Server, path: str) -> bool:
        resp = await self._send(server, "GET", path, timeout=PROBE_TIMEOUT_S)
        return resp.status_code != 404

    async def probe_all(self, *, model: str | None = None,
                        silence: tuple[bytes, str, str] | None = None) -> list[ProbeResult]:
        """:meth:`probe` every server at once; failures are returned, not raised."""

        async def one(server: Server) -> ProbeResult:
            try:
                return await self.probe(server, model=model, silence=silence)
            except RemoteError as exc:
                return ProbeResult(server, None, error=exc)

        return list(await asyncio.gather(*(one(s) for s in self.servers)))

    def call(self, factory: Callable[[], Coroutine[Any, Any, T]], cancel: CancelToken | None = None) -> T:
        """Run ``factory()`` on the HTTP loop, waiting for it from this (worker) thread."""
        return run_async(factory(), cancel)


def _model_ids(resp: Any) -> list[str] | None:
    try:
        data = resp.json()
    except ValueError:
        return None
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    return [str(m["id"]) for m in items if isinstance(m, dict) and m.get("id")]
