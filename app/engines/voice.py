"""Speaker embeddings: what a voice sounds like, as a 256-number vector (GE2E d-vector).

The encoder is the one Resemblyzer ships *inside its PyPI wheel* (``resemblyzer/pretrained.pt``,
a 3-layer LSTM trained with the generalised end-to-end loss on VoxCeleb and LibriSpeech), so it
works offline on first run: no hub, no token.  Only the weights file is taken from the
package; the network (40 mel bands every 10 ms -> LSTM(256) x 3 -> linear -> ReLU -> L2 norm)
is rebuilt here, and the mel spectrogram is computed with numpy exactly as Resemblyzer does
with librosa, so importing this module loads neither librosa nor webrtcvad, and torch only
when the encoder is loaded.

Two embeddings of the same voice have a cosine similarity near 1; different voices lower.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from app.audio.samples import ENGINE_RATE
from app.core.cancel import CancelToken
from app.engines.errors import EngineError, ModelError

N_FFT = 400  # 25 ms windows
HOP = 160  # 10 ms
N_MELS = 40
FRAME_MS = 10
WINDOW_FRAMES = 160  # the encoder's training length: 1.6 s
EMBEDDING_SIZE = 256
BATCH = 32  # windows per forward pass (bounded memory, cancel between batches)
INSTALL_HINT = ("speaker detection needs the Resemblyzer voice encoder: "
                "pip install --no-deps resemblyzer (Cueline reads only its weights file)")
if getattr(sys, "frozen", False):  # the packaged application (PyInstaller): pip cannot help
    INSTALL_HINT = ("this Cueline build does not include speaker detection (it needs PyTorch): "
                    "use the larger build (see README, Install)")

_lock = threading.Lock()
_loaded: VoiceEncoder | None = None


def weights_path() -> Path | None:
    """The encoder's weights inside the installed resemblyzer package (not imported)."""
    try:
        spec = importlib.util.find_spec("resemblyzer")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        p = Path(folder) / "pretrained.pt"
        if p.is_file():
            return p
    return None


def available() -> bool:
    """True when the weights and torch are installed."""
    return weights_path() is not None and importlib.util.find_spec("torch") is not None


# -- features ---------------------------------------------------------------------------------
def _hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    mels = f / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log_part, mels)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    freqs = m * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
    return np.where(m >= 15.0, log_part, freqs)


