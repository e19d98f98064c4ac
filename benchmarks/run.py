"""`make bench`: one run of every benchmark, with ratios to baselines measured in the same run.

    .venv/bin/python benchmarks/run.py [--quick] [--only pace,parallel,render,startup,memory,...]

Sections:
  limit     --all at the key's rate limit (100 requests/s, 429s) per latency (0, 50, 200, 500 ms)
            and window size (20k, 200k lines; 1M with BASETEN_LOGS_BENCH_BIG=1), this checkout
            next to the CLI at git ref `integ` (BASETEN_LOGS_BASELINE_REF) in the same run: wall
            time against the floor (lines / 1000 / 100 s), requests against lines / 1000, 429s
            (benchmarks/rate_bench.py)
  pace      --all over 200,000 lines under the API's rate limit (100 requests/s per key, 429s with
            retry_after), at 200 ms and at 50 ms a request (each varying by 20%): the default
            (--concurrency auto) against the rate-limit floor (pages / 100 s), sequential paging
            and --concurrency 4, with the share of requests answered 429
  parallel  --all over a 2-day window (~100k lines) against the emulator with 50 ms per request,
            at --concurrency 1 (sequential paging: the baseline), 2, 4 and 8
  render    lines/s per output format against a plain f-string write (benchmarks/render_bench.py)
  startup   start-up of --version, --help and get --help in pairs with `python -c pass`, in this
            venv and in a regular install (benchmarks/startup_bench.py)
  memory    peak RSS of `get --all -o jsonl` and of `stats` over ~1M lines (< 100 MB each)
  level     `--all --level error` (the min_level query merged with a narrowed query for unlevelled
            lines) against reading the whole window (`--all`), at 50 ms per request
  bounded   peak RSS under a gzip bomb and under a reader that pauses (--concurrency 16, 2 KB
            lines), and `view -` on a 20 MB line and a 1 GB line, against baselines
  hostile   peak RSS against tests/hostile_server.py: a chainlet name of a MiB, lines of lists of
            20 KB strings with a stalled reader, a line every millisecond followed and tagged
            (`request`), against the same server's mildest answer (benchmarks/hostile_bench.py)
  browse    `browse` with 100,000 lines loaded, under Textual's headless pilot: keystroke-to-screen
            latency (median, p95) of level toggles, scrolling and search characters against 50 ms,
            and the process's peak RSS against 200 MB (benchmarks/browse_bench.py, run alone)

It is a report, not a test: it exits 0 when a figure misses its target, and 1 only when
something went wrong (a crash, a wrong line count, a non-zero exit of the CLI).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import hostile_bench
import rate_bench
import render_bench
import startup_bench
from harness import (
    CLI,
    CliRun,
    child_env,
    emulator_env,
    fmt_int,
    run_cli,
    table,
    verdict,
)

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig

SECTIONS = (
    "limit",
    "pace",
    "parallel",
    "render",
    "startup",
    "memory",
    "level",
    "bounded",
    "hostile",
    "browse",
)
MINUTE_MS = 60_000
DAY_MS = 86_400_000

PARALLEL_LATENCY_S = 0.05
PARALLEL_LINES = 100_000
PARALLEL_WINDOW_MS = 2 * DAY_MS
CONCURRENCIES = (1, 2, 4, 8)
PARALLEL_TARGET = 0.35  # --concurrency 4 against sequential paging

MEMORY_RATE = 12.0  # lines/s: ~1M lines a day
MEMORY_TARGET_MB = 100.0  # issue #28: 1M lines through get --all and stats

BOUNDED_LINE_BYTES = 2048
BOUNDED_RATE = 3.0  # lines/s: ~130k lines of 2 KB (~290 MB of JSON) in 12 hours
BOUNDED_PAUSE_S = 15.0  # how long the slow reader reads nothing
BOUNDED_TARGET_MB = 200.0  # the process, 64 MiB of pages ahead, fetches in flight
BOMB_TARGET_MB = 150.0  # the process and one capped 64 MiB answer


class BenchError(Exception):
    """A benchmark could not produce a trustworthy figure (not a missed target)."""


def header(title: str) -> None:
    print(f"\n== {title} ==")


def settled_window(emu: Emulator, span_ms: int) -> tuple[int, int]:
    """A window ending 10 minutes ago, on a minute boundary: every line of it has arrived
    (the emulator's latest arrive 30 s late), so every run sees the same lines."""
    until = emu.now_ms() // MINUTE_MS * MINUTE_MS - 10 * MINUTE_MS
    return until - span_ms, until


def get_all(since: int, until: int, *extra: str) -> list[str]:
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
        *extra,
    ]


