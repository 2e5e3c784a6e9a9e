"""Real transcription servers for the remote-engine tests, all on 127.0.0.1.

* :class:`FwsServer`: ``faster-whisper-server`` from PyPI (0.0.3, the package the issue
  names) in its own process, serving a bundled Whisper model.  It answers ``verbose_json``
  with timed segments but no word times (it ignores ``timestamp_granularities``), has no
  ``/v1/models``, reads the model name from a form field called ``model_name`` (so a
  one-model config names its model ``whisper-1``, the OpenAI default), and decodes requests
  one at a time (its handler blocks the event loop).
* :class:`WordsServer`: the smallest honest OpenAI-compatible server with word times, on
  faster-whisper (``word_timestamps=True``), answering in OpenAI's ``verbose_json`` shape
  (top-level ``words``): the path a server offering word times takes.
* :class:`FaultProxy`: a proxy in front of a real server that injects faults: 5xx/429
  answers (with ``Retry-After``), delays, refusing ``verbose_json`` (as vLLM does for
  Qwen3-ASR), an API key check, TLS; it records what it saw, including clients that hung up.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import http.client
import io
import json
import os
import select
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

STARTUP_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A port on which nothing listens (bound then released)."""
    return free_port()


def _wait_health(url: str, proc: subprocess.Popen | None, log: Path | None) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            text = log.read_text(errors="replace") if log else ""
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{text[-3000:]}")
        try:
            conn = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port,
                                              timeout=5)
            with contextlib.closing(conn):
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no server at {url} after {STARTUP_TIMEOUT_S:.0f} s")


