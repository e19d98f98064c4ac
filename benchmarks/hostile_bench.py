"""`make bench`, section `hostile`: peak RSS against servers built to cost memory (issue 23).

Each run is short and bounded (a window of seconds, follow for as long), against
tests/hostile_server.py over loopback, and the baseline is the same server at its mildest in the
same run: `get -n 1000` of 40-byte lines.

    .venv/bin/python benchmarks/run.py --only hostile
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from harness import CliRun, emulator_env, fmt_int, run_cli, table, verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ is not installed

from tests.hostile_server import (  # noqa: E402
    API_KEY,
    CHAIN,
    DEPLOYMENT,
    MODEL,
    HostileServer,
    Hostility,
)

TARGET_MB = 150.0
PAUSE_S = 3.0  # the stalled reader reads nothing this long


class HostileBenchError(Exception):
    """A run that failed (a crash, a non-zero exit): no trustworthy figure."""


def _checked(run: CliRun, what: str) -> CliRun:
    if run.status != 0:
        raise HostileBenchError(f"{what}: exit {run.status}: {run.stderr.strip()[:300]}")
    return run


def _row(name: str, run: CliRun, baseline: CliRun | None) -> list[object]:
    ratio = "" if baseline is None else f"{run.peak_rss_mb / baseline.peak_rss_mb:.2f}x"
    return [
        name,
        fmt_int(max(run.lines, 0)),
        f"{run.wall_s:.1f}",
        f"{run.peak_rss_mb:.1f}",
        ratio,
        "" if baseline is None else f"< {TARGET_MB:.0f} MB",
        "" if baseline is None else verdict(run.peak_rss_mb < TARGET_MB),
    ]


def _run(hostility: Hostility, args: list[str], *, pause: bool = False) -> CliRun:
    paused = False

    def pause_once(chunk: bytes) -> None:
        nonlocal paused
        if pause and not paused:
            paused = True
            time.sleep(PAUSE_S)

    with HostileServer(hostility) as server:
        env = emulator_env(server.url, API_KEY)
        return run_cli(args, env, on_chunk=pause_once, timeout_s=300)


def bench_hostile(quick: bool) -> None:
    seconds = 8 if quick else 15
    print(
        f"\n== 7. Hostile servers: peak RSS within {TARGET_MB:.0f} MB "
        f"(tests/hostile_server.py, windows of {seconds} s) =="
    )
    started = time.perf_counter()
    past = int(time.time() * 1000) - 60_000
    window = ["--since", str(past - seconds * 1000), "--until", str(past)]
    get = ["get", MODEL, DEPLOYMENT]
    rows: list[list[object]] = []
    base = _checked(
        _run(Hostility(), [*get, "-n", "1000", "--since", "2h", "-o", "jsonl"]), "baseline"
    )
    rows.append(_row("baseline: get -n 1000, 40 B lines", base, None))
    cases: list[tuple[str, Hostility, list[str], bool]] = [
        (
            "chain -n 1000, a chainlet name of 1 MiB",
            Hostility(chainlet_name_bytes=1 << 20),
            ["chain", CHAIN, "-n", "1000", "--since", "2h", "-o", "jsonl"],
            False,
        ),
        (
            f"--all --concurrency 8, [20 KB] a line, reader stalls {PAUSE_S:g} s",
            Hostility(list_bytes=20_000, every_ms=1),
            [*get, "--all", *window, "--concurrency", "8", "-o", "jsonl"],
            True,
        ),
        (
            f"get -f -n 10 for {seconds} s, a 4 KB line every ms",
            Hostility(every_ms=1, message_bytes=4000),
            [*get, "-f", "-n", "10", "--until", "+{}"],
            False,
        ),
        (
            f"request, every line of {seconds} s tagged, 4 KB lines",
            Hostility(every_ms=1, message_bytes=4000),
            ["request", "req-1", MODEL, DEPLOYMENT, *window, "-o", "jsonl"],
            False,
        ),
    ]
    for name, hostility, args, pause in cases:
        if "+{}" in args:  # follow until a moment from now, so the run ends by itself
            args = [
                a if a != "+{}" else str(int(time.time() * 1000) + seconds * 1000) for a in args
            ]
            args += ["-o", "jsonl"]
        run = _checked(_run(hostility, args, pause=pause), name)
        rows.append(_row(name, run, base))
    print(
        "peak RSS = ru_maxrss of the CLI process from wait4; ratio: to the baseline's, "
        "measured in this run"
    )
    print(table(["run", "lines", "wall s", "peak MB", "ratio", "target", ""], rows))
    print(f"section elapsed: {time.perf_counter() - started:.1f} s")