def stats_of(since: int, until: int) -> list[str]:
    """`stats` over the window: every line read (whole window, parallel), counted, not kept."""
    return [
        "stats",
        DEMO_MODEL_ID,
        DEMO_DEPLOYMENT_ID,
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "json",
    ]


def checked(run: CliRun, what: str) -> CliRun:
    if run.status != 0:
        raise BenchError(f"{what}: exit status {run.status}: {run.stderr.strip()[:500]}")
    return run


def log_requests(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.path.endswith("/logs"))


# --- 0. at the speed of the rate limit ---------------------------------------------------------
PACE_LINES = 200_000
PACE_WINDOW_MS = 2 * DAY_MS
PACE_LIMIT_RPS = 100
PACE_LATENCIES_S = (0.2, 0.05)
PACE_JITTER = 0.2  # each request's latency varies by up to this share either way
PACE_FLOOR_TARGET = 3.0  # auto at 200 ms: wall time against the rate-limit floor
PACE_429_TARGET = 0.02  # auto: share of requests answered 429


@dataclass
class PaceRow:
    name: str
    latency_s: float
    wall_s: float
    requests: int
    refused: int
    cpu_s: float
    peak_mb: float


def bench_pace(quick: bool) -> None:
    header(
        f"0. --all at the speed of the rate limit: {PACE_LINES:,} lines, "
        f"{PACE_LIMIT_RPS} requests/s per key"
    )
    rate = PACE_LINES / (PACE_WINDOW_MS / 1000)
    config = EmulatorConfig(rates={DEMO_DEPLOYMENT_ID: rate}, rate_limit_per_s=None)
    runs: list[tuple[str, tuple[str, ...]]] = [
        ("sequential (--concurrency 1)", ("--concurrency", "1")),
        ("--concurrency 4 (the old default)", ("--concurrency", "4")),
        ("--concurrency auto (default)", ()),
    ]
    latencies = PACE_LATENCIES_S[:1] if quick else PACE_LATENCIES_S
    rows: list[PaceRow] = []
    digests = set()
    with Emulator(config) as emu:
        since, until = settled_window(emu, PACE_WINDOW_MS)
        expected = len(emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until))
        env = emulator_env(emu.url, emu.api_key)
        checked(run_cli(get_all(since, until, "--concurrency", "1"), env), "warm-up run")
        pages = log_requests(emu)  # what sequential paging asks: the floor's numerator
        emu.set_rate_limit(PACE_LIMIT_RPS)
        for latency in latencies:
            emu.set_latency(latency, jitter=latency * PACE_JITTER)
            for name, extra in runs:
                emu.clear_requests()
                time.sleep(1.1)  # a fresh second of the key's budget for every run
                run = checked(run_cli(get_all(since, until, *extra), env), name)
                if run.lines != expected:
                    raise BenchError(f"{name}: {run.lines} lines, expected {expected}")
                digests.add(run.digest)
                logs = [r for r in emu.requests if r.path.endswith("/logs")]
                refused = sum(1 for r in logs if r.status == 429)
                rows.append(
                    PaceRow(
                        name, latency, run.wall_s, len(logs), refused, run.cpu_s, run.peak_rss_mb
                    )
                )
        if emu.errors:
            raise BenchError(f"emulator errors: {emu.errors[:3]}")

    floor = pages / PACE_LIMIT_RPS
    print(
        f"{expected:,} lines over 2 days; sequential paging takes {pages} requests, so the "
        f"rate-limit floor is {pages} / {PACE_LIMIT_RPS} = {floor:.2f} s; the emulator refuses "
        f"a key's {PACE_LIMIT_RPS + 1}st request in any second (429, retry_after); latency "
        f"varies by up to {PACE_JITTER:.0%} either way; one run each (heavy); stdout piped and "
        "counted"
    )
    table_rows = []
    for latency in latencies:
        mine = [r for r in rows if r.latency_s == latency]
        sequential = mine[0].wall_s
        fixed4 = mine[1].wall_s
        for row in mine:
            auto = row.name.startswith("--concurrency auto")
            share = row.refused / row.requests if row.requests else 0.0
            if auto and latency == PACE_LATENCIES_S[0]:
                target = f"<= {PACE_FLOOR_TARGET:g}x floor, <= {PACE_429_TARGET:.0%} 429"
                ok: bool | None = row.wall_s <= PACE_FLOOR_TARGET * floor and (
                    share <= PACE_429_TARGET
                )
            elif auto:
                target, ok = "<= --concurrency 4", row.wall_s <= fixed4
            else:
                target, ok = "", None
            table_rows.append(
                [
                    f"{latency * 1000:.0f} ms",
                    row.name,
                    f"{row.wall_s:.2f}",
                    f"{row.wall_s / floor:.2f}x",
                    f"{row.wall_s / sequential:.2f}x",
                    f"{row.wall_s / fixed4:.2f}x",
                    row.requests,
                    f"{row.refused} ({share:.1%})",
                    fmt_int(expected / row.wall_s),
                    f"{row.cpu_s:.2f}",
                    f"{row.peak_mb:.1f}",
                    target,
                    verdict(ok),
                ]
            )
    print(
        table(
            [
                "latency",
                "run",
                "wall s",
                "vs floor",
                "vs seq",
                "vs c4",
                "requests",
                "429s",
                "lines/s",
                "CLI cpu s",
                "peak MB",
                "target",
                "",
            ],
            table_rows,
        )
    )
    print(
        f"output byte-identical across all runs, nothing lost or doubled: "
        f"{'yes' if len(digests) == 1 else 'NO'}"
    )
    if len(digests) != 1:
        raise BenchError("the output differed between runs")


