"""Shell completion of real names (models, deployments, environments, replicas, chains and
chainlets, training projects and jobs, sandboxes, Loops runs), from the cache first.

Completion runs on every Tab, so it answers from the on-disk cache that `models`, `deployments`
and name resolution fill. Only when the cache holds nothing is the API asked, from a background
thread given COMPLETION_BUDGET_S in all (DNS and connecting included, which no socket timeout
bounds): offline, the shell gets no suggestions after a moment rather than a hang. The budget is
the network's: the client is imported before its clock starts (a cold import of httpx is this
machine's work, a few tenths of a second when it is busy). A slow machine or link sets a longer
one in BASETEN_LOGS_COMPLETION_BUDGET (seconds), as the end-to-end tests do. Every failure
is an empty list (`_offered`). Whose names are offered (the key, URL and --team typed so far)
is one `Where`. This module never imports rich, and imports httpx only on a cache miss.
"""

from __future__ import annotations

import os
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from baseten_logs.access.config import DEFAULT_REMOTE, Credentials, resolve_credentials
from baseten_logs.api.limits import positive_from
from baseten_logs.sources.cache import LISTING_TTL, REPLICAS_TTL, Cache, cache_key
from baseten_logs.sources.deployments import DEPLOYMENT_ALIASES
from baseten_logs.sources.names import cached_list
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.resolve import (
    cached_deployments,
    cached_model,
    cached_models,
    list_chains,
    list_deployments,
    list_models,
    list_projects,
    logs_source,
    resolve_model,
)
from baseten_logs.sources.targets import Target, logs_path_for

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

__all__ = [
    "COMPLETION_BUDGET_S",
    "ENV_COMPLETION_BUDGET",
    "Where",
    "completion_params",
    "complete_chainlets",
    "complete_chains",
    "complete_deployments",
    "complete_environments",
    "complete_loops_runs",
    "complete_models",
    "complete_replicas",
    "complete_sandboxes",
    "complete_training_jobs",
    "complete_training_projects",
    "completion_budget_s",
    "remember_replicas",
]

COMPLETION_BUDGET_S = 0.5  # what a cache miss waits for the API, unless the variable says
ENV_COMPLETION_BUDGET = "BASETEN_LOGS_COMPLETION_BUDGET"
MAX_REPLICAS = 64
REPLICA_LOOKBACK_MS = 60 * 60_000  # a cache miss samples the last hour's logs for replicas

T = TypeVar("T")
Items = list[dict[str, Any]]


@dataclass(frozen=True)
class Where:
    """Whose names are offered: the key, URL and remote typed so far on the line being completed
    (else as a bare command finds them, in `env`: os.environ when None), and --team where names
    are a team's (models, and their deployments, environments and replicas)."""

    api_key: str | None = None
    api_url: str | None = None
    remote: str = DEFAULT_REMOTE
    env: Mapping[str, str] | None = None
    team: str | None = None


AS_CONFIGURED = Where()  # nothing typed: the key and URL a bare command would use


def complete_models(incomplete: str, where: Where = AS_CONFIGURED) -> list[str]:
    """Model names starting with `incomplete` (and ids, once something is typed), of `team`."""

    def offer(credentials: Credentials, cache: Cache) -> list[str]:
        models = cached_models(cache)
        if models is None:
            models = _fetch(credentials, lambda c: list_models(c, cache=cache), where) or []
        mine = [m for m in models if where.team is None or m.get("team_name") == where.team]
        return _names_and_ids(mine, incomplete)

    return _offered(where, offer, [])


def complete_chains(incomplete: str, where: Where = AS_CONFIGURED) -> list[str]:
    """Chain names starting with `incomplete` (and ids, once something is typed)."""
    return _complete_listing(("chains",), incomplete, where, list_chains)


def complete_training_projects(incomplete: str, where: Where = AS_CONFIGURED) -> list[str]:
    """Training project names starting with `incomplete` (and ids, once something is typed)."""
    return _complete_listing(("training_projects",), incomplete, where, list_projects)


