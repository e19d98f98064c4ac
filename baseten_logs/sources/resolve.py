"""Names to ids: MODEL and DEPLOYMENT as people type them, turned into the path the logs API takes.

MODEL is a model id or an exact model name; DEPLOYMENT likewise, or the alias `production` /
`development` (the default). With an environment (`--env NAME`) no deployment is resolved: its
logs span every deployment it served. Baseten promises no length or case for ids (7 and 8
characters, mixed case and letters only all occur), and a name may look like an id (`mistral7`,
`nightly`), so nothing here guesses from the shape: the API is asked.

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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import ApiError, BasetenLogsError, NotFoundError, UsageError
from baseten_logs.sources.cache import ALIAS_TTL, LISTING_TTL, RESOLVE_TTL, Cache, cache_key
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.source import LogsSource

if TYPE_CHECKING:  # the client imports httpx: shell completion must not pay for it up front
    from baseten_logs.api.client import ApiClient

__all__ = [
    "AmbiguousName",
    "DEPLOYMENT_ALIASES",
    "ModelRef",
    "Target",
    "cached_deployments",
    "cached_model",
    "cached_models",
    "cached_target",
    "check_input",
    "could_be_id",
    "deployments_path",
    "list_deployments",
    "list_models",
    "logs_path_for",
    "logs_source",
    "resolve_model",
    "resolve_target",
]

DEPLOYMENT_ALIASES = ("production", "development")
# Environment names go into the URL path: refuse anything that could change the path.
_ENVIRONMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_MAX_NAME = 256
_SHOWN = 8  # names listed in an error before "and N more"


class AmbiguousName(UsageError):
    """A name that several models (or deployments) carry: the user must pick one by id."""


@dataclass(frozen=True)
class Target:
    """Whose logs to read: one deployment of a model, or one environment of it."""

    model_id: str
    model_name: str | None
    deployment_id: str | None
    deployment_name: str | None
    environment: str | None

    @property
    def label(self) -> str:
        """`llama-3-8b (q4w8x2z) / v3 (3w1k9p5)`, for messages and -v output."""
        model = f"{self.model_name} ({self.model_id})" if self.model_name else self.model_id
        if self.environment is not None:
            return f"{model} / environment {self.environment}"
        deployment = self.deployment_id or "?"
        if self.deployment_name:
            deployment = f"{self.deployment_name} ({deployment})"
        return f"{model} / {deployment}"


@dataclass(frozen=True)
class ModelRef:
    """What resolution needs to know about a model (a subset of the API's Model)."""

    id: str
    name: str | None = None
    team: str | None = None
    production_deployment_id: str | None = None
    development_deployment_id: str | None = None

    @property
    def label(self) -> str:
        return f"model {self.name!r} ({self.id})" if self.name else f"model {self.id}"

    def alias_id(self, alias: str) -> str | None:
        """The deployment id behind `production` / `development`, as the model names it."""
        if alias == "production":
            return self.production_deployment_id
        if alias == "development":
            return self.development_deployment_id
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "team_name": self.team,
            "production_deployment_id": self.production_deployment_id,
            "development_deployment_id": self.development_deployment_id,
        }

    @classmethod
    def from_api(cls, body: Any, *, path: str) -> ModelRef:
        """From the API's Model object (or our cached copy of it), checked for shape."""
        if not isinstance(body, dict) or not _is_id_text(body.get("id")):
            raise ApiError(
                f"the API's answer for {path} is not a model",
                hint="please report this with -v output",
            )
        return cls(
            id=body["id"],
            name=_text(body.get("name")),
            team=_text(body.get("team_name")),
            production_deployment_id=_text(body.get("production_deployment_id")),
            development_deployment_id=_text(body.get("development_deployment_id")),
        )


def could_be_id(text: str) -> bool:
    """Whether `text` could be a Baseten id: letters and digits, of any length and case.

    That is all Baseten's clients say of ids ("[a-z0-9]+", and mixed case in its SDK's
    examples); whether it *is* one only the API can tell. A hyphen, a dot or a space makes a
    name, and such text never goes into a URL path as an id.
    """
    return text.isascii() and text.isalnum()


