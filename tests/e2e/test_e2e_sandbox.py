"""`sandbox NAME [--build]` and `sandboxes` against the emulator: the lines are the API's own
(read here page by page through its cursor, the ground truth), each exactly once, with a level
from the severity; -n, --trace-id, --level, --fail-on, -f and the listing end to end."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx

from baseten_logs.base.levels import effective_level
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.sandboxes import ENDED_SANDBOX, FAILED_IMAGE, IMAGE, TRACED_SANDBOX
from baseten_logs.sources.sandboxes import severity_level
from tests.e2e.conftest import HOUR_MS, cli, settled_now_ms


def rfc3339(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def truth(emu: Emulator, name: str, since: int, until: int) -> list[dict[str, Any]]:
    """Every entry of the window as the API pages it (until is inclusive, as --until is)."""
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    params = {"start_time": rfc3339(since), "end_time": rfc3339(until + 1), "limit": "1000"}
    got: list[dict[str, Any]] = []
    with httpx.Client(base_url=emu.url, headers=headers) as http:
        while True:
            body = http.get(f"/v1/sandboxes/instances/{name}/logs", params=params).json()
            got += body["logs"]
            if not body["next_cursor"]:
                return got
            params["cursor"] = body["next_cursor"]


def build_truth(emu: Emulator, image: str) -> list[dict[str, Any]]:
    """An image's build lines of the last day, as the API pages them by offset (10 a page)."""
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    got: list[dict[str, Any]] = []
    with httpx.Client(base_url=emu.url, headers=headers) as http:
        while True:
            params = {"limit": "10", "offset": str(len(got))}
            body = http.get(f"/v1/sandboxes/images/{image}/logs", params=params).json()
            got += body["logs"]
            if not body["logs"] or len(got) >= body["total_count"]:
                return got


