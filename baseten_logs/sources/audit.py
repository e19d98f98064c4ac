"""Audit logs: who deployed, promoted, scaled or deleted what, and when.

Three routes answer the same shape (the SDK's ListAuditLogsResponse: `items` and a
`pagination` of `has_more` and an opaque `cursor`): the workspace's (`/v1/audit_logs`), a
model's (`/v1/models/{id}/audit_logs`) and a chain's (`/v1/chains/{id}/audit_logs`). A model or
a chain is named as for `get` and `chain` (an id or an exact name), found with their resolvers,
so the name cache and the error hints are theirs.

The endpoint takes the window in epoch milliseconds (`start_epoch_millis`,
`end_epoch_millis`), a page `limit` of 1 to 200 and a `direction` of DESC or ASC, in upper
case. It keeps the direction in its cursor; the window and filters are sent again with each
cursor all the same, since the SDK only promises that the direction is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from baseten_logs.api.client import ApiClient
from baseten_logs.base.errors import UsageError
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.chains import find_chain
from baseten_logs.sources.names import text_or_none
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.resolve import resolve_model

__all__ = [
    "MAX_PAGE",
    "AuditSource",
    "audit_params",
    "check_audit_input",
    "resolve_audit",
]

MAX_PAGE = 200  # the endpoint's largest `limit` (GetAuditLogsParams: 1..200)
DIRECTIONS = ("DESC", "ASC")


@dataclass(frozen=True)
class AuditSource:
    """Whose audit trail: its path, and a label for messages ("the workspace", a model...)."""

    path: str
    label: str


WORKSPACE = AuditSource(api_path("audit_logs"), "the workspace")


def check_audit_input(*, model: str | None, chain: str | None) -> None:
    """--model and --chain name one trail each: both at once is a question with no route."""
    if model is not None and chain is not None:
        raise UsageError(
            "--model/--chain",
            "one trail at a time: a model's or a chain's",
            hint="drop one; with neither, the whole workspace's trail",
        )
    for flag, value in (("--model", model), ("--chain", chain)):
        if value is not None and not value.strip():
            raise UsageError(flag, "is empty", hint=f"give a name or id, e.g. {flag} NAME")


def resolve_audit(
    client: ApiClient,
    *,
    model: str | None,
    chain: str | None,
    cache: Cache | None,
    team: str | None = None,
) -> AuditSource:
    """The trail asked for: a model's or a chain's (by name or id), else the workspace's."""
    if model is not None:
        ref = resolve_model(client, model, cache=cache, team=team)
        return AuditSource(api_path("models", ref.id, "audit_logs"), ref.label)
    if chain is not None:
        chain_id, name, _ = find_chain(client, chain, cache=cache)
        shown = text_or_none(name)
        label = f"chain {shown!r} ({chain_id})" if shown else f"chain {chain_id}"
        return AuditSource(api_path("chains", chain_id, "audit_logs"), label)
    return WORKSPACE


def audit_params(
    *, since_ms: int | None, until_ms: int | None, limit: int, direction: str
) -> list[tuple[str, str]]:
    """A page's parameters (without the cursor): the window, the page size, the order."""
    if direction not in DIRECTIONS:  # a programming error, never the user's
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    params = [("limit", str(max(1, min(limit, MAX_PAGE)))), ("direction", direction)]
    if since_ms is not None:
        params.append(("start_epoch_millis", str(since_ms)))
    if until_ms is not None:
        params.append(("end_epoch_millis", str(until_ms)))
    return params
