"""`loops RUN [--sampler]` and `loops-runs` against the emulator's Loops routes (issue #26)."""

from __future__ import annotations

from typing import Any

from baseten_logs.base.levels import effective_level
from baseten_logs.emulator import Emulator
from baseten_logs.emulator.loops import (
    COLLEAGUES_RUN,
    ENDED_RUN,
    ENDED_TRAINER_ID,
    ENDING_RUN,
    RUN_WITH_SAMPLER,
    SAMPLER_DEPLOYMENT_ID,
    SAMPLER_MODEL_ID,
    TRAINER_ID,
)
from baseten_logs.sources.training import LIFETIME_SLACK_MS
from tests.e2e.conftest import HOUR_MS, cli, settled_now_ms
from tests.e2e.test_e2e_names import complete

WINDOW_HOURS = 2


def _window() -> tuple[int, int, tuple[str, ...]]:
    until = settled_now_ms()
    since = until - WINDOW_HOURS * HOUR_MS
    return since, until, ("--since", str(since), "--until", str(until), "-o", "jsonl")


def _created(emu: Emulator, run: str) -> int:
    found = emu.catalogue.loops.run(emu.id(run))
    assert found is not None
    return found.created_ms


def _ended_run_truth(emu: Emulator, **filters: Any) -> list[dict[str, Any]]:
    """Every line of sft-warmup: its trainer's from its creation (it ended a day ago)."""
    since = _created(emu, ENDED_RUN) - LIFETIME_SLACK_MS
    return emu.loops_ground_truth(emu.id(ENDED_TRAINER_ID), since, emu.now_ms(), **filters)


def _logs_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.path.endswith("/logs")]


def test_a_run_by_name_prints_its_trainers_lines(fresh: Emulator) -> None:
    since, until, window = _window()
    run = cli(fresh, "loops", "grpo-math", "--all", *window)
    assert run.status == 0, run.stderr
    truth = fresh.loops_ground_truth(fresh.id(TRAINER_ID), since, until)
    assert truth and run.jsonl() == truth
    paths = {r.path for r in _logs_requests(fresh)}
    assert paths == {f"/v1/loops/deployments/{fresh.id(TRAINER_ID)}/logs"}


def test_n_is_the_ended_runs_newest_n_with_no_window_given(emu: Emulator) -> None:
    run = cli(emu, "loops", emu.id(ENDED_RUN), "-n", "30", "-o", "jsonl", "-v")
    assert run.status == 0, run.stderr
    assert run.jsonl() == _ended_run_truth(emu)[-30:]  # it ended a day ago
    assert "the run's lifetime: " in run.stderr


def test_a_replaced_runs_window_ends_where_the_next_run_began(emu: Emulator) -> None:
    # rl-baseline (a colleague's, found among the organization's runs by name) trained on the
    # trainer that sft-warmup used next: its lines are the trainer's until sft-warmup began.
    run = cli(emu, "loops", "rl-baseline", "-n", "10", "-o", "jsonl")
    assert run.status == 0, run.stderr
    since = _created(emu, COLLEAGUES_RUN) - LIFETIME_SLACK_MS
    until = _created(emu, ENDED_RUN) + LIFETIME_SLACK_MS
    truth = emu.loops_ground_truth(emu.id(ENDED_TRAINER_ID), since, until)
    assert len(truth) > 10 and run.jsonl() == truth[-10:]


def test_level_means_what_it_means_for_get(emu: Emulator) -> None:
    since, until, window = _window()
    run = cli(emu, "loops", "grpo-math", "--level", "error", "--all", *window)
    assert run.status == 0, run.stderr
    truth = emu.loops_ground_truth(emu.id(TRAINER_ID), since, until)
    # Unlevelled lines whose text shows an error count too, as `get --level error` shows them.
    wanted = [r for r in truth if effective_level(r) == "ERROR"]
    assert any(r["level"] is None for r in wanted)
    assert run.jsonl() == wanted


