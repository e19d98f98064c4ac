"""Whole windows through the real CLI equal the emulator's ground truth, line for line."""

from __future__ import annotations

from pathlib import Path

import pytest

from baseten_logs.base.levels import effective_level
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.catalogue import WHISPER_MODEL_ID, WHISPER_OLD_DEPLOYMENT_ID
from tests.e2e.conftest import (
    DAY_MS,
    DEPLOYMENT,
    HOUR_MS,
    MODEL,
    cli,
    on_terminal,
    settled_now_ms,
)


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_three_day_window_equals_ground_truth(fresh: Emulator, concurrency: str) -> None:
    until = settled_now_ms()
    since = until - 3 * DAY_MS
    run = cli(
        fresh,
        "get",
        MODEL,
        DEPLOYMENT,
        "--all",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
        "--concurrency",
        concurrency,
    )
    assert run.status == 0, run.stderr
    truth = fresh.ground_truth(MODEL, DEPLOYMENT, since, until)
    assert len(truth) > 20_000
    assert run.jsonl() == truth


def test_ten_day_window_is_split_and_complete(fresh: Emulator) -> None:
    until = settled_now_ms()
    since = until - 10 * DAY_MS
    run = cli(
        fresh,
        "get",
        MODEL,
        DEPLOYMENT,
        "--all",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
        "--level",
        "warning",
    )
    assert run.status == 0, run.stderr
    truth = fresh.ground_truth(MODEL, DEPLOYMENT, since, until)
    # as the output shows levels: a line without an API level counts at the level its text shows
    assert run.jsonl() == [r for r in truth if effective_level(r) in ("WARNING", "ERROR")]
    windows = [
        int(r.query["end_epoch_millis"][0]) - int(r.query["start_epoch_millis"][0])
        for r in fresh.requests
    ]
    assert max(windows) <= 7 * DAY_MS


@pytest.mark.parametrize("count", ["1", "999", "2500"])
def test_newest_n_equals_the_end_of_ground_truth(fresh: Emulator, count: str) -> None:
    until = settled_now_ms()
    since = until - DAY_MS
    run = cli(
        fresh,
        "get",
        MODEL,
        DEPLOYMENT,
        "-n",
        count,
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
    )
    assert run.status == 0, run.stderr
    truth = fresh.ground_truth(MODEL, DEPLOYMENT, since, until)
    got = run.jsonl()
    assert len(got) == int(count)
    key = lambda r: (int(r["timestamp"]), r["message"], r["replica"])  # noqa: E731
    assert sorted(got, key=key) == sorted(truth[-int(count) :], key=key)
    assert [int(r["timestamp"]) for r in got] == sorted(int(r["timestamp"]) for r in got)


def test_reverse_is_newest_first(fresh: Emulator) -> None:
    until = settled_now_ms()
    run = cli(
        fresh,
        "get",
        MODEL,
        DEPLOYMENT,
        "-n",
        "50",
        "--until",
        str(until),
        "--reverse",
        "-o",
        "jsonl",
    )
    stamps = [int(r["timestamp"]) for r in run.jsonl()]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == 50


@pytest.mark.parametrize(
    ("flags", "filters"),
    [
        # --level is not the API's min_level alone: see test_ten_day_window_is_split_and_complete
        (("--replica", "tsots"), {"replica": "tsots"}),
        (("--include", "POST", "--include", "200"), {"includes": ("POST", "200")}),
        (("--exclude", "INFO", "--exclude", "DEBUG"), {"excludes": ("INFO", "DEBUG")}),
        (("--grep", "tokens? in [0-9.]+ s"), {"search_pattern": "tokens? in [0-9.]+ s"}),
    ],
)
def test_contract_filters_end_to_end(
    fresh: Emulator, flags: tuple[str, ...], filters: dict[str, object]
) -> None:
    until = settled_now_ms()
    since = until - 6 * HOUR_MS
    run = cli(
        fresh,
        "get",
        MODEL,
        DEPLOYMENT,
        "--all",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
        *flags,
    )
    assert run.status == 0, run.stderr
    truth = fresh.ground_truth(MODEL, DEPLOYMENT, since, until, **filters)  # type: ignore[arg-type]
    assert truth and run.jsonl() == truth


def test_jsonl_fields_are_the_api_fields(fresh: Emulator) -> None:
    run = cli(fresh, "get", MODEL, DEPLOYMENT, "-n", "20", "-o", "jsonl")
    for record in run.jsonl():
        assert set(record) >= {"timestamp", "message", "replica", "request_id", "level"}
        assert isinstance(record["timestamp"], str) and record["timestamp"].isdigit()


def test_text_and_raw_and_json_agree_on_the_lines(fresh: Emulator) -> None:
    until = str(settled_now_ms())
    base = ("get", MODEL, DEPLOYMENT, "-n", "30", "--until", until)
    raw = cli(fresh, *base, "-o", "raw").stdout.splitlines()
    records = cli(fresh, *base, "-o", "json")
    import json

    messages = [line for r in json.loads(records.stdout) for line in r["message"].splitlines()]
    assert raw == messages
    text = cli(fresh, *base).stdout
    assert "\x1b[" not in text


