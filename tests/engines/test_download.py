"""Downloading a model from a hub: run against a small local hub server (no internet)."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import pytest

from app.core.cancel import Cancelled, CancelToken
from app.engines import download, models
from app.engines.errors import ModelError

REPO = "Systran/faster-whisper-small"
FILES = {
    "config.json": b'{"alignment_heads": []}',
    "model.bin": bytes(range(256)) * 4096,  # 1 MiB
    "tokenizer.json": b"{}",
    "vocabulary.txt": b"a\nb\n",
    "README.md": b"not downloaded",
}
SHA = "0123456789abcdef0123456789abcdef01234567"


class _Hub(http.server.BaseHTTPRequestHandler):
    files = FILES
    requests_seen: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        self.requests_seen.append(self.path)
        if self.path.startswith(f"/api/models/{REPO}"):
            siblings = [{"rfilename": n, "size": len(b),
                         "lfs": {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b),
                                 "pointerSize": 134} if n == "model.bin" else None} for n, b in self.files.items()]
            body = json.dumps({"id": REPO, "modelId": REPO, "sha": SHA,
                               "siblings": siblings}).encode()
            return self._send(200, body, "application/json")
        prefix = f"/{REPO}/resolve/{SHA}/"
        if self.path.startswith(prefix) and self.path[len(prefix):] in self.files:
            data = self.files[self.path[len(prefix):]]
            rng = self.headers.get("Range")
            if rng:
                start = int(rng.split("=")[1].split("-")[0])
                return self._send(206, data[start:], "application/octet-stream")
            return self._send(200, data, "application/octet-stream")
        self._send(404, b"{}", "application/json")

    def _send(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def hub(monkeypatch, tmp_path):
    import huggingface_hub.constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("CUELINE_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hub.requests_seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_download_with_progress_then_resolve(hub, tmp_path):
    seen = []
    path = download.download_model("small", progress=seen.append, endpoint=hub)
    assert path == tmp_path / "models" / "hub" / "Systran--faster-whisper-small"
    assert (path / "model.bin").read_bytes() == FILES["model.bin"]
    assert not (path / "README.md").exists()  # only the files a Whisper model needs
    total = sum(len(b) for n, b in FILES.items() if n != "README.md")
    assert seen and seen[-1].done == total and seen[-1].total == total
    assert all(a.done <= b.done for a, b in zip(seen, seen[1:], strict=False))
    assert models.resolve_model("small") == path
    assert models.is_installed("small")


def test_cancelled_download_resumes_later(hub, tmp_path):
    cancel = CancelToken()

    def progress(p):
        if p.done > 100_000:
            cancel.cancel()

    with pytest.raises(Cancelled):
        download.download_model("small", progress=progress, cancel=cancel, endpoint=hub)
    with pytest.raises(ModelError, match="not installed"):
        models.resolve_model("small")
    part = tmp_path / "models" / "hub" / "Systran--faster-whisper-small" / "model.bin.part"
    assert part.is_file() and 0 < part.stat().st_size < len(FILES["model.bin"])
    path = download.download_model("small", endpoint=hub)
    assert (path / "model.bin").read_bytes() == FILES["model.bin"]


def test_damaged_download_is_refused(hub, monkeypatch):
    monkeypatch.setattr(_Hub, "files", {**FILES, "model.bin": b"x" * len(FILES["model.bin"])})
    # the listing announces the sha256 of the real file, the server sends other bytes
    monkeypatch.setattr(_Hub, "do_GET", _damaged_get)
    with pytest.raises(ModelError, match="damaged"):
        download.download_model("small", endpoint=hub)


def _damaged_get(self):
    if self.path.startswith(f"/api/models/{REPO}"):
        siblings = [{"rfilename": n, "size": len(b),
                     "lfs": {"sha256": hashlib.sha256(FILES[n]).hexdigest(), "size": len(b),
                             "pointerSize": 134} if n == "model.bin" else None} for n, b in self.files.items()]
        body = json.dumps({"id": REPO, "sha": SHA, "siblings": siblings}).encode()
        return self._send(200, body, "application/json")
    prefix = f"/{REPO}/resolve/{SHA}/"
    return self._send(200, self.files[self.path[len(prefix):]], "application/octet-stream")


def test_unknown_repository_is_a_model_error(hub):
    with pytest.raises(ModelError, match="not found"):
        download.download_model("nobody/nothing", endpoint=hub)