def test_grep_runs_locally_and_n_reads_on_until_n_matched(emu: Emulator) -> None:
    pattern = "loss [0-9.]+"
    truth = _ended_run_truth(emu, search_pattern=pattern)
    run = cli(emu, "loops", "sft-warmup", "-n", "700", "--grep", pattern, "-o", "jsonl", "-v")
    assert run.status == 0, run.stderr
    assert len(truth) > 700 and run.jsonl() == truth[-700:]
    assert "applied locally (the Loops logs endpoint lacks them): --grep" in run.stderr
    logs = _logs_requests(emu)
    assert len(logs) > 1 and all("search_pattern" not in r.query for r in logs)


def test_sampler_reads_the_paired_deployment_sending_its_filters(emu: Emulator) -> None:
    since, until, window = _window()
    model, deployment = emu.id(SAMPLER_MODEL_ID), emu.id(SAMPLER_DEPLOYMENT_ID)
    pattern = "[Ee]rror"
    run = cli(emu, "loops", "grpo-math", "--sampler", "--grep", pattern, "--all", *window)
    assert run.status == 0, run.stderr
    truth = emu.ground_truth(model, deployment, since, until, search_pattern=pattern)
    assert truth and run.jsonl() == truth
    logs = _logs_requests(emu)
    assert {r.path for r in logs} == {f"/v1/models/{model}/deployments/{deployment}/logs"}
    assert all(r.query.get("search_pattern") == [pattern] for r in logs)


def test_sampler_of_a_trainer_only_run_exits_4_naming_the_flag(emu: Emulator) -> None:
    run = cli(emu, "loops", emu.id(ENDING_RUN), "--sampler")
    assert run.status == 4
    assert "has no sampler" in run.stderr and "--sampler" in run.stderr
    assert not _logs_requests(emu)


def test_follow_stops_by_itself_once_the_run_has_ended(emu: Emulator) -> None:
    run = cli(emu, "loops", "sft-warmup", "-f", "-n", "20", "-o", "jsonl", timeout=60)
    assert run.status == 0, run.stderr
    assert run.jsonl() == _ended_run_truth(emu)[-20:]
    assert run.stderr.strip().endswith("stopped following: the Loops run is INACTIVE")


def test_an_unknown_run_exits_4_naming_the_runs(emu: Emulator) -> None:
    run = cli(emu, "loops", "nosuch")
    assert run.status == 4
    assert "grpo-math" in run.stderr


def test_a_bad_run_is_refused_unsent(emu: Emulator) -> None:
    run = cli(emu, "loops", " grpo-math")
    assert run.status == 2 and run.stderr.count("\n") == 1
    assert "RUN" in run.stderr and not emu.requests


def test_loops_runs_lists_yours_as_json_lines_when_piped_and_the_orgs_with_org(
    emu: Emulator,
) -> None:
    mine = cli(emu, "loops-runs")
    assert mine.status == 0, mine.stderr
    ids = [r["id"] for r in mine.jsonl()]
    assert ids == [emu.id(ENDING_RUN), emu.id(RUN_WITH_SAMPLER), emu.id(ENDED_RUN)]
    everyone = cli(emu, "loops-runs", "--org")
    assert [r["id"] for r in everyone.jsonl()] == [*ids, emu.id(COLLEAGUES_RUN)]
    table = cli(emu, "loops-runs", "-o", "table")
    assert table.status == 0, table.stderr
    assert table.stdout.split()[:7] == [
        "NAME",
        "ID",
        "STATUS",
        "TRAINER",
        "SAMPLER",
        "USER",
        "CREATED",
    ]
    assert "grpo-math" in table.stdout and emu.id(SAMPLER_DEPLOYMENT_ID) in table.stdout


def test_run_names_complete_from_the_cache_after_a_listing(emu: Emulator) -> None:
    assert cli(emu, "loops-runs").status == 0
    emu.clear_requests()
    assert complete(emu, "baseten-logs loops g") == ["grpo-math"]
    assert complete(emu, "baseten-logs loops ") == ["dpo-chat", "grpo-math", "sft-warmup"]
    assert emu.requests == []