def complete_sandboxes(incomplete: str, where: Where = AS_CONFIGURED) -> list[str]:
    """Sandbox names starting with `incomplete` (the `sandboxes` listing keeps them)."""

    def listing(client: ApiClient, *, cache: Cache) -> Items:
        from baseten_logs.sources.sandboxes import list_sandboxes  # on a cache miss only

        return list_sandboxes(client, cache=cache)

    return _complete_listing(("sandboxes",), incomplete, where, listing)


def complete_loops_runs(incomplete: str, where: Where = AS_CONFIGURED) -> list[str]:
    """The caller's Loops run names starting with `incomplete` (and ids, once something is
    typed), from the listing `loops-runs` and name look-ups keep."""

    def listing(client: ApiClient, *, cache: Cache) -> Items:
        from baseten_logs.sources.loops import list_runs  # on a cache miss only

        return list_runs(client, cache=cache)

    return _complete_listing(("loops_runs",), incomplete, where, listing)


def complete_chainlets(
    chain: str | None, incomplete: str, where: Where = AS_CONFIGURED
) -> list[str]:
    """The chainlet names (and ids) of CHAIN's production deployment."""
    if not chain:
        return []
    key = ("chainlets", chain)

    def listing(client: ApiClient, *, cache: Cache) -> Items:
        from baseten_logs.sources.chains import resolve_chain

        found = resolve_chain(client, chain).chainlets
        return _kept(cache, key, [{"id": c.id, "name": c.name} for c in found])

    return _complete_listing(key, incomplete, where, listing)


def complete_training_jobs(
    project: str | None, incomplete: str, where: Where = AS_CONFIGURED
) -> list[str]:
    """The job names (and ids) of training project PROJECT."""
    if not project:
        return []
    key = ("training_jobs", project)

    def listing(client: ApiClient, *, cache: Cache) -> Items:
        from baseten_logs.sources.training import find_project

        _, _, jobs = find_project(client, project)
        return _kept(cache, key, [{"id": j.get("id"), "name": j.get("name")} for j in jobs])

    return _complete_listing(key, incomplete, where, listing)


def complete_deployments(
    model: str | None, incomplete: str, where: Where = AS_CONFIGURED
) -> list[str]:
    """`production`, `development` and the model's deployment names (and ids, once typed)."""
    aliases = _matching(DEPLOYMENT_ALIASES, incomplete)
    if not model:
        return aliases

    def offer(credentials: Credentials, cache: Cache) -> list[str]:
        deployments = None
        model_id = _cached_model_id(cache, model, where.team)
        if model_id is not None:
            deployments = cached_deployments(cache, model_id)
        if deployments is None:

            def listing(client: ApiClient) -> Items:
                ref = resolve_model(client, model, cache=cache, team=where.team)
                return list_deployments(client, ref, cache=cache)

            deployments = _fetch(credentials, listing, where) or []
        named = _names_and_ids(deployments, incomplete)
        return aliases + [n for n in named if n not in aliases]

    return _offered(where, offer, aliases)


def complete_environments(
    model: str | None, incomplete: str, where: Where = AS_CONFIGURED
) -> list[str]:
    """The model's environment names (`--env <Tab>`), never file names."""
    if not model:
        return []

    def offer(credentials: Credentials, cache: Cache) -> list[str]:
        model_id = _cached_model_id(cache, model, where.team)
        names = cache.get(cache_key("environments", model_id)) if model_id else None
        if not isinstance(names, list):

            def listing(client: ApiClient) -> list[str]:
                ref = resolve_model(client, model, cache=cache, team=where.team)
                path = api_path("models", ref.id, "environments")
                body = client.get_json(path)
                items = body.get("environments") if isinstance(body, dict) else None
                found = [e.get("name") for e in items or [] if isinstance(e, dict)]
                known = [n for n in found if isinstance(n, str)]
                cache.put(cache_key("environments", ref.id), known, ttl=LISTING_TTL)
                return known

            names = _fetch(credentials, listing, where) or []
        return _matching(names, incomplete)

    return _offered(where, offer, [])


