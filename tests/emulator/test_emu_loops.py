"""Loops: runs, their trainers and samplers, a trainer's logs, and a run that ends."""

from __future__ import annotations

from typing import Any

import pytest
from emu_helpers import HOUR_MS, FakeClock, call

from baseten_logs.emulator import Emulator
from baseten_logs.emulator.loops import (
    COLLEAGUES_RUN,
    ENDED_RUN,
    ENDING_RUN,
    RUN_WITH_SAMPLER,
    SAMPLER_MODEL_NAME,
)


def _runs(emu: Emulator, **params: Any) -> dict[str, dict[str, Any]]:
    reply = call(emu, "/v1/loops/runs", params)
    assert reply.status == 200, reply.body
    return {run["id"]: run for run in reply.json["runs"]}


def test_runs_with_a_sampler_without_one_and_ended(emu: Emulator) -> None:
    runs = _runs(emu)
    with_sampler, ended = runs[emu.id(RUN_WITH_SAMPLER)], runs[emu.id(ENDED_RUN)]
    assert with_sampler["status"]["name"] == "ACTIVE" and with_sampler["sampler"] is not None
    assert runs[emu.id(ENDING_RUN)]["sampler"] is None
    assert ended["status"]["name"] == "INACTIVE" and ended["sampler"] is None
    assert emu.id(COLLEAGUES_RUN) not in runs  # the caller's own runs unless scope=org
    assert emu.id(COLLEAGUES_RUN) in _runs(emu, scope="org")
    assert list(_runs(emu, run_id=emu.id(ENDED_RUN))) == [emu.id(ENDED_RUN)]
    assert _runs(emu, base_model="meta-llama/Llama-3.1-8B") == {}
    created = [run["created_at"] for run in runs.values()]
    assert created == sorted(created, reverse=True)


def test_a_run_names_its_trainer_and_its_sampler_is_a_model_deployment(emu: Emulator) -> None:
    run = call(emu, f"/v1/loops/runs/{emu.id(RUN_WITH_SAMPLER)}").json["run"]
    trainer = call(emu, f"/v1/loops/deployments/{run['deployment_id']}").json["deployment"]
    assert trainer["active_run_id"] == run["id"] == trainer["latest_run_id"]
    sampler = run["sampler"]
    model = call(emu, f"/v1/models/{sampler['model_id']}").json
    assert model["name"] == SAMPLER_MODEL_NAME
    assert model["production_deployment_id"] == sampler["deployment_id"]
    path = f"/v1/models/{sampler['model_id']}/deployments/{sampler['deployment_id']}/logs"
    assert call(emu, path, {"limit": 5}).logs


def test_a_trainers_logs_are_the_logs_endpoint_with_its_parameters(emu: Emulator) -> None:
    run = call(emu, f"/v1/loops/runs/{emu.id(RUN_WITH_SAMPLER)}").json["run"]
    path = f"/v1/loops/deployments/{run['deployment_id']}/logs"
    end = emu.now_ms()
    window = {"start_epoch_millis": end - HOUR_MS, "end_epoch_millis": end}
    lines = call(emu, path, {**window, "direction": "asc", "limit": 1000}).logs
    assert lines == emu.loops_ground_truth(run["deployment_id"], end - HOUR_MS, end)[:1000]
    errors = call(emu, path, {**window, "min_level": "ERROR"}).logs
    assert errors and {line["level"] for line in errors} == {"ERROR"}
    # This endpoint takes no other filter: a search is ignored, as a training job's is.
    searched = call(emu, path, {**window, "search_pattern": "no such text", "limit": 5}).logs
    assert len(searched) == 5
    assert call(emu, path, {**window, "limit": 1001}).status == 400
    assert call(emu, path, {**window, "direction": "up"}).status == 400


def test_the_ending_run_ends_for_a_follower(make_emu: Any) -> None:
    clock = FakeClock()
    emu = make_emu(clock=clock)
    run_id = emu.id(ENDING_RUN)
    run = call(emu, f"/v1/loops/runs/{run_id}").json["run"]
    assert run["status"]["name"] == "ACTIVE"
    clock.advance(3 * 3600)  # past the anchor hour + 75 minutes
    run = call(emu, f"/v1/loops/runs/{run_id}").json["run"]
    assert run["status"]["name"] == "INACTIVE"
    trainer = call(emu, f"/v1/loops/deployments/{run['deployment_id']}").json["deployment"]
    assert trainer["active_run_id"] is None and trainer["status"]["name"] == "SCALED_TO_ZERO"
    end = emu.now_ms()
    last = call(
        emu,
        f"/v1/loops/deployments/{run['deployment_id']}/logs",
        {"start_epoch_millis": end - HOUR_MS, "end_epoch_millis": end},
    ).logs
    assert last == []  # nothing after the run ended


@pytest.mark.parametrize(
    "path", ["/v1/loops/runs/nosuch1", "/v1/loops/deployments/nosuch1", "/v1/loops/x"]
)
def test_unknown_names_are_404s_with_an_error(emu: Emulator, path: str) -> None:
    reply = call(emu, path)
    assert reply.status == 404 and reply.json["error"]


def test_logs_scoped_faults_reach_the_new_logs_endpoints(make_emu: Any) -> None:
    # A "logs" fault spoils every logs endpoint, the five-segment ones of Loops and sandboxes too.
    emu = make_emu()
    trainer = call(emu, f"/v1/loops/runs/{emu.id(RUN_WITH_SAMPLER)}").json["run"]["deployment_id"]
    paths = [
        f"/v1/loops/deployments/{trainer}/logs",
        "/v1/sandboxes/images/agent-base/logs",
    ]
    for path in paths:
        emu.inject("503", scope="logs")
        assert call(emu, path).status == 503, path
    emu.inject("503", scope="logs")
    assert call(emu, "/v1/audit_logs").status == 200  # an audit log is not a logs endpoint
    assert emu.pending_faults == 1