def test_window_edges_are_inclusive_to_the_millisecond(fresh: Emulator) -> None:
    until = settled_now_ms()
    truth = fresh.ground_truth(MODEL, DEPLOYMENT, until - HOUR_MS, until)
    edge = int(truth[len(truth) // 2]["timestamp"]) // 1_000_000
    for flags in (("--all",), ("-n", "1000")):
        run = cli(
            fresh,
            "get",
            MODEL,
            DEPLOYMENT,
            *flags,
            "--since",
            str(edge - 1000),
            "--until",
            str(edge),
            "-o",
            "jsonl",
        )
        assert run.jsonl() == fresh.ground_truth(MODEL, DEPLOYMENT, edge - 1000, edge)
        assert int(run.jsonl()[-1]["timestamp"]) // 1_000_000 == edge


# --- No --since: a finished deployment still shows its newest lines (issue 22, item 3) ----------
def _logs_requests(emu: Emulator) -> list[dict[str, list[str]]]:
    return [r.query for r in emu.requests if r.path.endswith("/logs")]


def test_no_since_on_an_inactive_deployment_shows_its_newest_lines(emu: Emulator) -> None:
    run = cli(emu, "get", "whisper-large", "v1", "-n", "20", "-o", "jsonl")
    assert run.status == 0, run.stderr
    now = emu.now_ms()
    truth = emu.ground_truth(WHISPER_MODEL_ID, WHISPER_OLD_DEPLOYMENT_ID, now - 7 * DAY_MS, now)
    assert truth and run.jsonl() == truth[-20:]  # it stopped logging hours ago
    assert "the deployment is INACTIVE" in run.stderr
    assert "no lines in the last 30m; showing the newest of the last " in run.stderr
    # One newest-first request per widening step, not a scan: 30m, 6h and at most 1d.
    assert len(_logs_requests(emu)) <= 3


def test_no_since_and_nothing_in_seven_days_says_how_far_it_looked(emu: Emulator) -> None:
    run = cli(emu, "get", "whisper-large", "v1", "--grep", "nosuchxyz", "-o", "jsonl")
    assert (run.status, run.stdout) == (0, "")
    assert "the deployment is INACTIVE" in run.stderr
    assert "no lines in the last 7d matching --grep nosuchxyz; try --since 30d" in run.stderr
    steps = _logs_requests(emu)
    spans = [int(q["end_epoch_millis"][0]) - int(q["start_epoch_millis"][0]) for q in steps]
    assert len(steps) == 4 and max(spans) < 7 * DAY_MS  # 30m, then 6h, 1d and 7d back
    starts = [int(q["start_epoch_millis"][0]) for q in steps]
    assert starts == sorted(starts, reverse=True)  # each step only the part not looked at


def test_an_explicit_since_is_the_window_asked_for(emu: Emulator) -> None:
    run = cli(emu, "get", "whisper-large", "v1", "--since", "30m", "-o", "jsonl")
    assert (run.status, run.stdout) == (0, "")
    assert "showing the newest" not in run.stderr
    assert len(_logs_requests(emu)) == 1


def test_no_since_on_a_running_deployment_asks_nothing_more(emu: Emulator) -> None:
    run = cli(emu, "get", MODEL, DEPLOYMENT, "-n", "5", "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert len(run.jsonl()) == 5 and run.stderr == ""
    assert [r.path for r in emu.requests if not r.path.endswith("/logs")] == []


# --- Progress within a second, also with stdout a file (issue 22, item 4) ------------------------
def test_all_into_a_file_shows_progress_on_the_terminal_within_a_second(
    emu: Emulator, tmp_path: Path
) -> None:
    emu.set_latency(2.5)  # the first answer comes after the line must have
    target = tmp_path / "out.jsonl"
    run = on_terminal(emu, "get", MODEL, DEPLOYMENT, "--all", "--since", "1h", stdout=target)
    assert run.status == 0, run.stderr
    # Shown before any answer came: the line does not wait for one (each takes 2.5 s here).
    assert "0 requests, 0 lines/s" in run.stderr
    assert " of 1h covered, " in run.stderr
    assert run.stderr.endswith("\r\x1b[2K")  # erased at the end
    assert target.read_text(encoding="utf-8").count("\n") > 100


def test_a_local_filter_matching_nothing_keeps_the_progress_line_up(emu: Emulator) -> None:
    """Pages the local filter empties must not erase the line (it was up for no time at all)."""
    emu.set_latency(0.5)  # a scan of a few seconds, whatever the machine
    until = settled_now_ms()
    window = ("--since", str(until - 6 * HOUR_MS), "--until", str(until), "--all")
    run = on_terminal(emu, "training", "llama-finetune", "--grep", "nosuchxyz", *window)
    assert run.status == 0, run.stderr
    assert "fetching… " in run.stderr
    shown, erased = "\r\x1b[2K\x1b[2m", "\r\x1b[2K"
    # Every erasure is the start of the next refresh, but the last one (before the message).
    bare = run.stderr.count(erased) - run.stderr.count(shown)
    assert bare == 1, run.stderr
