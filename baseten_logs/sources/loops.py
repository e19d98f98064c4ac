"""A Loops run's logs: its trainer deployment's, or its paired sampler's, asked of the API.

A run (`GET /v1/loops/runs/{run_id}`, the SDK's GetLoopsRunResponse) names the Loops deployment
it trains on (`deployment_id`, whose logs are `GET /v1/loops/deployments/{id}/logs`: the window,
`direction`, `limit` and `min_level`, as a training job's) and, once it has one, its sampler: an
inference deployment of an ordinary model (`sampler.model_id`, `sampler.deployment_id`), whose
logs are any deployment's, with every filter of `get`. truss's `loops logs --run-id` finds them
the same way.

RUN may be an id or a name (runs have display names; one left out defaults to the base model's,
`Qwen/Qwen3-8B`, so names repeat and may hold a `/`). Text that could be an id is tried as one
first; only a 404 looks the name up in the caller's runs, then the organization's. A name never
goes into a URL path.

A run says when it was created but not when it ended (its status is only ACTIVE or INACTIVE),
so its window runs from its creation to now, or to the creation of the next run on the same
trainer, when the caller's runs show one: a trainer serves its runs one after another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import ApiError, BasetenLogsError, NotFoundError, UsageError
from baseten_logs.base.timeparse import EARLIEST_MS
from baseten_logs.sources.cache import LISTING_TTL, cache_key
from baseten_logs.sources.names import (
    could_be_id,
    is_id_text,
    listed_objects,
    some_names,
    text_or_none,
)
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.training import LIFETIME_SLACK_MS, moment_ms

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient
    from baseten_logs.sources.cache import Cache

_MAX_RUN = 256  # characters of a run's name or id as typed (the SDK caps names at 255)
ENDED = "INACTIVE"  # LoopsRunStatus: ACTIVE while the run is live, INACTIVE once replaced or shut


@dataclass(frozen=True)
class LoopsTarget:
    """The run, and the deployment whose logs were asked for (its trainer or its sampler)."""

    run_id: str
    run_name: str | None
    status: str | None  # ACTIVE, INACTIVE, or what else the API may say; None: not said
    logs_path: str
    sampler: bool  # the logs are the sampler's (an ordinary deployment's: every filter is sent)
    created_ms: int | None = None  # the run's created_at
    trainer_id: str | None = None  # the Loops deployment it trains on
    ended_ms: int | None = None  # the next run's creation on the same trainer, when known

    @property
    def label(self) -> str:
        run = f"{self.run_name} ({self.run_id})" if self.run_name else self.run_id
        return f"Loops run {run}" + (" / sampler" if self.sampler else " / trainer")


def check_run_input(run: str) -> None:
    """Refuse, unsent, what cannot be a run's name or id. A `/` is allowed: names may hold one
    (the base model's name is the default), and only id-like text goes into a path."""
    if not run.strip():
        raise UsageError("RUN", "is empty", hint="give a Loops run's name or id")
    if run.strip() != run or len(run) > _MAX_RUN or not run.isprintable():
        raise UsageError(
            "RUN",
            f"{run!r} is not a Loops run's name or id",
            hint="copy one from `baseten-logs loops-runs`",
        )


def list_runs(
    client: ApiClient, *, org: bool = False, cache: Cache | None = None
) -> list[dict[str, Any]]:
    """The caller's runs (`org`: every run of the organization), as the API sent them, newest
    first as it lists them; with a `cache`, the names completion offers are refreshed."""
    path = api_path("loops", "runs")
    runs = listed_objects(client.get_json(path, [("scope", "org")] if org else []), "runs", path)
    if cache is not None:
        summaries = [{"id": r.get("id"), "name": r.get("name")} for r in runs]
        cache.put(cache_key("loops_runs"), summaries, ttl=LISTING_TTL)
    return runs


def get_run(client: ApiClient, run_id: str) -> dict[str, Any]:
    """`GET /v1/loops/runs/{run_id}`'s run (NotFoundError: no run has that id)."""
    path = api_path("loops", "runs", run_id)
    body = client.get_json(path)
    run = body.get("run") if isinstance(body, dict) else None
    if not isinstance(run, dict):
        raise ApiError(
            f"the API's answer for {path} holds no run", hint="please report this with -v output"
        )
    return run


def find_run(client: ApiClient, run: str, *, cache: Cache | None = None) -> dict[str, Any]:
    """The run RUN names: tried as an id first (when it could be one), then by exact name among
    the caller's runs, then the organization's (a key that may not list them is not an error)."""
    if could_be_id(run):
        try:
            return get_run(client, run)
        except NotFoundError:
            pass
    own = list_runs(client, cache=cache)
    named = _named(own, run)
    if not named:
        try:
            named = _named(list_runs(client, org=True), run)
        except BasetenLogsError:
            named = []
    if not named:
        names = sorted({str(r["name"]) for r in own if isinstance(r.get("name"), str)})
        hint = f"your runs: {some_names(names)}" if names else "this key has no Loops runs"
        raise NotFoundError(f"no Loops run named {run!r} or with that id", hint=hint)
    if len(named) > 1:
        ids = [str(r["id"]) for r in named]
        raise UsageError(
            "RUN",
            f"{len(named)} Loops runs are named {run!r}",
            hint=f"use an id: {some_names(ids)}",
        )
    return named[0]


def _named(runs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [r for r in runs if r.get("name") == name and is_id_text(r.get("id"))]


def status_name(run: dict[str, Any]) -> str | None:
    """The run's status: `{"name": "ACTIVE"}` as the SDK says, or a bare string."""
    status = run.get("status")
    if isinstance(status, dict):
        status = status.get("name")
    return text_or_none(status)


def resolve_run(
    client: ApiClient, run: str, *, sampler: bool = False, cache: Cache | None = None
) -> LoopsTarget:
    """The run and the logs path asked for: its trainer's, or with `sampler` its sampler's."""
    found = find_run(client, run, cache=cache)
    run_id = str(found.get("id") or run)
    name = text_or_none(found.get("name"))
    shown = f"{name} ({run_id})" if name else run_id
    path = _sampler_path(found, shown) if sampler else _trainer_path(found, shown)
    trainer = found.get("deployment_id")
    return LoopsTarget(
        run_id=run_id,
        run_name=name,
        status=status_name(found),
        logs_path=path,
        sampler=sampler,
        created_ms=moment_ms(found.get("created_at")),
        trainer_id=trainer if is_id_text(trainer) else None,
    )


def _trainer_path(run: dict[str, Any], shown: str) -> str:
    trainer = run.get("deployment_id")
    if not is_id_text(trainer):
        raise NotFoundError(f"Loops run {shown} has no trainer deployment (yet)")
    return api_path("loops", "deployments", str(trainer), "logs")


def _sampler_path(run: dict[str, Any], shown: str) -> str:
    sampler = run.get("sampler")
    if not isinstance(sampler, dict):
        raise NotFoundError(
            f"Loops run {shown} has no sampler",
            hint="a trainer-only run; leave out --sampler to read its trainer's logs",
        )
    model, deployment = sampler.get("model_id"), sampler.get("deployment_id")
    if not (is_id_text(model) and is_id_text(deployment)):
        raise NotFoundError(
            f"Loops run {shown}'s sampler is serverless: it has no deployment to read logs of",
            hint="leave out --sampler to read its trainer's logs",
        )
    return api_path("models", str(model), "deployments", str(deployment), "logs")


def with_end(client: ApiClient, target: LoopsTarget) -> LoopsTarget:
    """`target` with `ended_ms`: the creation of the next run on its trainer, among the caller's
    runs (the organization's, for a run not among them: a colleague's). Asked only of an ended
    run's trainer logs (a live run, or a sampler, runs until now)."""
    created = target.created_ms
    if target.sampler or target.status != ENDED or created is None or target.trainer_id is None:
        return target
    try:
        runs = list_runs(client)
        if not any(r.get("id") == target.run_id for r in runs):
            runs = list_runs(client, org=True)
    except BasetenLogsError:
        return target  # not knowing the end only widens the window
    later = [
        ms
        for r in runs
        if r.get("deployment_id") == target.trainer_id and r.get("id") != target.run_id
        for ms in [moment_ms(r.get("created_at"))]
        if ms is not None and ms > created
    ]
    return replace(target, ended_ms=min(later)) if later else target


def run_lifetime(target: LoopsTarget, now_ms: int) -> tuple[int, int] | None:
    """The run's window: from its creation to the next run's on its trainer, else to now;
    None when its creation is unknown. Widened by training's slack at both ends."""
    if target.created_ms is None:
        return None
    until = now_ms
    if target.ended_ms is not None:
        until = min(now_ms, target.ended_ms + LIFETIME_SLACK_MS)
    since = max(EARLIEST_MS, target.created_ms - LIFETIME_SLACK_MS)
    return min(since, until), until


def run_state(target: LoopsTarget) -> str | None:
    """The run's status in words when it is not live (known already, so no request)."""
    if target.status is None or target.status.upper() == "ACTIVE":
        return None
    return f"the Loops run is {target.status}"


def run_ended(client: ApiClient, target: LoopsTarget) -> Callable[[], str | None]:
    """For -f: why following should stop (the run is no longer ACTIVE), or None."""

    def check() -> str | None:
        try:
            status = status_name(get_run(client, target.run_id))
        except BasetenLogsError:
            return None  # a failed check is no reason to stop; the polls report trouble
        return f"the Loops run is {status}" if status == ENDED else None

    return check
