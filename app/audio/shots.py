"""Shot changes (hard cuts) in a video, found by frame differences, cached per media file.

How
    Every frame is decoded with PyAV (the decoder Cueline already uses for audio; frame
    threads on all cores) and scaled by FFmpeg's swscale to a thumbnail :data:`THUMB_W` pixels
    wide (area averaging, RGB).  A frame's *score* is the mean absolute difference of its
    thumbnail and the previous one's (0 = identical, 1 = black to white).  A cut is a frame
    whose score is at least :data:`MIN_SCORE` AND :data:`RATIO` times the mean score of the
    :data:`WINDOW` frames on either side (an adaptive threshold, as PySceneDetect's
    AdaptiveDetector: a pan or a flickering scene raises its own baseline), and no closer than
    :data:`MIN_SHOT_FRAMES` to the previous cut.

Why not PySceneDetect
    Measured (``packaging/bench/bench_video.py``, /work/notes/i17-video.md) on the same
    generated videos: both find every cut to the frame; this module is faster because swscale
    shrinks the frame in C before it reaches numpy where PySceneDetect copies the full frame
    into numpy and converts it with OpenCV, and PySceneDetect pulls in OpenCV (about 260 MB
    installed, whose Qt plugins also clash with PySide6's).

The cache
    Scores (one float per frame) and frame times are what is slow to get, so they are cached
    (``<cache>/shots/<key>/scores.npz``, keyed like the waveform peaks on the media's size,
    mtime and content); detection from scores takes milliseconds, so changing the sensitivity
    never decodes again.

Times
    A shot change is the time its first frame is shown, in ms from the media's start (the same
    origin as the audio: the container's start time), as :class:`ShotChanges.times_ms`.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.audio import cache
from app.audio.errors import MediaError, media_error
from app.core.cancel import CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

CACHE_KIND = "shots"
CACHE_VERSION = 1
THUMB_W = 64
MIN_SCORE = 0.06
RATIO = 3.0
WINDOW = 2
MIN_SHOT_FRAMES = 8
_PROGRESS_EVERY = 250  # frames


@dataclass(frozen=True)
class FrameScores:
    """Per-frame difference scores of a video (see the module doc)."""

    times_s: np.ndarray  # float64, the time each frame is shown (from the media's start)
    scores: np.ndarray  # float32, difference from the previous frame (0 for the first)
    fps: float  # the video stream's average frame rate

    def __len__(self) -> int:
        return len(self.scores)


@dataclass(frozen=True)
class ShotChanges:
    """The shot changes of one video."""

    times_ms: tuple[int, ...]
    fps: float
    frames: tuple[int, ...] = ()  # the frame index each change starts at

    def __len__(self) -> int:
        return len(self.times_ms)

    @property
    def times_s(self) -> list[float]:
        return [t / 1000.0 for t in self.times_ms]


def detect(fs: FrameScores, *, min_score: float = MIN_SCORE, ratio: float = RATIO,
           window: int = WINDOW, min_shot_frames: int = MIN_SHOT_FRAMES) -> ShotChanges:
    """The cuts among scored frames (see the module doc)."""
    s = np.asarray(fs.scores, np.float64)
    n = len(s)
    if n < 2:
        return ShotChanges((), fs.fps)
    pad = np.pad(s, window, mode="edge")
    kernel = np.ones(2 * window + 1)
    kernel[window] = 0.0
    base = np.convolve(pad, kernel, mode="valid") / (2 * window)
    cand = np.flatnonzero((s >= min_score) & (s >= ratio * base))
    cand = cand[cand > 0]
    picked: list[int] = []
    for i in cand:
        if picked and i - picked[-1] < min_shot_frames:
            if s[i] > s[picked[-1]]:  # two cuts too close: keep the sharper one
                picked[-1] = int(i)
            continue
        picked.append(int(i))
    times = tuple(int(round(fs.times_s[i] * 1000.0)) for i in picked)
    return ShotChanges(times, fs.fps, tuple(picked))


def _thumb_size(width: int, height: int) -> tuple[int, int]:
    h = max(2, int(round(THUMB_W * height / max(1, width) / 2)) * 2)
    return THUMB_W, h


def score_frames(path: str | os.PathLike[str], progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> FrameScores:
    """Decode every video frame of ``path`` and score it; raises MediaError."""
    import av

    from app.audio.probe import check_path

    check_path(path)
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except Exception as exc:  # noqa: BLE001 - every av/OS error becomes a MediaError
        raise media_error(path, exc) from None
    try:
        streams = [v for v in container.streams.video
                   if not (v.disposition & av.stream.Disposition.attached_pic)]
        if not streams:
            raise MediaError(path, "has no video (shot changes need a video track)")
        stream = streams[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 25.0
        origin = float(container.start_time) / 1e6 if container.start_time is not None else 0.0
        expected = int(stream.frames or 0)
        if not expected and container.duration:
            expected = int(container.duration / 1e6 * fps)
        times: list[float] = []
        scores: list[float] = []
        prev = None
        size = None
        try:
            for frame in container.decode(stream):
                if size is None:
                    size = _thumb_size(frame.width, frame.height)
                thumb = frame.reformat(width=size[0], height=size[1], format="rgb24",
                                       interpolation="AREA").to_ndarray()
                cur = thumb.astype(np.int16)
                scores.append(0.0 if prev is None else float(np.abs(cur - prev).mean()) / 255.0)
                prev = cur
                t = frame.time if frame.time is not None else len(times) / fps + origin
                times.append(float(t) - origin)
                if len(times) % _PROGRESS_EVERY == 0:
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    if progress is not None:
                        progress(Progress(len(times), max(expected, len(times)),
                                          "finding shot changes"))
        except MediaError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken stream is the file's problem
            if not times:
                raise media_error(path, exc, "decode") from None
            log.warning("%s: video decoding stopped after %d frames (%s)", path, len(times), exc)
    finally:
        container.close()
    if not times:
        raise MediaError(path, "the video track has no frames")
    t = np.asarray(times, np.float64)
    order = np.argsort(t, kind="stable")  # B-frames come out in display order already
    return FrameScores(t[order], np.asarray(scores, np.float32)[order], fps)


def scores_for_media(path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None,
                     progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                     use_cache: bool = True) -> FrameScores:
    """:func:`score_frames`, from the cache when present (and cached when computed)."""
    if not use_cache:
        return score_frames(path, progress, cancel)
    from app.audio.probe import check_path

    check_path(path)
    key = cache.media_key(path, CACHE_KIND, CACHE_VERSION, THUMB_W)
    folder = cache.entry_dir(CACHE_KIND, key, cache_dir)
    if folder.is_dir():
        try:
            fs = _load(folder)
            cache.touch(folder)
            return fs
        except Exception as exc:  # noqa: BLE001 - any unreadable entry is rebuilt
            log.info("shot cache %s unreadable (%s); rebuilding", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)
    fs = score_frames(path, progress, cancel)
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    try:
        cache.make_entry_dir(tmp, cache_dir)  # private (0700), as every cache entry
        with open(tmp / "scores.npz", "wb") as f:
            np.savez(f, meta=np.array([CACHE_VERSION, fs.fps], np.float64), times=fs.times_s,
                     scores=fs.scores)
        cache.seal(tmp)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process cached the same file meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
        cache.prune(CACHE_KIND, cache_dir, keep=folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        log.warning("cannot write the shot cache in %s (%s); not caching", folder.parent, exc)
    return fs


def _load(folder: Path) -> FrameScores:
    with np.load(folder / "scores.npz", allow_pickle=False) as z:
        version, fps = (float(v) for v in z["meta"])
        times, scores = z["times"], z["scores"]
    if int(version) != CACHE_VERSION or len(times) != len(scores) or not len(times) or fps <= 0:
        raise ValueError("cache entry from another version or inconsistent")
    return FrameScores(times.astype(np.float64), scores.astype(np.float32), fps)


def shot_changes(path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None,
                 progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                 use_cache: bool = True, **params) -> ShotChanges:
    """The shot changes of a video file (scores cached; ``params`` go to :func:`detect`)."""
    fs = scores_for_media(path, cache_dir, progress, cancel, use_cache)
    result = detect(fs, **params)
    if progress is not None:
        progress(Progress(1, 1, f"{len(result)} shot changes"))
    return result
