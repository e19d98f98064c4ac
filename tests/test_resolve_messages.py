"""What name resolution tells people, word for word: odd answers from the API, long listings,
models without a team, names that are not text, and the hints that say what to type instead."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import ApiError, NotFoundError, UsageError
from baseten_logs.sources.names import AmbiguousName
from baseten_logs.sources.resolve import list_deployments, resolve_model, resolve_target
from baseten_logs.sources.targets import ModelRef, Target
from tests.fakecatalog import (
    BARE,
    LLAMA,
    LLAMA_PROD,
    LLAMA_V2_A,
    LLAMA_V2_B,
    FakeCatalog,
    deployment,
    model,
)

REPORT = " (please report this with -v output)"


def resolve(
    client: ApiClient, model_: str, deployment_: str | None = None, *, team: str | None = None
) -> Target:
    return resolve_target(
        client, model=model_, deployment=deployment_, environment=None, cache=None, team=team
    )


def answer(body: Any) -> Any:
    return lambda request: httpx.Response(200, json=body)


def message(client: ApiClient, model_: str, deployment_: str | None = None, **kw: Any) -> str:
    with pytest.raises((ApiError, UsageError)) as caught:
        resolve(client, model_, deployment_, **kw)
    return str(caught.value)


# --- answers that are not what the API promises ---------------------------------------------------


def test_a_listing_that_is_not_an_object_says_which_request(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.overrides["/v1/models"] = answer([])
    assert message(client, "llama-3-8b") == (
        "the API's answer for /v1/models is not a list of models" + REPORT
    )


def test_a_model_matched_by_name_with_an_unusable_id_names_the_listing(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.models[0]["id"] = "../../v1/secrets"
    assert (
        message(client, "llama-3-8b") == "the API's answer for /v1/models is not a model" + REPORT
    )


def test_a_model_matched_by_id_with_an_unusable_id_names_the_listing(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.models[0]["id"] = "llama 3"  # a space would change the path
    assert message(client, "llama 3") == "the API's answer for /v1/models is not a model" + REPORT


@pytest.mark.parametrize("body", [{"name": "x"}, {"id": ""}, ["q4w8x2z"]])
def test_a_model_asked_for_by_id_that_comes_back_malformed_names_its_path(
    client: ApiClient, catalog: FakeCatalog, body: Any
) -> None:
    catalog.overrides["/v1/models/zzzzzzz"] = answer(body)
    assert message(client, "zzzzzzz") == (
        "the API's answer for /v1/models/zzzzzzz is not a model" + REPORT
    )


@pytest.mark.parametrize("body", [{"name": "v3"}, {"id": "../x", "name": "v3"}, "v3"])
def test_an_alias_answer_that_is_not_a_deployment_names_its_path(
    client: ApiClient, catalog: FakeCatalog, body: Any
) -> None:
    catalog.models[0]["production_deployment_id"] = None  # so production is asked for
    path = f"/v1/models/{LLAMA}/deployments/production"
    catalog.overrides[path] = answer(body)
    assert (
        message(client, "llama-3-8b") == f"the API's answer for {path} is not a deployment" + REPORT
    )


def test_a_deployment_asked_for_by_id_that_comes_back_malformed_names_its_path(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    path = f"/v1/models/{LLAMA}/deployments/zz9"
    catalog.overrides[path] = answer({"id": "a?b"})
    assert message(client, "llama-3-8b", "zz9") == (
        f"the API's answer for {path} is not a deployment" + REPORT
    )


def test_the_deployments_command_names_a_malformed_listing(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    path = f"/v1/models/{LLAMA}/deployments"
    catalog.overrides[path] = answer({"deployments": [1, 2]})
    with pytest.raises(ApiError) as caught:
        list_deployments(client, ModelRef(LLAMA), cache=None)
    assert str(caught.value) == f"the API's answer for {path} is not a list of deployments" + REPORT


def test_ids_with_any_letter_are_used(client: ApiClient, catalog: FakeCatalog) -> None:
    catalog.models.append(model("Xy7Zw9Qa", "upper", production="XXp1"))
    assert resolve(client, "upper") == Target("Xy7Zw9Qa", "upper", "XXp1", None, None)


def test_names_that_are_not_text_are_not_shown(client: ApiClient, catalog: FakeCatalog) -> None:
    catalog.models[0]["name"] = ""
    catalog.deployments[LLAMA][0]["name"] = 3
    target = resolve(client, LLAMA, LLAMA_PROD)
    assert target == Target(LLAMA, None, LLAMA_PROD, None, None)
    assert target.label == f"{LLAMA} / {LLAMA_PROD}"


# --- models: the hints ----------------------------------------------------------------------------


def test_no_models_at_all(client: ApiClient, catalog: FakeCatalog) -> None:
    catalog.models.clear()
    assert message(client, "llama-3-8b") == (
        "no model named 'llama-3-8b' (this API key sees no models; is it the right workspace?)"
    )


@pytest.mark.parametrize(("count", "more"), [(8, ""), (9, " and 1 more"), (12, " and 4 more")])
def test_a_long_list_of_models_shows_eight_names_and_counts_the_rest(
    client: ApiClient, catalog: FakeCatalog, count: int, more: str
) -> None:
    catalog.models[:] = [model(f"m{i}", f"name-{i:02}") for i in range(count)]
    shown = ", ".join(f"name-{i:02}" for i in range(8))
    assert message(client, "nope-1") == (
        f"no model named 'nope-1' (models this key can see: {shown}{more})"
    )


def chains_and_projects(catalog: FakeCatalog) -> None:
    catalog.overrides["/v1/chains"] = answer(
        {"chains": [{"id": "ch41n9a", "name": "rag-pipeline", "team_name": "acme-ml"}]}
    )
    catalog.overrides["/v1/training_projects"] = answer(
        {"training_projects": [{"id": "tp7x2k1", "name": "llama finetune"}]}
    )


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (
            "rag-pipeline",
            "no model named 'rag-pipeline': it is a chain (its logs: baseten-logs chain"
            " rag-pipeline; a request in it: baseten-logs request ID --chain rag-pipeline)",
        ),
        (
            "ch41n9a",  # a chain's id
            "no model named 'ch41n9a': it is a chain (its logs: baseten-logs chain ch41n9a;"
            " a request in it: baseten-logs request ID --chain ch41n9a)",
        ),
        (
            "llama finetune",  # quoted for the shell
            "no model named 'llama finetune': it is a training project (its logs:"
            " baseten-logs training 'llama finetune')",
        ),
    ],
)
def test_a_chains_or_training_projects_name_says_so_and_gives_the_command(
    client: ApiClient, catalog: FakeCatalog, name: str, error: str
) -> None:
    chains_and_projects(catalog)
    assert message(client, name) == error


def test_a_name_found_among_models_asks_nothing_of_chains_or_projects(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    chains_and_projects(catalog)
    resolve(client, "llama-3-8b")
    assert not set(catalog.seen) & {"/v1/chains", "/v1/training_projects"}


def test_a_key_that_cannot_list_chains_gets_the_models_it_can_see(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.overrides["/v1/chains"] = lambda request: httpx.Response(403, json={"error": "no"})
    catalog.overrides["/v1/training_projects"] = answer({"training_projects": []})
    assert message(client, "rag-pipeline") == (
        "no model named 'rag-pipeline' (models this key can see: bare, embedder, llama-3-8b,"
        " mistral)"
    )


def dups(catalog: FakeCatalog) -> None:
    catalog.models[:] = [
        model("zzz1", "dup", "Alpha"),
        dict(model("aaa1", "dup"), team_name=None),
        model("mmm1", "dup", "beta"),
    ]


def test_an_ambiguous_name_lists_models_without_a_team_first(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    dups(catalog)
    with pytest.raises(AmbiguousName) as caught:
        resolve(client, "dup")
    assert str(caught.value) == (
        "MODEL: 3 models are named 'dup': aaa1, zzz1 (team Alpha), mmm1 (team beta)"
        " (give the model id instead, or --team NAME)"
    )


def test_a_team_without_that_name_lists_the_teams_with_it(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    dups(catalog)
    with pytest.raises(NotFoundError) as caught:
        resolve(client, "dup", team="gamma")
    assert str(caught.value) == (
        "no model named 'dup' in team 'gamma'"
        " (teams with a model of that name: (none), Alpha, beta)"
    )


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "MODEL: is empty (give a model name or id)"),
        (
            "a/b",
            "MODEL: 'a/b' is not a model name or id (copy one from `baseten-logs models`)",
        ),
    ],
)
def test_resolve_model_refuses_bad_input_unsent(
    client: ApiClient, catalog: FakeCatalog, typed: str, error: str
) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_model(client, typed, cache=None)
    assert str(caught.value) == error
    assert catalog.seen == []


# --- deployments: the hints -----------------------------------------------------------------------


def test_an_ambiguous_deployment_without_status_or_date(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    for d in catalog.deployments[LLAMA][2:]:
        del d["created_at"]
    catalog.deployments[LLAMA][2]["status"] = ""
    del catalog.deployments[LLAMA][3]["status"]
    assert message(client, "llama-3-8b", "v2") == (
        f"DEPLOYMENT: 2 deployments of model 'llama-3-8b' ({LLAMA}) are named 'v2': "
        f"{LLAMA_V2_A} (status unknown, created ?), {LLAMA_V2_B} (status unknown, created ?)"
        " (give the deployment id instead)"
    )


@pytest.mark.parametrize(("count", "more"), [(8, ""), (9, " and 1 more"), (11, " and 3 more")])
def test_an_unknown_deployment_shows_eight_and_counts_the_rest(
    client: ApiClient, catalog: FakeCatalog, count: int, more: str
) -> None:
    catalog.deployments[BARE] = [deployment(f"d{i}", f"n{i}", BARE) for i in range(count)]
    catalog.deployments[BARE][0]["name"] = None  # a deployment without a name: its id
    shown = ", ".join(["d0", *(f"n{i} (d{i})" for i in range(1, 8))])
    assert message(client, "bare", "n-x") == (
        f"model 'bare' ({BARE}) has no deployment named 'n-x'"
        f" (give one of: production, development, {shown}{more})"
    )
