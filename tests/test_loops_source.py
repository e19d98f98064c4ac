"""`loops RUN`'s adapter (sources/loops.py): a run found by id or name, its trainer's or its
sampler's logs path, its lifetime, and when following it stops."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import ApiError, NotFoundError, UsageError
from baseten_logs.sources.loops import (
    LoopsTarget,
    check_run_input,
    resolve_run,
    run_ended,
    run_lifetime,
    run_state,
    with_end,
)
from baseten_logs.sources.training import LIFETIME_SLACK_MS
from tests.fakeapi import API_URL

RUNS = f"{API_URL}/v1/loops/runs"
CREATED = 1_795_000_000_000  # 2026-11-18T11:06:40Z
NOW = CREATED + 3 * 86_400_000


def _run(run_id: str = "r1", **fields: Any) -> dict[str, Any]:
    return {
        "id": run_id,
        "session_id": f"sess-{run_id}",
        "deployment_id": "lp1",
        "name": "grpo-math",
        "base_model": "Qwen/Qwen3-8B",
        "base_url": "https://loops.example/v1/runs/r1",
        "created_at": "2026-11-18T11:06:40Z",
        "status": {"name": "ACTIVE"},
        "user": {"email": "dev@example.com"},
        "sampler": None,
        **fields,
    }


SAMPLER = {"id": "smp-1", "model_id": "m1", "deployment_id": "d1", "status": {"name": "ACTIVE"}}


def test_an_id_is_asked_for_and_names_its_trainers_logs(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run()})
    target = resolve_run(client, "r1")
    assert target.logs_path == "/v1/loops/deployments/lp1/logs"
    assert (target.run_id, target.run_name, target.status) == ("r1", "grpo-math", "ACTIVE")
    assert (target.created_ms, target.trainer_id, target.sampler) == (CREATED, "lp1", False)
    assert target.label == "Loops run grpo-math (r1) / trainer"


def test_with_sampler_the_sampler_deployments_logs_are_read(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run(sampler=SAMPLER)})
    target = resolve_run(client, "r1", sampler=True)
    assert target.logs_path == "/v1/models/m1/deployments/d1/logs"
    assert target.label.endswith("/ sampler")


def test_a_run_without_a_sampler_says_so_naming_the_flag(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run()})
    with pytest.raises(NotFoundError) as caught:
        resolve_run(client, "r1", sampler=True)
    assert "has no sampler" in caught.value.message
    assert "leave out --sampler" in str(caught.value.hint)


def test_a_serverless_sampler_has_no_deployment_to_read(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    serverless = {**SAMPLER, "model_id": None, "deployment_id": None}
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run(sampler=serverless)})
    with pytest.raises(NotFoundError, match="serverless"):
        resolve_run(client, "r1", sampler=True)


def test_a_run_without_a_trainer_deployment_is_not_found(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run(deployment_id=None)})
    with pytest.raises(NotFoundError, match="no trainer deployment"):
        resolve_run(client, "r1")


def test_a_name_with_a_slash_is_looked_up_in_the_listing_never_sent_as_a_path(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    # A run's default name is its base model's: "Qwen/Qwen3-8B". No GET /v1/loops/runs/Qwen...
    named = _run("r2", name="Qwen/Qwen3-8B")
    httpx_mock.add_response(url=RUNS, json={"runs": [_run(), named]})
    check_run_input("Qwen/Qwen3-8B")
    target = resolve_run(client, "Qwen/Qwen3-8B")
    assert (target.run_id, target.run_name) == ("r2", "Qwen/Qwen3-8B")
    assert [r.url.path for r in httpx_mock.get_requests()] == ["/v1/loops/runs"]


def test_an_id_like_name_is_tried_as_an_id_then_found_among_the_orgs_runs(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=f"{RUNS}/baseline", status_code=404, json={"error": "nope"})
    httpx_mock.add_response(url=RUNS, json={"runs": [_run()]})
    colleague = _run("r9", name="baseline", user={"email": "ml@example.com"})
    httpx_mock.add_response(url=f"{RUNS}?scope=org", json={"runs": [_run(), colleague]})
    assert resolve_run(client, "baseline").run_id == "r9"


def test_an_unknown_run_names_the_callers_runs(httpx_mock: HTTPXMock, client: ApiClient) -> None:
    httpx_mock.add_response(url=f"{RUNS}/nosuch", status_code=404, json={"error": "nope"})
    httpx_mock.add_response(url=RUNS, json={"runs": [_run()]})
    httpx_mock.add_response(url=f"{RUNS}?scope=org", status_code=403, json={"error": "no"})
    with pytest.raises(NotFoundError) as caught:
        resolve_run(client, "nosuch")
    assert "grpo-math" in str(caught.value.hint)


def test_a_name_several_runs_carry_asks_for_an_id_naming_them(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=RUNS, json={"runs": [_run("r1"), _run("r2")]})
    with pytest.raises(UsageError) as caught:
        resolve_run(client, "grpo-math")
    assert "2 Loops runs are named 'grpo-math'" in caught.value.message
    assert "r1, r2" in str(caught.value.hint)


def test_an_answer_without_a_run_is_an_api_error(httpx_mock: HTTPXMock, client: ApiClient) -> None:
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"runs": []})
    with pytest.raises(ApiError, match="holds no run"):
        resolve_run(client, "r1")


def test_a_status_given_as_a_bare_string_is_read(httpx_mock: HTTPXMock, client: ApiClient) -> None:
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run(status="INACTIVE")})
    target = resolve_run(client, "r1")
    assert target.status == "INACTIVE"
    assert run_state(target) == "the Loops run is INACTIVE"


@pytest.mark.parametrize("text", ["", " r1", "r1\n", "a\x1bb", "x" * 300])
def test_what_cannot_be_a_run_is_refused_unsent(text: str) -> None:
    with pytest.raises(UsageError, match="^RUN: "):
        check_run_input(text)


def _target(status: str = "INACTIVE", **fields: Any) -> LoopsTarget:
    base: dict[str, Any] = {
        "run_id": "r1",
        "run_name": "sft",
        "status": status,
        "logs_path": "/v1/loops/deployments/lp1/logs",
        "sampler": False,
        "created_ms": CREATED,
        "trainer_id": "lp1",
    }
    return LoopsTarget(**{**base, **fields})


def test_an_ended_runs_window_ends_where_the_next_run_on_its_trainer_began(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    later = CREATED + 86_400_000
    runs = [
        _run("r1"),
        _run("r2", created_at="2026-11-19T11:06:40Z"),  # the next on lp1
        _run("r3", created_at="2026-11-20T11:06:40Z"),
        _run("r4", created_at="2026-11-18T20:00:00Z", deployment_id="other"),
    ]
    httpx_mock.add_response(url=RUNS, json={"runs": runs})
    ended = with_end(client, _target())
    assert ended.ended_ms == later
    assert run_lifetime(ended, NOW) == (CREATED - LIFETIME_SLACK_MS, later + LIFETIME_SLACK_MS)


def test_a_colleagues_ended_run_is_bounded_by_the_organizations_runs(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=RUNS, json={"runs": [_run("r5", deployment_id="other")]})
    org = [_run("r1"), _run("r2", created_at="2026-11-19T11:06:40Z")]
    httpx_mock.add_response(url=f"{RUNS}?scope=org", json={"runs": org})
    assert with_end(client, _target()).ended_ms == CREATED + 86_400_000


def test_an_ended_run_whose_end_cannot_be_learnt_runs_until_now(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    httpx_mock.add_response(url=RUNS, json={"runs": [_run("r1")]})  # no later run on lp1
    assert with_end(client, _target()).ended_ms is None
    httpx_mock.add_response(url=RUNS, status_code=403, json={"error": "no"})
    assert with_end(client, _target()).ended_ms is None


def test_a_live_run_or_a_sampler_runs_until_now_asking_nothing(client: ApiClient) -> None:
    for target in (_target("ACTIVE"), _target(sampler=True)):
        assert with_end(client, target) is target  # pytest-httpx: no request was sent
        assert run_lifetime(target, NOW) == (CREATED - LIFETIME_SLACK_MS, NOW)
    assert run_lifetime(_target(created_ms=None), NOW) is None
    assert run_state(_target("ACTIVE")) is None


def test_follow_stops_once_the_run_is_inactive_and_not_on_a_failed_check(
    httpx_mock: HTTPXMock, client: ApiClient
) -> None:
    check = run_ended(client, _target("ACTIVE"))
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run()})
    assert check() is None
    httpx_mock.add_response(url=f"{RUNS}/r1", status_code=404, json={"error": "gone"})
    assert check() is None
    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run(status={"name": "INACTIVE"})})
    assert check() == "the Loops run is INACTIVE"


def test_run_names_complete_on_a_miss_with_one_request_then_from_the_cache(
    httpx_mock: HTTPXMock, api_env: None
) -> None:
    from baseten_logs.completion.complete import complete_loops_runs

    runs = [_run("r1"), _run("r2", name="dpo-chat"), _run("r3", name="Qwen/Qwen3-8B")]
    httpx_mock.add_response(url=RUNS, json={"runs": runs})
    assert complete_loops_runs("") == ["Qwen/Qwen3-8B", "dpo-chat", "grpo-math"]
    assert complete_loops_runs("d") == ["dpo-chat"]  # the cache's: one request in all
    assert complete_loops_runs("r") == ["r1", "r2", "r3"]  # ids, once something is typed
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize("sampler", [False, True], ids=["trainer", "sampler"])
def test_a_crowded_millisecond_is_asked_by_replica_only_of_the_sampler(
    httpx_mock: HTTPXMock, sampler: bool
) -> None:
    # The trainer's endpoint takes no `replica` (a crowded millisecond asked replica by replica
    # would be refused); the sampler's, a deployment's, takes it.
    from baseten_logs.access.config import Credentials
    from baseten_logs.cli.loops import loops_feed
    from baseten_logs.reading.query import LogQuery

    httpx_mock.add_response(url=f"{RUNS}/r1", json={"run": _run(sampler=SAMPLER)})
    credentials = Credentials("k", API_URL, "BASETEN_API_KEY", "BASETEN_API_URL")
    query = LogQuery(path="", since_ms=NOW - 60_000, until_ms=NOW, limit=10)
    feed, _, _ = loops_feed(
        run="r1",
        sampler=sampler,
        query=query,
        credentials=credentials,
        verbose=False,
        since_given=True,
    )
    assert feed.by_replica is sampler
