"""`make bench` section `limit`: big windows at the key's rate limit, against today's code.

For each window size (20k, 200k lines; 1M with --big) and each latency (0, 50, 200, 500 ms a
request, varying by 20% either way), `get --all` runs twice against an emulator that allows 100
requests a second per key (429 with retry_after past it): the baseline (the CLI as it is at a
git ref, `integ` (`main` where there is none) unless BASETEN_LOGS_BASELINE_REF says otherwise,
unpacked with `git archive` and run with this venv's Python) and this checkout. Reported: wall
time against the rate-limit floor (the fewest requests possible, lines / 1000, at 100 a
second), requests against that minimum, and the share of requests answered 429.

    .venv/bin/python benchmarks/rate_bench.py [--big] [--sizes 200000] [--latencies 200,500]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import CLI, CliRun, emulator_env, fmt_int, run_cli, table, verdict

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig

REPO = Path(__file__).resolve().parent.parent
LIMIT_RPS = 100
WINDOW_MS = 2 * 86_400_000
SIZES = (20_000, 200_000)
BIG = 1_000_000  # opt-in (--big): two runs at each latency of 10 s or more each
LATENCIES_S = (0.0, 0.05, 0.2, 0.5)
JITTER = 0.2
# Wall time against the floor, at 200 and 500 ms a request; at 0 and 50 ms: no slower than
# the baseline (NOISE: what two runs of the same code differ by on a shared machine).
TARGETS = {0.2: 1.5, 0.5: 2.0}
NOISE = 1.10
REFUSED_TARGET = 0.02
MINUTE_MS = 60_000


@dataclass
class Row:
    size: int
    latency_s: float
    build: str
    run: CliRun
    requests: int
    refused: int


def baseline_cli(ref: str, into: Path) -> Path:
    """The CLI as it is at `ref`: its package unpacked into `into`, run by a launcher script
    with this venv's Python (the same dependencies), bytecode compiled as an install would."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "baseten_logs"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryFile() as raw:
        raw.write(archive)
        raw.seek(0)
        with tarfile.open(fileobj=raw) as tar:
            tar.extractall(into, filter="data")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(into / "baseten_logs")], check=True
    )
    launcher = into / "baseten-logs"
    launcher.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(into)!r})\n"
        "from baseten_logs.__main__ import main\n"
        "main()\n"
    )
    launcher.chmod(0o755)
    return launcher


def default_ref() -> str:
    """`integ` where the checkout has it (the lead's integration branch), else `main`."""
    found = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", "integ"],
        capture_output=True,
        check=False,
    )
    return "integ" if found.returncode == 0 else "main"


def window(emu: Emulator) -> tuple[int, int]:
    until = emu.now_ms() // MINUTE_MS * MINUTE_MS - 10 * MINUTE_MS
    return until - WINDOW_MS, until


def count_lines(emu: Emulator, since: int, until: int) -> int:
    """Counted an hour at a time: a list of every line at once would dwarf the CLI."""
    return sum(
        len(emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, a, min(a + 3_599_999, until)))
        for a in range(since, until + 1, 3_600_000)
    )


def get_all(since: int, until: int) -> list[str]:
    return [
        "get",
        DEMO_MODEL_ID,
        DEMO_DEPLOYMENT_ID,
        "--all",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
    ]