# --- 1. parallel windows ------------------------------------------------------------------------
@dataclass
class ParallelRow:
    concurrency: int
    walls: list[float]
    requests: int
    peak_mb: float
    cpu_s: float


def bench_parallel(quick: bool) -> None:
    header("1. --all over a 2-day window: parallel time slices vs sequential paging")
    rate = PARALLEL_LINES / (PARALLEL_WINDOW_MS / 1000)
    repeat = 1 if quick else 3
    config = EmulatorConfig(rates={DEMO_DEPLOYMENT_ID: rate}, rate_limit_per_s=None)
    with Emulator(config) as emu:
        since, until = settled_window(emu, PARALLEL_WINDOW_MS)
        # Warm-up, untimed: ground_truth generates every chunk into the emulator's cache, and one
        # CLI run fills the lines' cached JSON and the OS file cache, so the first timed run
        # pays no more than the others.
        expected = len(emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until))
        env = emulator_env(emu.url, emu.api_key)
        checked(run_cli(get_all(since, until), env), "warm-up run")
        emu.set_latency(PARALLEL_LATENCY_S)

        rows = {c: ParallelRow(c, [], 0, 0.0, 0.0) for c in CONCURRENCIES}
        digests = set()
        for _ in range(repeat):  # interleaved, so drift hits every concurrency alike
            for c in CONCURRENCIES:
                emu.clear_requests()
                args = get_all(since, until, "--concurrency", str(c))
                run = checked(run_cli(args, env), f"--concurrency {c}")
                if run.lines != expected:
                    raise BenchError(f"--concurrency {c}: {run.lines} lines, expected {expected}")
                digests.add(run.digest)
                row = rows[c]
                row.walls.append(run.wall_s)
                row.requests = max(row.requests, log_requests(emu))
                row.peak_mb = max(row.peak_mb, run.peak_rss_mb)
                row.cpu_s = max(row.cpu_s, run.cpu_s)
        if emu.errors:
            raise BenchError(f"emulator errors: {emu.errors[:3]}")

    print(
        f"{expected:,} lines ({rate:.3f} lines/s over 2 days), {PARALLEL_LATENCY_S * 1000:.0f} ms "
        f"emulator latency per request, no rate limit; cache warmed by ground_truth and one "
        f"untimed run; median of {repeat} interleaved run(s); stdout piped to the harness and "
        "counted; peak RSS = ru_maxrss of the CLI process from wait4 (max over runs)"
    )
    sequential = statistics.median(rows[1].walls)
    table_rows = []
    for c, row in rows.items():
        wall = statistics.median(row.walls)
        floor = row.requests * PARALLEL_LATENCY_S / c
        ratio = wall / sequential
        target = f"<= {PARALLEL_TARGET}x" if c == 4 else ""
        table_rows.append(
            [
                f"--concurrency {c}" + (" (baseline)" if c == 1 else ""),
                f"{wall:.2f}",
                row.requests,
                fmt_int(expected / wall),
                f"{row.peak_mb:.1f}",
                f"{row.cpu_s:.2f}",
                f"{ratio:.2f}x",
                f"{floor:.2f}",
                f"{wall / floor:.2f}x",
                target,
                verdict(ratio <= PARALLEL_TARGET) if c == 4 else "",
            ]
        )
    print(
        table(
            [
                "run",
                "wall s",
                "requests",
                "lines/s",
                "peak MB",
                "CLI cpu s",
                "vs seq",
                "floor s",
                "vs floor",
                "target",
                "",
            ],
            table_rows,
        )
    )
    print("floor = requests x latency / concurrency (what the round trips alone cost)")
    print(f"output byte-identical across all runs: {'yes' if len(digests) == 1 else 'NO'}")
    if len(digests) != 1:
        raise BenchError("the output differed between runs")


