"""`--events` through the real CLI against the emulator: the demo replica that restarted twice,
its start attempts beside the crash lines that explain them (text, JSON lines, stats, request)."""

from __future__ import annotations

import json
import time
from typing import Any

from baseten_logs.emulator import Emulator, EmulatorConfig
from tests.e2e.conftest import DEPLOYMENT, MODEL, cli


def _window(emu: Emulator) -> tuple[str, ...]:
    """The first restart (an OOM, a failed attempt, then one that came up), on its replica."""
    restart = emu.restarts[0]
    since, until = restart.crashed_ms - 60_000, restart.back_ms + 30_000
    return ("--since", str(since), "--until", str(until), "--replica", restart.replica, "--utc")


def test_text_shows_each_start_attempt_between_the_crash_and_the_restart(emu: Emulator) -> None:
    run = cli(emu, "get", MODEL, DEPLOYMENT, *_window(emu), "--all", "--events")
    assert run.status == 0, run.stderr
    lines = run.stdout.splitlines()
    events = [i for i, text in enumerate(lines) if "── start:" in text]
    assert len(events) == 2
    assert "── start: FAILED after " in lines[events[0]]
    assert "── start: SUCCESS, ready in " in lines[events[1]]
    assert "READINESS FAILED" in lines[events[0]]
    crash = next(i for i, text in enumerate(lines) if "exited with code 137" in text)
    started = [i for i, text in enumerate(lines) if "Starting replica" in text]
    assert crash < events[0] < started[0] < events[1] < started[1]
    replica = emu.restarts[0].replica
    assert all(f" {replica}  ── start" in lines[i] for i in events)  # in the replica column


def test_json_lines_hold_the_events_verbatim_and_exactly_the_lines_as_before(
    emu: Emulator,
) -> None:
    plain = cli(emu, "get", MODEL, DEPLOYMENT, *_window(emu), "--all", "-o", "jsonl")
    run = cli(emu, "get", MODEL, DEPLOYMENT, *_window(emu), "--all", "-o", "jsonl", "--events")
    assert plain.status == run.status == 0, run.stderr
    records: list[dict[str, Any]] = [json.loads(text) for text in run.stdout.splitlines()]
    events = [r for r in records if "event" in r]  # jq 'select(.event)'
    lines = [json.dumps(r, separators=(",", ":")) for r in records if "event" not in r]
    assert lines == plain.stdout.splitlines()  # jq 'select(.event|not)': the lines as before
    attempts = emu.restarts[0].attempts
    assert [e["event"]["started_at_epoch_millis"] for e in events] == [
        a.started_ms for a in attempts
    ]
    assert [e["event"]["outcome"] for e in events] == ["FAILED", "SUCCESS"]
    assert all(e["time"] == str(e["event"]["started_at_epoch_millis"] * 1_000_000) for e in events)
    assert all(set(e) == {"event", "time"} for e in events)