def complete_replicas(
    model: str | None,
    deployment: str | None,
    incomplete: str,
    *,
    environment: str | None = None,
    where: Where = AS_CONFIGURED,
) -> list[str]:
    """Replicas seen recently in the target's logs (recorded by `get`, else sampled once)."""
    if not model:
        return []

    def offer(credentials: Credentials, cache: Cache) -> list[str]:
        # As `get` would read them: the cache's target, else the ids as typed (the logs
        # request is the probe), else names resolved first. No request is sent here.
        source = logs_source(
            model=model,
            deployment=deployment,
            environment=environment,
            cache=cache,
            team=where.team,
        )
        replicas = _cached_replicas(cache, source.path) if source.path else None
        if replicas is None:

            def sample(client: ApiClient) -> list[str]:
                now_ms = int(time.time() * 1000)
                params = [
                    ("start_epoch_millis", str(now_ms - REPLICA_LOOKBACK_MS)),
                    ("end_epoch_millis", str(now_ms)),
                    ("direction", "desc"),
                    ("limit", "1000"),
                ]
                records = source.request(client, lambda path: client.get_logs(path, params))
                seen = [r.get("replica") for r in records]
                return remember_replicas(
                    cache, source.path, (r for r in seen if isinstance(r, str))
                )

            replicas = _fetch(credentials, sample, where) or []
        return _matching(replicas, incomplete)

    return _offered(where, offer, [])


def remember_replicas(cache: Cache, target: Target | str, replicas: Iterable[str]) -> list[str]:
    """Record replicas seen in a target's logs (a Target or its logs path), for completion;
    returns what is now known.

    `get` can call this with the replicas of the lines it showed (cheap: a set per run).
    """
    known = _cached_replicas(cache, target) or []
    merged = list(dict.fromkeys([*replicas, *known]))[:MAX_REPLICAS]  # newest first
    if merged != known:
        cache.put(_replicas_key(target), merged, ttl=REPLICAS_TTL)
    return merged


