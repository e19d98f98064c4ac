"""How well `--all`'s slicing (reading/parallel.py) keeps the key's rate busy, alone.

`rate_bench.py` runs the CLI against the emulator; on a shared machine its wall time is as much
the CPU left to the CLI and the emulator as the slicing. Here the same ParallelWindow, the same
ConcurrencyController and RateLimiter walk a simulated endpoint in-process: 100 requests/s,
a latency varying by 20% either way, lines spread at random over two days, pages of small
records (so the byte budget never binds), or with --message-bytes lines the size of the API's
(150: pages of about 200 KB, 1.1 MB parsed, as the emulator's), each answer told to the byte
budget as the client tells it (api/arrivals.py: its bytes, then what it holds parsed), so the
64 MiB budget binds as it does in a real run. --baseline-path runs the same against another
checkout's package (e.g. `git archive integ3 baseten_logs | tar -x -C /tmp/base`), in the same
process run for run. Reported: wall time against
the rate-limit floor (lines / 1000 at 100 a second), requests against that minimum, slices,
and requests started per quarter second (a dip is the rate unused).

    .venv/bin/python benchmarks/slicing_sim.py [--lines 200000] [--latencies 200,500]
        [--message-bytes 150] [--baseline-path /tmp/base]
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MS = 1_000_000
T0 = 1_700_000_000_000
SPAN_MS = 2 * 86_400_000
LIMIT_RPS = 100.0
JITTER = 0.2


def simulate(lines: int, latency_s: float, seed: int = 1, message_bytes: int = 0) -> str:
    from baseten_logs.api.limits import held_bytes
    from baseten_logs.api.pace import ConcurrencyController, RateLimiter
    from baseten_logs.api.page import Page
    from baseten_logs.reading.parallel import ParallelWindow

    try:
        from baseten_logs.api import arrivals
    except ImportError:  # a baseline from before answers were told
        arrivals = None  # type: ignore[assignment]
    rng = random.Random(seed)
    stamps = sorted(T0 + rng.randrange(SPAN_MS) for _ in range(lines))
    text = "m" * max(1, message_bytes)
    records = [
        {"timestamp": str(ms * MS + i % 1000), "message": text}
        | ({"replica": "a1b2c", "level": "INFO"} if message_bytes else {})
        for i, ms in enumerate(stamps)
    ]
    limiter = RateLimiter(LIMIT_RPS)
    controller = ConcurrencyController("auto", rate=lambda: limiter.rate)
    started: list[float] = []
    lock = threading.Lock()
    t0 = time.monotonic()

    def fetch(start: int, end: int, direction: str, limit: int) -> list[Any]:
        if message_bytes and arrivals is not None:
            arrivals.sending()
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
        if not message_bytes:
            return page
        raw = json.dumps({"logs": page}).encode()  # what the client would have read
        held = held_bytes(raw)
        if arrivals is not None:
            arrivals.arrived(len(raw), held)
        return Page(page, held=held)

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
        f"{controller.peak} in flight at most  budget peak {window.budget.peak / 2**20:.0f} MiB  "
        f"per 0.25 s: {quarters}"
    )


def run_in(path: str | None, lines: int, ms: int, message_bytes: int) -> str:
    """One simulation, in a process of its own: this checkout's package, or the one at `path`
    (imported first, so every module of the run is that checkout's)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]) if sys.argv[1] else None; "
        "sys.path.insert(1, sys.argv[2]); import slicing_sim; "
        "print(slicing_sim.simulate(int(sys.argv[3]), int(sys.argv[4]) / 1000, "
        "message_bytes=int(sys.argv[5])))"
    )
    here = str(Path(__file__).resolve().parent)
    argv = [sys.executable, "-c", code, path or "", here, str(lines), str(ms), str(message_bytes)]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--latencies", default="0,50,200,500", help="milliseconds, comma-separated")
    parser.add_argument("--message-bytes", type=int, default=0, help="lines the API's size")
    parser.add_argument("--baseline-path", help="a directory holding another baseten_logs")
    args = parser.parse_args(argv)
    builds = [("this", None)] + ([("baseline", args.baseline_path)] if args.baseline_path else [])
    for ms in args.latencies.split(","):
        for build, path in builds:
            print(f"{build:<9}", run_in(path, args.lines, int(ms), args.message_bytes), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
