"""`training`: filters the endpoint lacks run locally, with exactly get's meaning."""

from __future__ import annotations

from baseten_logs.emulator import Emulator
from baseten_logs.emulator.chains import (
    TRAINING_JOB_ID,
    TRAINING_OLD_JOB_ID,
    TRAINING_PROJECT_ID,
    TRAINING_PROJECT_NAME,
)
from baseten_logs.levels import effective_level
from tests.e2e.conftest import DAY_MS, HOUR_MS, cli, settled_now_ms


def test_grep_shows_exactly_the_matching_lines_of_the_latest_job(fresh: Emulator) -> None:
    until = settled_now_ms()
    since = until - 2 * HOUR_MS
    run = cli(
        fresh,
        "training",
        TRAINING_PROJECT_NAME,
        "--all",
        "--grep",
        "step [0-9]+ [|] epoch [0-9]+ [|] loss",
        "--exclude",
        " 1.9",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
    )
    assert run.status == 0, run.stderr
    truth = fresh.job_ground_truth(
        TRAINING_PROJECT_ID,
        TRAINING_JOB_ID,
        since,
        until,
        search_pattern="step [0-9]+ [|] epoch [0-9]+ [|] loss",
        excludes=[" 1.9"],
    )
    everything = fresh.job_ground_truth(TRAINING_PROJECT_ID, TRAINING_JOB_ID, since, until)
    assert 0 < len(truth) < len(everything)  # the filter really narrows
    assert run.jsonl() == truth


def test_n_with_a_local_filter_reads_on_until_n_lines_matched(emu: Emulator) -> None:
    until = settled_now_ms()
    since = until - 6 * HOUR_MS
    truth = emu.job_ground_truth(
        TRAINING_PROJECT_ID, TRAINING_JOB_ID, since, until, search_pattern="^Traceback"
    )
    everything = emu.job_ground_truth(TRAINING_PROJECT_ID, TRAINING_JOB_ID, since, until)
    # More matches than the newest page (1000 lines) holds: the command must read on.
    count = sum(1 for r in everything[-1000:] if r["message"].startswith("Traceback")) + 3
    assert len(truth) >= count
    run = cli(
        emu,
        "training",
        TRAINING_PROJECT_ID,
        TRAINING_JOB_ID,
        "-n",
        str(count),
        "--grep",
        "^Traceback",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
        "-v",
    )
    assert run.status == 0, run.stderr
    assert run.jsonl() == truth[-count:]
    assert "applied locally (the training logs endpoint lacks them): --grep '^Traceback'" in (
        run.stderr
    )
    logs = [r for r in emu.requests if r.path.endswith("/logs")]
    assert len(logs) > 1
    assert all("search_pattern" not in r.query for r in logs)


def test_level_means_what_it_means_for_get(emu: Emulator) -> None:
    until = settled_now_ms()
    since = until - HOUR_MS
    window = ("--since", str(since), "--until", str(until), "-o", "jsonl", "--all")
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "--level", "error", *window)
    assert run.status == 0, run.stderr
    truth = emu.job_ground_truth(TRAINING_PROJECT_ID, TRAINING_JOB_ID, since, until)
    # Unlevelled lines whose text shows an error count too, as `get --level error` shows them.
    wanted = [r for r in truth if effective_level(r) == "ERROR"]
    assert any(r["level"] is None for r in wanted)
    assert run.jsonl() == wanted


def test_follow_stops_by_itself_once_the_job_has_ended(emu: Emulator) -> None:
    since = settled_now_ms() - 3 * DAY_MS
    run = cli(
        emu,
        "training",
        TRAINING_PROJECT_NAME,
        TRAINING_OLD_JOB_ID,
        "-f",
        "--since",
        str(since),
        "-o",
        "jsonl",
        "--grep",
        "OutOfMemoryError",
        timeout=60,
    )
    assert run.status == 0, run.stderr
    assert run.stderr.strip().endswith(
        "stopped following: the training job is TRAINING_JOB_COMPLETED"
    )
    truth = emu.job_ground_truth(
        TRAINING_PROJECT_ID,
        TRAINING_OLD_JOB_ID,
        since,
        settled_now_ms(),
        search_pattern="OutOfMemoryError",
    )
    assert truth and run.jsonl() == truth


def test_an_unknown_project_exits_4_naming_the_projects(emu: Emulator) -> None:
    run = cli(emu, "training", "nosuch")
    assert run.status == 4
    assert TRAINING_PROJECT_NAME in run.stderr


def test_a_finished_job_shows_its_last_lines_with_no_since(emu: Emulator) -> None:
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "-n", "30", "-o", "jsonl")
    assert run.status == 0, run.stderr
    now = emu.now_ms()
    truth = emu.job_ground_truth(TRAINING_PROJECT_ID, TRAINING_OLD_JOB_ID, now - 7 * DAY_MS, now)
    assert truth and run.jsonl() == truth[-30:]  # it ended two days ago
    assert "the training job is TRAINING_JOB_COMPLETED" in run.stderr
    assert "no lines in the last 30m; showing the newest of the last 7d" in run.stderr
    assert len([r for r in emu.requests if r.path.endswith("/logs")]) == 4