@functools.lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """``(N_MELS, N_FFT // 2 + 1)`` triangular filters, Slaney-normalised (as librosa)."""
    fft_freqs = np.linspace(0, ENGINE_RATE / 2, N_FFT // 2 + 1)
    mel_pts = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(ENGINE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_pts)
    ramps = mel_pts[:, None] - fft_freqs[None, :]
    weights = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_pts[2:N_MELS + 2] - mel_pts[:N_MELS]))[:, None]
    return weights.astype(np.float32)


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """``(frames, 40)`` power mel spectrogram of 16 kHz mono samples; frame ``i`` is centred
    at ``i * 10`` ms (librosa's ``center=True`` with zero padding)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError("mel_spectrogram takes mono samples")
    x = np.pad(x, N_FFT // 2)
    n = 1 + (len(x) - N_FFT) // HOP
    if n <= 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    out = np.empty((n, N_MELS), dtype=np.float32)
    filters = mel_filters()
    step = 20000  # frames per block: bounded memory on hours of audio
    for a in range(0, n, step):
        b = min(n, a + step)
        idx = np.arange(a, b)[:, None] * HOP + np.arange(N_FFT)[None, :]
        spec = np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2
        out[a:b] = spec.astype(np.float32) @ filters.T
    return out


# -- the encoder ------------------------------------------------------------------------------
class VoiceEncoder:
    """The GE2E encoder on the CPU.  Load once (:func:`load_encoder`), then embed windows."""

    def __init__(self, path: Path | None = None, threads: int = 0) -> None:
        path = path or weights_path()
        if path is None:
            raise ModelError(INSTALL_HINT)
        try:
            import torch
        except ImportError as exc:
            raise ModelError(f"{INSTALL_HINT} (torch is missing: {exc})") from exc
        self._torch = torch
        if threads:
            torch.set_num_threads(threads)
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)["model_state"]
        except Exception as exc:  # noqa: BLE001 - a damaged or foreign file
            raise ModelError(f"cannot load the voice encoder '{path}': {exc}") from exc
        self.lstm = torch.nn.LSTM(N_MELS, 256, 3, batch_first=True)
        self.linear = torch.nn.Linear(256, EMBEDDING_SIZE)
        try:
            self.lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
            self.linear.load_state_dict({k[7:]: v for k, v in state.items()
                                         if k.startswith("linear.")})
        except (RuntimeError, KeyError) as exc:
            raise ModelError(f"'{path}' is not the Resemblyzer voice encoder: {exc}") from exc
        self.lstm.eval()
        self.linear.eval()
        self.path = path

    def embed_mels(self, mels: np.ndarray) -> np.ndarray:
        """L2-normalised embeddings of a batch ``(n, frames, 40)`` of mel windows."""
        torch = self._torch
        with torch.inference_mode():
            _, (hidden, _) = self.lstm(torch.from_numpy(np.ascontiguousarray(mels, np.float32)))
            raw = torch.relu(self.linear(hidden[-1]))
            out = raw / torch.clamp(torch.linalg.norm(raw, dim=1, keepdim=True), min=1e-9)
        return out.numpy()

    def embed_windows(self, mel: np.ndarray, windows: Sequence[tuple[int, int]], *,
                      progress: Callable[[int, int], None] | None = None,
                      cancel: CancelToken | None = None) -> np.ndarray:
        """One embedding per ``(start_frame, end_frame)`` window of ``mel`` (frames past the
        end are zeros).  Windows of equal length are run together; progress counts windows."""
        out = np.zeros((len(windows), EMBEDDING_SIZE), dtype=np.float32)
        by_len: dict[int, list[int]] = {}
        for i, (a, b) in enumerate(windows):
            by_len.setdefault(max(1, b - a), []).append(i)
        done = 0
        for length, idxs in sorted(by_len.items()):
            for k in range(0, len(idxs), BATCH):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                part = idxs[k:k + BATCH]
                batch = np.zeros((len(part), length, N_MELS), dtype=np.float32)
                for j, i in enumerate(part):
                    a, _b = windows[i]
                    piece = mel[max(0, a):a + length]
                    batch[j, :len(piece)] = piece
                out[part] = self.embed_mels(batch)
                done += len(part)
                if progress is not None:
                    progress(done, len(windows))
        return out

    def embed(self, samples: np.ndarray) -> np.ndarray:
        """One embedding for a whole stretch of one voice: the normalised mean of its 1.6 s
        windows (half-overlapping)."""
        mel = mel_spectrogram(samples)
        n = len(mel)
        if n <= WINDOW_FRAMES:
            windows = [(0, max(1, n))]
        else:
            windows = [(a, a + WINDOW_FRAMES)
                       for a in range(0, n - WINDOW_FRAMES + 1, WINDOW_FRAMES // 2)]
        e = self.embed_windows(mel, windows).mean(axis=0)
        return e / max(float(np.linalg.norm(e)), 1e-9)


def load_encoder() -> VoiceEncoder:
    """The shared encoder (loaded on first use, about 0.3 s plus importing torch)."""
    global _loaded
    with _lock:
        if _loaded is None:
            if weights_path() is None:
                raise ModelError(INSTALL_HINT)
            _loaded = VoiceEncoder()
        return _loaded


__all__ = ["EMBEDDING_SIZE", "EngineError", "FRAME_MS", "ModelError", "VoiceEncoder",
           "WINDOW_FRAMES", "available", "load_encoder", "mel_spectrogram", "weights_path"]
