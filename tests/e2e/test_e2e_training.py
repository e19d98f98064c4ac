"""`training`: filters the endpoint lacks run locally, with exactly get's meaning."""

from __future__ import annotations

from typing import Any

from baseten_logs.base.levels import effective_level
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.chains import (
    TRAINING_JOB_ID,
    TRAINING_OLD_JOB_ID,
    TRAINING_PROJECT_ID,
    TRAINING_PROJECT_NAME,
)
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


def _logs_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.path.endswith("/logs")]


def _window_ms(request: Any) -> int:
    query = request.query
    return int(query["end_epoch_millis"][-1]) - int(query["start_epoch_millis"][-1])


def _lifetime_truth(emu: Emulator) -> list[dict[str, Any]]:
    """Every line of the finished job lora-r8 (it ran from 3 days to 2 days ago)."""
    now = emu.now_ms()
    return emu.job_ground_truth(TRAINING_PROJECT_ID, TRAINING_OLD_JOB_ID, now - 8 * DAY_MS, now)


def test_a_finished_job_prints_its_lines_with_no_window_given(emu: Emulator) -> None:
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "-o", "jsonl", "-v")
    assert run.status == 0, run.stderr
    truth = _lifetime_truth(emu)
    assert len(truth) > 500 and run.jsonl() == truth[-500:]  # the default -n, of the job
    assert "the job's lifetime: " in run.stderr
    assert "no lines in" not in run.stderr  # no look back: the window is the job's
    logs = _logs_requests(emu)
    assert logs and all(_window_ms(r) > DAY_MS for r in logs)  # one 7-day piece holds it


def test_n_is_the_finished_jobs_newest_n(emu: Emulator) -> None:
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "-n", "30", "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == _lifetime_truth(emu)[-30:]  # it ended two days ago
    assert len(_logs_requests(emu)) == 1


def test_all_is_the_finished_jobs_whole_life(emu: Emulator) -> None:
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "--all", "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == _lifetime_truth(emu)


def test_since_and_until_still_choose_the_window(emu: Emulator) -> None:
    until = settled_now_ms()
    since = until - HOUR_MS
    window = ("--since", str(since), "--until", str(until), "-o", "jsonl", "--all")
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", *window)
    assert run.status == 0, run.stderr
    assert run.jsonl() == []  # the job ended two days before this hour
    logs = _logs_requests(emu)
    assert [r.query["start_epoch_millis"] for r in logs] == [[str(since)]]


def test_follow_starts_at_the_jobs_newest_lines(emu: Emulator) -> None:
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "-f", "-n", "20", "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == _lifetime_truth(emu)[-20:]
    assert run.stderr.strip().endswith(
        "stopped following: the training job is TRAINING_JOB_COMPLETED"
    )


def test_a_refused_window_is_asked_again_in_2_hour_pieces_for_the_rest_of_the_run(
    emu: Emulator,
) -> None:
    emu.set_training_max_window_ms(2 * HOUR_MS)
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "--all", "-o", "jsonl", "-v")
    assert run.status == 0, run.stderr
    assert run.jsonl() == _lifetime_truth(emu)  # exact: no line lost or shown twice
    notes = [line for line in run.stderr.splitlines() if "the API refused a window" in line]
    assert len(notes) == 1, run.stderr
    assert "must not exceed 2 hours" in notes[0] and "pieces of 2h from now on" in notes[0]
    logs = _logs_requests(emu)
    refused = [r for r in logs if r.status == 400]
    assert len(refused) == 1  # the size is kept: only the first 7-day piece was refused
    assert all(_window_ms(r) <= 2 * HOUR_MS for r in logs if r.status == 200)


def test_the_newest_n_in_2_hour_pieces(emu: Emulator) -> None:
    emu.set_training_max_window_ms(2 * HOUR_MS)
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "-n", "1500", "-o", "jsonl")
    assert run.status == 0, run.stderr
    assert run.jsonl() == _lifetime_truth(emu)[-1500:]
    assert "refused" not in run.stderr  # the note is for -v


def test_a_2_hour_window_that_is_refused_is_an_error(emu: Emulator) -> None:
    emu.set_training_max_window_ms(HOUR_MS)
    run = cli(emu, "training", TRAINING_PROJECT_NAME, "lora-r8", "--all")
    assert run.status == 2
    assert "must not exceed 1 hour" in run.stderr
