"""Benchmark: the remote engine against faster-whisper-server on this machine.

Starts ``faster-whisper-server`` (PyPI, 0.0.3) processes on 127.0.0.1 serving the bundled
Whisper model (int8, ``--threads`` CPU threads each, like one GPU each), transcribes the JFK
recording looped ``--loops`` times (about 12.5 s per loop) and reports, per variant:

* ``local``: Cueline's own Whisper engine, same model, same threads, one worker;
* ``remote 1x1``, ``1x2``, ``1x4``: one server, 1, 2 and 4 requests in flight;
* ``remote 2x2``, ``2x4``: two servers, 2 and 4 requests in flight;
* ``remote 1x1 opus``: one server, Opus uploads instead of FLAC.

For each: wall time, throughput (audio seconds per wall second), the client's CPU seconds
(decoding, VAD, encoding uploads, local word alignment, HTTP), the servers' CPU seconds, WER
against the known text, and the client's local word-alignment time.  Also the upload sizes of
one chunk as WAV, FLAC and Opus.

    .venv/bin/python packaging/bench/bench_remote.py [--loops 8] [--model base] [--json out]

faster-whisper-server decodes one request at a time (its handler blocks its event loop), so
more requests in flight to ONE such server only overlap the uploads and the client's work;
two servers decode in parallel.  Timings on a shared machine are noisy: the CPU seconds are
the steadier figure.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

JFK = ROOT / "resources" / "demo" / "jfk.flac"
JFK_TEXT = ("And so my fellow Americans, ask not what your country can do for you, "
            "ask what you can do for your country.")
CLK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One faster-whisper-server process (config mode: int8, N threads)."""

    def __init__(self, model_path: Path, folder: Path, threads: int, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        cfg = folder / f"{name}.yaml"
        cfg.write_text("models:\n  - name: whisper-1\n"
                       f"    path: {json.dumps(str(model_path))}\n"
                       f"    model_options: {{device: cpu, compute_type: int8, "
                       f"cpu_threads: {threads}}}\n")
        self.log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "faster_whisper_server", "--config", str(cfg), "--host",
             "127.0.0.1", "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT,
            env=dict(os.environ, HF_HUB_OFFLINE="1"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                with contextlib.closing(conn):
                    conn.request("GET", "/health")
                    if conn.getresponse().status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"faster-whisper-server did not start on port {self.port}")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def client_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def wer(reference: str, hypothesis: str) -> float:
    import re

    import jiwer

    def norm(t: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", t.lower())).strip()

    return jiwer.wer(norm(reference), norm(hypothesis) or "<empty>")


def upload_sizes(samples) -> dict[str, int]:
    from app.engines.remote.wire import encode_audio

    out = {}
    for fmt in ("wav", "flac", "opus"):
        t0 = time.process_time()
        data, _, _ = encode_audio(samples, fmt)
        out[fmt] = len(data)
        out[f"{fmt}_encode_ms"] = round((time.process_time() - t0) * 1000, 1)
    return out


def run_variant(name: str, media: Path, reference: str, audio_s: float, *, engine,
                options, servers: list[Server]) -> dict:
    from app.pipeline.transcribe import transcribe_file

    engine.load()
    server_cpu = [s.cpu_s() for s in servers]
    cpu0, t0 = client_cpu_s(), time.monotonic()
    result = transcribe_file(media, options, engine=engine)
    wall = time.monotonic() - t0
    row = {
        "variant": name, "wall_s": round(wall, 2), "audio_s": round(audio_s, 1),
        "throughput": round(audio_s / wall, 2),
        "client_cpu_s": round(client_cpu_s() - cpu0, 2),
        "server_cpu_s": round(sum(s.cpu_s() - c for s, c in zip(servers, server_cpu,
                                                                  strict=True)), 2),
        "align_s": round(result.stats.timing_s, 2), "chunks": result.stats.chunks,
        "failed": len(result.failed_regions), "wer": round(wer(reference, result.text), 4),
    }
    if hasattr(engine, "summary"):
        row["per_server"] = [s["done"] for s in engine.summary()]
    print(json.dumps(row), flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loops", type=int, default=8, help="JFK repetitions (~12.5 s each)")
    ap.add_argument("--model", default="base", help="bundled model: base or tiny.en")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads per server and local")
    ap.add_argument("--json", help="write the rows here")
    args = ap.parse_args()
    try:
        import faster_whisper_server  # noqa: F401
    except ImportError:
        print("bench_remote: faster-whisper-server is not installed (pip install "
              "'cueline[test]'); skipped")
        return 0

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np

    from app.audio.decode import decode
    from app.engines.base import TranscribeOptions
    from app.engines.models import resolve_model
    from app.engines.registry import create_engine
    from app.pipeline.types import PipelineOptions
    from tests.pipeline.media import write_wav

    folder = Path(tempfile.mkdtemp(prefix="cueline-bench-remote-"))
    jfk = decode(JFK, 16000)
    gap = np.zeros(int(1.5 * 16000), np.float32)
    x = np.concatenate([np.zeros(8000, np.float32)] + [np.concatenate([jfk, gap])] * args.loops)
    media = write_wav(folder / "jfk_loop.wav", x)
    audio_s = len(x) / 16000
    reference = " ".join([JFK_TEXT] * args.loops)
    model_path = resolve_model(args.model)
    decode_opts = TranscribeOptions(language="en")
    rows = []
    print(json.dumps({"uploads_11s_chunk": upload_sizes(jfk), "model": args.model,
                      "threads": args.threads, "cores": os.cpu_count(),
                      "load_avg": os.getloadavg()}), flush=True)

    local = create_engine("whisper", args.model, device="cpu", compute_type="int8",
                          cpu_threads=args.threads)
    rows.append(run_variant("local", media, reference, audio_s, engine=local, servers=[],
                            options=PipelineOptions(model=args.model, device="cpu",
                                                    compute_type="int8", workers=1,
                                                    decode=decode_opts)))
    local.unload()

    servers = [Server(model_path, folder, args.threads, f"s{i}") for i in range(2)]
    try:
        def remote(name: str, n: int, workers: int, fmt: str = "flac") -> None:
            urls = [s.url for s in servers[:n]]
            engine = create_engine("remote", servers=urls, upload_format=fmt)
            opts = PipelineOptions(engine="remote", workers=workers, decode=decode_opts,
                                   engine_settings={"servers": urls, "upload_format": fmt})
            rows.append(run_variant(name, media, reference, audio_s, engine=engine,
                                    options=opts, servers=servers[:n]))
            engine.unload()

        # warm-up (not reported): loads the servers' models and the local aligner
        from app.pipeline.transcribe import transcribe_file

        urls = [s.url for s in servers]
        transcribe_file(JFK, PipelineOptions(engine="remote", workers=2,
                                             engine_settings={"servers": urls}))
        remote("remote 1x1", 1, 1)
        remote("remote 1x2", 1, 2)
        remote("remote 1x4", 1, 4)
        remote("remote 2x2", 2, 2)
        remote("remote 2x4", 2, 4)
        remote("remote 1x1 opus", 1, 1, "opus")
    finally:
        for s in servers:
            s.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print("\nvariant            wall s  audio s/s  client CPU s  server CPU s  align s  WER")
    for r in rows:
        print(f"{r['variant']:<18} {r['wall_s']:>6.1f}  {r['throughput']:>9.2f}  "
              f"{r['client_cpu_s']:>12.1f}  {r['server_cpu_s']:>12.1f}  {r['align_s']:>7.1f}  "
              f"{r['wer']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
