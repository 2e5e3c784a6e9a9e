"""The fake chat server (tests/fake_chat_server.py) as a process the tests start, and fixtures:
``chat_server`` (one process per test session) and ``chat`` (the same, reset for each test).

Import the fixtures into a test module or conftest: ``from tests.chat_server import chat,
chat_server  # noqa: F401``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "fake_chat_server.py"
START_TIMEOUT_S = 20


class FakeChatServer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(SCRIPT), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"the fake chat server did not start: {line!r} "
                               f"{self.proc.stderr.read() if self.proc.stderr else ''}")
        self.port = int(line.split()[1])
        self.root = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.root}/v1"  # the OpenAI-compatible base
        self.model = "fake-mt"

    def _call(self, path: str, payload: dict | None = None) -> dict:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(self.root + path, data=data,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def control(self, **conf) -> None:
        self._call("/_control", conf)

    def reset(self) -> None:
        self._call("/_reset", {})

    def requests(self) -> list[dict]:
        return self._call("/_requests")["requests"]

    def disconnects(self) -> int:
        return self._call("/_requests")["disconnects"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()


def free_port() -> int:
    """A port nobody listens on (for "connection refused")."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chat_server():
    server = FakeChatServer()
    yield server
    server.stop()


@pytest.fixture
def chat(chat_server):
    chat_server.reset()
    yield chat_server
    chat_server.reset()
