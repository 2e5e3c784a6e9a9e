"""Profile: where a transcription's time goes, stage by stage.

Runs Cueline's pipeline in this process on one input with ONE worker (so the stages run one
after another and their times add up to the whole) and times every call into each stage:

* ``decode media``: FFmpeg/PyAV decoding and resampling (``app.audio.decode``);
* ``voice activity``: speech detection (Silero or energy), whole-file or block by block;
* ``features``: the log-mel spectrogram of each chunk (faster-whisper's NumPy code);
* ``encoder``: CTranslate2's Whisper encoder (``WhisperModel.encode``);
* ``decoder``: beam search (``ctranslate2.models.Whisper.generate``);
* ``fallback``: chunks decoded again (temperature fallback, or the full 30 s window);
* ``word times``: cross-attention alignment + DTW (``Whisper.align``, inside
  ``add_word_timestamps``) and its Python around it;
* ``word edges``: the pipeline's word timer (edges snapped to speech) and cleanup;
* ``other``: the rest (model load, Python, scheduling), the whole minus the above.

Works on any checkout (``--root``), so the same profile is taken before and after a change.

    .venv/bin/python packaging/bench/profile_transcribe.py MEDIA [--model base]
        [--root /path/to/checkout] [--workers 1]
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

TOTALS: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
_ACTIVE = threading.local()


def timed(stage: str, fn):
    """``fn`` with its wall time added to ``stage`` (not counted again inside another stage
    of the same thread)."""

    def wrapper(*a, **k):
        if getattr(_ACTIVE, "stage", None):
            return fn(*a, **k)
        _ACTIVE.stage = stage
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            TOTALS[stage] += time.perf_counter() - t
            CALLS[stage] += 1
            _ACTIVE.stage = None

    wrapper.__wrapped__ = fn
    return wrapper


class _ModelProxy:
    """CTranslate2's ``Whisper`` with ``generate`` and ``align`` timed."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.generate = timed("decoder", inner.generate)
        self.align = timed("word times", inner.align)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def patch(engine) -> None:
    model = engine.model
    model.encode = timed("encoder", model.encode)
    model.model = _ModelProxy(model.model)
    model.add_word_timestamps = timed("word times", model.add_word_timestamps)
    fe = type(model.feature_extractor)
    if not hasattr(fe.__call__, "__wrapped__"):
        fe.__call__ = timed("features", fe.__call__)
    for name in ("_fallback",):
        if hasattr(engine, name):
            setattr(engine, name, timed("fallback", getattr(engine, name)))


def patch_modules() -> None:
    decode = importlib.import_module("app.audio.decode")
    decode._decode_into = timed("decode media", decode._decode_into)
    vad = importlib.import_module("app.audio.vad")
    for name in ("speech_regions",):
        setattr(vad, name, timed("voice activity", getattr(vad, name)))
    stream = getattr(vad, "SpeechStream", None)
    if stream is not None:
        for name in ("feed", "finish"):
            setattr(stream, name, timed("voice activity", getattr(stream, name)))
    snap = importlib.import_module("app.align.snap")
    snap.snap_segments = timed("word edges", snap.snap_segments)
    cleanup = importlib.import_module("app.pipeline.cleanup")
    cleanup.Cleaner.clean = timed("word edges", cleanup.Cleaner.clean)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("media")
    parser.add_argument("--model", default="base")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[2]))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--beam-size", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    patch_modules()
    from app.engines.base import TranscribeOptions
    from app.pipeline.transcribe import make_engine, transcribe_file
    from app.pipeline.types import PipelineOptions

    options = PipelineOptions(engine="whisper", model=args.model, device="cpu",
                              compute_type="int8", workers=args.workers,
                              decode=TranscribeOptions(beam_size=args.beam_size))
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    engine = make_engine(options)
    engine.load()
    patch(engine)
    load_s = time.perf_counter() - t0
    result = transcribe_file(args.media, options, engine=engine)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    audio_s = result.stats.audio_s
    print(f"{Path(args.media).name}: {audio_s:.0f} s of audio, model {args.model}, "
          f"{args.workers} worker(s), {len(result.segments)} segments; whole {wall:.1f} s wall, "
          f"{cpu:.1f} CPU s, RTF {wall / max(audio_s, 1e-9):.3f}")
    stages = ["decode media", "voice activity", "features", "encoder", "decoder", "fallback",
              "word times", "word edges"]
    print(f"{'stage':>15} {'wall s':>7} {'share':>6} {'calls':>6}")
    print(f"{'model load':>15} {load_s:7.2f} {load_s / wall:6.1%} {1:6d}")
    accounted = load_s
    for s in stages:
        print(f"{s:>15} {TOTALS[s]:7.2f} {TOTALS[s] / wall:6.1%} {CALLS[s]:6d}")
        if s != "decode media" or args.workers == 1:
            accounted += TOTALS[s]
    other = max(0.0, wall - accounted)
    print(f"{'other':>15} {other:7.2f} {other / wall:6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
