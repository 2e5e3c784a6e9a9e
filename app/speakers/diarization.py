"""Who spoke when: speech regions -> voice embeddings over sliding windows -> speakers.

For each channel given (one for a mono recording; each microphone of a two-microphone
interview), the speech regions (:func:`app.audio.vad.speech_regions`) are cut into windows of
1.6 s every :data:`HOP_MS` (a region shorter than a window is one shorter window); each
window gets a GE2E embedding (:mod:`app.engines.voice`); all windows of all channels are
clustered together (:mod:`app.speakers.cluster`), so a voice heard on both microphones is one
speaker and two voices on one microphone are two.  Every 100 ms frame of speech then gets,
for each speaker, the mean similarity of the windows covering it to that speaker's voice; the
best one speaks there.  A frame is *overlapping speech* when a second speaker scores nearly
as well (mono), or when another channel has another speaker at the same time (channels).

No Qt, no engine for text: :mod:`app.speakers.assign` turns the result into labelled words
and segments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.audio.samples import ENGINE_RATE
from app.core.cancel import CancelToken, Progress
from app.speakers.cluster import centroids, cluster, normalize

FRAME_MS = 100  # resolution of the speaker labels
WINDOW_MS = 1600  # the encoder's training length
HOP_MS = 500  # window step inside a speech region
MIN_WINDOW_MS = 400  # speech shorter than this gets no embedding of its own
# Windows never cross a pause this long: turns change at pauses, and a 1.6 s window that
# straddles one labels the first words of the next speaker with the voice of the last
# (the transcription's 300 ms pauses left 1 word in 100 wrong on a 2-minute panel; 200 ms none).
MIN_PAUSE_MS = 200
OVERLAP_SIM = 0.72  # mono: a second speaker this similar to a frame...
OVERLAP_MARGIN = 0.04  # ...and within this of the first means both speak
ProgressFn = Callable[[Progress], None]


@dataclass
class Diarization:
    """Speaker labels over time, per channel: ``labels[ch][i]`` is the speaker of frame ``i``
    (``FRAME_MS`` each) or -1 (no speech); ``scores[ch][i, k]`` how much frame ``i`` sounds
    like speaker ``k``; ``overlap[ch][i]`` two speakers at once."""

    n_speakers: int
    labels: list[np.ndarray]
    scores: list[np.ndarray]
    overlap: list[np.ndarray]
    voices: np.ndarray  # (n_speakers, 256) mean embedding of each speaker, normalised
    speech_ms: list[int] = field(default_factory=list)  # per speaker
    regions: list[list[tuple[int, int]]] = field(default_factory=list)

    def frames(self, start_ms: int, end_ms: int, channel: int = 0) -> slice:
        n = len(self.labels[channel])
        a = min(n, max(0, start_ms // FRAME_MS))
        b = min(n, max(a + 1, -(-end_ms // FRAME_MS)))
        return slice(a, b)

    def speaker_of(self, start_ms: int, end_ms: int, channel: int = 0) -> int | None:
        """The speaker who sounds most like ``[start_ms, end_ms)``: summed scores of its
        speech frames, else of the nearest frames with speech."""
        if self.n_speakers == 0:
            return None
        labels = self.labels[channel]
        if not len(labels):
            return None
        sl = self.frames(start_ms, end_ms, channel)
        mask = labels[sl] >= 0
        if mask.any():
            return int(np.argmax(self.scores[channel][sl][mask].sum(axis=0)))
        speech = np.nonzero(labels >= 0)[0]
        if not len(speech):
            return None
        mid = (sl.start + sl.stop) // 2
        return int(labels[speech[np.argmin(np.abs(speech - mid))]])

    def overlapping(self, start_ms: int, end_ms: int, channel: int = 0,
                    min_fraction: float = 0.3) -> bool:
        sl = self.frames(start_ms, end_ms, channel)
        ov = self.overlap[channel][sl]
        return bool(len(ov)) and float(ov.mean()) >= min_fraction

    def turns(self, channel: int = 0) -> list[tuple[int, int, int]]:
        """``(start_ms, end_ms, speaker)`` runs of the frame labels."""
        out: list[tuple[int, int, int]] = []
        labels = self.labels[channel]
        i = 0
        while i < len(labels):
            if labels[i] < 0:
                i += 1
                continue
            j = i
            while j < len(labels) and labels[j] == labels[i]:
                j += 1
            out.append((i * FRAME_MS, j * FRAME_MS, int(labels[i])))
            i = j
        return out


def plan_windows(regions: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(start_ms, end_ms)`` windows over the speech regions (see the module doc)."""
    out: list[tuple[int, int]] = []
    for s, e in regions:
        if e - s < MIN_WINDOW_MS:
            continue
        if e - s <= WINDOW_MS:
            out.append((s, e))
            continue
        last = e - WINDOW_MS
        starts = list(range(s, last + 1, HOP_MS))
        if starts[-1] < last:
            starts.append(last)
        out.extend((a, a + WINDOW_MS) for a in starts)
    return out


def as_channels(samples: np.ndarray, channels: bool) -> list[np.ndarray]:
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        return [x]
    if channels and x.shape[0] > 1:
        return [np.ascontiguousarray(c) for c in x]
    return [x.mean(axis=0)]


