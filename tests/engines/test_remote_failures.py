"""The remote engine when things go wrong: a real faster-whisper-server behind a proxy that
injects faults (5xx, 429 with Retry-After, slowness, a refused response format, an API key
check, TLS), and servers that are not there at all."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from app.core.cancel import CancelToken
from app.core.model import TIMES_ESTIMATED
from app.engines.errors import EngineError
from app.engines.registry import create_engine
from app.pipeline.transcribe import transcribe_file
from app.pipeline.types import PipelineOptions
from tests.conftest import JFK_TEXT
from tests.engines.helpers import wer
from tests.engines.remote_servers import FaultProxy, closed_port, self_signed, tls_context

pytestmark = pytest.mark.slow
KEY = "sk-cueline-test-5e1b7c0ffee"


def options(*urls, workers: int = 1, **settings) -> PipelineOptions:
    return PipelineOptions(engine="remote", workers=workers,
                           engine_settings={"servers": list(urls), **settings})


def connected(*urls, **settings):
    """A remote engine already connected (its one-second check done)."""
    engine = create_engine("remote", servers=list(urls), **settings)
    engine.load()
    return engine


@pytest.fixture
def proxy(fws_tiny):
    p = FaultProxy(fws_tiny.base)
    yield p
    p.stop()


def test_500_then_recovering_is_retried_with_backoff(proxy, jfk_path):
    engine = connected(proxy.url)
    proxy.fail_next(2, 500)
    before = len(proxy.post_times())
    result = transcribe_file(jfk_path, options(proxy.url), engine=engine)
    assert not result.failed_regions
    assert wer(JFK_TEXT, result.text) <= 0.15, result.text
    assert proxy.statuses[-3:] == [500, 500, 200]
    t = proxy.post_times()[before:]
    assert len(t) == 3
    # exponential backoff: the second wait is longer than the first's fixed half
    assert t[1] - t[0] >= 0.25 and t[2] - t[1] >= 0.5, t
    assert engine.summary()[0]["retried"] == 2


def test_429_honours_retry_after(proxy, jfk_path):
    engine = connected(proxy.url)
    proxy.fail_next(1, 429, retry_after="2")
    before = len(proxy.post_times())
    result = transcribe_file(jfk_path, options(proxy.url), engine=engine)
    assert not result.failed_regions and "fellow americans" in result.text.lower()
    t = proxy.post_times()[before:]
    assert proxy.statuses[-2:] == [429, 200]
    assert t[1] - t[0] >= 1.95, t  # the server asked for 2 s


def test_a_slow_server_hits_the_timeout_and_the_run_goes_on(proxy, jfk_path):
    engine = connected(proxy.url, timeout_s=1.0, max_attempts=2)
    proxy.delay_s = 30.0
    t0 = time.monotonic()
    result = transcribe_file(jfk_path, options(proxy.url), engine=engine)
    took = time.monotonic() - t0
    assert result.segments and all(s.text == "" for s in result.segments)
    assert len(result.failed_regions) == result.stats.chunks == 1
    error = result.failed_regions[0].error
    assert "timed out" in error and "gave up after 2 attempts" in error, error
    assert took < 25  # far less than the server's 30 s: requests were abandoned
    deadline = time.monotonic() + 5
    while proxy.disconnects < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proxy.disconnects >= 2  # each timed-out request closed its connection


def test_a_timed_out_chunk_moves_to_a_fast_server(proxy, fws_tiny_b, jfk_path):
    engine = connected(proxy.url, fws_tiny_b.url, timeout_s=10.0)  # (a loaded 2-core box)
    proxy.delay_s = 60.0
    result = transcribe_file(jfk_path, options(proxy.url, fws_tiny_b.url, workers=1),
                             engine=engine)
    assert not result.failed_regions
    assert "fellow americans" in result.text.lower()
    summary = {s["server"]: s for s in engine.summary()}
    assert summary[fws_tiny_b.url]["done"] == 1


def test_cancel_closes_requests_in_flight_at_once(proxy, jfk_path):
    engine = connected(proxy.url)
    proxy.delay_s = 60.0
    before = proxy.posts
    cancel = CancelToken()
    out = {}
    worker = threading.Thread(target=lambda: out.update(result=transcribe_file(
        jfk_path, options(proxy.url), engine=engine, cancel=cancel)))
    worker.start()
    deadline = time.monotonic() + 60
    while proxy.posts == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.posts > before, "no request reached the server"
    t0 = time.monotonic()
    cancel.cancel()
    worker.join(30)
    took = time.monotonic() - t0
    assert not worker.is_alive()
    assert out["result"].cancelled
    assert took < 5, took  # the server would answer after 60 s
    deadline = time.monotonic() + 5
    while proxy.disconnects < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proxy.disconnects == 1  # the client closed the connection


def test_cancel_while_connecting_stops_the_checks(proxy, jfk_path):
    proxy.delay_s = 60.0  # the one-second check hangs
    cancel = CancelToken()
    out = {}
    worker = threading.Thread(target=lambda: out.update(result=transcribe_file(
        jfk_path, options(proxy.url), cancel=cancel)))
    worker.start()
    deadline = time.monotonic() + 60
    while proxy.posts == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proxy.posts == 1, "the check did not reach the server"
    t0 = time.monotonic()
    cancel.cancel()
    worker.join(30)
    assert not worker.is_alive() and time.monotonic() - t0 < 5
    assert out["result"].cancelled and out["result"].segments == []


def test_a_server_refusing_verbose_json_gets_json_and_words_are_aligned_here(fws_tiny,
                                                                            jfk_path):
    """vLLM serving Qwen3-ASR answers json/text only: the text is aligned locally."""
    proxy = FaultProxy(fws_tiny.base, refuse_verbose=True)
    try:
        result = transcribe_file(jfk_path, options(proxy.url))
    finally:
        proxy.stop()
    assert proxy.statuses.count(400) == 1  # asked once, then json from then on
    assert wer(JFK_TEXT, result.text) <= 0.15, result.text
    words = [w for s in result.segments for w in s.words]
    assert words and not any(w.estimated for w in words)
    assert not any(s.has(TIMES_ESTIMATED) for s in result.segments)
    assert 150 <= words[0].start <= 800


# ----------------------------------------------------------------------------- one clear line


def test_refused_port_is_one_clear_line():
    engine = create_engine("remote", servers=[f"http://127.0.0.1:{closed_port()}/v1"])
    with pytest.raises(EngineError) as err:
        engine.load()
    message = str(err.value)
    assert "connection refused" in message and "127.0.0.1" in message
    assert "\n" not in message


def test_one_server_down_at_start_leaves_the_others(fws_tiny, jfk_path):
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    result = transcribe_file(jfk_path, options(dead, fws_tiny.url))
    assert not result.failed_regions and "fellow americans" in result.text.lower()
    assert any("connection refused" in w and "other server" in w
               for w in result.stats.warnings), result.stats.warnings


def test_wrong_url_says_what_the_url_should_be(fws_tiny):
    engine = create_engine("remote", servers=[fws_tiny.base])  # no /v1
    with pytest.raises(EngineError) as err:
        engine.load()
    message = str(err.value)
    assert "no OpenAI-compatible transcription endpoint" in message
    assert f"{fws_tiny.base}/v1" in message and "\n" not in message


def test_tls_is_verified_and_a_ca_bundle_is_accepted(fws_tiny, tmp_path, jfk_path):
    cert, key = self_signed(tmp_path)
    proxy = FaultProxy(fws_tiny.base, tls=tls_context(cert, key))
    try:
        engine = create_engine("remote", servers=[proxy.url])
        with pytest.raises(EngineError) as err:
            engine.load()
        assert "TLS certificate is not trusted" in str(err.value)
        assert "--ca-bundle" in str(err.value) and "\n" not in str(err.value)
        result = transcribe_file(jfk_path, options(proxy.url, ca_bundle=str(cert)))
        assert not result.failed_regions and "fellow americans" in result.text.lower()
    finally:
        proxy.stop()


def test_api_key_is_sent_and_never_shown(fws_tiny, jfk_path, monkeypatch, caplog):
    proxy = FaultProxy(fws_tiny.base, key=KEY)
    caplog.set_level(logging.DEBUG)
    try:
        monkeypatch.delenv("CUELINE_API_KEY", raising=False)
        with pytest.raises(EngineError) as err:
            create_engine("remote", servers=[proxy.url]).load()
        assert "needs an API key" in str(err.value)

        monkeypatch.setenv("CUELINE_API_KEY", "sk-wrong-key-123456")
        with pytest.raises(EngineError) as err:
            create_engine("remote", servers=[proxy.url]).load()
        assert "refused the API key from CUELINE_API_KEY" in str(err.value)
        assert "sk-wrong" not in str(err.value)

        monkeypatch.setenv("MY_ASR_KEY", KEY)
        engine = create_engine("remote", servers=[proxy.url], api_key_env="MY_ASR_KEY")
        result = transcribe_file(jfk_path, options(proxy.url, api_key_env="MY_ASR_KEY"),
                                 engine=engine)
        assert "fellow americans" in result.text.lower()
        assert proxy.auth_headers[-1] == f"Bearer {KEY}"
        assert KEY not in repr(engine) and KEY not in repr(engine.pool.servers[0])
        assert KEY not in repr(engine.settings) and KEY not in str(result.meta())
        assert caplog.records and KEY not in caplog.text
    finally:
        proxy.stop()


def test_an_unset_api_key_variable_is_one_line(monkeypatch, fws_tiny):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(EngineError) as err:
        create_engine("remote", servers=[fws_tiny.url], api_key_env="NO_SUCH_KEY_VAR").load()
    assert "NO_SUCH_KEY_VAR" in str(err.value) and "not set" in str(err.value)
