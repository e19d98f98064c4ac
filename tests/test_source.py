"""The logs request as the probe: ids of any shape cost one request, names are resolved on a 404."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import httpx
import pytest
from pytest_httpx import HTTPXMock

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import NotFoundError, UsageError
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.resolve import logs_source
from baseten_logs.sources.source import LogsSource
from tests.fakecatalog import (
    API_URL,
    IDLIKE_ID,
    IDLIKE_NAME,
    IDLIKE_PROD,
    LLAMA,
    LLAMA_DEV,
    LLAMA_PROD,
    OTHER_KINDS,
    FakeCatalog,
    deployment,
    model,
)

PARAMS = [("start_epoch_millis", "0"), ("end_epoch_millis", "1"), ("direction", "asc")]
# Id shapes seen in Baseten's own packages: 7 and 8 characters, mixed case, letters only, longer.
ID_SHAPES = [
    ("q4w8x2z", "3w1k9p5"),
    ("wxpev45q", "3w1k9p5x"),
    ("3kZ9xqd", "k4q95w5"),
    ("nwxpzqy", "abcdefg"),
    ("vL3pQrS8", "Xy7Zw9Qa"),
    ("m0d3l1d3nt1f13r42", "d3pl0ym3nt1d7x9q"),
]


def read(
    client: ApiClient,
    model_: str,
    deployment_: str | None = None,
    *,
    environment: str | None = None,
    cache: Cache | None = None,
) -> str:
    """What `get MODEL [DEPLOYMENT]` does: one logs request through the source; its path."""
    source = logs_source(model=model_, deployment=deployment_, environment=environment, cache=cache)
    source.request(client, lambda path: client.get_logs(path, PARAMS))
    return source.path


def logs(model_id: str, deployment_id: str) -> str:
    return f"/v1/models/{model_id}/deployments/{deployment_id}/logs"


@pytest.mark.parametrize(("model_id", "deployment_id"), ID_SHAPES)
def test_two_ids_of_any_shape_cost_exactly_one_request(
    client: ApiClient, catalog: FakeCatalog, model_id: str, deployment_id: str
) -> None:
    catalog.models.append(model(model_id, "some-model", production=deployment_id))
    catalog.deployments[model_id] = [deployment(deployment_id, "v1", model_id, production=True)]
    assert read(client, model_id, deployment_id) == logs(model_id, deployment_id)
    assert catalog.seen == [logs(model_id, deployment_id) + "?" + _query()]


def test_id_like_names_are_resolved_after_the_probe_answers_404(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.deployments[IDLIKE_ID][0]["name"] = "nightly"
    assert read(client, IDLIKE_NAME, "nightly") == logs(IDLIKE_ID, IDLIKE_PROD)
    assert _paths(catalog) == [
        logs(IDLIKE_NAME, "nightly"),  # the probe
        "/v1/models",
        f"/v1/models/{IDLIKE_ID}/deployments",
        logs(IDLIKE_ID, IDLIKE_PROD),
    ]


def test_an_id_like_model_name_alone_costs_two_requests(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    assert read(client, IDLIKE_NAME) == logs(IDLIKE_ID, IDLIKE_PROD)
    assert _paths(catalog) == ["/v1/models", logs(IDLIKE_ID, IDLIKE_PROD)]


def test_names_that_cannot_be_ids_are_not_probed(client: ApiClient, catalog: FakeCatalog) -> None:
    assert read(client, "llama-3-8b", "v3") == logs(LLAMA, LLAMA_PROD)
    assert _paths(catalog) == [
        "/v1/models",
        f"/v1/models/{LLAMA}/deployments",
        logs(LLAMA, LLAMA_PROD),
    ]


def test_a_deployment_id_under_a_model_name(client: ApiClient, catalog: FakeCatalog) -> None:
    assert read(client, "llama-3-8b", LLAMA_DEV) == logs(LLAMA, LLAMA_DEV)
    assert len(catalog.seen) == 3


def test_a_model_id_with_a_deployment_name_after_the_probe(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    assert read(client, LLAMA, "development") == logs(LLAMA, LLAMA_DEV)  # an alias: no probe
    assert _paths(catalog) == ["/v1/models", logs(LLAMA, LLAMA_DEV)]


def test_names_cost_one_request_once_cached(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    catalog.deployments[IDLIKE_ID][0]["name"] = "nightly"
    read(client, IDLIKE_NAME, "nightly", cache=cache)
    read(client, IDLIKE_NAME, cache=cache)
    catalog.seen.clear()
    assert read(client, IDLIKE_NAME, "nightly", cache=cache) == logs(IDLIKE_ID, IDLIKE_PROD)
    assert read(client, IDLIKE_NAME, cache=cache) == logs(IDLIKE_ID, IDLIKE_PROD)
    assert _paths(catalog) == [logs(IDLIKE_ID, IDLIKE_PROD)] * 2


def test_a_stale_cached_answer_is_resolved_afresh_on_404(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    read(client, "llama-3-8b", "v3", cache=cache)
    # v3 is deleted and its name given to the development deployment.
    catalog.deployments[LLAMA] = [deployment(LLAMA_DEV, "v3", LLAMA)]
    catalog.seen.clear()
    assert read(client, "llama-3-8b", "v3", cache=cache) == logs(LLAMA, LLAMA_DEV)
    assert _paths(catalog) == [
        logs(LLAMA, LLAMA_PROD),
        "/v1/models",
        f"/v1/models/{LLAMA}/deployments",
        logs(LLAMA, LLAMA_DEV),
    ]


def test_two_unknown_ids_say_what_exists(client: ApiClient, catalog: FakeCatalog) -> None:
    with pytest.raises(NotFoundError, match="no model named 'zzzzzzzz' or with that id"):
        read(client, "zzzzzzzz", "yyyyyyyy")
    assert _paths(catalog) == [
        logs("zzzzzzzz", "yyyyyyyy"),
        "/v1/models",
        "/v1/models/zzzzzzzz",
        *OTHER_KINDS,
    ]


def test_a_deployment_the_api_knows_but_whose_logs_404_is_not_retried(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.overrides[logs(LLAMA, LLAMA_PROD)] = lambda request: catalog_404()
    with pytest.raises(NotFoundError, match=r"^not found: /v1/models/"):
        read(client, LLAMA, LLAMA_PROD)
    assert _paths(catalog) == [
        logs(LLAMA, LLAMA_PROD),
        "/v1/models",
        f"/v1/models/{LLAMA}/deployments",
    ]


def test_an_environment_of_a_model_id_is_probed(client: ApiClient, catalog: FakeCatalog) -> None:
    path = f"/v1/models/{LLAMA}/environments/staging/logs"
    assert read(client, LLAMA, environment="staging") == path
    assert _paths(catalog) == [path]


def test_an_unknown_environment_lists_the_others(client: ApiClient, catalog: FakeCatalog) -> None:
    with pytest.raises(NotFoundError, match=r"has no environment 'canary' \(its environments"):
        read(client, LLAMA, environment="canary")
    assert len(catalog.seen) == 3  # the probe, the models, the environments


def test_an_environment_of_a_model_name(client: ApiClient, catalog: FakeCatalog) -> None:
    path = f"/v1/models/{LLAMA}/environments/staging/logs"
    assert read(client, "llama-3-8b", environment="staging") == path
    assert len(catalog.seen) == 3  # the models, the environment, its logs


@pytest.mark.parametrize(
    ("model_", "deployment_"),
    [("a/b", "c"), ("abc", "../x"), ("abc", "x\\y"), ("", "x"), ("abc", " x")],
)
def test_what_could_change_the_path_is_refused_before_any_request(
    catalog: FakeCatalog, model_: str, deployment_: str
) -> None:
    with pytest.raises(UsageError):
        logs_source(model=model_, deployment=deployment_, environment=None, cache=None)
    assert catalog.seen == []


def test_a_name_that_is_no_id_goes_only_into_query_parameters(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    with pytest.raises(NotFoundError, match=re.escape("has no deployment named 'v3?x=1#y'")):
        read(client, LLAMA, "v3?x=1#y")
    assert _paths(catalog) == ["/v1/models", f"/v1/models/{LLAMA}/deployments"]


def test_parallel_requests_resolve_once_and_all_reach_the_resolved_path(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    # Requests beside the probe send the same guess; its 404s wait for the one resolution.
    catalog.deployments[IDLIKE_ID][0]["name"] = "nightly"
    source = logs_source(model=IDLIKE_NAME, deployment="nightly", environment=None, cache=None)
    assert from_threads(source, client, 4) == []
    paths = _paths(catalog)
    guesses = paths.count(logs(IDLIKE_NAME, "nightly"))
    assert 1 <= guesses <= 4
    assert [p for p in paths if not p.endswith("/logs")] == [
        "/v1/models",
        f"/v1/models/{IDLIKE_ID}/deployments",
    ]
    assert paths.count(logs(IDLIKE_ID, IDLIKE_PROD)) == 4
    assert len(paths) == guesses + 2 + 4


def test_requests_beside_the_probe_do_not_wait_for_its_answer(
    client: ApiClient, httpx_mock: HTTPXMock
) -> None:
    """Two ids: the first slices of `--all` go together, not one round trip after the probe.
    The server answers the first request only once the second has arrived."""
    both_sent = threading.Barrier(2, timeout=5)

    def answer(request: httpx.Request) -> httpx.Response:
        try:
            both_sent.wait()
        except threading.BrokenBarrierError:
            return httpx.Response(500, json={"error": "the second request never came"})
        return httpx.Response(200, json={"logs": []})

    httpx_mock.add_callback(answer, is_reusable=True)
    source = logs_source(model=LLAMA, deployment=LLAMA_PROD, environment=None, cache=None)
    assert from_threads(source, client, 2) == []
    assert source.path == logs(LLAMA, LLAMA_PROD)


def test_parallel_requests_share_one_not_found_answer(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    source = logs_source(model="zzzzzzz", deployment="yyyyyyy", environment=None, cache=None)
    failures = from_threads(source, client, 4)
    assert len(failures) == 4 and all(isinstance(f, NotFoundError) for f in failures)
    assert len({str(f) for f in failures}) == 1
    # The guesses (the probe and those beside it), then the listing, the model by id, the
    # chains and projects: once.
    paths = _paths(catalog)
    guesses = paths.count(logs("zzzzzzz", "yyyyyyy"))
    assert 1 <= guesses <= 4
    assert len(paths) - guesses == 4


def test_a_fixed_source_sends_to_its_path(client: ApiClient, catalog: FakeCatalog) -> None:
    source = LogsSource.fixed(logs(LLAMA, LLAMA_PROD))
    source.request(client, _getter(client))
    assert _paths(catalog) == [logs(LLAMA, LLAMA_PROD)]


def from_threads(source: LogsSource, client: ApiClient, count: int) -> list[Exception]:
    """`count` requests through `source` at once, each in a thread of its own, as parallel
    slices send them; the errors they ended in (one left in a thread would pass unseen)."""
    failures: list[Exception] = []

    def attempt() -> None:
        try:
            source.request(client, _getter(client))
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def _getter(client: ApiClient):
    return lambda path: client.get_logs(path, PARAMS)


def catalog_404():
    import httpx

    return httpx.Response(404, json={"error": "Deployment not found"})


def _query() -> str:
    return "&".join(f"{k}={v}" for k, v in PARAMS)


def _paths(catalog: FakeCatalog) -> list[str]:
    return [seen.partition("?")[0] for seen in catalog.seen]


def test_unreadable_times_are_named_once_each_then_summed_up() -> None:
    warnings: list[str] = []
    source = LogsSource.fixed("/x", warn=warnings.append)
    page = [{"timestamp": f"t{i}\x1b[2J", "message": "m"} for i in range(14)]
    page.insert(3, {"timestamp": "1764150000123456789", "message": "fine"})
    source.check_times(page, 1_764_150_000_000, 1_764_150_060_000)
    source.check_times(page, 1_764_150_000_000, 1_764_150_060_000)  # the same lines again
    assert len(warnings) == 11
    assert warnings[0].startswith("line 1 of page 1 (2025-11-26T09:40:00.000Z to ")
    assert warnings[3].startswith("line 5 of page 1")  # positions count every line
    assert "\x1b" not in "".join(warnings)  # the API's text cannot drive the terminal
    assert warnings[-1].startswith("more lines have times that cannot be read")


def test_verbose_names_the_ids_as_typed_once_the_probe_answers(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    said: list[str] = []
    source = logs_source(
        model=LLAMA, deployment=LLAMA_PROD, environment=None, cache=None, log=said.append
    )
    source.request(client, _getter(client))
    assert said == [f"target: /v1/models/{LLAMA}/deployments/{LLAMA_PROD} (ids as typed)"]
    assert source.label is None  # no names were looked up


def test_verbose_and_stats_name_a_resolved_target(client: ApiClient, catalog: FakeCatalog) -> None:
    said: list[str] = []
    source = logs_source(
        model="llama-3-8b", deployment="v3", environment=None, cache=None, log=said.append
    )
    assert source.label is None
    source.request(client, _getter(client))
    label = f"llama-3-8b ({LLAMA}) / v3 ({LLAMA_PROD})"
    assert said == [f"target: {label}"]
    assert source.label == label  # what `stats` shows as its subject


def test_a_cached_target_is_named_before_any_request(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    read(client, "llama-3-8b", "v3", cache=cache)
    catalog.seen.clear()
    said: list[str] = []
    source = logs_source(
        model="llama-3-8b", deployment="v3", environment=None, cache=cache, log=said.append
    )
    assert source.label == f"llama-3-8b ({LLAMA}) / v3 ({LLAMA_PROD})"
    source.request(client, _getter(client))
    assert said == []  # nothing new to say: the cache named it
    assert _paths(catalog) == [logs(LLAMA, LLAMA_PROD)]


def test_a_cached_model_with_env_reads_the_environment(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    read(client, "llama-3-8b", cache=cache)
    catalog.seen.clear()
    path = f"/v1/models/{LLAMA}/environments/staging/logs"
    assert read(client, "llama-3-8b", environment="staging", cache=cache) == path
    assert _paths(catalog) == [path]


def test_a_cached_model_of_no_team_is_not_read_for_a_team(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    read(client, "llama-3-8b", "v3", cache=cache)
    catalog.seen.clear()
    source = logs_source(
        model="llama-3-8b", deployment="v3", environment=None, cache=cache, team="research"
    )
    assert source.path == ""  # not known: names are resolved first
    with pytest.raises(NotFoundError, match="no model named 'llama-3-8b' in team 'research'"):
        source.request(client, _getter(client))
    assert _paths(catalog) == ["/v1/models"]


@pytest.mark.parametrize("environment", ["../x", "a/b", "prod?x=1"])
def test_a_bad_environment_is_refused_before_any_request(
    catalog: FakeCatalog, environment: str
) -> None:
    with pytest.raises(UsageError, match="--env: .* is not an environment name"):
        logs_source(model=LLAMA, deployment=None, environment=environment, cache=None)
    assert catalog.seen == []


def test_an_unknown_environment_of_a_probed_model_id_names_the_model(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    with pytest.raises(NotFoundError) as caught:
        read(client, LLAMA, environment="canary")
    assert str(caught.value) == (
        f"model 'llama-3-8b' ({LLAMA}) has no environment 'canary'"
        " (its environments: production, staging)"
    )


def test_unreadable_times_are_warned_about_through_the_callers_warn(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    warnings: list[str] = []
    source = logs_source(
        model=LLAMA, deployment=LLAMA_PROD, environment=None, cache=None, warn=warnings.append
    )
    source.check_times([{"timestamp": "soon", "message": "m"}], 0, 60_000)
    assert warnings == [
        "line 1 of page 1 (1970-01-01T00:00:00.000Z to 1970-01-01T00:01:00.000Z) has a time"
        " that cannot be read ('soon'); shown where it came, without its place in time"
    ]