def diarize(samples: np.ndarray, *, n_speakers: int | None = None, channels: bool = False,
            encoder=None, regions: list[list[tuple[int, int]]] | None = None,
            threshold: float | None = None, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> Diarization:
    """Speakers of 16 kHz ``samples`` (``(n,)``, or ``(channels, n)``: mixed to mono unless
    ``channels``).  ``n_speakers``: how many (None: found).  ``regions``: speech regions per
    channel when already known.  Raises ``Cancelled``; ``ModelError`` without the encoder."""
    from app.audio.vad import speech_regions

    cancel = cancel or CancelToken()
    chans = as_channels(samples, channels)

    def report(done: float, total: float, message: str) -> None:
        if progress is not None:
            progress(Progress(done, total, message))

    report(0, 0, "finding speech")
    if regions is None:
        regions = [speech_regions(c, ENGINE_RATE, min_silence_ms=MIN_PAUSE_MS, cancel=cancel)
                   if c.size else [] for c in chans]
    if encoder is None:
        from app.engines.voice import load_encoder

        report(0, 0, "loading the voice encoder")
        encoder = load_encoder()
    from app.engines.voice import mel_spectrogram

    windows: list[tuple[int, int, int]] = []  # channel, start_ms, end_ms
    mels = []
    for ch, sig in enumerate(chans):
        cancel.raise_if_cancelled()
        mels.append(mel_spectrogram(sig) if regions[ch] else np.zeros((0, 40), np.float32))
        windows.extend((ch, a, b) for a, b in plan_windows(regions[ch]))
    total = len(windows)
    emb = np.zeros((total, 256), dtype=np.float32)
    done = 0
    for ch in range(len(chans)):
        idx = [i for i, w in enumerate(windows) if w[0] == ch]
        if not idx:
            continue
        frames = [(windows[i][1] // 10, windows[i][2] // 10) for i in idx]

        def step(d: int, _t: int, base: int = done) -> None:
            report(base + d, total, "listening to the voices")

        emb[idx] = encoder.embed_windows(mels[ch], frames, progress=step, cancel=cancel)
        done += len(idx)
    cancel.raise_if_cancelled()
    report(total, total, "grouping the voices")
    weights = np.array([b - a for _c, a, b in windows], dtype=float)
    if total:
        kw = {} if threshold is None else {"threshold": threshold}
        labels = cluster(emb, n_speakers, weights=weights, **kw)
        k = int(labels.max()) + 1
        voices = centroids(emb, labels, k)
    else:
        k, voices = 0, np.zeros((0, 256), np.float32)
    n_frames = [max(0, -(-len(c) * 1000 // ENGINE_RATE) // FRAME_MS) for c in chans]
    out_labels, out_scores, out_overlap = [], [], []
    for ch in range(len(chans)):
        nf = n_frames[ch]
        acc = np.zeros((nf, max(k, 1)), dtype=np.float32)
        cnt = np.zeros(nf, dtype=np.float32)
        for i, (c, a, b) in enumerate(windows):
            if c != ch:
                continue
            fa, fb = a // FRAME_MS, min(nf, -(-b // FRAME_MS))
            acc[fa:fb] += normalize(emb[i]) @ voices.T
            cnt[fa:fb] += 1
        speech = np.zeros(nf, dtype=bool)
        for s, e in regions[ch]:
            speech[s // FRAME_MS:min(nf, -(-e // FRAME_MS))] = True
        scores = np.where(cnt[:, None] > 0, acc / np.maximum(cnt, 1)[:, None], 0.0)
        lab = np.full(nf, -1, dtype=int)
        if k:
            covered = cnt > 0
            lab[covered] = np.argmax(scores[covered], axis=1)
            _fill_gaps(lab, speech)
        lab[~speech] = -1
        ov = np.zeros(nf, dtype=bool)
        if k >= 2:
            top = np.sort(scores, axis=1)
            ov = (cnt > 0) & speech & (top[:, -2] >= OVERLAP_SIM) \
                & (top[:, -1] - top[:, -2] <= OVERLAP_MARGIN)
        out_labels.append(lab)
        out_scores.append(scores)
        out_overlap.append(ov)
    if channels and len(chans) > 1:
        _cross_channel_overlap(out_labels, out_overlap)
    speech_ms = [int(sum((lab == i).sum() for lab in out_labels) * FRAME_MS) for i in range(k)]
    return Diarization(k, out_labels, out_scores, out_overlap, voices, speech_ms, list(regions))


def _fill_gaps(labels: np.ndarray, speech: np.ndarray) -> None:
    """Speech frames no window covers (bursts under :data:`MIN_WINDOW_MS`) take the label of
    the nearest labelled frame."""
    known = np.nonzero(labels >= 0)[0]
    if not len(known):
        return
    missing = np.nonzero(speech & (labels < 0))[0]
    if not len(missing):
        return
    pos = np.searchsorted(known, missing)
    left = known[np.clip(pos - 1, 0, len(known) - 1)]
    right = known[np.clip(pos, 0, len(known) - 1)]
    nearest = np.where(np.abs(missing - left) <= np.abs(right - missing), left, right)
    labels[missing] = labels[nearest]


def _cross_channel_overlap(labels: list[np.ndarray], overlap: list[np.ndarray]) -> None:
    """Channels: two different speakers at the same frame on different microphones overlap."""
    n = min(len(x) for x in labels)
    for a in range(len(labels)):
        for b in range(a + 1, len(labels)):
            both = (labels[a][:n] >= 0) & (labels[b][:n] >= 0) & (labels[a][:n] != labels[b][:n])
            overlap[a][:n] |= both
            overlap[b][:n] |= both