def multipart_fields(headers, body: bytes) -> dict[str, list]:
    """Form fields of a multipart body: name -> [str or (filename, bytes)]."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode() + body)
    out: dict[str, list] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        out.setdefault(name, []).append((filename, payload) if filename else payload.decode())
    return out


# ----------------------------------------------------------------------------- faster-whisper-server


class FwsServer:
    """``python -m faster_whisper_server --config CFG --host 127.0.0.1 --port N``."""

    def __init__(self, model_path: Path, workdir: Path, name: str = "fws",
                 threads: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base + "/v1"
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / f"{name}.yaml"
        # a one-model config: int8 on the CPU like Cueline's own default, one thread each
        self.config.write_text(
            "models:\n"
            "  - name: whisper-1\n"
            f"    path: {json.dumps(str(model_path))}\n"
            f"    model_options: {{device: cpu, compute_type: int8, cpu_threads: {threads}}}\n")
        self.log = workdir / f"{name}.log"
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "faster_whisper_server", "--config", str(self.config),
                 "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            _wait_health(self.base, self.proc, self.log)
        except BaseException:
            self.stop()
            raise

    def warm(self) -> None:
        """One request, so the model is loaded before a test measures anything."""
        import numpy as np

        from app.engines.remote.wire import encode_audio

        audio, name, mime = encode_audio(np.zeros(16000, np.float32))
        boundary = "cuelinewarm"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n").encode() + audio + \
            f"\r\n--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request("POST", "/v1/audio/transcriptions", body,
                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert conn.getresponse().status == 200

    def posts(self) -> int:
        """Transcription requests the server answered, from its own access log."""
        text = self.log.read_text(errors="replace")
        return text.count('"POST /v1/audio/transcriptions HTTP/1.1" 200')

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


# ----------------------------------------------------------------------------- in-process servers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:  # a client that hung up
        pass


class _Base:
    """An in-process HTTP(S) server on 127.0.0.1 with its own handler."""

    handler: type[BaseHTTPRequestHandler]

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.httpd = _Server(("127.0.0.1", 0), self.handler)
        self.httpd.owner = self
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.url = self.base + "/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args) -> None:  # quiet
        pass

    @property
    def owner(self):
        return self.server.owner

    def body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status: int, payload, headers: dict | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        ctype = "application/json" if not isinstance(payload, bytes) else "text/plain"
        for k, v in {"Content-Type": ctype, **(headers or {})}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def client_gone(self) -> bool:
        """True when the client closed its connection (without reading anything)."""
        sock = self.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            if isinstance(sock, ssl.SSLSocket):
                return sock.recv(1) == b""
            return sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


class WordsHandler(_Handler):
    def do_GET(self) -> None:
        if self.path == "/health":
            self.send(200, {"status": "ok"})
        elif self.path == "/v1/models":
            self.send(200, {"object": "list", "data": [{"id": "tiny.en", "object": "model"}]})
        else:
            self.send(405 if self.path.startswith("/v1/audio/") else 404, {"detail": "no"})

    def do_POST(self) -> None:
        if self.path != "/v1/audio/transcriptions":
            self.send(404, {"detail": "Not Found"})
            return
        fields = multipart_fields(self.headers, self.body())
        self.owner.requests.append({k: v for k, v in fields.items() if k != "file"})
        _name, audio = fields["file"][0]
        from faster_whisper.audio import decode_audio

        samples = decode_audio(io.BytesIO(audio), sampling_rate=16000)
        wants_words = "word" in fields.get("timestamp_granularities[]", [])
        with self.owner.lock:
            segments, info = self.owner.model.transcribe(
                samples, beam_size=5, word_timestamps=wants_words,
                language=(fields.get("language") or [None])[0])
            segments = list(segments)
        words = [{"word": w.word.strip(), "start": w.start, "end": w.end}
                 for s in segments for w in (s.words or ())]
        body = {"task": "transcribe", "language": "english", "duration": info.duration,
                "text": "".join(s.text for s in segments).strip(),
                "segments": [{"id": i, "start": s.start, "end": s.end, "text": s.text,
                              "avg_logprob": s.avg_logprob, "no_speech_prob": s.no_speech_prob}
                             for i, s in enumerate(segments)]}
        if wants_words:
            body["words"] = words
        self.send(200, body)


class WordsServer(_Base):
    """OpenAI-style ``verbose_json`` with top-level ``words`` from a faster-whisper model."""

    handler = WordsHandler

    def __init__(self, model) -> None:
        self.model = model  # a faster_whisper.WhisperModel
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        super().__init__()


class ProxyHandler(_Handler):
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        p = self.owner
        body = self.body()
        with p.lock:
            p.seen.append((time.monotonic(), method, self.path))
            p.auth_headers.append(self.headers.get("Authorization"))
        if p.key is not None and self.headers.get("Authorization") != f"Bearer {p.key}":
            self.send(401, {"error": {"message": "Invalid API key", "type": "auth"}})
            return
        if method == "POST":
            with p.lock:
                p.posts += 1
                fail = p.fail_remaining > 0
                p.fail_remaining -= 1 if fail else 0
            if fail:
                p.statuses.append(p.fail_status)
                headers = {"Retry-After": p.retry_after} if p.retry_after else {}
                self.send(p.fail_status, {"error": {"message": "injected failure"}}, headers)
                return
            if p.refuse_verbose and b"verbose_json" in body:
                p.statuses.append(400)
                self.send(400, {"error": {"message": "Currently only support response_format "
                                          "`text` or `json`"}})
                return
            deadline = time.monotonic() + p.delay_s
            while time.monotonic() < deadline:
                if self.client_gone():
                    with p.lock:
                        p.disconnects += 1
                    self.close_connection = True
                    return
                time.sleep(0.02)
        status, headers, data = p.forward(method, self.path, dict(self.headers), body)
        p.statuses.append(status)
        self.send_response(status)
        for k, v in headers:
            if k.lower() in ("content-type", "retry-after"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FaultProxy(_Base):
    """A proxy to ``upstream`` (a server base like ``http://127.0.0.1:N``) injecting faults."""

    handler = ProxyHandler

    def __init__(self, upstream: str, *, fail_first: int = 0, fail_status: int = 500,
                 retry_after: str | None = None, delay_s: float = 0.0,
                 refuse_verbose: bool = False, key: str | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.fail_remaining = fail_first
        self.fail_status = fail_status
        self.retry_after = retry_after
        self.delay_s = delay_s
        self.refuse_verbose = refuse_verbose
        self.key = key
        self.lock = threading.Lock()
        self.posts = 0
        self.disconnects = 0
        self.statuses: list[int] = []
        self.seen: list[tuple[float, str, str]] = []
        self.auth_headers: list[str | None] = []
        super().__init__(tls)

    def forward(self, method: str, path: str, headers: dict, body: bytes):
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                          timeout=300)
        keep = {k: v for k, v in headers.items()
                if k.lower() in ("content-type", "content-length", "accept")}
        with contextlib.closing(conn):
            conn.request(method, path, body or None, keep)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()

    def fail_next(self, n: int, status: int = 500, retry_after: str | None = None) -> None:
        """Answer the next ``n`` transcription requests with ``status``."""
        with self.lock:
            self.fail_remaining, self.fail_status, self.retry_after = n, status, retry_after

    def post_times(self) -> list[float]:
        return [t for t, m, _ in self.seen if m == "POST"]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


# ----------------------------------------------------------------------------- fixtures
# (imported by tests/engines/conftest.py, so each server starts once per session)

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def remote_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("remote-servers")


def _fws(name: str, model: str, workdir: Path) -> FwsServer:
    from app.engines.models import resolve_model

    server = FwsServer(resolve_model(model), workdir, name)
    server.warm()
    return server


@pytest.fixture(scope="session")
def fws_base(model_dir, remote_workdir):
    """faster-whisper-server serving the bundled Whisper base model."""
    server = _fws("base", "base", remote_workdir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fws_tiny(model_dir, remote_workdir):
    """faster-whisper-server serving the bundled tiny.en model."""
    server = _fws("tiny-a", "tiny.en", remote_workdir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fws_tiny_b(model_dir, remote_workdir):
    server = _fws("tiny-b", "tiny.en", remote_workdir)
    yield server
    server.stop()


@pytest.fixture
def fws_doomed(model_dir, tmp_path):
    """A tiny.en faster-whisper-server of its own, for a test that kills it."""
    server = _fws("doomed", "tiny.en", tmp_path)
    yield server
    server.kill()


@pytest.fixture(scope="session")
def words_server(whisper_tiny_en):
    server = WordsServer(whisper_tiny_en.model)
    yield server
    server.stop()
