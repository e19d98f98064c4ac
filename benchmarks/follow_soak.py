"""Follow-mode soak: every line of a busy, late-arriving stream shown exactly once, in flat memory.

    .venv/bin/python benchmarks/follow_soak.py [--window 60] [--tail 30] [--rate 200]

The emulator logs `--rate` lines/s on the demo deployment; a `--late-share` of them arrive
2-`--max-late` s late (the rest within 2 s), under the real rate limit of 100 requests/s.
`baseten-logs get -f --since NOW --until NOW+WINDOW+TAIL -o jsonl` runs as a subprocess and
stops by itself 5 s after --until, with one final sweep.

What must be shown is exact, because the emulator's clock can be pinned after the run:
  - every line visible at until + 5 s, the moment the final sweep begins (its requests come
    later and visibility only grows), so a missing line is a bug;
  - nothing beyond what was visible when the CLI exited, counted as a multiset on
    (timestamp, message, replica, request_id, level), so an extra copy is a double.
Lines of the last seconds that arrive after the final sweep are legitimately not shown (the
CLI stops following), so the first WINDOW seconds are also checked on their own: their lines
all arrived by WINDOW + max_late <= WINDOW + TAIL, long before the end, and each must appear
exactly once. The CLI's RSS is sampled every second from /proc/PID/status.

Exits 1 if a line is missing or doubled; memory is reported, not enforced.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness import emulator_env, run_cli, table, verdict, vm_rss_mb

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig

FINAL_GRACE_S = 5.0  # the CLI's last sweep starts this long after --until (follow.recent_ms)
FLAT_LAST_S = 40.0
# The CLI remembers the lines of the last --overlap (60 s by default) to recognise them again,
# so its memory rises for that long after following starts, by design; only later can it be flat.
OVERLAP_S = 60.0
FILLED_AT_S = OVERLAP_S + 10.0
FLAT_TOLERANCE = 0.05  # "flat": the last 40 s vary by less than 5% of RSS (or 2 MB)
FLAT_TOLERANCE_MB = 2.0


class PinnableClock:
    """Wall time, until pinned: ground truth "as seen at" a past moment, after the run."""

    def __init__(self) -> None:
        self.pinned: float | None = None

    def __call__(self) -> float:
        return time.time() if self.pinned is None else self.pinned


Key = tuple[Any, ...]


def key(record: Mapping[str, Any]) -> Key:
    return (
        record.get("timestamp"),
        record.get("message"),
        record.get("replica"),
        record.get("request_id"),
        record.get("level"),
    )


def multiset(records: Iterable[Mapping[str, Any]]) -> Counter[Key]:
    return Counter(key(r) for r in records)


def ms_of(record_key: Key) -> int:
    return int(record_key[0]) // 1_000_000


class RssSampler:
    """VmRSS of one process every `every` seconds, from a thread, until it is gone."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        self._thread = threading.Thread(target=self._run, args=(pid,), daemon=True)
        self._thread.start()

    def _run(self, pid: int) -> None:
        started = time.monotonic()
        tick = started
        while (rss := vm_rss_mb(pid)) is not None:
            self.samples.append((time.monotonic() - started, rss))
            tick += self.every
            time.sleep(max(0.0, tick - time.monotonic()))

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=60.0, help="seconds checked in full")
    parser.add_argument("--tail", type=float, default=30.0, help="more seconds followed")
    parser.add_argument("--rate", type=float, default=200.0, help="lines/s")
    parser.add_argument("--late-share", type=float, default=0.1)
    parser.add_argument("--max-late", type=float, default=30.0, help="seconds")
    args = parser.parse_args(argv)
    if args.tail < args.max_late:
        parser.error("--tail must be at least --max-late, or the window cannot settle")

    clock = PinnableClock()
    config = EmulatorConfig(
        clock=clock,
        rates={DEMO_DEPLOYMENT_ID: args.rate},
        late_share=args.late_share,
        max_late_s=args.max_late,
        rate_limit_per_s=100,
    )
    chunks: list[bytes] = []
    sampler = RssSampler()
    with Emulator(config) as emu:
        since = emu.now_ms()
        settled_until = since + int(args.window * 1000)
        until = settled_until + int(args.tail * 1000)
        print(
            f"follow soak: {args.rate:g} lines/s, {args.late_share:.0%} of them 2-"
            f"{args.max_late:g} s late, rate limit 100 requests/s; following "
            f"{args.window:g} + {args.tail:g} s, then the CLI's {FINAL_GRACE_S:g} s grace",
            flush=True,
        )
        cli_args = [
            "get",
            DEMO_MODEL_ID,
            DEMO_DEPLOYMENT_ID,
            "-f",
            "--since",
            str(since),
            "--until",
            str(until),
            "-o",
            "jsonl",
        ]
        run = run_cli(
            cli_args,
            emulator_env(emu.url, emu.api_key),
            on_start=sampler.start,
            on_chunk=chunks.append,
            timeout_s=args.window + args.tail + 120,
        )
        exited = time.time()
        sampler.join()
        requests = [r for r in emu.requests if r.path.endswith("/logs")]
        statuses = Counter(r.status for r in requests)
        # Ground truth as the API saw it at two moments (the CLI has exited; nothing else runs).
        clock.pinned = until / 1000 + FINAL_GRACE_S
        must = multiset(emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until))
        clock.pinned = exited
        may = multiset(emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until))
        clock.pinned = None
        errors = emu.errors

    text = b"".join(chunks).decode()
    shown = multiset(json.loads(line) for line in text.splitlines() if line)
    missing = must - shown
    doubled = shown - may  # copies beyond what the API could ever have returned
    not_arrived = may - shown - missing  # arrived after the final sweep began: not awaited
    settled_truth = Counter({k: n for k, n in may.items() if ms_of(k) <= settled_until})
    settled_shown = Counter({k: n for k, n in shown.items() if ms_of(k) <= settled_until})
    settled_missing = settled_truth - settled_shown
    settled_extra = settled_shown - settled_truth

    total = sum(shown.values())
    print(
        table(
            ["", "lines", "check", ""],
            [
                ["shown by the CLI", f"{total:,}", "", ""],
                [
                    f"first {args.window:g} s: ground truth / shown",
                    f"{sum(settled_truth.values()):,} / {sum(settled_shown.values()):,}",
                    f"missing {sum(settled_missing.values())}, "
                    f"doubled {sum(settled_extra.values())}",
                    verdict(not settled_missing and not settled_extra),
                ],
                [
                    "whole window: visible at --until + 5 s",
                    f"{sum(must.values()):,}",
                    f"missing {sum(missing.values())}",
                    verdict(not missing),
                ],
                [
                    "whole window: visible at exit",
                    f"{sum(may.values()):,}",
                    f"doubled {sum(doubled.values())}",
                    verdict(not doubled),
                ],
                [
                    "arrived after the final sweep began (not awaited, by design)",
                    f"{sum(not_arrived.values()):,}",
                    "",
                    "",
                ],
            ],
        )
    )
    status_text = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items()))
    print(
        f"requests: {len(requests):,} to the logs endpoint ({status_text}) over "
        f"{run.wall_s:.1f} s = {len(requests) / run.wall_s:.1f}/s; CLI exit status {run.status}; "
        f"CLI CPU {run.cpu_s:.1f} s"
    )

    samples = sampler.samples
    flat_ok = False
    if samples:
        rss = [mb for _, mb in samples]
        end_t = samples[-1][0]
        last = [mb for t, mb in samples if t >= end_t - FLAT_LAST_S]
        spread = max(last) - min(last)
        growth = last[-1] - last[0]
        flat_ok = spread <= max(FLAT_TOLERANCE_MB, FLAT_TOLERANCE * last[0])
        judged = end_t - FLAT_LAST_S >= FILLED_AT_S
        filled = [mb for t, mb in samples if t >= FILLED_AT_S]
        print(
            f"RSS (MB, sampled every 1 s, {len(samples)} samples): start {rss[0]:.1f}, "
            f"min {min(rss):.1f}, max {max(rss):.1f}, end {rss[-1]:.1f}; "
            f"peak (ru_maxrss) {run.peak_rss_mb:.1f}"
        )
        judgement = (
            f"flat {verdict(flat_ok)}"
            if judged
            else f"not judged: the last {FLAT_LAST_S:g} s begin before the {OVERLAP_S:g} s "
            f"overlap memory has filled (~{FILLED_AT_S:g} s); use --window 240 for a verdict"
        )
        print(
            f"last {FLAT_LAST_S:g} s: growth {growth:+.1f} MB, max - min {spread:.1f} MB; "
            + judgement
        )
        if filled:
            print(
                f"after the overlap filled (t >= {FILLED_AT_S:g} s): {filled[0]:.1f} -> "
                f"{filled[-1]:.1f} MB over {end_t - FILLED_AT_S:.0f} s "
                f"({filled[-1] - filled[0]:+.1f} MB)"
            )
        every5 = " ".join(f"{mb:.0f}" for t, mb in samples[::5])
        print(f"RSS every 5 s: {every5}")
    if run.status != 0 or errors:
        print(f"CLI stderr: {run.stderr.strip()[:800]}; emulator errors: {errors[:3]}")
    failed = bool(missing or doubled or settled_missing or settled_extra)
    failed = failed or run.status != 0 or bool(errors)
    print("RESULT:", "FAIL" if failed else "every line exactly once")
    if missing or doubled:
        for name, bag in (("missing", missing), ("doubled", doubled)):
            for k in list(bag)[:5]:
                print(f"  {name}: {k}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