# --- 2. render throughput -----------------------------------------------------------------------
def bench_render(quick: bool) -> None:
    header("2. Render throughput (in-process, to /dev/null)")
    records = 100_000 if quick else 200_000
    repeat = 3
    base, results = render_bench.measure(records, repeat)
    print(
        f"{records:,} records in pages of {render_bench.PAGE}, best of {repeat}; "
        "baseline = one f-string write per line"
    )
    rows: list[list[object]] = [["baseline f-string write", fmt_int(base), "1.00x", "", ""]]
    for result in results:
        target = result.target
        rows.append(
            [
                result.name,
                fmt_int(result.rate),
                f"{result.ratio:.2f}x",
                "" if target is None else f">= {fmt_int(target)}",
                verdict(None if target is None else result.rate >= target),
            ]
        )
    print(table(["format", "lines/s", "vs baseline", "target", ""], rows))


# --- 3. start-up --------------------------------------------------------------------------------
def bench_startup(quick: bool) -> None:
    header("3. Start-up")
    startup_bench.report(quick=quick)


# --- 4. memory ----------------------------------------------------------------------------------
def bench_memory(quick: bool) -> None:
    span_ms = 2 * 3_600_000 if quick else DAY_MS
    span = "2 hours" if quick else "1 day"
    header(f"4. Peak memory of --all over {span} at {MEMORY_RATE:g} lines/s")
    config = EmulatorConfig(rates={DEMO_DEPLOYMENT_ID: MEMORY_RATE}, rate_limit_per_s=None)
    started = time.perf_counter()
    with Emulator(config) as emu:
        since, until = settled_window(emu, span_ms)
        # Counted an hour at a time: a list of every line at once would dwarf what is measured.
        expected = sum(
            len(emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, a, min(a + 3_599_999, until)))
            for a in range(since, until + 1, 3_600_000)
        )
        env = emulator_env(emu.url, emu.api_key)
        tiny = checked(run_cli(get_all(until - MINUTE_MS, until), env), "1-minute window")
        runs = [
            ("1-minute window (baseline)", tiny),
            (
                "stdout to /dev/null",
                checked(run_cli(get_all(since, until), env, read_stdout=False), "/dev/null run"),
            ),
            ("stdout piped, counted", checked(run_cli(get_all(since, until), env), "piped run")),
            (
                "stats -o json",
                checked(run_cli(stats_of(since, until), env, read_stdout=False), "stats run"),
            ),
        ]
        requests = log_requests(emu)
        if emu.errors:
            raise BenchError(f"emulator errors: {emu.errors[:3]}")
    piped = runs[2][1]
    if piped.lines != expected:
        raise BenchError(f"piped run printed {piped.lines} lines, expected {expected}")
    print(
        f"{expected:,} lines, no latency, no rate limit, default --concurrency auto, -o jsonl; "
        f"emulator chunk cache holds 300k lines, so it regenerates as it serves; "
        f"{requests:,} requests in all; peak RSS = ru_maxrss of the CLI process from wait4"
    )
    rows = []
    for name, run in runs:
        is_base = name.startswith("1-minute")
        lines = run.lines if run.lines >= 0 else expected  # (stats: its stdout not read)
        rows.append(
            [
                name,
                fmt_int(lines),
                f"{run.wall_s:.1f}",
                fmt_int(lines / run.wall_s),
                f"{run.cpu_s:.1f}",
                f"{run.peak_rss_mb:.1f}",
                "" if is_base else f"< {MEMORY_TARGET_MB:.0f} MB",
                "" if is_base else verdict(run.peak_rss_mb < MEMORY_TARGET_MB),
            ]
        )
    print(table(["run", "lines", "wall s", "lines/s", "CLI cpu s", "peak MB", "target", ""], rows))
    print(f"section elapsed: {time.perf_counter() - started:.1f} s")


