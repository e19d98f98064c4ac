"""Names to ids: every way of naming a model, a deployment or an environment, and every failure."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import ApiError, ExitStatus, NotFoundError, UsageError
from baseten_logs.sources.names import AmbiguousName, could_be_id
from baseten_logs.sources.resolve import resolve_model, resolve_target
from baseten_logs.sources.targets import Target, logs_path_for
from tests.fakecatalog import (
    API_URL,
    BARE,
    EMB_ACME,
    EMB_RESEARCH,
    IDLIKE_ID,
    IDLIKE_NAME,
    IDLIKE_PROD,
    LLAMA,
    LLAMA_DEV,
    LLAMA_PROD,
    LLAMA_V2_A,
    LLAMA_V2_B,
    OTHER_KINDS,
    FakeCatalog,
)


def resolve(
    client: ApiClient,
    model: str,
    deployment: str | None = None,
    environment: str | None = None,
) -> Target:
    return resolve_target(
        client, model=model, deployment=deployment, environment=environment, cache=None
    )


# --- models ---------------------------------------------------------------------------------------


def test_model_by_name_and_default_production_cost_one_request(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    target = resolve(client, "llama-3-8b")
    assert target == Target(LLAMA, "llama-3-8b", LLAMA_PROD, None, None)
    # The listing's model names its production deployment: no second request.
    assert catalog.seen == ["/v1/models"]
    assert logs_path_for(target) == f"/v1/models/{LLAMA}/deployments/{LLAMA_PROD}/logs"


def test_model_by_id(client: ApiClient, catalog: FakeCatalog) -> None:
    assert resolve(client, LLAMA).model_name == "llama-3-8b"
    assert catalog.seen == ["/v1/models"]


def test_a_name_that_looks_like_an_id_costs_the_same_one_request(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    target = resolve(client, IDLIKE_NAME)
    assert (target.model_id, target.deployment_id) == (IDLIKE_ID, IDLIKE_PROD)
    assert catalog.seen == ["/v1/models"]


@pytest.mark.parametrize("model_id", ["wxpev45q", "3kZ9xqd", "nwxpzqy", "vL3pQrS8", "a1" * 12])
def test_an_id_of_any_length_or_case_is_found_by_id(
    client: ApiClient, catalog: FakeCatalog, model_id: str
) -> None:
    catalog.models.append(dict(catalog.models[0], id=model_id, name="other"))
    assert resolve(client, model_id).model_id == model_id
    assert catalog.seen == ["/v1/models"]


def test_an_id_wins_over_another_model_named_like_it(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.models[1]["name"] = LLAMA
    assert resolve(client, LLAMA).model_name == "llama-3-8b"


def test_an_id_missing_from_the_listing_is_asked_for_by_id(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    hidden = catalog.models[0]
    catalog.overrides["/v1/models"] = lambda request: httpx.Response(
        200, json={"models": catalog.models[1:]}
    )
    assert resolve(client, hidden["id"]).model_name == "llama-3-8b"
    assert catalog.seen == ["/v1/models", f"/v1/models/{LLAMA}"]


def test_an_ambiguous_name_lists_every_match_with_its_team(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    with pytest.raises(AmbiguousName) as caught:
        resolve(client, "embedder")
    error = caught.value
    assert isinstance(error, UsageError)
    assert error.status == ExitStatus.USAGE
    assert str(error) == (
        "MODEL: 2 models are named 'embedder': "
        f"{EMB_ACME} (team acme-ml), {EMB_RESEARCH} (team research) "
        "(give the model id instead, or --team NAME)"
    )
    assert "\n" not in str(error)


def test_an_unknown_name_lists_the_models_that_exist(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve(client, "no-such-model")
    assert caught.value.status == ExitStatus.NOT_FOUND
    assert str(caught.value) == (
        "no model named 'no-such-model' "
        f"(models this key can see: bare, embedder, llama-3-8b, {IDLIKE_NAME})"
    )
    # The listing searched is the listing shown; then whether a chain or a project has the name.
    assert catalog.seen == ["/v1/models", *OTHER_KINDS]


def test_an_unknown_id_says_neither_name_nor_id(client: ApiClient, catalog: FakeCatalog) -> None:
    with pytest.raises(NotFoundError, match=r"no model named 'zzzzzzz' or with that id \("):
        resolve(client, "zzzzzzz")
    assert catalog.seen == ["/v1/models", "/v1/models/zzzzzzz", *OTHER_KINDS]


def test_unknown_when_the_key_sees_nothing(client: ApiClient, catalog: FakeCatalog) -> None:
    catalog.models.clear()
    with pytest.raises(NotFoundError, match="this API key sees no models"):
        resolve(client, "llama-3-8b")


def test_a_wrong_shaped_answer_is_an_api_error(client: ApiClient, catalog: FakeCatalog) -> None:
    catalog.overrides["/v1/models"] = lambda request: httpx.Response(200, json={"data": []})
    with pytest.raises(ApiError, match="is not a list of models"):
        resolve(client, "llama-3-8b")


def test_an_id_from_the_api_that_would_change_the_path_is_refused(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.models[0]["id"] = "../../v1/secrets"
    with pytest.raises(ApiError, match="is not a model"):
        resolve(client, "llama-3-8b")


@pytest.mark.parametrize(
    ("model", "message"),
    [("", "MODEL: is empty"), ("  ", "MODEL: is empty"), ("a/b", "MODEL: 'a/b' is not a model")],
)
def test_a_bad_model_is_refused_before_any_request(
    client: ApiClient, catalog: FakeCatalog, model: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        resolve(client, model)
    assert catalog.seen == []


def test_resolve_model_alone(client: ApiClient, catalog: FakeCatalog) -> None:
    ref = resolve_model(client, "llama-3-8b", cache=None)
    assert (ref.id, ref.name, ref.team, ref.production_deployment_id) == (
        LLAMA,
        "llama-3-8b",
        "acme-ml",
        LLAMA_PROD,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("q4w8x2z", True),
        ("wxpev45q", True),  # 8 characters
        ("3kZ9xqd", True),  # an uppercase letter
        ("nwxpzqy", True),  # no digit
        ("vL3pQrS8", True),
        ("mistral7", True),  # a name, but nothing in its shape says so
        ("x", True),
        ("llama-3-8b", False),
        ("v1.2", False),
        ("my model", False),
        ("caf\u00e91", False),
    ],
)
def test_could_be_id_is_letters_and_digits_of_any_length_or_case(text: str, expected: bool) -> None:
    assert could_be_id(text) is expected


# --- deployments ----------------------------------------------------------------------------------


def test_a_deployment_id_under_a_model_name_is_matched_by_id(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    target = resolve(client, "llama-3-8b", LLAMA_DEV)
    assert target == Target(LLAMA, "llama-3-8b", LLAMA_DEV, "development", None)
    assert catalog.seen == ["/v1/models", f"/v1/models/{LLAMA}/deployments"]


def test_deployment_by_name(client: ApiClient, catalog: FakeCatalog) -> None:
    target = resolve(client, LLAMA, "v3")
    assert (target.deployment_id, target.deployment_name) == (LLAMA_PROD, "v3")
    assert catalog.seen == ["/v1/models", f"/v1/models/{LLAMA}/deployments"]


def test_an_id_like_deployment_name_is_matched_by_name(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.deployments[LLAMA][0]["name"] = "nightly"
    assert resolve(client, LLAMA, "nightly").deployment_id == LLAMA_PROD
    assert len(catalog.seen) == 2


@pytest.mark.parametrize(
    ("alias", "expected"), [("production", LLAMA_PROD), ("development", LLAMA_DEV)]
)
def test_aliases_use_what_the_model_names(
    client: ApiClient, catalog: FakeCatalog, alias: str, expected: str
) -> None:
    assert resolve(client, "llama-3-8b", alias).deployment_id == expected
    assert len(catalog.seen) == 1


def test_alias_is_asked_for_when_the_model_does_not_name_it(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    catalog.models[0]["production_deployment_id"] = None
    assert resolve(client, "llama-3-8b").deployment_name == "v3"
    assert catalog.seen[-1] == f"/v1/models/{LLAMA}/deployments/production"


def test_no_production_deployment(client: ApiClient, catalog: FakeCatalog) -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve(client, "bare")
    assert str(caught.value) == (
        f"model 'bare' ({BARE}) has no production deployment "
        "(name one of its deployments; see `baseten-logs deployments bare`)"
    )


def test_an_ambiguous_deployment_name_lists_ids_with_status(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    with pytest.raises(AmbiguousName) as caught:
        resolve(client, "llama-3-8b", "v2")
    assert str(caught.value) == (
        f"DEPLOYMENT: 2 deployments of model 'llama-3-8b' ({LLAMA}) are named 'v2': "
        f"{LLAMA_V2_A} (INACTIVE, created 2026-02-01), "
        f"{LLAMA_V2_B} (BUILD_FAILED, created 2026-02-02) (give the deployment id instead)"
    )


def test_an_unknown_deployment_lists_what_exists(client: ApiClient, catalog: FakeCatalog) -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve(client, "llama-3-8b", "v-9")
    assert str(caught.value) == (
        f"model 'llama-3-8b' ({LLAMA}) has no deployment named 'v-9' (give one of: production, "
        f"development, v3 ({LLAMA_PROD}), development ({LLAMA_DEV}), v2 ({LLAMA_V2_A}), "
        f"v2 ({LLAMA_V2_B}))"
    )
    assert len(catalog.seen) == 2  # the listing searched is the listing shown


def test_an_unknown_id_like_deployment_is_also_asked_for_by_id(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    with pytest.raises(NotFoundError, match="has no deployment named 'v9' or with that id"):
        resolve(client, "llama-3-8b", "v9")
    assert catalog.seen[-1] == f"/v1/models/{LLAMA}/deployments/v9"


# --- environments ---------------------------------------------------------------------------------


def test_environment_that_exists(client: ApiClient, catalog: FakeCatalog) -> None:
    target = resolve(client, "llama-3-8b", environment="staging")
    assert target == Target(LLAMA, "llama-3-8b", None, None, "staging")
    assert logs_path_for(target) == f"/v1/models/{LLAMA}/environments/staging/logs"
    assert catalog.seen[-1] == f"/v1/models/{LLAMA}/environments/staging"


def test_environment_that_does_not_exist_lists_the_others(
    client: ApiClient, catalog: FakeCatalog
) -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve(client, "llama-3-8b", environment="canary")
    assert str(caught.value) == (
        f"model 'llama-3-8b' ({LLAMA}) has no environment 'canary' "
        "(its environments: production, staging)"
    )


def test_a_model_without_environments(client: ApiClient, catalog: FakeCatalog) -> None:
    with pytest.raises(NotFoundError, match="it has no environments; name a deployment instead"):
        resolve(client, "bare", environment="production")


@pytest.mark.parametrize(
    ("deployment", "environment", "message"),
    [
        ("v3", "production", "--env: cannot be combined with a DEPLOYMENT"),
        (None, "../deployments", "--env: '../deployments' is not an environment name"),
        (None, "prod?x=1", "is not an environment name"),
        ("", None, "DEPLOYMENT: is empty"),
        ("../escape", None, "DEPLOYMENT: '../escape' is not a deployment name or id"),
        (" v3", None, "is not a deployment name or id"),
        ("v3\x1b[2J", None, "is not a deployment name or id"),
        ("v" * 257, None, "is not a deployment name or id"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    client: ApiClient,
    catalog: FakeCatalog,
    deployment: str | None,
    environment: str | None,
    message: str,
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        resolve(client, "llama-3-8b", deployment, environment)
    assert catalog.seen == []


# --- targets --------------------------------------------------------------------------------------


def test_labels() -> None:
    assert Target("m", "name", "d", "v3", None).label == "name (m) / v3 (d)"
    assert Target("m", None, "d", None, None).label == "m / d"
    assert (
        Target("m", "name", None, None, "production").label == "name (m) / environment production"
    )


def test_a_target_without_deployment_or_environment_has_no_logs_path() -> None:
    with pytest.raises(ValueError, match="neither"):
        logs_path_for(Target("m", None, None, None, None))


# --- the cache ------------------------------------------------------------------------------------


def test_cached_resolutions_answer_for_their_own_target_only(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    """Each cached answer is keyed by what it answers: another deployment, alias or
    environment of the same model (or the same names on another model) is looked up again."""
    from baseten_logs.sources.cache import Cache

    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    asks = [
        ("llama-3-8b", "v3", None),
        ("llama-3-8b", LLAMA_DEV, None),
        ("llama-3-8b", "production", None),
        ("llama-3-8b", "development", None),
        ("llama-3-8b", None, "staging"),
        ("llama-3-8b", None, "production"),
        (IDLIKE_NAME, "v1", None),
        (IDLIKE_NAME, None, None),
    ]
    first = [
        resolve_target(client, model=m, deployment=d, environment=e, cache=cache)
        for m, d, e in asks
    ]
    catalog.seen.clear()
    again = [
        resolve_target(client, model=m, deployment=d, environment=e, cache=cache)
        for m, d, e in asks
    ]
    assert again == first
    assert catalog.seen == []  # all from the cache the second time
    assert [t.deployment_id for t in first] == [
        LLAMA_PROD,
        LLAMA_DEV,
        LLAMA_PROD,
        LLAMA_DEV,
        None,
        None,
        IDLIKE_PROD,
        IDLIKE_PROD,
    ]
    assert [t.environment for t in first[4:6]] == ["staging", "production"]
    with pytest.raises(NotFoundError):  # a cached environment vouches for no other
        resolve_target(client, model="llama-3-8b", deployment=None, environment="nope", cache=cache)


def _failing(request: httpx.Request) -> httpx.Response:
    """A listing that fails (a lookup by name on the same path still answers: nothing)."""
    if request.url.params.get("name"):
        return httpx.Response(200, json={"deployments": []})
    return httpx.Response(403, json={"error": "forbidden"})


@pytest.mark.parametrize(
    ("model", "deployment", "environment", "broken", "error"),
    [
        ("llama-3-8b", "", None, None, "DEPLOYMENT: is empty (give a deployment name or id)"),
        (
            "llama-3-8b",
            "../escape",
            None,
            None,
            "DEPLOYMENT: '../escape' is not a deployment name or id"
            " (copy one from `baseten-logs deployments` MODEL)",
        ),
        (
            "a/b",
            None,
            None,
            None,
            "MODEL: 'a/b' is not a model name or id (copy one from `baseten-logs models`)",
        ),
        (
            "llama-3-8b",
            "v9",
            None,
            None,  # the deployments listing is how names are matched: it must answer
            f"model 'llama-3-8b' ({LLAMA}) has no deployment named 'v9' or with that id (give one"
            " of: production, development, v3 (3w1k9p5), development (d7m2v8n), v2 (k1k1k1k),"
            " v2 (k2k2k2k))",
        ),
        (
            "llama-3-8b",
            None,
            "canary",
            f"/v1/models/{LLAMA}/environments",
            f"model 'llama-3-8b' ({LLAMA}) has no environment 'canary'"
            " (check the environment's name in the dashboard)",
        ),
        (
            "bare",
            None,
            "production",
            None,
            f"model 'bare' ({BARE}) has no environment 'production'"
            " (it has no environments; name a deployment instead)",
        ),
    ],
)
def test_errors_name_what_is_wrong_and_where_to_look(
    client: ApiClient,
    catalog: FakeCatalog,
    model: str,
    deployment: str | None,
    environment: str | None,
    broken: str | None,
    error: str,
) -> None:
    if broken is not None:
        catalog.overrides[broken] = _failing
    with pytest.raises((UsageError, NotFoundError)) as caught:
        resolve(client, model, deployment, environment)
    assert str(caught.value) == error


@pytest.mark.parametrize("name", ["v" * 256, "vX"])
def test_long_or_capitalised_names_are_looked_up(
    client: ApiClient, catalog: FakeCatalog, name: str
) -> None:
    with pytest.raises(NotFoundError):  # asked for, not refused as bad input
        resolve(client, "llama-3-8b", name)


def test_cached_pairs_of_id_shaped_words_answer_for_their_own_pair(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    from baseten_logs.sources.cache import Cache

    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    catalog.models.append(dict(catalog.models[0], id="whisper"))
    catalog.models.append(dict(catalog.models[0], id="whistle"))
    catalog.deployments["whisper"] = [dict(catalog.deployments[LLAMA][0], id="abcdefg")]
    catalog.deployments["whistle"] = [
        dict(catalog.deployments[LLAMA][0], id="abcdefg", name="other"),
        dict(catalog.deployments[LLAMA][0], id="hijklmn", name="third"),
    ]
    pairs = [("whisper", "abcdefg"), ("whistle", "abcdefg"), ("whistle", "hijklmn")]
    first = [
        resolve_target(client, model=m, deployment=d, environment=None, cache=cache)
        for m, d in pairs
    ]
    assert [t.deployment_name for t in first] == ["v3", "other", "third"]
    catalog.seen.clear()
    again = [
        resolve_target(client, model=m, deployment=d, environment=None, cache=cache)
        for m, d in pairs
    ]
    assert again == first and catalog.seen == []


def test_an_unknown_model_costs_one_listing_and_one_lookup_by_id(
    client: ApiClient, catalog: FakeCatalog, tmp_path: Path
) -> None:
    from baseten_logs.sources.cache import Cache
    from baseten_logs.sources.resolve import list_models

    cache = Cache(tmp_path / "cache.json", api_url=API_URL)
    list_models(client, cache=cache)
    catalog.seen.clear()
    with pytest.raises(NotFoundError) as caught:
        resolve_target(client, model="nosuch", deployment=None, environment=None, cache=cache)
    assert "(models this key can see: bare, embedder, " in str(caught.value)
    # A name the cache does not know is looked for in a fresh listing (a model may be new), and,
    # as it could be an id, asked for once by id: nothing promises listings hold every model.
    assert catalog.seen == ["/v1/models", "/v1/models/nosuch", *OTHER_KINDS]


@pytest.mark.parametrize(
    ("model", "deployment", "environment", "error"),
    [
        ("", None, None, "MODEL: is empty (give a model name or id)"),
        (
            "llama-3-8b",
            "v3",
            "production",
            "--env: cannot be combined with a DEPLOYMENT"
            " (an environment's logs span every deployment it served; drop one of them)",
        ),
        (
            "llama-3-8b",
            None,
            "../x",
            "--env: '../x' is not an environment name (e.g. production)",
        ),
    ],
)
def test_bad_names_are_one_line_with_the_fix(
    client: ApiClient,
    catalog: FakeCatalog,
    model: str,
    deployment: str | None,
    environment: str | None,
    error: str,
) -> None:
    with pytest.raises(UsageError) as caught:
        resolve(client, model, deployment, environment)
    assert str(caught.value) == error
    assert catalog.seen == []


def test_wrong_shaped_answers_say_which_request(client: ApiClient, catalog: FakeCatalog) -> None:
    catalog.overrides["/v1/models"] = lambda request: httpx.Response(200, json={"models": "x"})
    with pytest.raises(ApiError) as caught:
        resolve(client, "llama-3-8b")
    assert str(caught.value) == (
        "the API's answer for /v1/models is not a list of models"
        " (please report this with -v output)"
    )
    catalog.overrides.clear()
    path = f"/v1/models/{LLAMA}/deployments"
    catalog.overrides[path] = lambda request: httpx.Response(200, json={"deployments": "x"})
    with pytest.raises(ApiError) as caught:
        resolve(client, "llama-3-8b", LLAMA_DEV)
    assert str(caught.value) == (
        f"the API's answer for {path} is not a list of deployments"
        " (please report this with -v output)"
    )
