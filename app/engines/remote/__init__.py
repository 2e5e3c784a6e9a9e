"""Transcription on OpenAI-compatible servers (``/v1/audio/transcriptions``): vLLM serving
Qwen3-ASR or Whisper, faster-whisper-server, and the like.

The editor stays on the laptop and the heavy work runs on the cluster.  Cueline cuts the
audio at pauses as for a local engine; each chunk is one request (compressed, see
:mod:`.wire`), spread over every given server with retries and health (:mod:`.client`); the
pipeline runs as many requests at once as it has workers and delivers the results in order.

``settings``:

* ``servers``: base URLs, as in ``http://gpu-box:8000/v1`` (at least one);
* ``api_key_env``: the environment variable holding the API key (default: see
  :mod:`.secrets`: ``CUELINE_API_KEY``, or the system keyring);
* ``timeout_s`` (per request, default 300), ``max_attempts`` (default 4), ``ca_bundle``
  (a PEM file of extra certificate authorities; TLS is always verified),
  ``upload_format`` (``flac``, ``opus`` or ``wav``), ``requests_per_server`` (default
  requests in flight per server when the user gives no worker count: 4).

``model`` is the model name the server serves (vLLM checks it); without one, the first model
the server lists, or ``whisper-1`` for a server that lists none.

Loading checks every server (reachable, TLS, key, endpoint, one second of silence
transcribed): a wrong URL, refused connection, TLS or authentication failure is an
:class:`~app.engines.errors.EngineError` of one line.  With several servers, one that only
refuses connections is left out with a warning while the others are used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from app.audio.samples import ENGINE_RATE
from app.core.cancel import CancelToken, Progress
from app.engines.base import (
    Capabilities,
    ChunkTranscript,
    Engine,
    TranscribeOptions,
    as_chunk_samples,
)
from app.engines.errors import EngineError
from app.engines.registry import register_engine
from app.engines.remote.client import (
    DEFAULT_TIMEOUT_S,
    MAX_ATTEMPTS,
    ConfigError,
    ProbeResult,
    RemoteError,
    ServerPool,
    display_url,
    normalize_url,
)
from app.engines.remote.secrets import api_key_for
from app.engines.remote.wire import (
    DEFAULT_UPLOAD_FORMAT,
    UPLOAD_FORMATS,
    encode_audio,
    parse_answer,
)

FALLBACK_MODEL = "whisper-1"  # OpenAI's name; servers serving one model ignore it
REQUESTS_PER_SERVER = 4  # requests in flight per server by default (vLLM batches them)
PROBE_SILENCE_S = 1.0
TRANSCRIBE_PATH = "/audio/transcriptions"
TRANSLATE_PATH = "/audio/translations"


def _refused(result: ProbeResult) -> bool:
    return result.error is not None and "connection refused" in str(result.error)


@register_engine
class RemoteEngine(Engine):
    """Chunks transcribed by OpenAI-compatible servers; see the module doc."""

    name = "remote"
    title = "Remote server"
    default_model = ""

    def __init__(self, model: str | None = None, device: str = "auto",
                 compute_type: str = "auto", cpu_threads: int = 0, **settings: Any) -> None:
        super().__init__(model, device, compute_type, cpu_threads, **settings)
        urls = settings.get("servers") or []
        if isinstance(urls, str):
            urls = [urls]
        if not urls:
            raise EngineError("the remote engine needs a server: --server http://HOST:PORT/v1")
        self.urls = list(dict.fromkeys(normalize_url(u) for u in urls))
        self.api_key_env = settings.get("api_key_env") or None
        self.timeout_s = float(settings.get("timeout_s") or DEFAULT_TIMEOUT_S)
        if self.timeout_s <= 0:
            raise EngineError("the request timeout must be more than 0 seconds")
        self.max_attempts = max(1, int(settings.get("max_attempts") or MAX_ATTEMPTS))
        self.ca_bundle = settings.get("ca_bundle") or None
        self.upload_format = str(settings.get("upload_format") or DEFAULT_UPLOAD_FORMAT)
        if self.upload_format not in UPLOAD_FORMATS:
            raise EngineError(f"unknown upload format '{self.upload_format}' "
                              f"(use {', '.join(UPLOAD_FORMATS)})")
        self.requests_per_server = max(1, int(settings.get("requests_per_server")
                                              or REQUESTS_PER_SERVER))
        self.pool: ServerPool | None = None
        self.probes: list[ProbeResult] = []
        self._warnings: list[str] = []
        self._checked_paths: set[str] = set()

    # ---------------------------------------------------------------- lifecycle

    def _load(self, progress: Callable[[Progress], None] | None,
              cancel: CancelToken | None) -> None:
        keys = {u: api_key_for(u, self.api_key_env) for u in self.urls}
        pool = ServerPool(self.urls, keys, timeout_s=self.timeout_s, ca_bundle=self.ca_bundle,
                          max_attempts=self.max_attempts)
        if progress is not None:
            progress(Progress(0, 1, f"connecting to {len(self.urls)} server(s)"))
        silence = encode_audio(np.zeros(int(PROBE_SILENCE_S * ENGINE_RATE), np.float32),
                               self.upload_format)
        model = self.model_name or None
        try:
            results = pool.call(lambda: pool.probe_all(model=model, silence=silence), cancel)
        except BaseException:
            pool.close()
            raise
        failed = [r for r in results if r.error is not None]
        fatal = [r for r in failed if not _refused(r)]
        if fatal or len(failed) == len(results):
            pool.close()
            first = (fatal or failed)[0].error
            assert first is not None
            raise first
        for r in failed:
            pool.mark_down(r.server, "connection refused")
            self._warnings.append(f"{r.error}; transcribing on the other server(s)")
        if not self.model_name:
            listed = next((r.models for r in results if r.models), None)
            self.model_name = listed[0] if listed else FALLBACK_MODEL
        for key in {k for k in keys.values() if k is not None}:
            plain = [display_url(u) for u in self.urls
                     if keys[u] is key and u.startswith("http://")
                     and not _loopback(u)]
            if plain:
                self._warnings.append(f"the API key from {key.source} is sent unencrypted "
                                      f"(plain http) to {', '.join(plain)}")
        for s in pool.servers:  # the summary counts the run's chunks, not the checks
            s.done = 0
            s.busy_s = 0.0
        self.pool = pool
        self.probes = results
        if progress is not None:
            progress(Progress(1, 1, f"connected to {len(results) - len(failed)} server(s)"))

    def _unload(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.pool = None

    def __del__(self) -> None:  # the pool's connections go with the engine
        pool = getattr(self, "pool", None)
        if pool is not None:
            try:
                pool.close()
            except Exception:  # noqa: BLE001 - interpreter shutting down
                pass

    # ---------------------------------------------------------------- description

    def capabilities(self) -> Capabilities:
        return Capabilities(
            languages=None, translate=True, word_timestamps=True, context_prompt=True,
            needs_gpu=False, language_detection=True, max_chunk_s=30.0, batched=False,
            default_workers=self.requests_per_server * len(self.urls))

    def check_options(self, options: TranscribeOptions) -> list[str]:
        warnings = super().check_options(options)
        if options.task == "translate" and self.pool is not None:
            self._check_endpoint(TRANSLATE_PATH, "translation")
        return warnings + [w for w in self._warnings if w not in warnings]

    def _check_endpoint(self, path: str, what: str) -> None:
        if path in self._checked_paths or self.pool is None:
            return
        pool = self.pool
        live = [s for s in pool.servers if not s.gone]
        try:
            found = pool.call(lambda: _gather(pool, live, path))
        except RemoteError:
            raise
        except Exception as exc:  # noqa: BLE001 - a transport failure: one line
            raise ConfigError(f"cannot check the {what} endpoint: {type(exc).__name__}") from None
        missing = [s.label for s, ok in zip(live, found, strict=True) if not ok]
        if missing:
            raise EngineError(f"{', '.join(missing)} cannot translate (no {path} endpoint); "
                              "transcribe instead, or use a server with a multilingual Whisper")
        self._checked_paths.add(path)

    # ---------------------------------------------------------------- work

    def transcribe_chunk(self, samples: np.ndarray, options: TranscribeOptions,
                         cancel: CancelToken | None = None) -> ChunkTranscript:
        self.load()
        pool = self.pool
        if pool is None:
            raise EngineError("the remote engine is not connected")
        x = as_chunk_samples(samples)
        audio, filename, mime = encode_audio(x, self.upload_format)
        fields: dict[str, Any] = {"model": self.model_name}
        path = TRANSCRIBE_PATH
        if options.task == "translate":
            path = TRANSLATE_PATH
        elif options.language:
            fields["language"] = options.language
        if options.initial_prompt and options.initial_prompt.strip():
            fields["prompt"] = options.initial_prompt.strip()
        answer = pool.call(lambda: pool.transcribe(path, audio, filename, mime, fields), cancel)
        duration_ms = int(round(len(x) * 1000 / ENGINE_RATE))
        language = options.language if options.task != "translate" else "en"
        t = parse_answer(answer.body, duration_ms, language=language,
                         context=options.initial_prompt)
        events = pool.take_events()
        if options.task == "translate":
            t = dataclasses.replace(t, language="en")
        return dataclasses.replace(t, warnings=t.warnings + tuple(events)) if events else t

    def connection_report(self) -> list[str]:
        """One line per server from the checks made when connecting (for *Test connection*)."""
        lines = []
        for r in self.probes:
            if r.error is not None:
                lines.append(f"✗ {r.error}")
                continue
            times = ("times from the server (verbose_json)" if r.verbose
                     else "text only (words aligned here)")
            lines.append(f"✓ {r.server.label}: model {self.model_name}, "
                         f"{r.seconds:.1f} s, {times}")
        return lines

    def summary(self) -> list[dict[str, Any]]:
        """Per server: state, answers, retried and failed requests, busy seconds."""
        return self.pool.summary() if self.pool is not None else []

    def __repr__(self) -> str:
        return f"<RemoteEngine model={self.model_name!r} servers={[display_url(u) for u in self.urls]}>"


async def _gather(pool: ServerPool, servers: list, path: str) -> list[bool]:
    import asyncio

    return list(await asyncio.gather(*(pool.endpoint_exists(s, path) for s in servers)))


def _loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def check_connection(servers: list[str], model: str | None = None,
                    cancel: CancelToken | None = None, **settings: Any) -> list[str]:
    """Connect to ``servers`` as a run would and say how it went, one line per server.

    Raises :class:`EngineError` (one line) when they cannot be used at all.
    """
    engine = RemoteEngine(model or None, servers=servers, **settings)
    try:
        engine.load(cancel=cancel)
        notes = [f"! {w}" for w in engine._warnings if "unencrypted" in w]
        return engine.connection_report() + notes
    finally:
        engine.unload()
