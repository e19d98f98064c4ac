"""Hostile answers over real HTTP: bounded in bytes and time, never a crash, never exit 70."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from baseten_logs.base.errors import ExitStatus
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.chains import CHAIN_NAME, TRAINING_JOB_ID, TRAINING_PROJECT_ID
from tests.e2e.conftest import DEPLOYMENT, HOUR_MS, MODEL, Run, cli, settled_now_ms
from tests.hostile_server import CHAIN, HostileServer, Hostility, run_measured
from tests.hostile_server import DEPLOYMENT as HOSTILE_DEPLOYMENT
from tests.hostile_server import MODEL as HOSTILE_MODEL

# Small limits, so a test need not wait a minute or read 64 MiB (the defaults users get).
SMALL = {
    "BASETEN_LOGS_MAX_ANSWER_BYTES": str(2 * 1024 * 1024),
    "BASETEN_LOGS_REQUEST_DEADLINE": "1",
}


def window(hours: int = 1) -> tuple[str, ...]:
    until = settled_now_ms()
    return ("--since", str(until - hours * HOUR_MS), "--until", str(until))


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("kind", "options", "words"),
    [
        ("gzip_bomb", {}, "the answer is larger than 2 MiB (the size cap)"),
        ("endless", {}, "the answer is larger than 2 MiB (the size cap)"),
        ("trickle", {"slow_s": 0.2}, "no complete answer within 1 s (the per-request deadline)"),
        (
            "trickle",
            {"slow_s": 0.2, "variant": "headers"},
            "no complete answer within 1 s (the per-request deadline)",
        ),
    ],
    ids=["gzip-bomb", "endless", "trickled-body", "trickled-headers"],
)
def test_unbounded_answers_fail_each_attempt_then_exit_5_naming_the_limit(
    emu: Emulator, kind: str, options: dict[str, object], words: str
) -> None:
    emu.inject(kind, times=2, **options)  # type: ignore[arg-type]
    # Headers that never end hold the run until this timeout fails it, unless the deadline holds.
    run = cli(emu, "get", MODEL, DEPLOYMENT, *window(), "--retries", "1", env=SMALL, timeout=30)
    assert run.status == ExitStatus.API
    assert run.stdout == ""
    line = one_error_line(run.stderr)
    assert "after 2 attempts" in line and words in line
    assert emu.pending_faults == 0 and sum(1 for r in emu.requests if r.fault) == 2


def test_a_bounded_failure_is_retried_to_the_same_answer(emu: Emulator) -> None:
    args = ("get", MODEL, DEPLOYMENT, "-n", "20", *window(), "-o", "jsonl")
    expected = cli(emu, *args).stdout
    emu.inject("gzip_bomb")
    run = cli(emu, *args, env=SMALL)
    assert run.status == 0 and run.stderr == ""
    assert run.stdout == expected


@pytest.mark.parametrize("variant", ["soon", "negative", "nan", "past"])
def test_a_hostile_retry_after_gets_the_normal_backoff(emu: Emulator, variant: str) -> None:
    emu.inject("429", variant=variant)
    run = cli(emu, "get", MODEL, DEPLOYMENT, "-n", "5", *window(), "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert len(run.jsonl()) == 5
    logs = [r for r in emu.requests if r.path.endswith("/logs")]
    assert logs[0].status == 429 and logs[1].status == 200
    assert logs[1].time - logs[0].time >= 0.2  # the first backoff step (0.25-0.5 s), not 0 s


def test_json_nested_absurdly_deep_is_exit_5(emu: Emulator) -> None:
    emu.inject("deep_json")
    run = cli(emu, "get", MODEL, DEPLOYMENT, *window(), "--retries", "1")
    assert run.status == ExitStatus.API
    assert "with JSON nested too deep to read" in one_error_line(run.stderr)


def test_bytes_that_are_not_utf8_are_replaced_with_one_warning(emu: Emulator) -> None:
    args = ("get", MODEL, DEPLOYMENT, "--all", *window(12), "-o", "jsonl", "--concurrency", "1")
    clean = cli(emu, *args).jsonl()
    emu.inject("not_utf8", times=1000)  # every answer: a line reads the same in each
    run = cli(emu, *args)
    assert run.status == 0
    warning = one_error_line(run.stderr)
    assert warning.startswith("baseten-logs: warning: ") and "not UTF-8" in warning
    assert len(clean) > 1000  # several pages, each with bad bytes, and still one warning
    assert run.jsonl() == [
        {**line, "message": "caf\ufffd \ufffd\ufffd " + line["message"]} for line in clean
    ]


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_a_server_ignoring_limit_changes_nothing_the_user_sees(
    emu: Emulator, concurrency: str
) -> None:
    until = settled_now_ms()
    since = until - 12 * HOUR_MS
    span = ("--since", str(since), "--until", str(until), "--concurrency", concurrency)
    emu.inject("ignore_limit", times=1000)
    run = cli(emu, "get", MODEL, DEPLOYMENT, "--all", *span, "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == emu.ground_truth(MODEL, DEPLOYMENT, since, until)
    newest = cli(emu, "get", MODEL, DEPLOYMENT, "-n", "7", *span, "-o", "jsonl")
    assert newest.jsonl() == emu.ground_truth(MODEL, DEPLOYMENT, since, until)[-7:]


# --- hostile lines: times that are no times, a message that makes a regex backtrack -------------

# The line put between two lines of its second: its time repeats that second, then moves the
# cursor up a line and back to its start (ESC M CR), so a terminal overwrites the line above.
SHOWN_ESCAPED = "\\x1bM\\x0d000000"


def hostile_lines(run: Run) -> list[str]:
    return [line for line in run.stdout.splitlines() if "a hostile line" in line]


def busy(emu: Emulator) -> tuple[str, str]:
    """A deployment with lines several to a second (three in one second make a hostile line)."""
    model = emu.model_named("llama-3-8b")
    return model.id, model.deployments[0].id


@pytest.mark.parametrize("command", ["get", "get -o github", "chain", "training"])
def test_a_time_that_repeats_the_second_before_it_never_reaches_the_terminal_raw(
    emu: Emulator, command: str
) -> None:
    args = {
        "get": ("get", *busy(emu), *window(1)),
        "get -o github": ("get", *busy(emu), *window(1), "-o", "github"),
        "chain": ("chain", CHAIN_NAME),
        "training": ("training", TRAINING_PROJECT_ID, TRAINING_JOB_ID, *window(1)),
    }[command]
    emu.inject("hostile_lines", variant="time_escape", times=1000)
    run = cli(emu, *args, "-n", "300")
    assert run.status == 0, run.stderr
    assert "\x1b" not in run.stdout and "\r" not in run.stdout
    shown = hostile_lines(run)
    assert shown and all(SHOWN_ESCAPED in line for line in shown)  # untimed, escaped
    assert "has a time that cannot be read ('" in run.stderr and "\x1b" not in run.stderr


@pytest.mark.parametrize(
    ("variant", "shown", "named"),
    [
        ("time_overflow", "inf ", "(inf)"),  # 1e400, which JSON reads as infinity
        ("time_digits", "9" * 40 + "… ", "('" + "9" * 39 + ")"),  # 5,000 digits
    ],
)
def test_a_time_too_large_to_read_is_a_line_without_a_time_not_exit_70(
    emu: Emulator, variant: str, shown: str, named: str
) -> None:
    emu.inject("hostile_lines", variant=variant, times=1000)
    run = cli(emu, "get", *busy(emu), "-n", "300", *window(1))
    assert run.status == 0, run.stderr
    lines = hostile_lines(run)
    assert lines and all(line.startswith(shown) for line in lines)
    assert f"has a time that cannot be read {named}" in run.stderr
    assert len(run.stdout.splitlines()) > len(lines)  # the other lines are all there too


def test_a_local_grep_is_linear_time_on_a_line_that_makes_a_regex_backtrack(
    emu: Emulator, tmp_path: Path
) -> None:
    """`(a+)+$` against 34 `a`s and a `!`: minutes with a backtracking engine, so the old code
    fails at the timeout; RE2 answers at once, as the API would."""
    span = window(6)
    training = ("training", TRAINING_PROJECT_ID, TRAINING_JOB_ID, *span, "--all", "-o", "jsonl")
    saved = tmp_path / "hostile.jsonl"
    emu.inject("hostile_lines", variant="redos", times=1000)
    everything = cli(emu, *training, "--save", str(saved))
    assert everything.status == 0, everything.stderr
    assert everything.stdout.count("a" * 34 + "!") > 10
    # Matched as RE2 would ($ is the very end): lines that end in a run of `a`s.
    expected = [r for r in everything.jsonl() if re.search(r"a\Z", r["message"])]
    emu.inject("hostile_lines", variant="redos", times=1000)
    run = cli(emu, *training, "--grep", "(a+)+$", timeout=30)
    assert run.status == 0, run.stderr
    assert run.jsonl() == expected
    viewed = cli(None, "view", str(saved), "--grep", "(a+)+$", "-o", "jsonl", timeout=30)
    assert viewed.status == 0, viewed.stderr
    assert viewed.jsonl() == expected


# --- memory bounds against a hostile server of our own (tests/hostile_server.py) ----------------


def test_a_chainlet_name_of_a_mib_labels_each_line_cut_to_256_characters() -> None:
    # Before: the whole name on every line, 20 MiB of output for 20 lines (1 GB for -n 1000).
    with HostileServer(Hostility(chainlet_name_bytes=1 << 20)) as server:
        run = run_measured(["chain", CHAIN, "-n", "20", "-o", "jsonl"], server.env())
    assert run.status == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(records) == 20
    assert {r["chainlet"] for r in records} == {"n" * 255 + "…"}
    assert len(run.stdout) < 20 * 1024


def test_lines_of_lists_of_big_strings_stay_within_the_prefetch_budget() -> None:
    # Before: a list counted 16 bytes whatever it held, so a stalled reader let the workers
    # fetch the whole window (2.45 GB at the defaults in the issue; 8 MiB budget here).
    with HostileServer(Hostility(list_bytes=20_000, every_ms=1)) as server:
        until = int(time.time() * 1000) - 60_000
        window = ["--since", str(until - 15_000), "--until", str(until)]
        args = ["get", HOSTILE_MODEL, HOSTILE_DEPLOYMENT, "--all", *window, "-o", "jsonl"]
        env = server.env() | {"BASETEN_LOGS_PREFETCH_BYTES": str(8 * 1024 * 1024)}
        run = run_measured([*args, "--concurrency", "8"], env, stall_s=3)
    assert run.status == 0, run.stderr
    assert run.stdout.count(b"\n") == 15_001  # every millisecond of the window, both ends in
    # 300 MB of lines: a 20 MB page being written, one fetched (before: 388 MB; now ~135 MB).
    assert run.peak_mb < 180, run.peak_mb


def test_following_a_line_every_millisecond_holds_a_page_not_the_window() -> None:
    # Before: every poll's whole window held at once, and every line shown remembered with its
    # text: 905 MB after 8 s of 4 KB lines (6.2 GB in 50 s in the issue).
    with HostileServer(Hostility(every_ms=1, message_bytes=4000)) as server:
        until = int(time.time() * 1000) + 8_000
        args = ["get", HOSTILE_MODEL, HOSTILE_DEPLOYMENT, "-f", "-n", "10", "--until", str(until)]
        run = run_measured([*args, "-o", "jsonl"], server.env())
    assert run.status == 0, run.stderr
    stamps = [json.loads(line)["timestamp"] for line in run.stdout.splitlines()]
    assert len(stamps) == len(set(stamps)) >= 5_000  # each line once
    assert run.peak_mb < 150, run.peak_mb


def test_a_request_of_many_lines_holds_two_pages_not_all_of_them() -> None:
    # Before: every tagged line of the window held before the first was shown (225 MB here,
    # 7.8 GB in 40 s over the default 7 days in the issue).
    with HostileServer(Hostility(every_ms=1, message_bytes=4000)) as server:
        until = int(time.time() * 1000) - 60_000
        window = ["--since", str(until - 40_000), "--until", str(until)]
        args = ["request", "req-1", HOSTILE_MODEL, HOSTILE_DEPLOYMENT, *window, "-o", "jsonl"]
        run = run_measured(args, server.env())
    assert run.status == 0, run.stderr
    stamps = [int(json.loads(line)["timestamp"]) for line in run.stdout.splitlines()]
    assert stamps == sorted(set(stamps)) and len(stamps) == 40_001  # each once, in order
    assert run.peak_mb < 150, run.peak_mb
