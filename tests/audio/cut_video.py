"""Videos with hard cuts at known frames, made with the bundled FFmpeg's test sources.

Each shot is one lavfi source (moving test patterns, colour bars, flat colours, a zoom into a
Mandelbrot set...) lasting a whole number of frames; the shots are concatenated, so the cut
times are exact: shot ``k`` starts at frame ``sum(frames[:k])``.  A sine tone is the audio
track (the editor needs audio to draw a waveform).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

# sources that change every frame (motion inside a shot) and still ones
SOURCES = (
    "testsrc2", "smptebars", "color=c=0x2050a0", "rgbtestsrc", "testsrc",
    "color=c=0xc08030", "smptehdbars", "mandelbrot", "color=c=0x208040", "pal75bars",
    "cellauto", "color=c=0x702070",
)


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def shot_plan(total_frames: int, fps: int, seed: int = 7) -> list[int]:
    """Shot lengths (frames) adding up to ``total_frames``: 1.2 s to 7 s, varied."""
    import random

    rnd = random.Random(seed)
    out: list[int] = []
    left = total_frames
    while left > 0:
        n = min(left, rnd.randint(int(1.2 * fps), 7 * fps))
        if 0 < left - n < fps:  # no runt shot at the end
            n = left
        out.append(n)
        left -= n
    return out


def make_cut_video(path: str | Path, shots: Sequence[int], *, fps: int = 25,
                   size: tuple[int, int] = (320, 180), codec: str = "libx264",
                   audio: bool = True, sources: Sequence[str] = SOURCES,
                   preset: str = "ultrafast") -> list[int]:
    """Write a video of ``shots`` (frame counts); returns the frame index of each cut."""
    w, h = size
    args = [ffmpeg_exe(), "-loglevel", "error", "-y"]
    parts = []
    for k, frames in enumerate(shots):
        src = sources[k % len(sources)]
        sep = ":" if "=" in src else "="
        args += ["-f", "lavfi", "-i",
                 f"{src}{sep}size={w}x{h}:rate={fps}" if not src.startswith("mandelbrot")
                 else f"mandelbrot=size={w}x{h}:rate={fps}:maxiter=64"]
        parts.append(f"[{k}:v]trim=end_frame={frames},setpts=PTS-STARTPTS,format=yuv420p[v{k}]")
    n = len(shots)
    total = sum(shots)
    graph = ";".join(parts) + ";" + "".join(f"[v{k}]" for k in range(n)) + f"concat=n={n}:v=1:a=0[v]"
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=16000:duration={total / fps}"]
    args += ["-filter_complex", graph, "-map", "[v]"]
    if audio:
        args += ["-map", f"{n}:a", "-c:a", "aac", "-b:a", "48k"]
    args += ["-c:v", codec, "-r", str(fps)]
    if codec == "libx264":
        args += ["-preset", preset, "-g", str(fps * 4), "-pix_fmt", "yuv420p"]
    args += [str(path)]
    subprocess.run(args, check=True)
    cuts = []
    at = 0
    for frames in shots[:-1]:
        at += frames
        cuts.append(at)
    return cuts