def test_newest_lines_bring_only_the_events_among_them(emu: Emulator) -> None:
    # With -n, the start-ups shown are those from the oldest line shown on. The window ends at
    # the first line of the attempt that came up, so that the newest 5 lines hold its start
    # whatever the emulator's hour put around it (a window ending 30 s later held 5 lines
    # after the start in some hours and none before it).
    restart = emu.restarts[0]
    came_up = restart.attempts[-1]
    since, later = restart.crashed_ms - 60_000, restart.back_ms + 30_000
    whole = cli(
        emu, "get", MODEL, DEPLOYMENT, "--since", str(since), "--until", str(later),
        "--replica", restart.replica, "--all", "-o", "jsonl",
    )  # fmt: skip
    times = [int(json.loads(text)["timestamp"]) // 1_000_000 for text in whole.stdout.splitlines()]
    until = min(ms for ms in times if ms >= came_up.started_ms)
    run = cli(
        emu, "get", MODEL, DEPLOYMENT, "--since", str(since), "--until", str(until),
        "--replica", restart.replica, "-n", "5", "-o", "jsonl", "--events",
    )  # fmt: skip
    assert run.status == 0, run.stderr
    records = [json.loads(text) for text in run.stdout.splitlines()]
    lines = [r for r in records if "event" not in r]
    assert len(lines) == 5
    oldest = min(int(r["timestamp"]) for r in lines) // 1_000_000
    expected = [a.outcome for a in restart.attempts if oldest <= a.started_ms <= until]
    assert "SUCCESS" in expected  # the window holds the start of the attempt that came up
    assert [r["event"]["outcome"] for r in records if "event" in r] == expected


def test_stats_count_start_ups_per_replica(emu: Emulator) -> None:
    first, second = emu.restarts
    since, until = first.crashed_ms - 60_000, second.back_ms + 60_000
    window = ("--since", str(since), "--until", str(until))
    run = cli(emu, "stats", MODEL, DEPLOYMENT, *window, "-o", "json", "--events")
    assert run.status == 0, run.stderr
    startups = json.loads(run.stdout)["startups"]
    assert startups["replicas"][first.replica] == {
        "attempts": 3,
        "outcomes": {"FAILED": 1, "SUCCESS": 2},
    }
    plain = cli(emu, "stats", MODEL, DEPLOYMENT, *window, "-o", "json")
    assert json.loads(plain.stdout)["startups"] is None  # not asked: not read


def test_stats_events_with_a_chain_is_bad_input(emu: Emulator) -> None:
    emu.clear_requests()
    run = cli(emu, "stats", "--chain", "any-chain", "--events")
    assert run.status == 2
    assert "--events" in run.stderr and len(run.stderr.strip().splitlines()) <= 2
    assert emu.requests == []


def test_request_shows_its_replica_restarting(emu: Emulator) -> None:
    restart = emu.restarts[0]
    before = cli(
        emu, "get", MODEL, DEPLOYMENT, "--since", str(restart.crashed_ms - 600_000),
        "--until", str(restart.crashed_ms), "--replica", restart.replica, "--all", "-o", "jsonl",
    )  # fmt: skip
    tagged = [json.loads(t) for t in before.stdout.splitlines()]
    request_id = [r["request_id"] for r in tagged if r.get("request_id")][-1]
    run = cli(emu, "request", request_id, MODEL, DEPLOYMENT, "--context", "10m", "--events")
    assert run.status == 0, run.stderr
    assert run.stdout.count("── start:") == 2


def test_follow_shows_a_restart_as_it_happens() -> None:
    """-f --events: a replica that restarts while followed; its start-up is told once, after the
    crash. Start-ups are asked every 10 line polls and once more when the follow ends, so where
    it lands among the new attempt's lines depends on the polls' timing, and whether the new
    attempt's first line arrives before --until depends on the emulator's arrival delays; that
    the start-up is told, once, after the crash, does not (a loaded machine polled fewer than 10
    times before --until; on Python 3.10 in CI the new attempt's first line came after it)."""
    now = int(time.time() * 1000)
    # The emulator's second planted restart, moved so that its attempt starts 6 s from now.
    anchor = now + 47 * 60_000 - 2_100 - 3_100 + 6_000
    # No late lines: the crash's "exited" line comes 2.75 s before the attempt starts, and lines
    # arrive within 2 s, so it is polled before any line past the start-up's time. One of the 2%
    # of lines the emulator makes up to 30 s late would be shown after the start-up, as a late
    # line is (seen twice on a loaded machine).
    config = EmulatorConfig(
        seed=5, rates={DEPLOYMENT: 30.0}, rate_limit_per_s=None, anchor_ms=anchor, late_share=0.0
    )
    with Emulator(config) as live:
        restart = live.restarts[1]
        assert abs(restart.attempts[0].started_ms - now - 6_000) < 1_000
        run = cli(
            live, "get", MODEL, DEPLOYMENT, "-f", "--since", str(now - 2_000),
            "--until", str(now + 14_000), "--replica", restart.replica, "--events", "-o", "jsonl",
            timeout=60,
        )  # fmt: skip
    assert run.status == 0, run.stderr
    records = [json.loads(text) for text in run.stdout.splitlines()]
    shown = [r["event"]["outcome"] if "event" in r else r["message"] for r in records]
    assert shown.count("SUCCESS") == 1
    event = shown.index("SUCCESS")
    assert any(m.startswith("Container model exited") for m in shown[:event])