# --- 5. --level error: two narrowed queries against the whole window -----------------------------
LEVEL_WINDOW_MS = DAY_MS
LEVEL_LINES = 40_000


def bench_level(quick: bool) -> None:
    from baseten_logs.base.levels import effective_level

    header("5. --level error: min_level merged with unlevelled lines, vs reading everything")
    rate = LEVEL_LINES / (LEVEL_WINDOW_MS / 1000)
    config = EmulatorConfig(rates={DEMO_DEPLOYMENT_ID: rate}, rate_limit_per_s=None)
    repeat = 1 if quick else 3
    with Emulator(config) as emu:
        since, until = settled_window(emu, LEVEL_WINDOW_MS)
        truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, since, until)
        errors = sum(1 for r in truth if effective_level(r) == "ERROR")
        unlevelled = sum(
            1 for r in truth if r.get("level") is None and effective_level(r) == "ERROR"
        )
        env = emulator_env(emu.url, emu.api_key)
        checked(run_cli(get_all(since, until), env), "warm-up run")
        emu.set_latency(PARALLEL_LATENCY_S)
        runs: dict[str, list[CliRun]] = {"--all (baseline)": [], "--all --level error": []}
        requests: dict[str, int] = {}
        for _ in range(repeat):
            for name, extra in (("--all (baseline)", ()), ("--all --level error", LEVEL_ERROR)):
                emu.clear_requests()
                run = checked(run_cli(get_all(since, until, *extra), env), name)
                want = len(truth) if not extra else errors
                if run.lines != want:
                    raise BenchError(f"{name}: {run.lines} lines, expected {want}")
                runs[name].append(run)
                requests[name] = log_requests(emu)
    print(
        f"{len(truth):,} lines over 1 day, {errors:,} shown as ERROR "
        f"({unlevelled:,} of them without an API level, detected from their text); "
        f"{PARALLEL_LATENCY_S * 1000:.0f} ms per request, default --concurrency; median of {repeat}"
    )
    base = statistics.median(r.wall_s for r in runs["--all (baseline)"])
    rows = []
    for name, done in runs.items():
        wall = statistics.median(r.wall_s for r in done)
        rows.append(
            [name, fmt_int(done[0].lines), requests[name], f"{wall:.2f}", f"{wall / base:.2f}x"]
        )
    print(table(["run", "lines", "requests", "wall s", "vs baseline"], rows))


LEVEL_ERROR = ("--level", "error")