def measure(
    size: int, latencies: Sequence[float], builds: Sequence[tuple[str, Path]]
) -> tuple[int, list[Row]]:
    config = EmulatorConfig(
        rates={DEMO_DEPLOYMENT_ID: size / (WINDOW_MS / 1000)},
        rate_limit_per_s=None,
        cache_lines=min(1_200_000, max(300_000, size + size // 5)),
    )
    rows: list[Row] = []
    with Emulator(config) as emu:
        since, until = window(emu)
        expected = count_lines(emu, since, until)
        env = emulator_env(emu.url, emu.api_key)
        emu.set_rate_limit(LIMIT_RPS)
        for latency in latencies:
            emu.set_latency(latency, jitter=latency * JITTER)
            for build, program in builds:
                emu.clear_requests()
                time.sleep(1.1)  # a fresh second of the key's budget for every run
                run = run_cli(get_all(since, until), env, program=program)
                if run.status != 0 or run.lines != expected:
                    raise RuntimeError(
                        f"{build} at {latency * 1000:.0f} ms: exit {run.status}, {run.lines} "
                        f"lines of {expected}: {run.stderr.strip()[:300]}"
                    )
                logs = [r for r in emu.requests if r.path.endswith("/logs")]
                refused = sum(1 for r in logs if r.status == 429)
                rows.append(Row(size, latency, build, run, len(logs), refused))
                print(
                    f"  {size:>9,} lines {latency * 1000:>4.0f} ms {build:<9} "
                    f"{run.wall_s:6.2f} s {len(logs):>6} requests {refused:>4} 429",
                    flush=True,
                )
    return expected, rows


def report(expected: dict[int, int], rows: list[Row]) -> str:
    out = []
    for row in rows:
        lines = expected[row.size]
        minimum = math.ceil(lines / 1000)
        floor = minimum / LIMIT_RPS
        share = row.refused / row.requests if row.requests else 0.0
        base = next(
            r
            for r in rows
            if r.size == row.size and r.latency_s == row.latency_s and r.build == "baseline"
        )
        target, ok = "", None
        if row.build != "baseline":
            if row.latency_s in TARGETS:
                limit = TARGETS[row.latency_s]
                target = f"<= {limit:g}x floor, <= {REFUSED_TARGET:.0%} 429"
                ok = row.run.wall_s <= limit * floor and share <= REFUSED_TARGET
            else:
                target = "<= baseline"
                ok = row.run.wall_s <= base.run.wall_s * NOISE and share <= REFUSED_TARGET
        out.append(
            [
                fmt_int(lines),
                f"{row.latency_s * 1000:.0f} ms",
                row.build,
                f"{row.run.wall_s:.2f}",
                f"{floor:.2f}",
                f"{row.run.wall_s / floor:.2f}x",
                f"{row.run.wall_s / base.run.wall_s:.2f}x",
                f"{row.requests} / {minimum}",
                f"{row.refused} ({share:.1%})",
                f"{row.run.peak_rss_mb:.0f}",
                target,
                verdict(ok),
            ]
        )
    headers = [
        "lines",
        "latency",
        "build",
        "wall s",
        "floor s",
        "vs floor",
        "vs base",
        "requests / min",
        "429s",
        "peak MB",
        "target",
        "",
    ]
    return table(headers, out)


def bench_limit(
    sizes: Sequence[int] = SIZES,
    latencies: Sequence[float] = LATENCIES_S,
    ref: str | None = None,
) -> None:
    ref = ref or os.environ.get("BASETEN_LOGS_BASELINE_REF") or default_ref()
    print(
        f"--all at the key's limit ({LIMIT_RPS} requests/s, 429 past it) over 2 days; latency "
        f"varies by {JITTER:.0%} either way; floor = (lines / 1000) / {LIMIT_RPS} s; baseline: "
        f"the CLI at {ref!r}; one run each (heavy)"
    )
    with tempfile.TemporaryDirectory(prefix="baseten-logs-baseline-") as tmp:
        builds = [("baseline", baseline_cli(ref, Path(tmp))), ("this", CLI)]
        expected: dict[int, int] = {}
        rows: list[Row] = []
        for size in sizes:
            expected[size], measured = measure(size, latencies, builds)
            rows += measured
    print(report(expected, rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help=f"also {BIG:,} lines (slow)")
    parser.add_argument("--sizes", help="comma-separated line counts instead of the default")
    parser.add_argument("--latencies", help="comma-separated milliseconds (default 0,50,200,500)")
    parser.add_argument("--baseline", help="git ref of the baseline (default integ, else main)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(SIZES)
    if args.big:
        sizes.append(BIG)
    latencies = (
        [int(ms) / 1000 for ms in args.latencies.split(",")] if args.latencies else LATENCIES_S
    )
    bench_limit(sizes, latencies, args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
