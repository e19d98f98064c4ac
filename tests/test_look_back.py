"""No --since: how far an empty default window widens, and what is said about the source."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.client import ApiClient
from baseten_logs.reading.look_back import DAY_MS, HOUR_MS, deployment_state, steps
from baseten_logs.reading.query import LogQuery
from baseten_logs.sources.chains import ChainTarget, chain_state
from baseten_logs.sources.training import TrainingTarget, job_state
from tests.fakeapi import API_URL

NOW = 1_796_000_000_000


def test_steps_widen_to_seven_days_each_only_the_part_not_looked_at() -> None:
    first = LogQuery(path="/p/logs", since_ms=NOW - 30 * 60_000, until_ms=NOW)
    windows = [(q.since_ms, q.until_ms) for q in steps(first)]
    assert windows == [
        (NOW - 6 * HOUR_MS, first.since_ms - 1),
        (NOW - DAY_MS, NOW - 6 * HOUR_MS - 1),
        (NOW - 7 * DAY_MS, NOW - DAY_MS - 1),
    ]


@pytest.mark.parametrize(
    ("path", "body", "said"),
    [
        ("/v1/models/m1/deployments/d1", {"status": "INACTIVE"}, "the deployment is INACTIVE"),
        ("/v1/models/m1/deployments/d1", {"status": "ACTIVE"}, None),
        (
            "/v1/models/m1/environments/production",
            {"current_deployment": {"status": "SCALED_TO_ZERO"}},
            "the deployment of production is SCALED_TO_ZERO",
        ),
        ("/v1/models/m1/environments/production", {"current_deployment": None}, None),
    ],
)
def test_deployment_state_reads_the_deployment_or_the_environments_current_one(
    httpx_mock: HTTPXMock, client: ApiClient, path: str, body: object, said: str | None
) -> None:
    httpx_mock.add_response(url=f"{API_URL}{path}", json=body)
    assert deployment_state(client, f"{path}/logs") == said


def test_chain_and_job_states_need_no_request() -> None:
    chain = ChainTarget("c1", "rag", "p1", None, "INACTIVE", ())
    assert chain_state(chain) == "the chain deployment is INACTIVE"
    assert chain_state(ChainTarget("c1", "rag", "p1", None, "ACTIVE", ())) is None
    job = TrainingTarget("t1", None, "j1", None, "TRAINING_JOB_FAILED")
    assert job_state(job) == "the training job is TRAINING_JOB_FAILED"
    assert job_state(TrainingTarget("t1", None, "j1", None, "TRAINING_JOB_RUNNING")) is None
