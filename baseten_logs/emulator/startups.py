"""Replica start-ups: `GET /v1/models/{m}/deployments/{d}/startups[/summary]` and the same
under `/environments/{env}`, as the SDK's StartupAttempts and StartupSummary models say.

Every replica that appears in a deployment's logs started once, its model server's first line
at the deployment's first log line, after the phases the platform records (scheduling, image
pull, weights, container). The demo replica's restarts (restarts.py) add their attempts, and a
scaled-to-zero model has one attempt that stalled while downloading its weights.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .catalogue import SDXL_DEPLOYMENT_ID, Catalogue, Environment, Model
from .deployments import MINUTE_MS, Deployment
from .generate import replica_ids
from .replies import Query, Response, decode_cursor, encode_cursor, error_reply, json_reply, last
from .restarts import PHASES, STALLED, SUCCESS, Attempt, Phase, Restart, timeline

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
COUNTED = 1000  # total_count counts within the most recent this many, as the schema says
SORTS = ("OUTCOME", "STARTED_AT", "READY_AT", "DURATION")


def _first_start(dep: Deployment, replica: str) -> Attempt:
    """A replica's cold start, its server up at the deployment's first log line."""
    rng = random.Random(f"startup/{dep.id}/{replica}")
    durations = (
        rng.randint(300, 30_000),
        rng.randint(20_000, 90_000),
        rng.randint(30_000, 150_000),
        rng.randint(900, 4_000),
        rng.randint(800, 3_000),
        rng.randint(10_000, 30_000),
    )
    phases = timeline(durations)
    before_server = sum(durations[:5])
    started = dep.logs_from_ms - before_server
    return Attempt(dep.id, replica, started, phases, SUCCESS)


def _stalled(dep: Deployment) -> Attempt:
    """A scale-up that never came: stuck downloading weights until the platform gave up."""
    phases = (
        Phase("SCHEDULING", 0, 1_200),
        Phase("IMAGE_PULL", 1_200, 48_000),
        Phase("WEIGHT_DOWNLOAD", 49_200, None, "FAILED"),
    )
    started = (dep.logs_until_ms or dep.logs_from_ms) - 40 * MINUTE_MS
    replica = replica_ids(dep.id + "/stalled", 1)[0]
    return Attempt(dep.id, replica, started, phases, STALLED)


def all_attempts(catalogue: Catalogue, restarts: Iterable[Restart]) -> list[Attempt]:
    """Every start attempt of every model deployment, oldest first."""
    found = [
        _first_start(dep, replica)
        for dep in catalogue.deployments()
        for replica in replica_ids(dep.id, dep.log_replicas)
    ]
    found += [attempt for restart in restarts for attempt in restart.attempts]
    found += [_stalled(d) for d in catalogue.deployments() if d.base_id == SDXL_DEPLOYMENT_ID]
    return sorted(found, key=lambda a: (a.started_ms, a.replica))


@dataclass(frozen=True)
class _Ask:
    """A validated start-ups request."""

    start_ms: int
    end_ms: int
    min_duration_ms: int
    offset: int
    limit: int
    outcomes: tuple[str, ...]
    phase: str | None
    search: str | None
    sort_by: str
    descending: bool


def _int(query: Query, name: str) -> int | None:
    value = last(query, name)
    if value is None:
        return None
    if not value.lstrip("-").isdigit():
        raise ValueError(f"{name}: must be an integer, got {value[:40]!r}")
    return int(value)


def _choice(query: Query, name: str, allowed: tuple[str, ...]) -> str | None:
    value = last(query, name)
    if value is not None and value not in allowed:
        raise ValueError(f"{name}: must be one of {', '.join(allowed)}, got {value[:40]!r}")
    return value


def _window(query: Query) -> tuple[int, int, int]:
    start, end = _int(query, "start_epoch_millis"), _int(query, "end_epoch_millis")
    if start is None or end is None:
        missing = "start_epoch_millis" if start is None else "end_epoch_millis"
        raise ValueError(f"{missing}: required")
    if end <= start:
        raise ValueError("end_epoch_millis: must be after start_epoch_millis")
    least = _int(query, "min_duration_ms")
    if least is not None and least < 0:
        raise ValueError(f"min_duration_ms: must be at least 0, got {least}")
    return start, end, least or 0


def _ask(query: Query) -> _Ask:
    start, end, least = _window(query)
    limit = _int(query, "limit")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit: must be between 1 and {MAX_LIMIT}, got {limit}")
    offset = 0
    cursor = last(query, "cursor")
    if cursor is not None:
        payload = decode_cursor(cursor, ("o",))
        if payload is None:
            raise ValueError("cursor: not a cursor this endpoint returned")
        offset = payload["o"]
    return _Ask(
        start_ms=start,
        end_ms=end,
        min_duration_ms=least,
        offset=offset,
        limit=limit if limit is not None else DEFAULT_LIMIT,
        outcomes=tuple(query.get("outcomes", [])),
        phase=_choice(query, "phase", PHASES),
        search=last(query, "search"),
        sort_by=_choice(query, "sort_by", SORTS) or "STARTED_AT",
        descending=(_choice(query, "direction", ("asc", "desc")) or "desc") == "desc",
    )


class Startups:
    """The start-ups routes over the catalogue's attempts; `now_ms` hides those yet to come."""

    def __init__(
        self, catalogue: Catalogue, restarts: Iterable[Restart], now_ms: Callable[[], int]
    ) -> None:
        self.catalogue = catalogue
        self.attempts = all_attempts(catalogue, restarts)
        self.now_ms = now_ms

    def deployment(self, model: Model, dep: Deployment, rest: list[str], query: Query) -> Response:
        """`rest`: what follows `/deployments/{d}`: ["startups"] or ["startups", "summary"]."""
        mine: list[tuple[Attempt, str | None]] = [
            (a, None) for a in self.attempts if a.deployment_id == dep.id
        ]
        return self._answer(model, mine, rest, query)

    def environment(
        self, model: Model, env: Environment, rest: list[str], query: Query
    ) -> Response:
        mine: list[tuple[Attempt, str | None]] = [
            (a, env.name) for a in self.attempts if _served(env, a)
        ]
        return self._answer(model, mine, rest, query)

    def _answer(
        self, model: Model, mine: list[tuple[Attempt, str | None]], rest: list[str], query: Query
    ) -> Response:
        if rest not in (["startups"], ["startups", "summary"]):
            return error_reply(404, "Not found")
        try:
            if len(rest) == 2:
                start, end, least = _window(query)
                chosen = self._in_window(mine, start, end, least)
                return json_reply(200, _summary(start, end, [a for a, _ in chosen]))
            ask = _ask(query)
        except ValueError as exc:
            return error_reply(400, str(exc))
        chosen = self._in_window(mine, ask.start_ms, ask.end_ms, ask.min_duration_ms)
        chosen = [(a, env) for a, env in chosen if _matches(ask, model, a)][-COUNTED:]
        chosen.sort(key=lambda pair: _sort_key(ask.sort_by, pair[0]), reverse=ask.descending)
        page = chosen[ask.offset : ask.offset + ask.limit]
        more = ask.offset + ask.limit < len(chosen)
        payload = {
            "items": [_to_api(model, a, env) for a, env in page],
            "pagination": {
                "has_more": more,
                "cursor": encode_cursor({"v": 1, "o": ask.offset + ask.limit}) if more else None,
            },
            "total_count": len(chosen),
        }
        return json_reply(200, payload)

    def _in_window(
        self, mine: list[tuple[Attempt, str | None]], start: int, end: int, least: int
    ) -> list[tuple[Attempt, str | None]]:
        now = self.now_ms()
        return [
            (a, env)
            for a, env in mine
            if start <= a.started_ms <= min(end, now) and a.duration_ms >= least
        ]