# --- 6. bounded memory under hostile answers and slow readers -----------------------------------
def bench_bounded(quick: bool) -> None:
    hours = 4 if quick else 12
    header(
        f"6. Bounded by bytes: a gzip bomb, and a reader that pauses {BOUNDED_PAUSE_S:g} s "
        f"(--all over {hours} h of {BOUNDED_LINE_BYTES} B lines, --concurrency 16)"
    )
    started = time.perf_counter()
    config = EmulatorConfig(
        rates={DEMO_DEPLOYMENT_ID: BOUNDED_RATE},
        rate_limit_per_s=None,
        message_bytes=BOUNDED_LINE_BYTES,
    )
    rows: list[list[object]] = []
    with Emulator(config) as emu:
        since, until = settled_window(emu, hours * 3_600_000)
        env = emulator_env(emu.url, emu.api_key)
        wide = ("--concurrency", "16")
        base = checked(run_cli(get_all(until - MINUTE_MS, until), env), "1-minute window")
        rows.append(_bounded_row("1-minute window (baseline)", base, None))
        fast = checked(run_cli(get_all(since, until, *wide), env), "fast reader")
        rows.append(_bounded_row("whole window, reader keeps up", fast, BOUNDED_TARGET_MB))

        paused = False

        def pause_once(chunk: bytes) -> None:
            nonlocal paused
            if not paused:
                paused = True
                time.sleep(BOUNDED_PAUSE_S)

        slow = checked(
            run_cli(get_all(since, until, *wide), env, on_chunk=pause_once), "slow reader"
        )
        if slow.lines != fast.lines or slow.digest != fast.digest:
            raise BenchError("the slow reader got different output from the fast one")
        rows.append(
            _bounded_row(f"same, reader pauses {BOUNDED_PAUSE_S:g} s", slow, BOUNDED_TARGET_MB)
        )
        requests = log_requests(emu)

        emu.inject("gzip_bomb", times=2)  # 1 MB on the wire, 1 GiB inflated
        # One request at a time (the newest lines), so both bombs hit the same request.
        window = ["--since", str(until - MINUTE_MS), "--until", str(until), "--retries", "1"]
        bomb = run_cli(["get", DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, "-n", "5", *window], env)
        if bomb.status != 5 or "size cap" not in bomb.stderr:
            raise BenchError(f"gzip bomb: exit {bomb.status}: {bomb.stderr.strip()[:300]}")
        rows.append(_bounded_row("gzip bomb x2 (1 GiB each) -> exit 5", bomb, BOMB_TARGET_MB))
        if emu.errors:
            raise BenchError(f"emulator errors: {emu.errors[:3]}")
    print(
        f"{fast.lines:,} lines of about {BOUNDED_LINE_BYTES} B, {requests:,} requests for the "
        "two whole-window runs; default limits (64 MiB answer cap, 64 MiB prefetch budget); "
        "peak RSS = ru_maxrss of the CLI process from wait4"
    )
    print(table(["run", "lines", "wall s", "CLI cpu s", "peak MB", "target", ""], rows))
    bench_view_lines()
    print(f"section elapsed: {time.perf_counter() - started:.1f} s")


def _bounded_row(name: str, run: CliRun, target_mb: float | None) -> list[object]:
    return [
        name,
        fmt_int(max(run.lines, 0)),
        f"{run.wall_s:.1f}",
        f"{run.cpu_s:.1f}",
        f"{run.peak_rss_mb:.1f}",
        "" if target_mb is None else f"< {target_mb:.0f} MB",
        "" if target_mb is None else verdict(run.peak_rss_mb < target_mb),
    ]


_LONG_LINE = r"""
import sys
size = int(sys.argv[1])
out = sys.stdout.buffer
try:
    out.write(b'{"timestamp": "1764150000000000000", "message": "')
    block = b"x" * (1 << 20)
    for _ in range(size >> 20):
        out.write(block)
    out.write(b'"}\n')
except BrokenPipeError:
    pass
"""


def bench_view_lines() -> None:
    """`view -` on one long line: from a file (the baseline) and from a pipe, and a 1 GB line."""
    import tempfile

    cli_path = CLI
    env = child_env()
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "line.jsonl")
        with open(path, "wb") as file:
            subprocess.run([sys.executable, "-c", _LONG_LINE, str(20 << 20)], stdout=file)
        for name, argv, stdin in (
            ("20 MB line from a file (baseline)", ["view", path, "-o", "raw"], None),
            ("20 MB line from a pipe", ["view", "-", "-o", "raw"], path),
        ):
            run = _view_run(cli_path, argv, env, stdin)
            rows.append([name, run[0], f"{run[1]:.2f}", f"{run[2]:.1f}", ""])
        big = _view_run(cli_path, ["view", "-", "-o", "raw"], env, None, line_bytes=1 << 30)
        rows.append(["1 GB line from a pipe", big[0], f"{big[1]:.2f}", f"{big[2]:.1f}", big[3]])
    print(table(["view -", "exit", "wall s", "peak MB", "stderr"], rows))


