"""DEPLOYMENT as people type it: an id, an exact name, or the alias `production` / `development`.

A deployment is found the way a model is: by id first, then by exact name, in one request, the
model's listing of deployments (so an id under a model given by name works too). An alias is
what the model itself names when it was read just now, else asked of the API, since a promotion
changes it. Answers are kept in the on-disk cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import ApiError, NotFoundError
from baseten_logs.sources.cache import ALIAS_TTL, RESOLVE_TTL, Cache, cache_key
from baseten_logs.sources.names import (
    SHOWN_NAMES,
    AmbiguousName,
    could_be_id,
    is_id_text,
    listed_objects,
    text_or_none,
)
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.targets import ModelRef, deployments_path

if TYPE_CHECKING:  # the client imports httpx: shell completion must not pay for it up front
    from baseten_logs.api.client import ApiClient

DEPLOYMENT_ALIASES = ("production", "development")


def resolve_deployment(
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
    cached = cached_ref(cache, key)
    if cached is not None:
        return cached
    found = _find_deployment(client, model, deployment)
    if store is not None:
        store.put(key, list(found), ttl=RESOLVE_TTL)
    return found


def cached_ref(cache: Cache | None, key: str) -> tuple[str, str | None] | None:
    """A cached (id, name) pair, or None when absent or not of that shape (an old cache)."""
    cached = None if cache is None else cache.get(key)
    if isinstance(cached, list) and len(cached) == 2 and is_id_text(cached[0]):
        return cached[0], text_or_none(cached[1])
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
    cached = cached_ref(cache, key)
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
        d
        for d in listed_objects(client.get_json(path), "deployments", path)
        if is_id_text(d.get("id"))
    ]
    by_id = [d for d in found if d["id"] == wanted]
    if by_id:
        return wanted, text_or_none(by_id[0].get("name"))
    matches = [d for d in found if d.get("name") == wanted]
    if len(matches) == 1:
        return matches[0]["id"], wanted
    if matches:
        listed = ", ".join(
            f"{d['id']} ({text_or_none(d.get('status')) or 'status unknown'}, "
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
    choices = ", ".join((*DEPLOYMENT_ALIASES, *described[:SHOWN_NAMES]))
    more = f" and {len(described) - SHOWN_NAMES} more" if len(described) > SHOWN_NAMES else ""
    raise NotFoundError(what, hint=f"give one of: {choices}{more}")


def _deployment_ref(body: Any, path: str) -> tuple[str, str | None]:
    if not isinstance(body, dict) or not is_id_text(body.get("id")):
        raise ApiError(
            f"the API's answer for {path} is not a deployment",
            hint="please report this with -v output",
        )
    return body["id"], text_or_none(body.get("name"))
