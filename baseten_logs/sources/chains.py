"""A chain's logs: which chain, which of its deployments, which chainlets, asked of the API.

CHAIN may be a chain's id or its name, and nothing in an id's shape says which: the id is tried
first, as typed (`GET /v1/chains/{CHAIN}/deployments` answers 200 for an id, 404 otherwise),
and only a 404 looks the name up in the list of chains. That one answer also lists the chain's
deployments with their environment and chainlets, so an id costs one request in all.

DEPLOYMENT is a chain deployment's id, or `production` (the default) / `development`; `--env NAME`
is the deployment that environment currently serves (chains have no environment-wide logs
endpoint). `development` is the environment of that name if there is one, else the newest
deployment in no environment (what `truss chains push` without `--promote` makes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import ApiError, BasetenLogsError, NotFoundError, UsageError
from baseten_logs.sources.cache import RESOLVE_TTL, Cache, cache_key
from baseten_logs.sources.names import (
    check_name,
    find_by_id_or_name,
    is_id_text,
    listed_objects,
    some_names,
    text_or_none,
)
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.resolve import list_chains

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

ALIASES = ("production", "development")
# A chainlet's name labels every one of its lines (text's column, JSON's `"chainlet"`): a longer
# one is cut, so a hostile name of a MiB costs a MiB once, not once per line. No name that
# long can be typed to --chainlet anyway (resolve's names are at most as long).
MAX_LABEL = 256
# Chain deployment states from which no more logs will come.
ENDED_STATES = frozenset({"INACTIVE", "FAILED", "DEPLOY_FAILED", "BUILD_FAILED", "BUILD_STOPPED"})


@dataclass(frozen=True)
class Chainlet:
    id: str
    name: str


@dataclass(frozen=True)
class ChainTarget:
    chain_id: str
    chain_name: str | None
    deployment_id: str
    environment: str | None
    status: str | None
    chainlets: tuple[Chainlet, ...]

    @property
    def deployment_path(self) -> str:
        return api_path("chains", self.chain_id, "deployments", self.deployment_id)

    def logs_path(self, chainlet: Chainlet) -> str:
        deployment = ("chains", self.chain_id, "deployments", self.deployment_id)
        return api_path(*deployment, "chainlets", chainlet.id, "logs")

    @property
    def label(self) -> str:
        name = f"{self.chain_name} ({self.chain_id})" if self.chain_name else self.chain_id
        return f"{name} / {self.environment or 'deployment'} ({self.deployment_id})"


def check_chain_input(
    *, chain: str, deployment: str | None, environment: str | None, chainlets: Sequence[str]
) -> None:
    """Everything that can be refused before a request is sent."""
    check_name("CHAIN", chain, "chain")
    if deployment is not None and environment is not None:
        raise UsageError("--env", "cannot be combined with DEPLOYMENT", hint="choose one")
    if deployment is not None:
        check_name("DEPLOYMENT", deployment, "chain deployment")
    if environment is not None:
        check_name("--env", environment, "environment")
    for name in chainlets:
        check_name("--chainlet", name, "chainlet")


def resolve_chain(
    client: ApiClient,
    chain: str,
    *,
    deployment: str | None = None,
    environment: str | None = None,
    chainlets: Sequence[str] = (),
    cache: Cache | None = None,
) -> ChainTarget:
    """The chain deployment and chainlets to read (see the module); NotFoundError names the
    alternatives when something does not exist. `cache` keeps a chain name's id."""
    chain_id, chain_name, deployments = find_chain(client, chain, cache=cache)
    chosen = _pick_deployment(chain_id, chain, deployments, deployment, environment)
    deployment_id = str(chosen["id"])
    listed = chosen.get("chainlets")
    if not isinstance(listed, list):  # a list answer without them: ask for the deployment
        path = api_path("chains", chain_id, "deployments", deployment_id)
        body = client.get_json(path)
        chosen = body if isinstance(body, dict) else chosen
    every = _chainlets(chosen)
    return ChainTarget(
        chain_id=chain_id,
        chain_name=chain_name,
        deployment_id=deployment_id,
        environment=text_or_none(chosen.get("environment")),
        status=text_or_none(chosen.get("status")),
        chainlets=_narrowed(every, chainlets),
    )


def list_chain_deployments(client: ApiClient, chain_id: str) -> list[dict[str, Any]]:
    path = api_path("chains", chain_id, "deployments")
    return listed_objects(client.get_json(path), "deployments", path)


def chain_state(target: ChainTarget) -> str | None:
    """The chain deployment's status in words when it is not ACTIVE (known from resolving it,
    so no request): why its newest lines may be older than the default window."""
    if target.status is None or target.status == "ACTIVE":
        return None
    return f"the chain deployment is {target.status}"


