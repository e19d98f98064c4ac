"""What the cache answers for: a model of one team never for another's, an environment of one
model never for another's, and a cached answer equal to the fresh one it stands for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import ApiError, NotFoundError
from baseten_logs.sources.cache import Cache, cache_key
from baseten_logs.sources.names import AmbiguousName, cached_list
from baseten_logs.sources.resolve import (
    cached_deployments,
    cached_models,
    cached_target,
    list_chains,
    list_deployments,
    list_projects,
    resolve_model,
    resolve_target,
)
from baseten_logs.sources.targets import ModelRef, Target
from tests.fakecatalog import (
    API_URL,
    BARE,
    EMB_ACME,
    EMB_RESEARCH,
    IDLIKE_ID,
    LLAMA,
    LLAMA_DEV,
    LLAMA_PROD,
    LLAMA_V2_A,
    LLAMA_V2_B,
    FakeCatalog,
)


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache.json", api_url=API_URL)


def resolve(
    client: ApiClient,
    cache: Cache,
    model: str,
    deployment: str | None = None,
    *,
    environment: str | None = None,
    team: str | None = None,
) -> Target:
    return resolve_target(
        client,
        model=model,
        deployment=deployment,
        environment=environment,
        cache=cache,
        team=team,
    )


def test_a_cached_model_is_the_model_the_api_sent(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    catalog.models[0]["team_name"] = "research"
    first = resolve_model(client, "llama-3-8b", cache=cache)
    assert first == ModelRef(LLAMA, "llama-3-8b", "research", LLAMA_PROD, LLAMA_DEV)
    catalog.seen.clear()
    assert resolve_model(client, "llama-3-8b", cache=cache) == first
    assert catalog.seen == []


def test_an_environment_checked_on_one_model_vouches_for_no_other(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    resolve(client, cache, "llama-3-8b", environment="staging")
    with pytest.raises(NotFoundError, match=rf"^model 'bare' \({BARE}\) has no environment"):
        resolve(client, cache, "bare", environment="staging")


def test_a_model_cached_without_a_team_is_not_taken_for_another_team(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    resolve(client, cache, "llama-3-8b")
    with pytest.raises(NotFoundError) as caught:
        resolve(client, cache, "llama-3-8b", team="research")
    assert str(caught.value) == (
        "no model named 'llama-3-8b' in team 'research' (teams with a model of that name: acme-ml)"
    )
    assert (
        cached_target(
            model="llama-3-8b", deployment=None, environment=None, cache=cache, team="research"
        )
        is None
    )


def test_a_model_cached_for_a_team_answers_for_that_team_only(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    assert resolve(client, cache, "embedder", team="research").model_id == EMB_RESEARCH
    assert resolve(client, cache, "embedder", team="acme-ml").model_id == EMB_ACME
    assert resolve(client, cache, "llama-3-8b", team="acme-ml").model_id == LLAMA
    catalog.seen.clear()
    # Each again from the cache, each its own model.
    assert resolve(client, cache, "embedder", team="research").model_id == EMB_RESEARCH
    assert resolve(client, cache, "embedder", team="acme-ml").model_id == EMB_ACME
    assert resolve(client, cache, "llama-3-8b", team="acme-ml").model_id == LLAMA
    assert catalog.seen == []
    with pytest.raises(AmbiguousName):  # without --team the name is still ambiguous
        resolve(client, cache, "embedder")


def test_resolving_a_name_keeps_the_listing_for_completion(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    resolve(client, cache, "llama-3-8b")
    assert catalog.seen == ["/v1/models"]
    models = cached_models(cache)
    assert models is not None
    assert models[0] == {"id": LLAMA, "name": "llama-3-8b", "team_name": "acme-ml"}
    assert [m["id"] for m in models][-2:] == [IDLIKE_ID, BARE]


def test_the_deployments_listing_is_kept_for_completion(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    catalog.deployments[LLAMA].append(dict(catalog.deployments[LLAMA][0], id="../x"))
    list_deployments(client, ModelRef(LLAMA), cache=cache)
    assert cached_deployments(cache, LLAMA) == [  # not the id that would change a path
        {"id": LLAMA_PROD, "name": "v3"},
        {"id": LLAMA_DEV, "name": "development"},
        {"id": LLAMA_V2_A, "name": "v2"},
        {"id": LLAMA_V2_B, "name": "v2"},
    ]


def test_cached_targets_name_the_model_and_the_deployment(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    resolve(client, cache, "llama-3-8b", "v3")
    resolve(client, cache, "embedder", team="research")

    def cached(
        model: str, deployment: str | None, environment: str | None, team: str | None = None
    ) -> Target | None:
        return cached_target(
            model=model, deployment=deployment, environment=environment, cache=cache, team=team
        )

    assert cached("llama-3-8b", "v3", None) == Target(LLAMA, "llama-3-8b", LLAMA_PROD, "v3", None)
    assert cached("llama-3-8b", None, "staging") == Target(
        LLAMA, "llama-3-8b", None, None, "staging"
    )
    assert cached("embedder", None, "prod", "research") == Target(
        EMB_RESEARCH, "embedder", None, None, "prod"
    )
    assert cached("embedder", None, "prod") is None


def test_a_cached_alias_is_known_before_any_request(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    """`get MODEL` (production) and `get MODEL development` from the cache: completion reads
    the replicas remembered for that path, and `stats` names the target, with no request."""
    resolve(client, cache, "llama-3-8b")
    resolve(client, cache, "llama-3-8b", "development")
    production = Target(LLAMA, "llama-3-8b", LLAMA_PROD, None, None)
    for deployment in (None, "production"):
        assert (
            cached_target(model="llama-3-8b", deployment=deployment, environment=None, cache=cache)
            == production
        )
    assert cached_target(
        model="llama-3-8b", deployment="development", environment=None, cache=cache
    ) == Target(LLAMA, "llama-3-8b", LLAMA_DEV, "development", None)  # asked for: named


def test_a_model_named_models_keeps_the_listing_for_completion(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    catalog.models[0]["name"] = "models"
    assert resolve(client, cache, "models").model_id == LLAMA
    models = cached_models(cache)
    assert models is not None and len(models) == len(catalog.models)
    catalog.seen.clear()
    assert resolve(client, cache, "models").model_id == LLAMA
    assert catalog.seen == []


LISTED = [
    {"id": "c0ffee1", "name": "rag-pipeline", "team_name": "acme-ml", "deployments": 3},
    {"id": "c0ffee2", "name": "agent"},
]
KEPT = [{"id": "c0ffee1", "name": "rag-pipeline"}, {"id": "c0ffee2", "name": "agent"}]


@pytest.mark.parametrize(
    ("listing", "path", "field"),
    [
        (list_chains, "/v1/chains", "chains"),
        (list_projects, "/v1/training_projects", "training_projects"),
    ],
)
def test_chains_and_projects_listed_are_kept_as_the_names_tab_offers(
    client: ApiClient, catalog: FakeCatalog, cache: Cache, listing: Any, path: str, field: str
) -> None:
    """`chains` and `training-projects` keep each item's id and name (and nothing else) under
    the key completion reads, so the next Tab offers them without a request."""
    catalog.overrides[path] = lambda request: httpx.Response(200, json={field: LISTED})
    assert listing(client, cache=cache) == LISTED
    assert cached_list(cache, cache_key(field)) == KEPT
    assert listing(client) == LISTED  # no cache given: nothing kept, nothing read
    assert catalog.seen == [path, path]


@pytest.mark.parametrize(
    ("listing", "path"),
    [(list_chains, "/v1/chains"), (list_projects, "/v1/training_projects")],
)
def test_a_listing_of_the_wrong_shape_names_the_path_asked(
    client: ApiClient, catalog: FakeCatalog, cache: Cache, listing: Any, path: str
) -> None:
    catalog.overrides[path] = lambda request: httpx.Response(200, json={"items": []})
    with pytest.raises(ApiError, match=f"the API's answer for {path} is not a list of "):
        listing(client, cache=cache)
    assert cached_list(cache, cache_key(path.rsplit("/", 1)[1])) is None


def test_a_chain_named_where_a_model_was_expected_keeps_the_listings_it_read(
    client: ApiClient, catalog: FakeCatalog, cache: Cache
) -> None:
    """`get rag-pipeline` reads the chains and projects to say what the name is: what it read
    is kept for completion too, as the listings' own commands keep it."""
    chains = [{"id": "ch41n9a", "name": "rag-pipeline"}]
    projects = [{"id": "tp7x2k1", "name": "llama finetune"}]
    catalog.overrides["/v1/chains"] = lambda request: httpx.Response(200, json={"chains": chains})
    catalog.overrides["/v1/training_projects"] = lambda request: httpx.Response(
        200, json={"training_projects": projects}
    )
    with pytest.raises(NotFoundError, match="it is a chain"):
        resolve(client, cache, "rag-pipeline")
    assert cached_list(cache, cache_key("chains")) == chains
    with pytest.raises(NotFoundError, match="it is a training project"):
        resolve(client, cache, "llama finetune")
    assert cached_list(cache, cache_key("training_projects")) == projects
