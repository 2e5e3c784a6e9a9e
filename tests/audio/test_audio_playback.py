"""Playback: the silent clock (this machine has no sound card), the shared transport rules
that a sound card gets too, and the choice of backend."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from app.audio import playback
from app.audio.playback import Player, choose_backend, mix_channels
from app.audio.reader import ArraySource
from app.audio.transport import Transport

RATE = 16000


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def player(clock):
    p = Player.from_array(np.zeros(RATE * 10, np.float32), RATE, backend="silent", clock=clock)
    yield p
    p.close()


def kinds(events):
    return [e.kind for e in events]


def test_silent_clock_advances_pauses_and_seeks(player, clock):
    events = []
    player.add_listener(events.append)
    assert player.backend == "silent" and player.duration_ms == 10_000
    assert player.position_ms == 0 and not player.playing
    player.play()
    clock.t += 1.5
    assert player.position_ms == 1500 and player.playing
    player.pause()
    clock.t += 3
    assert player.position_ms == 1500 and not player.playing
    player.seek(6000)
    assert player.position_ms == 6000
    player.play()
    clock.t += 0.25
    assert player.position_ms == 6250
    clock.t += 10  # runs into the end of the media
    assert player.position_ms == 10_000 and not player.playing
    assert kinds(events) == ["play", "pause", "seek", "play", "end"]
    assert events[-1].position_ms == 10_000 and not events[-1].playing
    player.play()  # from the end: starts over
    clock.t += 0.1
    assert player.position_ms == 100


def test_play_range_stops_at_its_end(player, clock):
    events = []
    player.add_listener(events.append)
    player.play_range(2000, 3000)
    clock.t += 0.6
    assert player.position_ms == 2600 and player.playing
    clock.t += 0.6
    assert player.position_ms == 3000 and not player.playing
    assert kinds(events) == ["seek", "play", "end"]
    player.play()  # plain play after a range goes on past it
    clock.t += 0.5
    assert player.position_ms == 3500


def test_loop_wraps_and_turns_off(player, clock):
    player.loop(1000, 2000)
    player.seek(1500)
    player.play()
    clock.t += 0.7
    assert player.position_ms == 1200
    clock.t += 5.05  # five full turns and a bit
    assert player.position_ms == 1250 and player.playing
    player.loop_off()
    assert not player.looping and player.loop_range_ms == (1000, 2000)
    clock.t += 1.0
    assert player.position_ms == 2250
    player.seek(1000)
    player.loop()
    clock.t += 1.2
    assert player.position_ms == 1200


def test_speed_and_validation(player, clock):
    player.speed = 2.0
    player.play()
    clock.t += 1.0
    assert player.position_ms == 2000
    player.speed = 0.5
    clock.t += 1.0
    assert player.position_ms == 2500
    with pytest.raises(ValueError):
        player.speed = 3.0
    with pytest.raises(ValueError):
        player.volume = -1
    with pytest.raises(ValueError):
        player.play_range(500, 100)


def test_real_time_clock_and_end_event_without_polling():
    ended = threading.Event()
    p = Player.from_array(np.zeros(RATE * 5, np.float32), RATE, backend="silent")
    p.add_listener(lambda e: e.kind == "end" and ended.set())
    try:
        p.play()
        time.sleep(0.15)
        assert 0 < p.position_ms <= 5000
        p.play_range(1000, 1100)
        assert ended.wait(5.0)  # the service thread noticed the end; nobody polled
        assert not p.playing and p.position_ms == 1100
    finally:
        p.close()


def test_listeners_may_call_back_into_the_player(player, clock):
    seen = []

    def on_event(event):
        seen.append((event.kind, player.position_ms, player.playing))

    player.add_listener(on_event)
    player.play()
    player.pause()
    assert seen == [("play", 0, True), ("pause", 0, False)]
    player.remove_listener(on_event)
    player.play()
    assert len(seen) == 2


def test_threads_hammering_the_player(player, clock):
    errors = []

    def worker(k):
        try:
            for i in range(200):
                step = (i + k) % 5
                if step == 0:
                    player.play()
                elif step == 1:
                    player.pause()
                elif step == 2:
                    player.seek(i * 7 % 9000)
                elif step == 3:
                    assert 0 <= player.position_ms <= 10_000
                else:
                    player.toggle()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert 0 <= player.position_ms <= 10_000


# -- the rendering path a sound card gets (same transport) --------------------------------

def ramp_source(n=RATE * 2, channels=2):
    data = np.stack([np.arange(n, dtype=np.float32) / n, -np.arange(n, dtype=np.float32) / n])
    return ArraySource(data[:channels], RATE)


def test_render_copies_the_source_and_stops_at_the_range_end():
    src = ramp_source()
    t = Transport(src.frames, src.sample_rate)
    t.play_range(100, 200)  # ms: frames 1600..3200
    out, events = t.render(1000, RATE, src)
    np.testing.assert_array_equal(out, src.data[1600:2600])
    out, events = t.render(1000, RATE, src)
    np.testing.assert_array_equal(out[:600], src.data[2600:3200])
    assert not out[600:].any() and events == ["end"] and not t.playing
    assert t.position_ms == 200


def test_render_loops_speed_and_volume():
    src = ramp_source()
    t = Transport(src.frames, src.sample_rate)
    t.set_loop(0, 10)  # 160 frames
    t.play()
    out, _ = t.render(400, RATE, src)
    np.testing.assert_array_equal(out[:160], src.data[:160])
    np.testing.assert_array_equal(out[160:320], src.data[:160])
    t.looping = False
    t.seek_ms(500)
    t.set_speed(2.0)
    t.set_volume(0.5)
    out, _ = t.render(100, RATE, src)
    np.testing.assert_allclose(out, src.data[8000:8200:2] * 0.5, atol=1e-7)
    assert t.pos == 8200
    t.set_speed(0.5)
    out, _ = t.render(4, RATE, src)
    want = np.array([src.data[8200], (src.data[8200] + src.data[8201]) / 2, src.data[8201],
                     (src.data[8201] + src.data[8202]) / 2]) * 0.5
    np.testing.assert_allclose(out, want, atol=1e-7)


def test_render_waits_when_the_source_is_not_decoded():
    class Slow(ArraySource):
        ready = False

        def try_read(self, start, count):
            return self.read(start, count) if self.ready else None

    src = Slow(np.ones((1, 1000), np.float32), RATE)
    t = Transport(src.frames, src.sample_rate)
    t.play()
    out, _ = t.render(100, RATE, src)
    assert not out.any() and t.pos == 0  # silence, and the play head did not move
    src.ready = True
    out, _ = t.render(100, RATE, src)
    assert out.all() and t.pos == 100


def test_render_at_a_device_rate_other_than_the_media_rate():
    src = ramp_source()
    t = Transport(src.frames, src.sample_rate)
    t.play()
    out, _ = t.render(320, 32000, src)  # the device runs at twice the media's rate
    assert t.pos == 160
    np.testing.assert_allclose(out[::2], src.data[:160], atol=1e-7)


def test_mix_channels():
    block = np.array([[1.0, 0.0], [0.5, 0.5]], np.float32)
    assert mix_channels(block, 2) is block
    np.testing.assert_array_equal(mix_channels(block, 1), [[0.5], [0.5]])
    assert mix_channels(block, 6).shape == (2, 6)


# -- backend selection -------------------------------------------------------------------

SPEAKERS = {"name": "Speakers", "max_input_channels": 0, "max_output_channels": 2,
            "default_samplerate": 48000.0}
MIC = {"name": "Microphone", "max_input_channels": 1, "max_output_channels": 0,
       "default_samplerate": 44100.0}
HDMI = {"name": "HDMI", "max_input_channels": 0, "max_output_channels": 8,
        "default_samplerate": 48000.0}


def test_choose_backend_picks_an_output_device():
    choice = choose_backend(lambda: [MIC, SPEAKERS])
    assert choice.name == "sounddevice" and choice.device == 1 and choice.channels == 2
    assert choice.default_rate == 48000.0
    assert choose_backend(lambda: ([MIC, SPEAKERS, HDMI], 2)).device == 2  # the system default
    assert choose_backend(lambda: ([MIC, SPEAKERS, HDMI], 0)).device == 1  # default is no output


def test_choose_backend_falls_back_to_the_silent_clock(monkeypatch):
    monkeypatch.delenv("CUELINE_AUDIO", raising=False)
    assert choose_backend(lambda: []).name == "silent"
    assert choose_backend(lambda: [MIC]).reason == "no audio output device"

    def no_portaudio():
        raise OSError("PortAudio library not found")

    choice = choose_backend(no_portaudio)
    assert choice.name == "silent" and "PortAudio" in choice.reason

    def broken():
        raise RuntimeError("Error querying device -1")

    assert choose_backend(broken).name == "silent"
    monkeypatch.setenv("CUELINE_AUDIO", "silent")
    assert choose_backend(lambda: [SPEAKERS]).name == "silent"


def test_this_machine_without_a_sound_card_warns_once(monkeypatch, caplog):
    monkeypatch.delenv("CUELINE_AUDIO", raising=False)
    monkeypatch.setattr(playback, "_warned_silent", False)
    with caplog.at_level(logging.WARNING, logger="app.audio.playback"):
        players = [Player.from_array(np.zeros(100, np.float32), RATE, query_devices=lambda: [])
                   for _ in range(3)]
    assert all(p.backend == "silent" for p in players)
    assert len([r for r in caplog.records if "silent clock" in r.getMessage()]) == 1
    for p in players:
        p.close()


def test_player_on_a_media_file(jfk_path, clock):
    with Player.for_media(jfk_path, backend="silent", clock=clock) as p:
        assert p.duration_ms == 11000 and p.source.channels == 2
        assert p.source.sample_rate == 44100
        p.play_range(10_500, 12_000)
        clock.t += 2
        assert p.position_ms == 11_000 and not p.playing


def test_a_listed_device_that_cannot_open_falls_back_to_the_silent_clock(monkeypatch, caplog,
                                                                          clock):
    monkeypatch.delenv("CUELINE_AUDIO", raising=False)
    monkeypatch.setattr(playback, "_warned_silent", False)
    ghost = [MIC] * 299 + [SPEAKERS]  # index 299: no real machine has that device
    p = Player.from_array(np.zeros(RATE * 5, np.float32), RATE, query_devices=lambda: ghost,
                          clock=clock)
    try:
        assert p.backend == "sounddevice" and p.choice.device == 299
        with caplog.at_level(logging.WARNING, logger="app.audio.playback"):
            p.play()
        assert p.backend == "silent" and p.playing
        assert "output device failed" in caplog.text
        clock.t += 1.0
        assert p.position_ms == 1000
    finally:
        p.close()


def test_the_device_callback_fills_the_output_buffer(clock):
    src = ramp_source()
    p = Player(src, query_devices=lambda: [SPEAKERS], clock=clock)
    try:
        assert p.backend == "sounddevice"
        events = []
        p.add_listener(events.append)
        with p._lock:  # what play() does, without opening a stream on this card-less machine
            p._t.play_range(0, 20)  # 320 frames
        p.volume = 0.5
        out = np.full((256, 1), 9.0, np.float32)  # a mono device
        p._callback(out, 256, None, None)
        np.testing.assert_allclose(out[:, 0], src.data[:256].mean(axis=1) * 0.5, atol=1e-7)
        assert p.position_ms == 0  # that block is only starting to sound
        clock.t += 0.010
        assert p.position_ms == 10  # the clock moves through the block...
        clock.t += 0.5
        assert p.position_ms == 16  # ...but never past what was rendered (256 frames)
        p._callback(out, 256, None, None)  # crosses the range end after 64 frames
        np.testing.assert_allclose(out[:64, 0], src.data[256:320].mean(axis=1) * 0.5, atol=1e-7)
        assert not out[64:].any()
        assert not p.playing and p.position_ms == 20
        p._deliver()
        assert [e.kind for e in events] == ["end"]
    finally:
        p.close()
