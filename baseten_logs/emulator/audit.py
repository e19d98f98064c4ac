"""Audit logs: `GET /v1/audit_logs`, `/v1/models/{id}/audit_logs`, `/v1/chains/{id}/audit_logs`.

As the SDK's ListAuditLogsResponse and Get*AuditLogsParams say: cursor pages (limit 1..200,
default 20), `direction` DESC or ASC in upper case (ignored with a cursor: the cursor keeps the
first page's), a window in epoch milliseconds, and the filters. The events follow the catalogue:
who deployed, promoted, scaled, deactivated or deleted which model, deployment or chain, and
when; the demo replica's restarts (restarts.py) are its REPLICA_TERMINATED events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .catalogue import SDXL_DEPLOYMENT_ID, Catalogue, Model
from .chains import Chain
from .deployments import DAY_MS, MINUTE_MS, Deployment, iso, styled_id
from .replies import Query, Response, decode_cursor, encode_cursor, error_reply, json_reply, last
from .restarts import Restart
from .shapes import AUTOSCALING_SETTINGS, USER

MAX_LIMIT = 200
DEFAULT_LIMIT = 20
DIRECTIONS = ("DESC", "ASC")
COLLEAGUE = {"email": "ml-intern@example.com", "user_id": "u3c8x1m"}
DELETED_MODEL = ("x9d4e1t", "gpt2-smoke-test")  # deployed, then deleted: in no listing
DELETED_DEPLOYMENT = ("f6h2k8w", "v2")  # the demo model's v2, deleted after v3 took over
_GROUPS = {
    "DEPLOYED": ("_DEPLOYED",),
    "PROMOTED": ("_PROMOTED",),
    "ACTIVATED_DEACTIVATED": ("_ACTIVATED", "_DEACTIVATED"),
    "AUTOSCALING_SETTINGS": ("AUTOSCALING_SETTINGS_CHANGED",),
    "REPLICA_TERMINATED": ("REPLICA_TERMINATED",),
    "DELETED": ("_DELETED",),
    "API_KEYS": ("API_KEY_",),
}


@dataclass(frozen=True)
class Event:
    """One audit-log entry; `data` is its event_data without the event_type."""

    created_ms: int
    event_type: str
    data: dict[str, Any]
    actor: dict[str, Any]
    source: str | None

    @property
    def id(self) -> str:
        seed = f"{self.created_ms}/{self.event_type}/{sorted(self.data.items())}"
        return "ale_" + hashlib.blake2b(seed.encode(), digest_size=8).hexdigest()

    @property
    def key(self) -> tuple[int, str]:
        return (self.created_ms, self.id)

    def to_api(self) -> dict[str, Any]:
        by_api = self.source == "API"
        return {
            "id": self.id,
            "created": iso(self.created_ms),
            "event_type": self.event_type,
            "event_data": {"event_type": self.event_type, **self.data},
            "source": self.source,
            "actor": self.actor,
            "client_name": "truss" if by_api else None,
            "client_version": "0.18.2" if by_api else None,
            "client_session_id": None,
        }


_DEV = {"type": "USER", "email": USER["email"]}
_INTERN = {"type": "USER", "email": COLLEAGUE["email"]}
_CI_KEY = {"type": "API_KEY", "api_key_prefix": "Xq7Lm2", "api_key_name": "ci-deploys"}
_SYSTEM = {"type": "BASETEN_SYSTEM"}


def _names(model: Model, dep: Deployment) -> dict[str, Any]:
    return {
        "model_id": model.id,
        "model_name": model.name,
        "deployment_id": dep.id,
        "deployment_name": dep.name,
    }


def _scaled(
    at: int, model: Model, dep: Deployment, low: int, high: int, actor: dict[str, Any]
) -> Event:
    settings = {**AUTOSCALING_SETTINGS, "min_replica": low, "max_replica": high}
    data = {
        **_names(model, dep),
        **{k: settings[k] for k in ("min_replica", "max_replica", "concurrency_target")},
        "autoscaling_window": settings["autoscaling_window"],
        "scale_down_delay": settings["scale_down_delay"],
        "target_utilization_percentage": settings["target_utilization_percentage"],
        "target_in_flight_tokens": None,
        "max_scale_down_rate": None,
        "schedules": None,
        "deployment_type": "production" if dep.is_production else None,
        "previous_settings": None,
    }
    source = "UI" if actor is _DEV else "API"
    return Event(at, "MODEL_DEPLOYMENT_AUTOSCALING_SETTINGS_CHANGED", data, actor, source)


def _model_events(model: Model, promoted_ms: int) -> list[Event]:
    events = []
    for dep in model.deployments:
        actor = _CI_KEY if dep.name.startswith("v") and model.team_name == "acme-ml" else _DEV
        source = "API" if actor is _CI_KEY else "UI"
        deployed = {
            **_names(model, dep),
            "scale_previous_to_zero": False,
            "trusted": False,
            "publish": dep.is_production,
            "environment_name": dep.environment,
        }
        events.append(Event(dep.created_at_ms, "MODEL_DEPLOYED", deployed, actor, source))
        if dep.is_production:
            at = (
                promoted_ms
                if dep.created_at_ms < promoted_ms < dep.logs_from_ms + DAY_MS
                else (dep.created_at_ms + 20 * MINUTE_MS)
            )
            promoted = {
                **_names(model, dep),
                "environment_name": "production",
                "environment_id": f"env-{model.id.lower()}",
                "region_update": None,
                "instance_type_id_update": None,
                "promotion_settings_override": None,
                "autoscaling_settings_update": None,
                "request_backpressure_settings_update": None,
                "autoscaling_schedule_settings_update": None,
            }
            events.append(Event(at, "MODEL_DEPLOYMENT_PROMOTED", promoted, _DEV, "UI"))
        if dep.status == "INACTIVE" and dep.logs_until_ms is not None:
            data = _names(model, dep)
            events.append(
                Event(dep.logs_until_ms, "MODEL_DEPLOYMENT_DEACTIVATED", data, _SYSTEM, "SYSTEM")
            )
        if dep.base_id == SDXL_DEPLOYMENT_ID and dep.logs_until_ms is not None:
            events.append(_scaled(dep.logs_until_ms - 30 * MINUTE_MS, model, dep, 0, 1, _INTERN))
    return events


def _chain_events(chain: Chain) -> list[Event]:
    events = []
    for dep in chain.deployments:
        names = {
            "chain_id": chain.id,
            "chain_name": chain.name,
            "chain_deployment_id": dep.id,
            "chain_deployment_name": dep.environment,
        }
        deployed = {**names, "is_primary": dep.environment is not None, "publish": True}
        events.append(Event(dep.created_at_ms, "CHAIN_DEPLOYED", deployed, _CI_KEY, "API"))
        if dep.environment is not None:
            promoted = {**names, "environment_name": dep.environment, "environment_id": None}
            at = dep.created_at_ms + 35 * MINUTE_MS
            events.append(Event(at, "CHAIN_DEPLOYMENT_PROMOTED", promoted, _DEV, "UI"))
    return events


def build_events(
    catalogue: Catalogue, restarts: Iterable[Restart], anchor_ms: int, style: str
) -> list[Event]:
    """Every event of the workspace, oldest first."""
    events = [
        e for m in catalogue.models for e in _model_events(m, catalogue.whisper_promoted_at_ms)
    ]
    events += [e for c in catalogue.chains for e in _chain_events(c)]
    demo = catalogue.models[0]
    prod = demo.deployments[0]
    # The demo's production deployment was rescaled every other day, by hand and by CI.
    for n, at in enumerate(range(prod.created_at_ms + DAY_MS, anchor_ms, 2 * DAY_MS)):
        actor = _DEV if n % 3 else _CI_KEY
        events.append(_scaled(at, demo, prod, 1 + n % 2, 3 + n % 3, actor))
    for restart in restarts:
        data = {**_names(demo, prod), "replica_id": restart.replica}
        events.append(Event(restart.crashed_ms, "REPLICA_TERMINATED", data, _SYSTEM, "SYSTEM"))
    gone_id, gone_name = styled_id(DELETED_DEPLOYMENT[0], style), DELETED_DEPLOYMENT[1]
    old = {"model_id": demo.id, "model_name": demo.name, "deployment_id": gone_id}
    old["deployment_name"] = gone_name
    events.append(Event(anchor_ms - 25 * DAY_MS, "MODEL_DEPLOYMENT_DELETED", old, _DEV, "UI"))
    smoke = {"model_id": styled_id(DELETED_MODEL[0], style), "model_name": DELETED_MODEL[1]}
    smoke_dep: dict[str, Any] = {**smoke, "deployment_id": styled_id("y3b7n2c", style)}
    smoke_dep |= {"deployment_name": "v1", "environment_name": "production"}
    smoke_dep |= {"scale_previous_to_zero": False, "trusted": False, "publish": True}
    events.append(Event(anchor_ms - 16 * DAY_MS, "MODEL_DEPLOYED", smoke_dep, _INTERN, "API"))
    events.append(Event(anchor_ms - 15 * DAY_MS, "MODEL_DELETED", smoke, _INTERN, "UI"))
    key = {"api_key_id": "k4t9w2e", "api_key_type": "PERSONAL", "prefix": _CI_KEY["api_key_prefix"]}
    events.append(Event(anchor_ms - 40 * DAY_MS, "API_KEY_CREATED", key, _DEV, "UI"))
    return sorted(events, key=lambda e: e.key)


@dataclass(frozen=True)
class _Ask:
    start_ms: int
    end_ms: int
    limit: int
    direction: str
    after: tuple[int, str] | None  # the last entry sent, from the cursor
    keep: Callable[[Event], bool]


def _int(query: Query, name: str) -> int | None:
    value = last(query, name)
    if value is not None and not value.lstrip("-").isdigit():
        raise ValueError(f"{name}: must be an integer, got {value[:40]!r}")
    return int(value) if value is not None else None


def _ask(query: Query, now_ms: int) -> _Ask:
    limit = _int(query, "limit")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit: must be between 1 and {MAX_LIMIT}, got {limit}")
    direction = last(query, "direction") or "DESC"
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: must be DESC or ASC, got {direction[:40]!r}")
    after = None
    cursor = last(query, "cursor")
    if cursor is not None:
        payload = decode_cursor(cursor, ("t",))
        if (
            payload is None
            or payload.get("d") not in DIRECTIONS
            or not isinstance(payload.get("i"), str)
        ):
            raise ValueError("cursor: not a cursor this endpoint returned")
        direction, after = payload["d"], (int(payload["t"]), str(payload["i"]))
    start, end = _int(query, "start_epoch_millis"), _int(query, "end_epoch_millis")
    return _Ask(
        start_ms=start if start is not None else 0,
        end_ms=min(end if end is not None else now_ms, now_ms),
        limit=limit if limit is not None else DEFAULT_LIMIT,
        direction=direction,
        after=after,
        keep=_filters(query),
    )


def _filters(query: Query) -> Callable[[Event], bool]:
    """The list filters and the search, as one predicate (an empty list filters nothing)."""
    search = (last(query, "search") or "").lower()
    groups = query.get("event_type_groups", [])
    wanted = {
        "deployment_id": query.get("deployment_ids", []),
        "chain_deployment_id": query.get("chain_deployment_ids", []),
        "environment_name": query.get("environment_names", []),
    }
    users, sources = query.get("user_ids", []), query.get("sources", [])
    emails = {USER["user_id"]: USER["email"], COLLEAGUE["user_id"]: COLLEAGUE["email"]}

    def keep(event: Event) -> bool:
        if search and not any(
            search in str(v).lower() for k, v in event.data.items() if k.endswith(("_id", "_name"))
        ):
            return False
        if groups and not any(
            part in event.event_type for g in groups for part in _GROUPS.get(g, ())
        ):
            return False
        if any(values and event.data.get(k) not in values for k, values in wanted.items()):
            return False
        if users and event.actor.get("email") not in {emails.get(u) for u in users}:
            return False
        return not sources or event.source in sources

    return keep


class AuditRoutes:
    """The three audit-log routes over one list of events."""

    def __init__(self, events: list[Event], now_ms: Callable[[], int]) -> None:
        self.events = events
        self.now_ms = now_ms

    def answer(self, query: Query, field: str | None = None, value: str | None = None) -> Response:
        """The workspace's entries, or those whose event_data has `field` == `value`."""
        try:
            ask = _ask(query, self.now_ms())
        except ValueError as exc:
            return error_reply(400, str(exc))
        descending = ask.direction == "DESC"
        chosen = [
            e
            for e in self.events
            if ask.start_ms <= e.created_ms <= ask.end_ms
            and (field is None or e.data.get(field) == value)
            and ask.keep(e)
            and (ask.after is None or (e.key < ask.after if descending else e.key > ask.after))
        ]
        if descending:
            chosen.reverse()
        page, more = chosen[: ask.limit], len(chosen) > ask.limit
        cursor = None
        if more:
            t, i = page[-1].key
            cursor = encode_cursor({"v": 1, "d": ask.direction, "t": t, "i": i})
        pagination = {"has_more": more, "cursor": cursor}
        return json_reply(200, {"items": [e.to_api() for e in page], "pagination": pagination})
