"""How well `--all`'s slicing (reading/parallel.py) keeps the key's rate busy, alone.

`rate_bench.py` runs the CLI against the emulator; on a shared machine its wall time is as much
the CPU left to the CLI and the emulator as the slicing. Here the same ParallelWindow, the same
ConcurrencyController and RateLimiter walk a simulated endpoint in-process: 100 requests/s,
a latency varying by 20% either way, lines spread at random over two days, pages of small
records (so the byte budget never binds: that part is rate_bench's). Reported: wall time against
the rate-limit floor (lines / 1000 at 100 a second), requests against that minimum, slices,
and requests started per quarter second (a dip is the rate unused).

    .venv/bin/python benchmarks/slicing_sim.py [--lines 200000] [--latencies 200,500]
"""

from __future__ import annotations

import argparse
import bisect
import random
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from baseten_logs.api.pace import ConcurrencyController, RateLimiter
from baseten_logs.reading.parallel import ParallelWindow

MS = 1_000_000
T0 = 1_700_000_000_000
SPAN_MS = 2 * 86_400_000
LIMIT_RPS = 100.0
JITTER = 0.2


def simulate(lines: int, latency_s: float, seed: int = 1) -> str:
    rng = random.Random(seed)
    stamps = sorted(T0 + rng.randrange(SPAN_MS) for _ in range(lines))
    records = [
        {"timestamp": str(ms * MS + i % 1000), "message": "m"} for i, ms in enumerate(stamps)
    ]
    limiter = RateLimiter(LIMIT_RPS)
    controller = ConcurrencyController("auto", rate=lambda: limiter.rate)
    started: list[float] = []
    lock = threading.Lock()
    t0 = time.monotonic()

    def fetch(start: int, end: int, direction: str, limit: int) -> list[Any]:
        limiter.turn()
        sent = time.monotonic()
        with lock:
            started.append(sent - t0)
            wait = latency_s * (1 + rng.uniform(-JITTER, JITTER))
        time.sleep(wait)
        low, high = bisect.bisect_left(stamps, start), bisect.bisect_right(stamps, end)
        if direction == "desc":
            page = records[max(low, high - limit) : high][::-1]
        else:
            page = records[low : min(high, low + limit)]
        controller.observe(200, time.monotonic() - sent)
        return page

    window = ParallelWindow(fetch, controller=controller)
    got = sum(len(page) for page in window.pages(T0, T0 + SPAN_MS - 1))
    wall = time.monotonic() - t0
    if got != lines:
        raise RuntimeError(f"{got} lines of {lines}")
    floor = lines / 1000 / LIMIT_RPS
    quarters = [0] * (int(max(started) / 0.25) + 1)
    for at in started:
        quarters[int(at / 0.25)] += 1
    return (
        f"{latency_s * 1000:>4.0f} ms  {wall:5.2f} s  {wall / floor:4.2f}x floor  "
        f"{len(started)} / {-(-lines // 1000)} requests  {window.slices} slices  "
        f"per 0.25 s: {quarters}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--latencies", default="0,50,200,500", help="milliseconds, comma-separated")
    args = parser.parse_args(argv)
    for ms in args.latencies.split(","):
        print(simulate(args.lines, int(ms) / 1000), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
