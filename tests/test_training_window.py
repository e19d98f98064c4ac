"""`training` with no --since: the job's lifetime, read from the job object in any time form."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.client import ApiClient
from baseten_logs.cli.training import job_window
from baseten_logs.reading.query import LogQuery
from baseten_logs.sources.training import (
    LIFETIME_SLACK_MS,
    TrainingTarget,
    lifetime,
    moment_ms,
    resolve_training,
)
from tests.fakeapi import API_URL

NOW = 1_796_000_000_000
CREATED = 1_795_000_000_000  # 2026-11-18T11:06:40Z
UPDATED = CREATED + 5 * 3_600_000
DONE = "TRAINING_JOB_COMPLETED"


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-18T11:06:40Z",  # the schema's form (AwareDatetime)
        "2026-11-18T11:06:40.000000+00:00",
        "2026-11-18T13:06:40+02:00",
        "2026-11-18 11:06:40",  # no offset: read as UTC
        "2026-11-18T11:06:40.000",
        CREATED,  # epoch milliseconds
        CREATED // 1000,  # seconds
        str(CREATED * 1_000_000),  # nanoseconds, as a log line's time
        CREATED / 1000,  # seconds as a float
    ],
)
def test_a_job_time_is_read_in_every_plausible_form(value: object) -> None:
    assert moment_ms(value) == CREATED


@pytest.mark.parametrize("value", [None, "", "yesterday", True, [], {}, "2026-13-45T00:00:00Z"])
def test_a_job_time_that_cannot_be_read_is_none(value: object) -> None:
    assert moment_ms(value) is None


def target(status: str | None, created: int | None, updated: int | None) -> TrainingTarget:
    return TrainingTarget("t1", None, "j1", None, status, created_ms=created, updated_ms=updated)


def test_a_finished_job_is_read_from_creation_to_its_last_change() -> None:
    window = lifetime(target(DONE, CREATED, UPDATED), NOW)
    assert window == (CREATED - LIFETIME_SLACK_MS, UPDATED + LIFETIME_SLACK_MS)


@pytest.mark.parametrize("status", ["TRAINING_JOB_RUNNING", "TRAINING_JOB_PENDING", None])
def test_a_job_that_has_not_ended_is_read_until_now(status: str | None) -> None:
    assert lifetime(target(status, CREATED, UPDATED), NOW) == (CREATED - LIFETIME_SLACK_MS, NOW)


def test_a_finished_job_with_no_readable_update_is_read_until_now() -> None:
    assert lifetime(target(DONE, CREATED, None), NOW) == (CREATED - LIFETIME_SLACK_MS, NOW)


def test_an_unknown_creation_leaves_the_default_window() -> None:
    assert lifetime(target(DONE, None, UPDATED), NOW) is None
    query = LogQuery(path="/logs", since_ms=NOW - 1800_000, until_ms=NOW)
    assert job_window(target(DONE, None, UPDATED), query, keep_until=False) is None


def test_until_or_follow_keeps_the_window_end() -> None:
    query = LogQuery(path="/logs", since_ms=CREATED + 10, until_ms=CREATED + 3_600_000)
    kept = job_window(target(DONE, CREATED, UPDATED), query, keep_until=True)
    assert kept is not None
    assert (kept.since_ms, kept.until_ms) == (CREATED - LIFETIME_SLACK_MS, CREATED + 3_600_000)
    whole = job_window(target(DONE, CREATED, UPDATED), query, keep_until=False)
    assert whole is not None and whole.until_ms == UPDATED + LIFETIME_SLACK_MS


def test_the_job_objects_times_reach_the_target(httpx_mock: HTTPXMock, client: ApiClient) -> None:
    job = {
        "id": "j1",
        "name": "lora",
        "current_status": DONE,
        "created_at": "2026-11-18T11:06:40Z",
        "updated_at": "2026-11-18T16:06:40.123456Z",
    }
    httpx_mock.add_response(
        url=f"{API_URL}/v1/training_projects/t1/jobs",
        json={"training_project": {"id": "t1", "name": "p"}, "training_jobs": [job]},
    )
    found = resolve_training(client, "t1", "lora")
    assert (found.created_ms, found.updated_ms) == (CREATED, UPDATED + 123)