def completion_params(
    ctx: Any, *, needed: str = "model", env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The parameters typed so far on the command line being completed, from a click Context.

    Click leaves every parameter unset while an option's value is completed (`get MODEL
    --replica <TAB>`: the dangling option fails its resilient parse), so when `needed` is
    missing the words the shell sent are parsed again without that option. Never raises.
    """
    try:
        params = dict(ctx.params)
        if params.get(needed) is not None:
            return params
        environ = os.environ if env is None else env
        # bash sends COMP_WORDS; zsh, fish and PowerShell send _TYPER_COMPLETE_ARGS.
        words = shlex.split(environ.get("COMP_WORDS") or environ.get("_TYPER_COMPLETE_ARGS", ""))
        name = ctx.info_name
        if name not in words:
            return params
        rest = words[words.index(name) + 1 :]
        options = [i for i, word in enumerate(rest) if word.startswith("-")]
        if options:
            rest = rest[: options[-1]]  # the option whose value is being completed, and after
        reparsed = ctx.command.make_context(name, rest, parent=ctx.parent, resilient_parsing=True)
        return dict(reparsed.params)
    except Exception:
        return {}


# --- helpers ------------------------------------------------------------------------------------


def _offered(
    where: Where, offer: Callable[[Credentials, Cache], list[str]], fallback: list[str]
) -> list[str]:
    """What `offer` finds with the credentials and cache `where` names; `fallback` when there
    are none, or when anything fails: completion must never print a traceback into the user's
    prompt (offline, refused, a cache unreadable: the shell just gets fewer names)."""
    try:
        found = _session(where)
        return fallback if found is None else offer(*found)
    except Exception:
        return fallback


def _complete_listing(
    key: tuple[str, ...],
    incomplete: str,
    where: Where,
    listing: Callable[..., Items],
) -> list[str]:
    """Names (and ids, once something is typed) from the cached listing `key`; on a miss,
    `listing(client, cache=cache)` asked within the completion budget, which keeps what it
    found under `key` (as `chains`, `sandboxes`... do when run), so the next Tab reads it."""

    def offer(credentials: Credentials, cache: Cache) -> list[str]:
        items = cached_list(cache, cache_key(*key))
        if items is None:
            items = _fetch(credentials, lambda client: listing(client, cache=cache), where)
        return _names_and_ids(items or [], incomplete)

    return _offered(where, offer, [])


def _kept(cache: Cache, key: tuple[str, ...], items: Items) -> Items:
    """`items` kept in the cache under `key` for the next Tab; returned."""
    cache.put(cache_key(*key), items, ttl=LISTING_TTL)
    return items


def _session(where: Where) -> tuple[Credentials, Cache] | None:
    """Credentials as a bare command would read them (flags, environment, ~/.trussrc)."""
    env = where.env
    try:
        credentials = resolve_credentials(
            api_key=where.api_key,
            api_url=where.api_url,
            remote=where.remote,
            env=os.environ if env is None else env,
        )
    except Exception:
        return None
    return credentials, Cache.for_api(credentials.api_url, credentials.identity, env=env)


def completion_budget_s(env: Mapping[str, str] | None = None) -> float:
    """How long a cache miss waits for the API: BASETEN_LOGS_COMPLETION_BUDGET's seconds where
    half a second is too short (a busy machine, a far or slow link: the answer would come after
    the shell stopped waiting, every time), else COMPLETION_BUDGET_S. A value that is not a
    positive number is ignored, as the limits' variables are (api/limits.py)."""
    environ = os.environ if env is None else env
    return positive_from(environ, ENV_COMPLETION_BUDGET, COMPLETION_BUDGET_S)


def _fetch(credentials: Credentials, work: Callable[[ApiClient], T], where: Where) -> T | None:
    """`work(client)` within the completion budget, or None: late answers are abandoned."""
    if credentials.login is not None and not credentials.login.fresh():
        # A refresh cut off when the shell stops waiting could spend a single-use refresh
        # token without saving its successor: leave refreshing to a real command.
        return None
    # Imported before the clock starts: the budget is the network's, and a cold import of the
    # client (httpx and its own imports) on a busy machine would otherwise spend most of it.
    from baseten_logs.api.client import ApiClient, RetryPolicy

    budget = completion_budget_s(where.env)
    deadline = time.monotonic() + budget
    result: list[T] = []

    def run() -> None:
        try:
            with ApiClient(
                base_url=credentials.api_url,
                api_key=credentials.api_key,
                key_source=credentials.key_source,
                timeout=budget,
                retry=RetryPolicy(attempts=1),
                max_connections=1,
                auth=credentials.login,
            ) as client:
                result.append(work(client))
        except Exception:
            pass  # offline, refused, throttled, not found: no suggestions, no noise

    # A daemon thread: if the network hangs, the shell gets its (empty) answer and the process
    # exits without waiting for it.
    worker = threading.Thread(target=run, name="baseten-logs-completion", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    return result[0] if result else None


def _cached_model_id(cache: Cache, model: str, team: str | None = None) -> str | None:
    ref = cached_model(cache, model, team)
    if ref is not None:
        return ref.id
    models = cached_models(cache) or []
    by_id = [m for m in models if m.get("id") == model]
    by_name = [m for m in models if m.get("name") == model and team in (None, m.get("team_name"))]
    chosen = by_id or by_name
    model_id = chosen[0].get("id") if len(chosen) == 1 else None
    return model_id if isinstance(model_id, str) else None


def _replicas_key(target: Target | str) -> str:
    return cache_key("replicas", target if isinstance(target, str) else logs_path_for(target))


def _cached_replicas(cache: Cache, target: Target | str) -> list[str] | None:
    value = cache.get(_replicas_key(target))
    if not isinstance(value, list):
        return None
    return [v for v in value if isinstance(v, str)]


def _names_and_ids(items: Items, incomplete: str) -> list[str]:
    """The items' names starting with `incomplete`, and their ids once something is typed (an
    id offered for an empty word would only crowd the names)."""
    names = [item.get("name") for item in items]
    ids = [item.get("id") for item in items] if incomplete else []
    return _matching([*names, *ids], incomplete)


def _matching(candidates: Iterable[object], incomplete: str) -> list[str]:
    """Distinct strings that start with `incomplete`, in a stable order."""
    found = {c for c in candidates if isinstance(c, str) and c and c.startswith(incomplete)}
    return sorted(found)
