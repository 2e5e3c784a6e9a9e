"""Playing a media's own audio through the sound card, or a silent clock where there is none.

:class:`Player` plays at the media's own rate and channels through ``sounddevice``
(PortAudio, an ``OutputStream`` with a callback; imported lazily: it raises ``OSError`` when
the PortAudio library is missing).  Where PortAudio or an output device is missing (CI,
servers, a machine without a sound card) the same API runs as a *silent clock*: the play
head advances with monotonic time, ranges stop and loops wrap exactly as they would, and one
warning is logged (once per process).  ``CUELINE_AUDIO=silent`` forces the silent clock.

Every method is thread-safe.  Listeners receive a :class:`PlayerEvent` for play, pause,
seek, end (range end or end of media) and loop changes; they are called outside the lock,
from the caller's thread or from the player's service thread, never from the audio callback.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.audio.reader import ArraySource, MediaSource
from app.audio.transport import Transport

log = logging.getLogger(__name__)

ENV_AUDIO = "CUELINE_AUDIO"
SOUNDDEVICE = "sounddevice"
SILENT = "silent"
_TICK_S = 0.02
_warned_silent = False
_warn_lock = threading.Lock()


@dataclass(frozen=True)
class PlayerEvent:
    kind: str  # "play" | "pause" | "seek" | "end" | "loop"
    position_ms: int
    playing: bool


@dataclass(frozen=True)
class BackendChoice:
    name: str  # SOUNDDEVICE or SILENT
    reason: str
    device: int | None = None
    channels: int = 0
    default_rate: float | None = None
    hint: str = ""  # what the user can do about a silent clock ("" when nothing is wrong)

    @property
    def degraded(self) -> bool:
        """Silent although the user did not ask for silence."""
        return self.name == SILENT and bool(self.hint)


PORTAUDIO_HINT = ("Install the PortAudio library for sound (Debian/Ubuntu: "
                  "sudo apt install libportaudio2; Fedora: sudo dnf install portaudio).")
NO_DEVICE_HINT = ("No sound output device was found: connect one, or start the sound server "
                  "(PipeWire or PulseAudio), then reopen the media.")


def _query_sounddevice():
    import sounddevice as sd  # OSError when the PortAudio library is missing

    devices = list(sd.query_devices())
    try:
        default_out = sd.default.device[1]
    except Exception:  # noqa: BLE001
        default_out = -1
    return devices, default_out


def choose_backend(query_devices: Callable[[], object] | None = None,
                   prefer: str | None = None) -> BackendChoice:
    """Decide how to play: through an output device, or on the silent clock.

    ``query_devices`` returns the device list (dicts with ``name``, ``max_output_channels``,
    ``default_samplerate``), or a ``(devices, default_output_index)`` pair; by default it
    asks sounddevice.  It may raise ``OSError``/``ImportError`` (PortAudio missing) or any
    PortAudio error: the silent clock is chosen then.  ``prefer`` (or ``$CUELINE_AUDIO``)
    set to ``"silent"`` forces the silent clock.
    """
    prefer = prefer or os.environ.get(ENV_AUDIO) or None
    if prefer == SILENT:
        return BackendChoice(SILENT, f"silent playback requested ({ENV_AUDIO}=silent)")
    query = query_devices or _query_sounddevice
    try:
        result = query()
    except (OSError, ImportError) as exc:
        return BackendChoice(SILENT, f"PortAudio is not available ({exc})", hint=PORTAUDIO_HINT)
    except Exception as exc:  # noqa: BLE001 - sounddevice.PortAudioError and friends
        return BackendChoice(SILENT, f"the sound system cannot be queried ({exc})",
                             hint=NO_DEVICE_HINT)
    default = None
    if isinstance(result, tuple) and len(result) == 2 and not isinstance(result[0], dict):
        devices, default = result
    else:
        devices = result
    devices = list(devices or [])
    outputs = [i for i, d in enumerate(devices) if int(d.get("max_output_channels", 0) or 0) > 0]
    if not outputs:
        return BackendChoice(SILENT, "no audio output device", hint=NO_DEVICE_HINT)
    index = default if isinstance(default, int) and default in outputs else outputs[0]
    d = devices[index]
    return BackendChoice(SOUNDDEVICE, f"output device '{d.get('name', index)}'", index,
                         int(d.get("max_output_channels", 0)),
                         float(d["default_samplerate"]) if d.get("default_samplerate") else None)


def _warn_silent(reason: str) -> None:
    global _warned_silent
    with _warn_lock:
        if _warned_silent:
            return
        _warned_silent = True
    log.warning("no sound output (%s): playback runs as a silent clock", reason)


class Player:
    """Plays one source; see the module doc.  Times are integer milliseconds."""

    def __init__(self, source, *, backend: str = "auto",
                 query_devices: Callable[[], object] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 listener: Callable[[PlayerEvent], None] | None = None) -> None:
        self.source = source
        self._t = Transport(source.frames, source.sample_rate)
        self._lock = threading.RLock()
        self._clock = clock
        self._listeners: list[Callable[[PlayerEvent], None]] = [listener] if listener else []
        self._events: deque[PlayerEvent] = deque()
        self._deliver_lock = threading.Lock()
        self._deliver_owner: int | None = None
        self._closed = False
        self._ticker: threading.Thread | None = None
        self._wake = threading.Event()
        self._stream = None
        self._stream_lock = threading.Lock()  # start/stop of the device stream, never under _lock
        self._out_rate = source.sample_rate
        self._out_channels = source.channels
        self._last_tick: float | None = None  # silent clock: time of the last advance
        self._cb_time: float | None = None  # device: time of the last callback
        self._cb_pos = 0.0  # device: play head when the last callback started
        self.choice = self._choose(backend, query_devices)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def for_media(cls, path, **kwargs) -> Player:
        """A player on a media file (decoded in blocks as it plays)."""
        return cls(MediaSource(path), **kwargs)

    @classmethod
    def from_array(cls, samples: np.ndarray, sample_rate: int, **kwargs) -> Player:
        return cls(ArraySource(samples, sample_rate), **kwargs)

    def _choose(self, backend: str, query_devices) -> BackendChoice:
        if backend not in ("auto", SOUNDDEVICE, SILENT):
            raise ValueError("backend must be 'auto', 'sounddevice' or 'silent'")
        if backend == SILENT:
            return BackendChoice(SILENT, "silent playback requested")
        choice = choose_backend(query_devices)
        if choice.name == SILENT:
            _warn_silent(choice.reason)
        return choice

    @property
    def backend(self) -> str:
        return self.choice.name

    # -- state ----------------------------------------------------------------------------

    @property
    def duration_ms(self) -> int:
        return self._t.duration_ms

    @property
    def position_ms(self) -> int:
        """Where the play head is (the editor polls this)."""
        with self._lock:
            self._sync()
            pos = self._t.pos
            if self._t.playing and self._cb_time is not None and pos >= self._cb_pos:
                # the block the last callback rendered is playing now: move through it with
                # the clock rather than jumping a whole block at each callback
                ahead = (self._clock() - self._cb_time) * self._t.sample_rate * self._t.speed
                pos = min(self._cb_pos + ahead, pos)
            ms = self._t.to_ms(pos)
        self._deliver()
        return ms

    @property
    def playing(self) -> bool:
        with self._lock:
            self._sync()
            playing = self._t.playing
        self._deliver()
        return playing

    @property
    def speed(self) -> float:
        return self._t.speed

    @speed.setter
    def speed(self, value: float) -> None:
        with self._lock:
            self._sync()
            self._t.set_speed(value)

    @property
    def volume(self) -> float:
        return self._t.volume

    @volume.setter
    def volume(self, value: float) -> None:
        with self._lock:
            self._t.set_volume(value)

    @property
    def looping(self) -> bool:
        return self._t.looping

    @property
    def loop_range_ms(self) -> tuple[int, int] | None:
        r = self._t.loop_range
        return None if r is None else (self._t.to_ms(r[0]), self._t.to_ms(r[1]))

    # -- commands ---------------------------------------------------------------------------

    def play(self) -> None:
        with self._lock:
            self._sync()
            if not self._t.playing:
                self._t.play()
                self._start()
                self._emit("play")
        self._apply_stream_state()
        self._deliver()

    def pause(self) -> None:
        with self._lock:
            self._sync()
            if self._t.playing:
                self._t.playing = False
                self._stop()
                self._emit("pause")
        self._apply_stream_state()
        self._deliver()

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def seek(self, ms: float) -> None:
        with self._lock:
            self._sync()
            self._t.seek_ms(ms)
            self._cb_time = None
            self._emit("seek")
        self._deliver()

    def play_range(self, start_ms: float, end_ms: float) -> None:
        """Play ``[start_ms, end_ms)`` and stop at its end (an "end" event)."""
        with self._lock:
            self._sync()
            was = self._t.playing
            self._t.play_range(start_ms, end_ms)
            self._cb_time = None
            self._emit("seek")
            if not was:
                self._start()
            self._emit("play")
        self._apply_stream_state()
        self._deliver()

    def loop(self, start_ms: float | None = None, end_ms: float | None = None,
             enabled: bool = True) -> None:
        """Loop ``[start_ms, end_ms)`` (on), or turn looping off with ``enabled=False``
        (the range is kept: ``loop()`` turns it back on)."""
        with self._lock:
            self._sync()
            if start_ms is not None and end_ms is not None:
                self._t.set_loop(start_ms, end_ms)
            elif enabled and self._t.loop_range is None:
                raise ValueError("no loop range set")
            self._t.looping = enabled
            self._emit("loop")
        self._deliver()

    def loop_off(self) -> None:
        self.loop(enabled=False)

    def add_listener(self, listener: Callable[[PlayerEvent], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[PlayerEvent], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._t.playing = False
            self._stop()
            self._closed = True
        self._wake.set()
        with self._stream_lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception:  # noqa: BLE001
                pass
        self.source.close()

    def __enter__(self) -> Player:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------

    def _emit(self, kind: str) -> None:
        self._events.append(PlayerEvent(kind, self._t.position_ms, self._t.playing))

    def _deliver(self) -> None:
        """Call the listeners for queued events (outside the player lock, in order)."""
        me = threading.get_ident()
        if self._deliver_owner == me:
            return  # a listener called back into the player: the outer loop delivers
        with self._deliver_lock:
            self._deliver_owner = me
            try:
                while True:
                    try:
                        event = self._events.popleft()
                    except IndexError:
                        return
                    for listener in list(self._listeners):
                        try:
                            listener(event)
                        except Exception:  # noqa: BLE001 - a listener must not stop playback
                            log.exception("player listener failed")
            finally:
                self._deliver_owner = None

    def _sync(self) -> None:
        """Silent clock: advance the play head by the time elapsed (under the lock)."""
        if self.choice.name != SILENT or not self._t.playing:
            return
        now = self._clock()
        if self._last_tick is not None:
            for kind in self._t.advance((now - self._last_tick) * self._t.sample_rate * self._t.speed):
                self._emit(kind)
        self._last_tick = now if self._t.playing else None

    def _start(self) -> None:
        """Start the silent clock and the service thread (under the lock); the device stream
        is started by :meth:`_apply_stream_state`, outside the lock."""
        if self._closed:
            raise RuntimeError("the player is closed")
        if self.choice.name == SILENT:
            self._last_tick = self._clock()
        if self._ticker is None or not self._ticker.is_alive():
            self._wake.clear()
            self._ticker = threading.Thread(target=self._service, name="cueline-player",
                                            daemon=True)
            self._ticker.start()

    def _stop(self) -> None:
        self._last_tick = None
        self._cb_time = None
        self._wake.set()

    def _apply_stream_state(self) -> None:
        """Start or stop the device stream to match the play state (NOT under ``_lock``:
        stopping a PortAudio stream waits for the callback, which takes ``_lock``)."""
        if self.choice.name != SOUNDDEVICE:
            return
        with self._stream_lock:
            with self._lock:
                want = self._t.playing and not self._closed
            try:
                if want:
                    self._open_stream()
                    if not self._stream.active:
                        self._stream.start()
                elif self._stream is not None and self._stream.active:
                    self._stream.abort()
            except Exception as exc:  # noqa: BLE001 - device busy, rate refused...: go silent
                if not want:
                    return
                self._stream = None
                with self._lock:
                    self.choice = BackendChoice(SILENT, f"the output device failed ({exc})",
                                                hint=NO_DEVICE_HINT)
                    self._last_tick = self._clock()
                _warn_silent(self.choice.reason)

    def _service(self) -> None:
        """While playing: advance the silent clock, notice ends, deliver events."""
        while True:
            self._wake.wait(_TICK_S)
            with self._lock:
                self._sync()
                alive = self._t.playing and not self._closed
                if not alive:
                    self._ticker = None
            if not alive:
                self._apply_stream_state()
            self._deliver()
            if not alive:
                return
            self._wake.clear()

    def _open_stream(self) -> None:
        if self._stream is not None:
            return
        import sounddevice as sd

        channels = self.source.channels
        if self.choice.channels:
            channels = min(channels, self.choice.channels)
        self._out_channels = max(1, channels)
        try:
            self._out_rate = self.source.sample_rate
            self._stream = sd.OutputStream(samplerate=self._out_rate, channels=self._out_channels,
                                           dtype="float32", device=self.choice.device,
                                           callback=self._callback)
        except sd.PortAudioError:
            if not self.choice.default_rate:
                raise
            self._out_rate = int(self.choice.default_rate)  # resampled in render()
            self._stream = sd.OutputStream(samplerate=self._out_rate, channels=self._out_channels,
                                           dtype="float32", device=self.choice.device,
                                           callback=self._callback)

    def _callback(self, outdata, frames, time_info, status) -> None:  # audio thread
        if not self._lock.acquire(timeout=0.005):  # never wait long in the audio thread
            outdata.fill(0)
            return
        try:
            self._cb_pos = self._t.pos
            block, events = self._t.render(frames, self._out_rate, self.source)
            self._cb_time = self._clock() if self._t.playing else None
            for kind in events:
                self._emit(kind)
        finally:
            self._lock.release()
        outdata[:] = mix_channels(block, outdata.shape[1])
        if events:
            self._wake.set()


def mix_channels(block: np.ndarray, channels: int) -> np.ndarray:
    """Fit ``(frames, n)`` audio to ``channels`` outputs (mono mix when they differ)."""
    if block.shape[1] == channels:
        return block
    mono = block.mean(axis=1, keepdims=True)
    return np.repeat(mono, channels, axis=1)

