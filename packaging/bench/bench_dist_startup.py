"""Benchmark: start-up time of the built application (``make dist``) to a drawn window.

On an X server (Xvfb: the script re-runs itself under ``xvfb-run`` when there is no DISPLAY),
starts ``dist/cueline/cueline`` in a clean environment (``env -i``, its own HOME, offline) and
measures the time from exec to the first visible (mapped) window titled "Cueline", polling
``xdotool search --onlyvisible`` every 10 ms; then closes it.  Measured:

* the first start with an empty HOME (fontconfig and Qt caches are made then);
* the median of ``--runs`` later starts with the same HOME, without a file and with the demo
  media (``resources/demo/jfk.flac``);
* the same for the development set-up (``python -m app`` from the venv), for comparison.

    .venv/bin/python packaging/bench/bench_dist_startup.py [--dist dist/cueline] [--runs 7]
        [--json out.json]

Without a build (or without xvfb-run / xdotool) it says so and exits 0.  Timings on a shared
machine are noisy: run it on an idle one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo" / "jfk.flac"
SCREEN = "1600x1000x24"
POLL_S = 0.01
WINDOW_TIMEOUT_S = 60.0


def visible_window() -> bool:
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Cueline"],
                         capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


def time_to_window(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from exec to the first visible Cueline window; the program is then killed."""
    if visible_window():
        raise RuntimeError("a Cueline window is already open on this display")
    log = tempfile.TemporaryFile(mode="w+")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while not visible_window():
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{' '.join(cmd)} exited with status {proc.returncode} "
                                   f"before a window:\n{log.read()[-3000:]}")
            if time.perf_counter() - t0 > WINDOW_TIMEOUT_S:
                raise RuntimeError(f"no window after {WINDOW_TIMEOUT_S:.0f} s")
            time.sleep(POLL_S)
        return time.perf_counter() - t0
    finally:
        proc.kill()
        proc.wait()
        log.close()
        deadline = time.perf_counter() + 5
        while visible_window() and time.perf_counter() < deadline:
            time.sleep(POLL_S)


def clean_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HF_HUB_OFFLINE": "1",
           "DISPLAY": os.environ["DISPLAY"], "CUELINE_AUDIO": "silent"}
    if os.environ.get("XAUTHORITY"):
        env["XAUTHORITY"] = os.environ["XAUTHORITY"]
    env.update(extra or {})
    return env


def measure(label: str, cmd: list[str], runs: int, extra_env: dict[str, str] | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = clean_env(home, extra_env)
        first = time_to_window(cmd, env)
        plain = [time_to_window(cmd, env) for _ in range(runs)]
        with_file = [time_to_window([*cmd, str(DEMO)], env) for _ in range(runs)]
    result = {"label": label, "first_start_s": round(first, 3),
              "median_s": round(statistics.median(plain), 3),
              "median_with_demo_s": round(statistics.median(with_file), 3),
              "runs_s": [round(x, 3) for x in plain],
              "runs_with_demo_s": [round(x, 3) for x in with_file]}
    print(f"{label:<34} first start {first:6.3f} s   median of {runs}: {result['median_s']:6.3f} s"
          f"   with the demo media: {result['median_with_demo_s']:6.3f} s")
    print(f"{'':<34} runs: {' '.join(f'{x:.3f}' for x in plain)}")
    print(f"{'':<34} with demo: {' '.join(f'{x:.3f}' for x in with_file)}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dist", default=str(ROOT / "dist" / "cueline"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json")
    parser.add_argument("--no-venv", action="store_true", help="skip the python -m app comparison")
    args = parser.parse_args()
    exe = Path(args.dist) / "cueline"
    if not exe.is_file():
        print(f"bench_dist_startup: no build at {exe} (make dist): nothing to measure")
        return 0
    for tool in ("xvfb-run", "xdotool"):
        if not shutil.which(tool) and not (tool == "xvfb-run" and os.environ.get("DISPLAY")):
            print(f"bench_dist_startup: {tool} is not installed (packaging/system-deps.sh test)")
            return 0
    if not os.environ.get("DISPLAY"):
        # -noreset: Xvfb otherwise resets when its last client leaves, refusing the next start
        cmd = ["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN} -noreset", sys.executable, __file__, *sys.argv[1:]]
        return subprocess.run(cmd, check=False).returncode

    print(f"start-up to a mapped window, {SCREEN} Xvfb, clean environment, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    results = [measure(f"built app ({exe})", [str(exe)], args.runs, None)]
    if not args.no_venv:
        results.append(measure(f"venv: {Path(sys.executable).name} -m app",
                               [sys.executable, "-m", "app"], args.runs,
                               {"PYTHONPATH": str(ROOT)}))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
