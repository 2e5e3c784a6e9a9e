"""``cueline transcribe --engine remote --server URL`` as a user runs it (a real process), against
a real faster-whisper-server: the result, one clear line and exit 2 for every way a server
cannot be used, and an API key that never shows up anywhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engines.remote_servers import FaultProxy, closed_port, self_signed, tls_context

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-cueline-cli-9f3a1d2b7e"


def cueline(*args: str, env: dict | None = None, timeout: int = 300):
    full = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    full.pop("CUELINE_API_KEY", None)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True,
                          text=True, timeout=timeout, env=full, cwd=ROOT)


def one_error_line(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("cueline: error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def test_transcribes_on_the_server_with_timed_words(fws_tiny, jfk_path, tmp_path):
    out = tmp_path / "jfk.json"
    proc = cueline("transcribe", str(jfk_path), "--engine", "remote", "--server", fws_tiny.url,
                   "--workers", "2", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    text = " ".join(s["text"] for s in doc["segments"]).lower()
    assert "fellow americans" in text and "your country" in text
    words = [w for s in doc["segments"] for w in s.get("words", [])]
    assert len(words) >= 15 and words[0]["start"] >= 150
    assert f"server {fws_tiny.url}: 1 chunk(s)" in proc.stderr


def test_server_alone_implies_the_remote_engine(fws_tiny, jfk_path, tmp_path):
    out = tmp_path / "jfk.srt"
    proc = cueline("transcribe", str(jfk_path), "--server", fws_tiny.url, "--upload-format",
                   "opus", "-q", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "fellow americans" in out.read_text().lower()


def test_refused_port_is_one_line_and_exit_2(jfk_path, tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    proc = cueline("transcribe", str(jfk_path), "--server", url, "-o", str(tmp_path / "x.srt"))
    line = one_error_line(proc)
    assert url in line and "connection refused" in line
    assert not (tmp_path / "x.srt").exists()


def test_wrong_url_and_bad_options_are_one_line(fws_tiny, jfk_path, tmp_path):
    out = str(tmp_path / "x.srt")
    line = one_error_line(cueline("transcribe", str(jfk_path), "--server", fws_tiny.base,
                                  "-o", out))
    assert "/v1" in line and "404" in line
    line = one_error_line(cueline("transcribe", str(jfk_path), "--server", "gpu-box:8000/v1",
                                  "-o", out))
    assert "http://HOST:PORT/v1" in line
    line = one_error_line(cueline("transcribe", str(jfk_path), "--engine", "remote", "-o", out))
    assert "--server" in line
    line = one_error_line(cueline("transcribe", str(jfk_path), "--engine", "qwen", "--server",
                                  fws_tiny.url, "-o", out))
    assert "--engine remote" in line


def test_tls_failure_is_one_line_and_a_ca_bundle_fixes_it(fws_tiny, jfk_path, tmp_path):
    cert, key = self_signed(tmp_path)
    proxy = FaultProxy(fws_tiny.base, tls=tls_context(cert, key))
    try:
        out = tmp_path / "x.srt"
        line = one_error_line(cueline("transcribe", str(jfk_path), "--server", proxy.url,
                                      "-o", str(out)))
        assert "TLS certificate is not trusted" in line and "--ca-bundle" in line
        proc = cueline("transcribe", str(jfk_path), "--server", proxy.url, "--ca-bundle",
                       str(cert), "-q", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert "fellow americans" in out.read_text().lower()
    finally:
        proxy.stop()


def test_api_key_never_appears_in_output_logs_or_files(fws_tiny, jfk_path, tmp_path):
    proxy = FaultProxy(fws_tiny.base, key=KEY)
    try:
        out = tmp_path / "x.json"
        line = one_error_line(cueline("transcribe", str(jfk_path), "--server", proxy.url,
                                      "-o", str(out)))
        assert "needs an API key" in line and "CUELINE_API_KEY" in line
        wrong = cueline("transcribe", str(jfk_path), "--server", proxy.url, "-o", str(out),
                        env={"CUELINE_API_KEY": KEY[::-1]})
        assert "refused the API key from CUELINE_API_KEY" in one_error_line(wrong)
        assert KEY[::-1] not in wrong.stderr + wrong.stdout

        # the right key, and every log line the process can produce
        env = {"ASR_KEY": KEY, "PYTHONWARNINGS": "always"}
        script = ("import logging, sys; logging.basicConfig(level=logging.DEBUG); "
                  "from app.cli import main; sys.exit(main(sys.argv[1:]))")
        full = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", **env)
        proc = subprocess.run([sys.executable, "-c", script, "transcribe", str(jfk_path),
                               "--server", proxy.url, "--api-key-env", "ASR_KEY", "-o",
                               str(out)], capture_output=True, text=True, timeout=300,
                              env=full, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        assert "DEBUG" in proc.stderr and "httpx" in proc.stderr  # the logs were on
        assert KEY not in proc.stderr and KEY not in proc.stdout
        assert KEY not in out.read_text()
        assert proxy.auth_headers[-1] == f"Bearer {KEY}"
        for f in tmp_path.rglob("*"):
            if f.is_file():
                assert KEY.encode() not in f.read_bytes(), f
    finally:
        proxy.stop()


def test_ctrl_c_closes_the_requests_in_flight_and_exits(fws_tiny, jfk_path, tmp_path):
    proxy = FaultProxy(fws_tiny.base)
    try:
        out = tmp_path / "x.srt"
        env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
        proc = subprocess.Popen([sys.executable, "-m", "app", "transcribe", str(jfk_path),
                                 "--server", proxy.url, "-o", str(out)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while proxy.posts < 1 and time.monotonic() < deadline:  # the connection check
            time.sleep(0.02)
        proxy.delay_s = 120.0  # from now on the server takes two minutes per chunk
        while proxy.posts < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proxy.posts == 2 and proc.poll() is None
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        assert time.monotonic() - t0 < 20  # not the server's two minutes
        assert proc.returncode == 130, stderr
        assert "cueline: error: interrupted" in stderr and "Traceback" not in stderr
        assert not out.exists()
        deadline = time.monotonic() + 5
        while proxy.disconnects < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proxy.disconnects == 1
    finally:
        proxy.stop()