def logs_path_for(target: Target) -> str:
    """The logs endpoint of a target: a deployment's, or an environment's."""
    if target.environment is not None:
        return api_path("models", target.model_id, "environments", target.environment, "logs")
    if target.deployment_id is None:
        raise ValueError(f"target {target!r} has neither a deployment nor an environment")
    return api_path("models", target.model_id, "deployments", target.deployment_id, "logs")


def deployments_path(model_id: str) -> str:
    return api_path("models", model_id, "deployments")


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
            _check_environment(client, ref, environment, cache)
        return Target(ref.id, ref.name, None, None, environment)
    deployment_id, deployment_name = _resolve_deployment(
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
    found = _cached_ref(cache, cache_key(prefix, ref.id, wanted))
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
            raise _unknown_environment(
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
    _check_name("MODEL", model, "model")
    if deployment is not None:
        _check_name("DEPLOYMENT", deployment, "deployment")
    if environment is not None:
        if deployment is not None:
            raise UsageError(
                "--env",
                "cannot be combined with a DEPLOYMENT",
                hint="an environment's logs span every deployment it served; drop one of them",
            )
        if _ENVIRONMENT.fullmatch(environment) is None:
            raise UsageError(
                "--env", f"{environment!r} is not an environment name", hint="e.g. production"
            )


def resolve_model(
    client: ApiClient, model: str, *, cache: Cache | None, team: str | None = None
) -> ModelRef:
    """The model that MODEL (an id or an exact name) names; errors as for `resolve_target`."""
    _check_name("MODEL", model, "model")
    return _resolve_model(client, model, cache, cache, team)[0]


# --- listings: the `models` and `deployments` commands, and what completion offers ---------


def list_models(client: ApiClient, *, cache: Cache | None) -> list[dict[str, Any]]:
    """Every model the key can see, as the API sent them; the cache keeps names for completion."""
    path = api_path("models")
    models = _objects(client.get_json(path), "models", path)
    if cache is not None:
        cache.put(cache_key("models"), [_model_summary(m) for m in models], ttl=LISTING_TTL)
    return models


def list_deployments(
    client: ApiClient, model: ModelRef, *, cache: Cache | None
) -> list[dict[str, Any]]:
    """Every deployment of a model, as the API sent them; the cache keeps names for completion."""
    path = deployments_path(model.id)
    deployments = _objects(client.get_json(path), "deployments", path)
    if cache is not None:
        summaries = [
            {"id": d.get("id"), "name": d.get("name")}
            for d in deployments
            if _is_id_text(d.get("id"))
        ]
        cache.put(cache_key("deployments", model.id), summaries, ttl=LISTING_TTL)
    return deployments


def cached_models(cache: Cache) -> list[dict[str, Any]] | None:
    """The model summaries (`id`, `name`, `team_name`) from the last listing, if still fresh."""
    return _cached_list(cache, cache_key("models"))


def cached_deployments(cache: Cache, model_id: str) -> list[dict[str, Any]] | None:
    """The deployment summaries (`id`, `name`) of a model from the last listing, if fresh."""
    return _cached_list(cache, cache_key("deployments", model_id))


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
                hint=f"teams with a model of that name: {_some(teams)}",
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
    return NotFoundError(what, hint=f"models this key can see: {_some(names)}")


def _model_summary(model: dict[str, Any]) -> dict[str, Any]:
    return {"id": model.get("id"), "name": model.get("name"), "team_name": model.get("team_name")}


# Chains and training projects are listed here beside models (chains.py and training.py resolve
# them): a name that no model has may be one of theirs, and resolving a model says so.
def list_chains(client: ApiClient, *, cache: Cache | None = None) -> list[dict[str, Any]]:
    """Every chain the key can see, as the API sent them; the cache keeps names for completion."""
    chains = _objects(client.get_json(api_path("chains")), "chains", api_path("chains"))
    if cache is not None:
        summaries = [{"id": c.get("id"), "name": c.get("name")} for c in chains]
        cache.put(cache_key("chains"), summaries, ttl=LISTING_TTL)
    return chains


def list_projects(client: ApiClient, *, cache: Cache | None = None) -> list[dict[str, Any]]:
    """Every training project, as the API sent them; the cache keeps names for completion."""
    path = api_path("training_projects")
    projects = _objects(client.get_json(path), "training_projects", path)
    if cache is not None:
        summaries = [{"id": p.get("id"), "name": p.get("name")} for p in projects]
        cache.put(cache_key("training_projects"), summaries, ttl=LISTING_TTL)
    return projects


# --- deployments --------------------------------------------------------------------------------


def _resolve_deployment(
    client: ApiClient,
    model: ModelRef,
    deployment: str,
    cache: Cache | None,
    store: Cache | None,
    *,
    model_is_fresh: bool,
    typed: str,
) -> tuple[str, str | None]:
    """(id, name or None) of the deployment that DEPLOYMENT names."""
    if deployment in DEPLOYMENT_ALIASES:
        return _resolve_alias(
            client, model, deployment, cache, store, model_is_fresh=model_is_fresh, typed=typed
        )
    key = cache_key("deployment", model.id, deployment)
    cached = _cached_ref(cache, key)
    if cached is not None:
        return cached
    found = _find_deployment(client, model, deployment)
    if store is not None:
        store.put(key, list(found), ttl=RESOLVE_TTL)
    return found


def _cached_ref(cache: Cache | None, key: str) -> tuple[str, str | None] | None:
    """A cached (id, name) pair, or None when absent or not of that shape (an old cache)."""
    cached = None if cache is None else cache.get(key)
    if isinstance(cached, list) and len(cached) == 2 and _is_id_text(cached[0]):
        return cached[0], _text(cached[1])
    return None


def _resolve_alias(
    client: ApiClient,
    model: ModelRef,
    alias: str,
    cache: Cache | None,
    store: Cache | None,
    *,
    model_is_fresh: bool,
    typed: str,
) -> tuple[str, str | None]:
    # A model read just now names its production and development deployments: no request.
    # A cached model's may be stale after a promotion, so then the alias is asked for.
    key = cache_key("alias", model.id, alias)
    known = model.alias_id(alias)
    if model_is_fresh and known is not None:
        if store is not None:
            store.put(key, [known, None], ttl=ALIAS_TTL)
        return known, None
    cached = _cached_ref(cache, key)
    if cached is not None:
        return cached
    path = api_path("models", model.id, "deployments", alias)
    try:
        found = _deployment_ref(client.get_json(path), path)
    except NotFoundError:
        raise NotFoundError(
            f"{model.label} has no {alias} deployment",
            hint=f"name one of its deployments; see `baseten-logs deployments {typed}`",
        ) from None
    if store is not None:
        store.put(key, list(found), ttl=ALIAS_TTL)
    return found


def _find_deployment(client: ApiClient, model: ModelRef, wanted: str) -> tuple[str, str | None]:
    """One request, the model's listing: matched by id first, then by exact name."""
    path = deployments_path(model.id)
    found = [
        d for d in _objects(client.get_json(path), "deployments", path) if _is_id_text(d.get("id"))
    ]
    by_id = [d for d in found if d["id"] == wanted]
    if by_id:
        return wanted, _text(by_id[0].get("name"))
    matches = [d for d in found if d.get("name") == wanted]
    if len(matches) == 1:
        return matches[0]["id"], wanted
    if matches:
        listed = ", ".join(
            f"{d['id']} ({_text(d.get('status')) or 'status unknown'}, "
            f"created {str(d.get('created_at', '?'))[:10]})"
            for d in matches
        )
        raise AmbiguousName(
            "DEPLOYMENT",
            f"{len(matches)} deployments of {model.label} are named {wanted!r}: {listed}",
            hint="give the deployment id instead",
        )
    if could_be_id(wanted):
        # As for models: the listing is not promised to be complete, the id's own path is.
        by_path = api_path("models", model.id, "deployments", wanted)
        try:
            return _deployment_ref(client.get_json(by_path), by_path)
        except NotFoundError:
            pass
    what = f"{model.label} has no deployment named {wanted!r}" + (
        " or with that id" if could_be_id(wanted) else ""
    )
    described = [
        f"{d['name']} ({d['id']})" if isinstance(d.get("name"), str) else str(d["id"])
        for d in found
    ]
    choices = ", ".join((*DEPLOYMENT_ALIASES, *described[:_SHOWN]))
    more = f" and {len(described) - _SHOWN} more" if len(described) > _SHOWN else ""
    raise NotFoundError(what, hint=f"give one of: {choices}{more}")


def _deployment_ref(body: Any, path: str) -> tuple[str, str | None]:
    if not isinstance(body, dict) or not _is_id_text(body.get("id")):
        raise ApiError(
            f"the API's answer for {path} is not a deployment",
            hint="please report this with -v output",
        )
    return body["id"], _text(body.get("name"))


# --- environments -------------------------------------------------------------------------------


def _check_environment(
    client: ApiClient, model: ModelRef, environment: str, cache: Cache | None
) -> None:
    key = cache_key("environment", model.id, environment)
    if cache is not None and cache.get(key) is True:
        return
    path = api_path("models", model.id, "environments", environment)
    try:
        client.get_json(path)
    except NotFoundError:
        raise _unknown_environment(client, model, environment) from None
    if cache is not None:
        cache.put(key, True, ttl=RESOLVE_TTL)


def _unknown_environment(client: ApiClient, model: ModelRef, environment: str) -> NotFoundError:
    what = f"{model.label} has no environment {environment!r}"
    path = api_path("models", model.id, "environments")
    try:
        existing = _objects(client.get_json(path), "environments", path)
    except BasetenLogsError:
        return NotFoundError(what, hint="check the environment's name in the dashboard")
    names = sorted({str(e["name"]) for e in existing if isinstance(e.get("name"), str)})
    if not names:
        return NotFoundError(what, hint="it has no environments; name a deployment instead")
    return NotFoundError(what, hint=f"its environments: {_some(names)}")


# --- small helpers ------------------------------------------------------------------------------


def _check_name(flag: str, value: str, kind: str) -> None:
    """Refuse, unsent, what is neither a name nor an id (ids may go into the URL path)."""
    if not value.strip():
        raise UsageError(flag, "is empty", hint=f"give a {kind} name or id")
    if (
        value.strip() != value
        or len(value) > _MAX_NAME
        or not value.isprintable()
        or any(c in value for c in "/\\")
    ):
        raise UsageError(
            flag,
            f"{value!r} is not a {kind} name or id",
            hint=f"copy one from `baseten-logs {kind}s`"
            + (" MODEL" if kind == "deployment" else ""),
        )


def _objects(body: Any, field: str, path: str) -> list[dict[str, Any]]:
    items = body.get(field) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(
            f"the API's answer for {path} is not a list of {field}",
            hint="please report this with -v output",
        )
    return items


def _cached_list(cache: Cache, key: str) -> list[dict[str, Any]] | None:
    value = cache.get(key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return None
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def find_by_id_or_name(
    wanted: str,
    *,
    children: Callable[[str], list[dict[str, Any]]],
    listing: Callable[[], list[dict[str, Any]]],
    flag: str,
    kind: str,
    plural: str,
    seen: str,
    none_seen: str,
    teams_in_ambiguity: bool = False,
) -> tuple[str, str | None, list[dict[str, Any]]]:
    """(id, name, children) of what `wanted` names: tried as an id first (its children's
    listing answers 200), and only after a 404 looked up by exact name in `listing`, as for
    models (ask the API, never guess from the shape). Chains and training projects use it."""
    try:
        return wanted, None, children(wanted)
    except NotFoundError:
        pass
    everything = listing()
    named = [o for o in everything if o.get("name") == wanted and _is_id_text(o.get("id"))]
    if not named:
        names = sorted({str(o["name"]) for o in everything if isinstance(o.get("name"), str)})
        hint = f"{seen} this key can see: {_some(names)}" if names else none_seen
        raise NotFoundError(f"no {kind} named {wanted!r} or with that id", hint=hint)
    if len(named) > 1:
        teams = ""
        if teams_in_ambiguity:
            teams = " (teams " + ", ".join(sorted(str(o.get("team_name")) for o in named)) + ")"
        raise UsageError(
            flag, f"{len(named)} {plural} are named {wanted!r}{teams}", hint="use its id"
        )
    found = str(named[0]["id"])
    return found, wanted, children(found)


def _is_id_text(value: Any) -> bool:
    # Ids go into URL paths: refuse what would change the path, whatever the API sent.
    return isinstance(value, str) and bool(value) and not any(c in value for c in "/?#%\\ ")


def _some(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")
