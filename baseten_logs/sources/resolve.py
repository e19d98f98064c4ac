"""Names to ids: MODEL and DEPLOYMENT as people type them, turned into the path the logs API takes.

MODEL is a model id or an exact model name, found here; DEPLOYMENT likewise, or the alias
`production` / `development` (the default), found by `deployments`. With an environment
(`--env NAME`, `environments`) no deployment is resolved: its logs span every deployment it
served. Nothing guesses from an id's shape: the API is asked (`names`). The listings the
`models` and `deployments` commands print live here too, since finding a model is searching one.

`get A B` with two strings that could be ids (letters and digits) costs no request here: the
logs request itself is the probe (source.py), and only its 404 comes here. A model is found in
one request, the listing of models, matched by id first and then by exact name; a deployment
the same way in the model's listing of deployments, so an id under a model given by name works
too. Answers are kept in the on-disk cache, so a second run costs only its logs requests; a
cached answer that the API no longer knows (a 404) is resolved afresh. A failure names what does
exist from the listing that was searched, and costs two more requests only to tell a chain's or
a training project's name (`get rag-pipeline`) from a typo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import ApiError, BasetenLogsError, NotFoundError, UsageError
from baseten_logs.sources.cache import LISTING_TTL, RESOLVE_TTL, Cache, cache_key
from baseten_logs.sources.deployments import DEPLOYMENT_ALIASES, cached_ref, resolve_deployment
from baseten_logs.sources.environments import (
    ENVIRONMENT_NAME,
    check_environment_exists,
    unknown_environment,
)
from baseten_logs.sources.names import (
    AmbiguousName,
    cached_list,
    check_name,
    could_be_id,
    is_id_text,
    listed_objects,
    some_names,
)
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.source import LogsSource
from baseten_logs.sources.targets import ModelRef, Target, deployments_path, logs_path_for

if TYPE_CHECKING:  # the client imports httpx: shell completion must not pay for it up front
    from baseten_logs.api.client import ApiClient

__all__ = [
    "cached_deployments",
    "cached_model",
    "cached_models",
    "cached_target",
    "check_input",
    "list_chains",
    "list_deployments",
    "list_models",
    "list_projects",
    "logs_source",
    "resolve_model",
    "resolve_target",
]


def resolve_target(
    client: ApiClient,
    *,
    model: str,
    deployment: str | None,
    environment: str | None,
    cache: Cache | None,
    fresh: bool = False,
    check_environment: bool = True,
    team: str | None = None,
) -> Target:
    """The target that MODEL [DEPLOYMENT] or MODEL --env NAME names (of `team`, if given),
    asking the API.

    `fresh` skips cached answers (they led to a 404); `check_environment=False` leaves it to the
    logs request to find out whether the environment exists. Raises UsageError for bad input
    (before any request), AmbiguousName (a UsageError) when a name matches several models or
    deployments, and NotFoundError when nothing matches.
    """
    check_input(model=model, deployment=deployment, environment=environment)
    ref, model_is_fresh = _resolve_model(client, model, None if fresh else cache, cache, team)
    if environment is not None:
        if check_environment:
            check_environment_exists(client, ref, environment, cache)
        return Target(ref.id, ref.name, None, None, environment)
    deployment_id, deployment_name = resolve_deployment(
        client,
        ref,
        deployment or "production",
        None if fresh else cache,
        cache,
        model_is_fresh=model_is_fresh,
        typed=model,
    )
    return Target(ref.id, ref.name, deployment_id, deployment_name, None)


def cached_target(
    *,
    model: str,
    deployment: str | None,
    environment: str | None,
    cache: Cache,
    team: str | None = None,
) -> Target | None:
    """The target as the cache remembers it, without a request; None when it cannot tell."""
    ref = cached_model(cache, model, team)
    if ref is None:
        return None
    if environment is not None:
        return Target(ref.id, ref.name, None, None, environment)
    wanted = deployment or "production"
    prefix = "alias" if wanted in DEPLOYMENT_ALIASES else "deployment"
    found = cached_ref(cache, cache_key(prefix, ref.id, wanted))
    if found is None:
        return None
    return Target(ref.id, ref.name, found[0], found[1], None)


def logs_source(
    *,
    model: str,
    deployment: str | None,
    environment: str | None,
    cache: Cache | None,
    warn: Callable[[str], None] | None = None,
    log: Callable[[str], None] | None = None,
    team: str | None = None,
) -> LogsSource:
    """Where a run reads its logs, with no request sent yet (input is checked here, though).

    Three cases, cheapest first: the cache knows the target; both MODEL and DEPLOYMENT (or
    MODEL with --env) could be ids, so the logs request probes them as typed; or names must be
    resolved before the first logs request. In each case a 404 leads to a fresh resolution.
    """
    check_input(model=model, deployment=deployment, environment=environment)
    known = (
        cached_target(
            model=model, deployment=deployment, environment=environment, cache=cache, team=team
        )
        if cache is not None
        else None
    )
    probe: str | None = None
    if known is not None:
        probe = logs_path_for(known)
    elif could_be_id(model) and (
        environment is not None
        or (deployment is not None and deployment not in DEPLOYMENT_ALIASES)
        and could_be_id(deployment)
    ):
        # Aliases are not documented inside the logs path, so they are never probed.
        probe = logs_path_for(Target(model, None, deployment, None, environment))

    def resolve(client: ApiClient) -> str:
        target = resolve_target(
            client,
            model=model,
            deployment=deployment,
            environment=environment,
            cache=cache,
            fresh=probe is not None,
            # Unprobed, the environment is checked here, for the error that lists the others.
            check_environment=probe is None,
            team=team,
        )
        path = logs_path_for(target)
        if environment is not None and path == probe:
            raise unknown_environment(
                client, ModelRef(target.model_id, target.model_name), environment
            )
        source.label = target.label
        if log is not None:
            log(f"target: {target.label}")
        return path

    def settled(path: str) -> None:
        if log is not None and path == probe and known is None:
            log(f"target: {path.removesuffix('/logs')} (ids as typed)")

    source = LogsSource(
        probe,
        resolve=resolve,
        warn=warn,
        on_settled=settled,
        label=known.label if known is not None else None,
    )
    return source


def check_input(*, model: str, deployment: str | None, environment: str | None) -> None:
    """Refuse, before any request, what is neither a name nor an id or would change the path."""
    check_name("MODEL", model, "model")
    if deployment is not None:
        check_name("DEPLOYMENT", deployment, "deployment")
    if environment is not None:
        if deployment is not None:
            raise UsageError(
                "--env",
                "cannot be combined with a DEPLOYMENT",
                hint="an environment's logs span every deployment it served; drop one of them",
            )
        if ENVIRONMENT_NAME.fullmatch(environment) is None:
            raise UsageError(
                "--env", f"{environment!r} is not an environment name", hint="e.g. production"
            )


def resolve_model(
    client: ApiClient, model: str, *, cache: Cache | None, team: str | None = None
) -> ModelRef:
    """The model that MODEL (an id or an exact name) names; errors as for `resolve_target`."""
    check_name("MODEL", model, "model")
    return _resolve_model(client, model, cache, cache, team)[0]


# --- listings: the `models` and `deployments` commands, and what completion offers ---------


def list_models(client: ApiClient, *, cache: Cache | None) -> list[dict[str, Any]]:
    """Every model the key can see, as the API sent them; the cache keeps names for completion."""
    path = api_path("models")
    models = listed_objects(client.get_json(path), "models", path)
    if cache is not None:
        cache.put(cache_key("models"), [_model_summary(m) for m in models], ttl=LISTING_TTL)
    return models


def list_deployments(
    client: ApiClient, model: ModelRef, *, cache: Cache | None
) -> list[dict[str, Any]]:
    """Every deployment of a model, as the API sent them; the cache keeps names for completion."""
    path = deployments_path(model.id)
    deployments = listed_objects(client.get_json(path), "deployments", path)
    if cache is not None:
        summaries = [
            {"id": d.get("id"), "name": d.get("name")}
            for d in deployments
            if is_id_text(d.get("id"))
        ]
        cache.put(cache_key("deployments", model.id), summaries, ttl=LISTING_TTL)
    return deployments


def cached_models(cache: Cache) -> list[dict[str, Any]] | None:
    """The model summaries (`id`, `name`, `team_name`) from the last listing, if still fresh."""
    return cached_list(cache, cache_key("models"))


def cached_deployments(cache: Cache, model_id: str) -> list[dict[str, Any]] | None:
    """The deployment summaries (`id`, `name`) of a model from the last listing, if fresh."""
    return cached_list(cache, cache_key("deployments", model_id))


def _model_key(model: str, team: str | None) -> str:
    return cache_key("model", model) if team is None else cache_key("model", model, "team", team)


def cached_model(cache: Cache, model: str, team: str | None = None) -> ModelRef | None:
    """A model resolution still in the cache (no request)."""
    try:  # absent (None) or not a model's shape (an old cache): not known
        return ModelRef.from_api(cache.get(_model_key(model, team)), path="cache")
    except ApiError:
        return None


# --- models -------------------------------------------------------------------------------------


def _resolve_model(
    client: ApiClient,
    model: str,
    cache: Cache | None,
    store: Cache | None,
    team: str | None = None,
) -> tuple[ModelRef, bool]:
    """The model and whether it was read from the API just now (not from `cache`); what is
    read is kept in `store` (the same cache, unless a fresh answer is wanted)."""
    if cache is not None and (ref := cached_model(cache, model, team)) is not None:
        return ref, False
    ref = _find_model(client, model, store, team)
    if store is not None:
        store.put(_model_key(model, team), ref.to_json(), ttl=RESOLVE_TTL)
    return ref, True


def _find_model(
    client: ApiClient, model: str, cache: Cache | None, team: str | None = None
) -> ModelRef:
    """One request, the listing: matched by id first (ids are unique), then by exact name
    (of `team`, if given)."""
    path = api_path("models")
    models = list_models(client, cache=cache)
    by_id = [m for m in models if m.get("id") == model]
    if by_id:
        return ModelRef.from_api(by_id[0], path=path)
    matches = [ModelRef.from_api(m, path=path) for m in models if m.get("name") == model]
    if team is not None and matches:  # --team: the one of that team, among models so named
        teams = sorted({m.team or "(none)" for m in matches})
        matches = [m for m in matches if m.team == team]
        if not matches:
            raise NotFoundError(
                f"no model named {model!r} in team {team!r}",
                hint=f"teams with a model of that name: {some_names(teams)}",
            )
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = ", ".join(
            f"{m.id} (team {m.team})" if m.team else m.id
            for m in sorted(matches, key=lambda m: (m.team or "", m.id))
        )
        raise AmbiguousName(
            "MODEL",
            f"{len(matches)} models are named {model!r}: {listed}",
            hint="give the model id instead, or --team NAME",
        )
    if could_be_id(model):
        # Nothing promises that the listing holds every model a key may read: ask for the id.
        by_path = api_path("models", model)
        try:
            return ModelRef.from_api(client.get_json(by_path), path=by_path)
        except NotFoundError:
            pass
    raise _other_kind(client, model, cache) or _unknown_model(
        model, [_model_summary(m) for m in models]
    )


def _other_kind(client: ApiClient, name: str, cache: Cache | None) -> NotFoundError | None:
    """When no model has that name or id but a chain or a training project does, the error
    that says so with the command for its logs; else None.

    Asked only now, after the models' listing missed: a name found costs nothing more, and a
    key that may not list chains or projects (or an API without them) keeps the plain error.
    """
    from shlex import quote

    typed = quote(name)
    kinds: tuple[tuple[str, str, Callable[..., list[dict[str, Any]]]], ...] = (
        # `request` takes a chain too, with --chain: a model's place is no place for it.
        (
            "a chain",
            f"its logs: baseten-logs chain {typed}; a request in it: "
            f"baseten-logs request ID --chain {typed}",
            list_chains,
        ),
        ("a training project", f"its logs: baseten-logs training {typed}", list_projects),
    )
    for kind, fix, listing in kinds:
        try:
            found = listing(client, cache=cache)
        except BasetenLogsError:
            continue
        if any(name in (item.get("name"), item.get("id")) for item in found):
            return NotFoundError(f"no model named {name!r}: it is {kind}", hint=fix)
    return None


def _unknown_model(name: str, summaries: list[dict[str, Any]]) -> NotFoundError:
    what = f"no model named {name!r}" + (" or with that id" if could_be_id(name) else "")
    names = sorted({str(m["name"]) for m in summaries if isinstance(m.get("name"), str)})
    if not names:
        return NotFoundError(what, hint="this API key sees no models; is it the right workspace?")
    return NotFoundError(what, hint=f"models this key can see: {some_names(names)}")


def _model_summary(model: dict[str, Any]) -> dict[str, Any]:
    return {"id": model.get("id"), "name": model.get("name"), "team_name": model.get("team_name")}


# Chains and training projects are listed here beside models (chains.py and training.py resolve
# them): a name that no model has may be one of theirs, and resolving a model says so.
def list_chains(client: ApiClient, *, cache: Cache | None = None) -> list[dict[str, Any]]:
    """Every chain the key can see, as the API sent them; the cache keeps names for completion."""
    chains = listed_objects(client.get_json(api_path("chains")), "chains", api_path("chains"))
    if cache is not None:
        summaries = [{"id": c.get("id"), "name": c.get("name")} for c in chains]
        cache.put(cache_key("chains"), summaries, ttl=LISTING_TTL)
    return chains


def list_projects(client: ApiClient, *, cache: Cache | None = None) -> list[dict[str, Any]]:
    """Every training project, as the API sent them; the cache keeps names for completion."""
    path = api_path("training_projects")
    projects = listed_objects(client.get_json(path), "training_projects", path)
    if cache is not None:
        summaries = [{"id": p.get("id"), "name": p.get("name")} for p in projects]
        cache.put(cache_key("training_projects"), summaries, ttl=LISTING_TTL)
    return projects