def shown(run_lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API's fields of the lines shown: the `level` we add is checked, then taken off."""
    levels = {5: "DEBUG", 9: "INFO", 13: "WARNING", 17: "ERROR", 0: None}
    for line in run_lines:
        assert line["level"] == levels[line["severity"]], line
    return [{k: v for k, v in line.items() if k != "level"} for line in run_lines]


def window() -> tuple[int, int, list[str]]:
    until = settled_now_ms()
    since = until - HOUR_MS
    return since, until, ["--since", str(since), "--until", str(until)]


def test_a_whole_window_is_every_entry_once_in_order(emu: Emulator) -> None:
    since, until, flags = window()
    run = cli(emu, "sandbox", TRACED_SANDBOX, "--all", *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    expected = truth(emu, TRACED_SANDBOX, since, until)
    assert len(expected) > 1000  # more than one page of the API's
    assert shown(run.jsonl()) == expected
    assert any(line["trace_id"] for line in expected) and any(
        line.get("action") for line in expected
    )


def test_newest_n_is_the_windows_last_n_lines(emu: Emulator) -> None:
    since, until, flags = window()
    run = cli(emu, "sandbox", TRACED_SANDBOX, "-n", "40", *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert shown(run.jsonl()) == truth(emu, TRACED_SANDBOX, since, until)[-40:]


def test_trace_id_keeps_one_commands_lines(emu: Emulator) -> None:
    since, until, flags = window()
    everything = truth(emu, TRACED_SANDBOX, since, until)
    # A command's trace with two lines or more in the window (the window's edges may cut the
    # first one's, depending on the hour the emulator's data are anchored to).
    counts = Counter(line["trace_id"] for line in everything)
    trace = next(
        line["trace_id"]
        for line in everything
        if line.get("action") == "exec" and counts[line["trace_id"]] >= 2
    )
    run = cli(emu, "sandbox", TRACED_SANDBOX, "--all", "--trace-id", trace, *flags, "-o", "jsonl")
    assert run.status == 0, run.stderr
    expected = [line for line in everything if line["trace_id"] == trace]
    assert 2 <= len(expected) < len(everything)
    assert shown(run.jsonl()) == expected


def test_level_and_fail_on_read_the_severity(emu: Emulator) -> None:
    since, until, flags = window()
    run = cli(emu, "sandbox", TRACED_SANDBOX, "--all", "--level", "error", "--fail-on", "error",
              *flags)  # fmt: skip
    assert run.status == 1, run.stderr
    everything = truth(emu, TRACED_SANDBOX, since, until)
    # A line of severity 0 (none) counts at the level its text shows, as get's do.
    errors = [
        line
        for line in everything
        if effective_level({**line, "level": severity_level(line["severity"])}) == "ERROR"
    ]
    assert any(line["severity"] == 0 for line in errors)
    assert errors and run.stdout.count(" ERROR ") == len(errors)
    assert "KeyError" in run.stdout


def test_build_logs_are_the_images_and_a_failed_build_fails_on_error(emu: Emulator) -> None:
    run = cli(emu, "sandbox", TRACED_SANDBOX, "--build", "--all", "--since", "1d", "-o", "raw")
    assert run.status == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines == [line["message"] for line in build_truth(emu, IMAGE)]
    assert lines[0] == f"building image {IMAGE}" and lines[-1] == f"image {IMAGE} ready"
    failed = cli(emu, "sandbox", ENDED_SANDBOX, "--build", "--since", "3d", "--fail-on", "error")
    assert failed.status == 1, failed.stderr
    assert "failed to solve" in failed.stdout and FAILED_IMAGE in failed.stdout


def test_an_ended_sandbox_shows_its_last_lines_and_follow_stops(emu: Emulator) -> None:
    run = cli(emu, "sandbox", ENDED_SANDBOX, "-n", "5")
    assert run.status == 0, run.stderr
    assert len(run.stdout.splitlines()) >= 5 and "TERMINATED" in run.stderr
    follow = cli(emu, "sandbox", ENDED_SANDBOX, "-f", "-n", "0", timeout=30)
    assert follow.status == 0, follow.stderr
    assert "stopped following: the sandbox is TERMINATED" in follow.stderr


def test_unknown_and_bad_names(emu: Emulator) -> None:
    missing = cli(emu, "sandbox", "no-such-box")
    assert missing.status == 4 and "baseten-logs sandboxes" in missing.stderr
    emu.clear_requests()
    bad = cli(emu, "sandbox", "a/b")
    assert bad.status == 2 and "NAME" in bad.stderr and emu.requests == []
    both = cli(emu, "sandbox", TRACED_SANDBOX, "--build", "--trace-id", "abc")
    assert both.status == 2 and "--trace-id" in both.stderr and emu.requests == []
    assert "Traceback" not in missing.stderr + bad.stderr + both.stderr


def test_the_listing_names_every_sandbox(emu: Emulator) -> None:
    run = cli(emu, "sandboxes", "-o", "jsonl")
    assert run.status == 0, run.stderr
    names = [line["name"] for line in run.jsonl()]
    assert sorted(names) == sorted([TRACED_SANDBOX, ENDED_SANDBOX, "notebook-alice"])


def test_follow_polls_new_lines_each_once_until_the_end(emu: Emulator) -> None:
    start = int(time.time() * 1000)
    until = start + 6_000
    run = cli(emu, "sandbox", TRACED_SANDBOX, "-f", "-n", "0", "--until", str(until),
              "--overlap", "2s", "-o", "jsonl")  # fmt: skip
    assert run.status == 0, run.stderr
    lines = shown(run.jsonl())
    assert lines, "nothing arrived in 6 s"
    keys = [(line["timestamp"], line["message"]) for line in lines]
    assert len(keys) == len(set(keys))
    known = {
        (line["timestamp"], line["message"])
        for line in truth(emu, TRACED_SANDBOX, start - 60_000, until)
    }
    assert set(keys) <= known