def _view_run(
    cli_path: object,
    argv: list[str],
    env: dict[str, str],
    stdin_path: str | None,
    *,
    line_bytes: int = 0,
) -> tuple[int, float, float, str]:
    """(exit status, wall s, peak RSS MB, first words of stderr) of `baseten-logs view ...`,
    stdin from a file piped through `cat`, or from a generator of one `line_bytes` line."""
    feeder_argv = (
        ["cat", stdin_path]
        if stdin_path is not None
        else [sys.executable, "-c", _LONG_LINE, str(line_bytes)]
    )
    measure = (
        "import os, resource, subprocess, sys, time\n"
        "feeder = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE)\n"
        "t = time.perf_counter()\n"
        "cli = subprocess.Popen([sys.argv[1], *ARGV], stdin=feeder.stdout,"
        " stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "feeder.stdout.close()\n"
        "err = cli.stderr.read()\n"
        "_, status, usage = os.wait4(cli.pid, 0)\n"
        "wall = time.perf_counter() - t\n"
        "feeder.wait()\n"
        "print(os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss / 1024)\n"
        "print(err.decode(errors='replace').strip()[21:80])\n"
    ).replace("ARGV", repr(argv))
    if argv[1] != "-":
        feeder_argv = ["true"]
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", measure, str(cli_path), *feeder_argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = done.stdout.splitlines()
    if len(lines) < 1 or len(lines[0].split()) != 3:
        raise BenchError(f"view measurement failed: {done.stderr.strip()[:300]}")
    status, wall, peak = lines[0].split()
    return int(status), float(wall), float(peak), (lines[1] if len(lines) > 1 else "")


def bench_hostile(quick: bool) -> None:
    try:
        hostile_bench.bench_hostile(quick)
    except hostile_bench.HostileBenchError as exc:
        raise BenchError(str(exc)) from None


def bench_limit(quick: bool) -> None:
    header("0a. Big windows at the key's limit, per latency and size, against today's code")
    sizes = rate_bench.SIZES[1:] if quick else rate_bench.SIZES
    if os.environ.get("BASETEN_LOGS_BENCH_BIG"):
        sizes = (*sizes, rate_bench.BIG)
    try:
        rate_bench.bench_limit(sizes, rate_bench.LATENCIES_S)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        raise BenchError(str(exc)) from exc


# --- browse --------------------------------------------------------------------------------------
def bench_browse(quick: bool) -> None:
    """browse_bench.py in a process of its own: its peak RSS is then browse's alone."""
    header("browse: keystroke to screen, 100,000 lines loaded")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browse_bench.py")
    keys = "12" if quick else "40"
    sys.stdout.flush()  # the header before the child's lines
    run = subprocess.run([sys.executable, script, "--keys", keys], timeout=600)
    if run.returncode != 0:
        raise BenchError(f"browse_bench.py: exit status {run.returncode}")


BENCHES: dict[str, Callable[[bool], None]] = {
    "limit": bench_limit,
    "pace": bench_pace,
    "parallel": bench_parallel,
    "render": bench_render,
    "startup": bench_startup,
    "memory": bench_memory,
    "level": bench_level,
    "bounded": bench_bounded,
    "hostile": bench_hostile,
    "browse": bench_browse,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a smaller 1M test")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})",
    )
    args = parser.parse_args(argv)
    asked = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = sorted(asked - set(SECTIONS))
    chosen = [name for name in SECTIONS if name in asked]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    print(f"baseten-logs benchmarks: Python {sys.version.split()[0]}, {CLI}")
    started = time.perf_counter()
    failed = False
    for name in chosen:
        try:
            BENCHES[name](args.quick)
        except BenchError as exc:
            print(f"ERROR in {name}: {exc}")
            failed = True
    print(f"\ntotal elapsed: {time.perf_counter() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