def _served(env: Environment, attempt: Attempt) -> bool:
    return any(
        s.deployment_id == attempt.deployment_id
        and (s.until_ms is None or attempt.started_ms < s.until_ms)
        for s in env.history
    )


def _matches(ask: _Ask, model: Model, attempt: Attempt) -> bool:
    if ask.outcomes and attempt.outcome not in ask.outcomes:
        return False
    if ask.phase is not None and not any(
        p.name == ask.phase and (p.duration_ms or 0) > 0 for p in attempt.phases
    ):
        return False
    if ask.search is not None:
        dep = model.deployment(attempt.deployment_id)
        name = dep.name if dep is not None else ""
        return attempt.replica == ask.search or ask.search.lower() in name.lower()
    return True


def _sort_key(sort_by: str, attempt: Attempt) -> tuple[object, ...]:
    if sort_by == "OUTCOME":
        return (attempt.outcome, attempt.started_ms)
    if sort_by == "READY_AT":
        return (attempt.ready_ms or 0, attempt.started_ms)
    if sort_by == "DURATION":
        return (attempt.duration_ms, attempt.started_ms)
    return (attempt.started_ms, attempt.replica)


def _to_api(model: Model, attempt: Attempt, env: str | None) -> dict[str, object]:
    dep = model.deployment(attempt.deployment_id)
    return {
        "model_id": model.id,
        "deployment_id": attempt.deployment_id,
        "deployment_name": dep.name if dep is not None else "",
        "environment_name": env,
        "replica_id": attempt.replica,
        "started_at_epoch_millis": attempt.started_ms,
        "ready_at_epoch_millis": attempt.ready_ms,
        "duration_ms": attempt.duration_ms,
        "outcome": attempt.outcome,
        "phase_summary": [p.to_api() for p in attempt.phases],
    }


def _percentiles(durations: list[int]) -> dict[str, int | None]:
    ordered = sorted(durations)

    def at(share: float) -> int | None:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None

    mean = round(sum(ordered) / len(ordered)) if ordered else None
    return {
        "sample_count": len(ordered),
        "mean_ms": mean,
        "p50_ms": at(0.5),
        "p90_ms": at(0.9),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
    }


def _summary(start: int, end: int, attempts: list[Attempt]) -> dict[str, object]:
    recent = attempts[-COUNTED:]
    phases = []
    for name in PHASES:
        spans = [
            p.duration_ms
            for a in recent
            for p in a.phases
            if p.name == name and p.duration_ms is not None
        ]
        if spans:
            phases.append({"phase": name, "duration_ms": _percentiles(spans)})
    return {
        "start_epoch_millis": start,
        "end_epoch_millis": end,
        "total_duration_ms": _percentiles([a.duration_ms for a in recent]),
        "phase_duration_ms": phases,
    }
