"""The remote engine against real servers on 127.0.0.1: faster-whisper-server from PyPI on the
bundled models, and a small OpenAI-style server with word times (tests/engines/remote_servers)."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest

from app.core.model import FAILED, TIMES_ESTIMATED
from app.engines.base import TranscribeOptions
from app.engines.registry import create_engine
from app.pipeline.transcribe import transcribe_file
from app.pipeline.types import PipelineOptions
from tests.conftest import JFK_TEXT
from tests.engines.helpers import wer
from tests.ui.speech_media import jfk_loop

pytestmark = pytest.mark.slow


def remote(*servers, workers: int = 0, **settings) -> PipelineOptions:
    return PipelineOptions(engine="remote", workers=workers,
                           engine_settings={"servers": [s.url for s in servers], **settings})


def words_of(segments):
    return [w for s in segments for w in s.words]


def test_jfk_on_faster_whisper_server_base_has_timed_words(fws_base, jfk_path, whisper_base):
    """The issue's first case: JFK on faster-whisper-server with the base model.  That server
    gives segment times only, so the words are aligned here and snapped to speech; they land
    where the local engine with the same model puts them."""
    result = transcribe_file(jfk_path, remote(fws_base))
    assert not result.failed_regions and not result.cancelled
    assert wer(JFK_TEXT, result.text) <= 0.10, result.text
    assert result.language == "en"
    assert result.stats.engine == "remote" and result.stats.model == "whisper-1"
    words = words_of(result.segments)
    assert len(words) >= 20
    assert not any(s.has(TIMES_ESTIMATED) for s in result.segments)
    assert not any(w.estimated for w in words)
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert 150 <= words[0].start <= 800  # "And" starts ~0.3 s into the recording
    assert words[-1].end <= 11_000

    local = transcribe_file(jfk_path, PipelineOptions(model="base", device="cpu", workers=1),
                            engine=whisper_base)
    local_words = words_of(local.segments)
    assert [w.text for w in words] == [w.text for w in local_words]
    diffs = [abs(a.start - b.start) for a, b in zip(words, local_words, strict=True)]
    assert np.median(diffs) <= 60, diffs  # the same snapping as local results


def test_server_word_times_are_used_and_snapped(words_server, jfk_path):
    """A server that offers word times (OpenAI's verbose_json with words) is asked for them,
    and they are used (snapped to speech), not re-aligned."""
    before = len(words_server.requests)
    result = transcribe_file(jfk_path, remote(words_server))
    asked = words_server.requests[before:]
    assert asked and all(r["response_format"] == ["verbose_json"] for r in asked)
    assert all("word" in r["timestamp_granularities[]"] for r in asked)
    assert all(r["model"] == ["tiny.en"] for r in asked)  # the model it lists
    assert wer(JFK_TEXT, result.text) <= 0.15, result.text
    words = words_of(result.segments)
    assert words and not any(w.estimated for w in words)
    assert not any(s.has(TIMES_ESTIMATED) for s in result.segments)
    assert 150 <= words[0].start <= 800


def test_chunks_spread_over_two_servers_in_order(fws_tiny, fws_tiny_b, jfk_path, tmp_path):
    media = jfk_loop(jfk_path, tmp_path / "jfk4.wav", 4)
    posts = (fws_tiny.posts(), fws_tiny_b.posts())
    partial = []
    engine = create_engine("remote", servers=[fws_tiny.url, fws_tiny_b.url])
    options = dataclasses.replace(remote(fws_tiny, fws_tiny_b, workers=4), chunk_seconds=12)
    result = transcribe_file(media, options, engine=engine,
                             on_partial=lambda i, segs: partial.append(i))
    assert not result.failed_regions
    assert result.stats.chunks >= 4 and result.stats.workers == 4
    assert partial == sorted(partial) == list(range(result.stats.chunks))
    summary = {s["server"]: s for s in engine.summary()}
    done = [summary[fws_tiny.url]["done"], summary[fws_tiny_b.url]["done"]]
    assert sum(done) == result.stats.chunks and min(done) >= 1, done
    # the servers' own access logs agree
    # (plus the one-second check each got when the engine connected)
    assert fws_tiny.posts() - posts[0] == done[0] + 1
    assert fws_tiny_b.posts() - posts[1] == done[1] + 1
    assert result.text.lower().count("fellow americans") == 4, result.text


def test_default_requests_in_flight_follow_the_servers(fws_tiny, fws_tiny_b):
    one = create_engine("remote", servers=[fws_tiny.url])
    two = create_engine("remote", servers=[fws_tiny.url, fws_tiny_b.url])
    assert one.capabilities().default_workers == 4
    assert two.capabilities().default_workers == 8


def kill_after(server, answers: int) -> threading.Thread:
    """Kill ``server`` (a process) as soon as it has answered ``answers`` chunks (its access log
    counts them, plus the one-second check the engine makes when it connects)."""

    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.proc.poll() is None:
            if server.posts() >= answers + 1:
                server.kill()
                return
            time.sleep(0.02)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


def test_a_server_killed_mid_run_has_its_chunks_moved(fws_tiny, fws_doomed, jfk_path, tmp_path):
    media = jfk_loop(jfk_path, tmp_path / "jfk6.wav", 6)
    engine = create_engine("remote", servers=[fws_doomed.url, fws_tiny.url])
    watcher = kill_after(fws_doomed, 1)  # it still has requests queued when it dies
    options = dataclasses.replace(remote(fws_doomed, fws_tiny, workers=4), chunk_seconds=12)
    result = transcribe_file(media, options, engine=engine)
    watcher.join(5)
    assert fws_doomed.proc.poll() is not None, "the server was not killed during the run"
    assert not result.failed_regions, result.failed_regions
    assert result.stats.chunks >= 6 and result.stats.chunks_done == result.stats.chunks
    assert result.text.lower().count("fellow americans") == 6, result.text
    summary = {s["server"]: s for s in engine.summary()}
    doomed, other = summary[fws_doomed.url], summary[fws_tiny.url]
    assert doomed["state"] in ("gone", "down"), summary
    # (its one answer may have been cut off by the kill: then that chunk moved over too)
    assert doomed["done"] <= 1 and doomed["done"] + other["done"] == result.stats.chunks, summary
    assert doomed["retried"] >= 1, summary  # its requests in flight went to the other server
    assert any("stopped answering" in w for w in result.stats.warnings) or \
        doomed["state"] == "down", result.stats.warnings


def test_when_no_server_is_left_the_run_keeps_what_finished(fws_doomed, jfk_path, tmp_path):
    media = jfk_loop(jfk_path, tmp_path / "jfk4.wav", 4)
    engine = create_engine("remote", servers=[fws_doomed.url])
    # the language given: chunk 0 is delivered as soon as it is done (no language vote)
    options = dataclasses.replace(remote(fws_doomed, workers=1), chunk_seconds=12,
                                  decode=TranscribeOptions(language="en"))

    def on_partial(index, segments):  # the first chunk is in; the second is in flight
        fws_doomed.kill()

    result = transcribe_file(media, options, engine=engine, on_partial=on_partial)
    assert not result.cancelled
    kept = [s for s in result.segments if not s.has(FAILED)]
    assert kept and "fellow americans" in kept[0].text.lower()
    assert result.stats.chunks >= 4
    assert len(result.failed_regions) == result.stats.chunks - 1
    assert all("127.0.0.1" in r.error for r in result.failed_regions)
    assert any("no server left" in r.error for r in result.failed_regions), \
        result.failed_regions
    starts = [r.start for r in result.failed_regions]
    assert starts == sorted(starts) and starts[0] >= kept[-1].end - 2000
