"""`baseten-logs models` and `baseten-logs deployments MODEL`: what there is to view.

A table on a terminal, JSON lines (the API's objects, unchanged) when piped or with `-o jsonl`
(listing_rows.py draws them, as every listing).
Both listings also refresh the cache that shell completion offers names from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from baseten_logs.access.config import Credentials
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import Zone
from baseten_logs.cli.listing_rows import (
    cell_text,
    emit_rows,
    short_time,
    status_cell,
    zoned_headers,
)
from baseten_logs.output import messages
from baseten_logs.output.tables import Cell
from baseten_logs.reading.fetch import open_client
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.resolve import list_deployments, list_models, resolve_model

__all__ = ["run_deployments", "run_models"]

MODEL_HEADERS = ("NAME", "ID", "TEAM", "DEPLOYMENTS", "PRODUCTION")
DEPLOYMENT_HEADERS = ("NAME", "ID", "STATUS", "REPLICAS", "ROLE", "CREATED (UTC)")


def run_models(
    *,
    credentials: Credentials,
    output: str = "auto",  # one of listing_rows.LIST_FORMATS, already checked
    color: str = "auto",  # one of query.COLOR_MODES, already checked
    verbose: bool = False,
    cache: Cache | None = None,
) -> ExitStatus:
    log = messages.info if verbose else None
    with open_client(credentials, log=log) as client:
        models = list_models(client, cache=cache)
    models.sort(key=lambda m: (str(m.get("name")), str(m.get("team_name")), str(m.get("id"))))
    rows = [
        [
            cell_text(m.get("name")),
            cell_text(m.get("id")),
            cell_text(m.get("team_name")),
            cell_text(m.get("deployments_count")),
            cell_text(m.get("production_deployment_id")),
        ]
        for m in models
    ]
    emit_rows(
        models, MODEL_HEADERS, rows, output=output, color=color, empty="this API key sees no models"
    )
    return ExitStatus.OK


def run_deployments(
    *,
    credentials: Credentials,
    model: str,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
    team: str | None = None,
) -> ExitStatus:
    log = messages.info if verbose else None
    with open_client(credentials, log=log) as client:
        ref = resolve_model(client, model, cache=cache, team=team)
        deployments = list_deployments(client, ref, cache=cache)
    # Newest first: the deployment one is looking for is usually the latest.
    deployments.sort(key=lambda d: str(d.get("created_at") or ""), reverse=True)
    rows: list[list[str | Cell]] = [
        [
            cell_text(d.get("name")),
            cell_text(d.get("id")),
            status_cell(d.get("status")),
            cell_text(d.get("active_replica_count")),
            _role(d),
            short_time(d.get("created_at"), zone),
        ]
        for d in deployments
    ]
    emit_rows(
        deployments,
        zoned_headers(DEPLOYMENT_HEADERS, zone),
        rows,
        output=output,
        color=color,
        empty=f"{ref.label} has no deployments",
    )
    return ExitStatus.OK


def _role(deployment: Mapping[str, Any]) -> str:
    """The environment it serves, else `development` or `production` (aliases `get` accepts)."""
    environment = deployment.get("environment")
    if isinstance(environment, str) and environment:
        return environment
    if deployment.get("is_production") is True:
        return "production"
    if deployment.get("is_development") is True:
        return "development"
    return "-"