def chain_ended(client: ApiClient, target: ChainTarget) -> Callable[[], str | None]:
    """For -f: why following should stop (the chain deployment ended), or None."""

    def check() -> str | None:
        try:
            body = client.get_json(target.deployment_path)
        except BasetenLogsError:
            return None  # a failed check is no reason to stop; the polls report trouble
        state = body.get("status") if isinstance(body, dict) else None
        return f"the chain deployment is {state}" if state in ENDED_STATES else None

    return check


def find_chain(
    client: ApiClient, chain: str, *, cache: Cache | None = None
) -> tuple[str, str | None, list[dict[str, Any]]]:
    """(id, name, deployments): CHAIN tried as an id first, then as a name.

    A name costs three requests (the id tried, the list of chains, the chain's deployments); its
    id is kept in `cache`, as a model's is, so the next run costs one. A cached id the API no
    longer knows (a 404) is resolved afresh.
    """
    key = cache_key("chain", chain)
    known = None if cache is None else cache.get(key)
    if isinstance(known, list) and len(known) == 2 and is_id_text(known[0]):
        try:
            return known[0], text_or_none(known[1]), list_chain_deployments(client, known[0])
        except NotFoundError:
            pass  # deleted, or the name moved to another chain
    found = find_by_id_or_name(
        chain,
        children=lambda chain_id: list_chain_deployments(client, chain_id),
        listing=lambda: list_chains(client, cache=cache),
        flag="CHAIN",
        kind="chain",
        plural="chains",
        seen="chains",
        none_seen="this key sees no chains",
        teams_in_ambiguity=True,
    )
    chain_id, name, _ = found
    if cache is not None and name is not None:  # an id costs one request anyway
        cache.put(key, [chain_id, name], ttl=RESOLVE_TTL)
    return found


def _pick_deployment(
    chain_id: str,
    chain: str,
    deployments: list[dict[str, Any]],
    deployment: str | None,
    environment: str | None,
) -> dict[str, Any]:
    usable = [d for d in deployments if is_id_text(d.get("id"))]
    if environment is not None or deployment in (None, "production"):
        wanted = environment or "production"
        found = [d for d in usable if d.get("environment") == wanted]
        if found:
            return found[0]
        envs = sorted({str(d["environment"]) for d in usable if text_or_none(d.get("environment"))})
        raise NotFoundError(
            f"chain {chain!r} has no deployment in environment {wanted!r}",
            hint=f"its environments: {some_names(envs)}" if envs else _ids_hint(usable),
        )
    if deployment == "development":
        found = [d for d in usable if d.get("environment") == "development"]
        found = found or sorted(
            (d for d in usable if not text_or_none(d.get("environment"))),
            key=lambda d: str(d.get("created_at") or ""),
            reverse=True,
        )
        if found:
            return found[0]
        raise NotFoundError(
            f"chain {chain!r} has no development deployment", hint=_ids_hint(usable)
        )
    found = [d for d in usable if d.get("id") == deployment]
    if found:
        return found[0]
    raise NotFoundError(f"chain {chain!r} has no deployment {deployment!r}", hint=_ids_hint(usable))


def _ids_hint(deployments: list[dict[str, Any]]) -> str:
    ids = [str(d["id"]) for d in deployments]
    return f"its deployments: {some_names(ids)}" if ids else "it has no deployments"


def _chainlets(deployment: dict[str, Any]) -> list[Chainlet]:
    listed = deployment.get("chainlets")
    if not isinstance(listed, list):
        raise ApiError(
            "the API's answer for a chain deployment lists no chainlets",
            hint="please report this with -v output",
        )
    found = []
    for item in listed:
        if isinstance(item, dict) and is_id_text(item.get("id")):
            name = item.get("name")
            found.append(
                Chainlet(
                    str(item["id"]), _label(name if isinstance(name, str) else str(item["id"]))
                )
            )
    return found


def _label(name: str) -> str:
    """A chainlet's name as its lines are labelled: cut with an ellipsis past MAX_LABEL."""
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"


def _narrowed(every: list[Chainlet], wanted: Sequence[str]) -> tuple[Chainlet, ...]:
    """The chainlets `--chainlet` names (by name or id), in the chain's order; all by default."""
    if not wanted:
        if not every:
            raise NotFoundError("this chain deployment has no chainlets")
        return tuple(every)
    for name in wanted:
        if not any(name in (c.name, c.id) for c in every):
            raise NotFoundError(
                f"no chainlet {name!r} in this chain deployment",
                hint=f"its chainlets: {some_names([c.name for c in every])}",
            )
    return tuple(c for c in every if c.name in wanted or c.id in wanted)
