"""`--team NAME`: when several teams have a model of one name, the one of that team."""

from __future__ import annotations

import re

import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.base.errors import ExitStatus
from baseten_logs.completion.complete import Where, complete_deployments, complete_models
from tests.conftest import invoke
from tests.fakecatalog import API_URL, EMB_ACME, EMB_RESEARCH, FakeCatalog, serve

SINCE = ("--since", "2025-11-26T09:00:00Z", "--until", "+5m")


@pytest.fixture
def catalog(httpx_mock: HTTPXMock, api_env: None) -> FakeCatalog:
    fake = serve(httpx_mock)
    return fake


def logs_requests(httpx_mock: HTTPXMock) -> list[str]:
    return [r.url.path for r in httpx_mock.get_requests() if r.url.path.endswith("/logs")]


def test_without_team_an_ambiguous_name_suggests_it(catalog: FakeCatalog) -> None:
    result = invoke("get", "embedder", *SINCE)
    assert result.status == ExitStatus.USAGE
    assert "--team NAME" in result.stderr


@pytest.mark.parametrize(("team", "model_id"), [("research", EMB_RESEARCH), ("acme-ml", EMB_ACME)])
def test_get_picks_the_model_of_that_team(
    catalog: FakeCatalog, httpx_mock: HTTPXMock, team: str, model_id: str
) -> None:
    httpx_mock.add_response(
        url=re.compile(rf"{API_URL}/v1/models/{model_id}/deployments/.*/logs.*"), json={"logs": []}
    )
    result = invoke("get", "embedder", "--team", team, *SINCE)
    assert result.status == 0, result.stderr
    assert [p.split("/")[3] for p in logs_requests(httpx_mock)] == [model_id]


def test_stats_and_deployments_take_it_too(catalog: FakeCatalog, httpx_mock: HTTPXMock) -> None:
    result = invoke("deployments", "embedder", "--team", "research", "-o", "jsonl")
    assert result.status == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if '"r1k8w3s"' in line]
    httpx_mock.add_response(
        url=re.compile(rf"{API_URL}/v1/models/{EMB_RESEARCH}/deployments/.*/logs.*"),
        json={"logs": []},
        is_reusable=True,  # stats fetches its window in slices
    )
    result = invoke("stats", "embedder", "--team", "research", "-o", "json", *SINCE)
    assert result.status == 0, result.stderr


def test_a_team_without_that_model_is_not_found(catalog: FakeCatalog) -> None:
    result = invoke("get", "embedder", "--team", "marketing", *SINCE)
    assert result.status == ExitStatus.NOT_FOUND
    assert "no model named 'embedder' in team 'marketing'" in result.stderr
    assert "acme-ml, research" in result.stderr


def test_the_team_is_remembered_apart(catalog: FakeCatalog, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=re.compile(rf"{API_URL}/v1/models/.*/logs.*"), json={"logs": []}, is_reusable=True
    )
    assert invoke("get", "embedder", "--team", "research", *SINCE).status == 0
    assert invoke("get", "embedder", "--team", "acme-ml", *SINCE).status == 0
    assert [p.split("/")[3] for p in logs_requests(httpx_mock)] == [EMB_RESEARCH, EMB_ACME]


def test_completion_follows_the_team(catalog: FakeCatalog) -> None:
    assert complete_models("em", Where(team="research")) == ["embedder"]
    assert complete_models("", Where(team="nobody")) == []
    assert complete_deployments("embedder", "v", Where(team="research")) == ["v2"]
    assert complete_deployments("embedder", "v", Where(team="acme-ml")) == ["v1"]
