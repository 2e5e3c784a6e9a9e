"""Benchmark: text translation throughput and the handling of replies that do not match.

Runs against the fake OpenAI-compatible chat server (tests/fake_chat_server.py, started as its
own process on this machine), so it measures Cueline's side: building the requests, HTTP,
reading and checking each reply cue by cue, and the cost of asking again.  A real model's
time per request comes on top (``--delay-ms`` adds a fixed latency per request to see how
batching and parallel requests hide it).

Measured:

* cues per second for batch sizes 1, 6, 12 (the default) and 20, one request at a time and
  four at once;
* for each kind of reply that does not match its cues (a cue missing, two cues merged, ids
  shifted, texts shifted, an extra cue, a cue twice, JSON cut short), hitting one cue of a
  300-cue file in every request that holds it together with another cue: the requests it
  took, whether every cue came back exact (each cue its own translation), and the cues given
  up;
* the same faults when they never stop (the cue can never be answered): the cue is left
  untranslated and reported, its neighbours stay exact.

    .venv/bin/python packaging/bench/bench_translate.py [--cues 1000] [--delay-ms 0]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.pipeline.textmt import ServerConfig, plan_from_texts, translate_text  # noqa: E402
from tests.chat_server import FakeChatServer  # noqa: E402

WORDS = ("morgen wird es regnen aber am wochenende scheint die sonne wieder über ganz "
         "deutschland sagt der wetterdienst heute haben wir 12 grad und viel wind im norden").split()
FAULTS = ("missing", "merge", "merge_empty", "shift_ids", "shift_texts", "extra", "duplicate",
          "malformed")


def texts(n: int) -> list[str]:
    out = []
    for i in range(n):
        k = 4 + (i * 7) % 11
        words = [WORDS[(i * 3 + j * 5) % len(WORDS)] for j in range(k)]
        out.append(" ".join(words).capitalize() + ".")
    return out


def run(server: FakeChatServer, src: list[str], batch: int, parallel: int = 1) -> dict:
    job = plan_from_texts(src, "en", source_language="de")
    cfg = ServerConfig(server.url, server.model, timeout_s=30, backoff_s=0.01)
    t0 = time.perf_counter()
    result = translate_text(job, cfg, batch_size=batch, parallel=parallel)
    elapsed = time.perf_counter() - t0
    exact = all(result.translations.get(str(i)) == t.upper() for i, t in enumerate(src)
                if str(i) in result.translations)
    return {"batch": batch, "parallel": parallel, "cues": len(src), "seconds": round(elapsed, 3),
            "cues_per_s": round(len(result.translations) / elapsed, 1),
            "requests": result.requests, "translated": len(result.translations),
            "failed": len(result.failed), "exact": exact, "error": result.error}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cues", type=int, default=1000)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    server = FakeChatServer()
    report: dict = {"cues": args.cues, "delay_ms": args.delay_ms, "throughput": [],
                    "faults": [], "lasting_faults": []}
    try:
        src = texts(args.cues)
        print(f"Throughput, {args.cues} cues, fake server latency {args.delay_ms:g} ms per request")
        print(f"{'batch':>6} {'parallel':>8} {'requests':>9} {'seconds':>8} {'cues/s':>8} exact")
        for parallel in (1, 4):
            for batch in (1, 6, 12, 20):
                server.reset()
                server.control(delay_s=args.delay_ms / 1000.0)
                r = run(server, src, batch, parallel)
                report["throughput"].append(r)
                print(f"{batch:>6} {parallel:>8} {r['requests']:>9} {r['seconds']:>8.2f} "
                      f"{r['cues_per_s']:>8.1f} {r['exact']}")
        small = texts(300)
        print("\nReplies that do not match (cue 150 of 300, batch 12), while another cue is "
              "in the request:")
        print(f"{'fault':>12} {'requests':>9} {'translated':>11} {'failed':>7} exact")
        for kind in FAULTS:
            server.reset()
            server.control(faults=[{"kind": kind, "ids": [150], "min_cues": 2}])
            r = run(server, small, 12)
            r["fault"] = kind
            report["faults"].append(r)
            print(f"{kind:>12} {r['requests']:>9} {r['translated']:>11} {r['failed']:>7} "
                  f"{r['exact']}")
        print("\nThe same, never stopping (cue 150 can never be answered cleanly):")
        print(f"{'fault':>12} {'requests':>9} {'translated':>11} {'failed':>7} exact")
        for kind in ("missing", "malformed", "extra"):
            server.reset()
            server.control(faults=[{"kind": kind, "ids": [150]}])
            r = run(server, small, 12)
            r["fault"] = kind
            report["lasting_faults"].append(r)
            print(f"{kind:>12} {r['requests']:>9} {r['translated']:>11} {r['failed']:>7} "
                  f"{r['exact']}")
    finally:
        server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
