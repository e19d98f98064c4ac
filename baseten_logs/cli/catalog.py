"""`baseten-logs models` and `baseten-logs deployments MODEL`: what there is to view.

A table on a terminal, JSON lines (the API's objects, unchanged) when piped or with `-o jsonl`.
Both listings also refresh the cache that shell completion offers names from.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO, cast

from baseten_logs.access.config import Credentials
from baseten_logs.base.errors import ExitStatus
from baseten_logs.output import messages
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.output.tables import Cell
from baseten_logs.output.terminal import ColorMode, is_terminal, terminal_width, use_color
from baseten_logs.reading.fetch import open_client
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.resolve import list_deployments, list_models, resolve_model

__all__ = ["LIST_FORMATS", "run_deployments", "run_models"]

# auto: a table on a terminal, JSON lines otherwise. `text` is accepted as another name for
# `table`, so `-o text` means the same in every command.
LIST_FORMATS = ("auto", "table", "text", "jsonl", "json")

MODEL_HEADERS = ("NAME", "ID", "TEAM", "DEPLOYMENTS", "PRODUCTION")
DEPLOYMENT_HEADERS = ("NAME", "ID", "STATUS", "REPLICAS", "ROLE", "CREATED (UTC)")
# Ids are never folded or cut: half an id cannot be copied. Other columns fold when narrow.
_NO_WRAP = ("ID", "PRODUCTION", "STATUS")  # one token each: folded, it reads as two

_STATUS_STYLES = {
    "ACTIVE": "green",
    "SCALED_TO_ZERO": "dim",
    "INACTIVE": "dim",
    "BUILD_STOPPED": "dim",
    "UNHEALTHY": "bold red",
    "FAILED": "bold red",
    "DEPLOY_FAILED": "bold red",
    "BUILD_FAILED": "bold red",
    "COMPLETED": "dim",  # training jobs' (their TRAINING_JOB_ prefix is not shown)
    "STOPPED": "dim",
}
_IN_PROGRESS_STYLE = "yellow"  # BUILDING, DEPLOYING, LOADING_MODEL, UPDATING, WAKING_UP, ...


def run_models(
    *,
    credentials: Credentials,
    output: str = "auto",  # one of LIST_FORMATS, already checked
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
            _text(m.get("name")),
            _text(m.get("id")),
            _text(m.get("team_name")),
            _text(m.get("deployments_count")),
            _text(m.get("production_deployment_id")),
        ]
        for m in models
    ]
    _emit(
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
            _text(d.get("name")),
            _text(d.get("id")),
            _status(d.get("status")),
            _text(d.get("active_replica_count")),
            _role(d),
            _created(d.get("created_at")),
        ]
        for d in deployments
    ]
    _emit(
        deployments,
        DEPLOYMENT_HEADERS,
        rows,
        output=output,
        color=color,
        empty=f"{ref.label} has no deployments",
    )
    return ExitStatus.OK


def _emit(
    objects: Sequence[Mapping[str, Any]],
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Cell]],
    *,
    output: str,
    color: str,
    empty: str,
    stream: TextIO | None = None,
) -> None:
    out = sys.stdout if stream is None else stream
    if output == "auto":
        output = "table" if is_terminal(out, os.environ) else "jsonl"
    with stdout_guard():
        if output == "jsonl":
            out.write("".join(_json(o) + "\n" for o in objects))
        elif output == "json":
            out.write("[" + ",\n".join(_json(o) for o in objects) + "]\n")
        elif not objects:
            messages.info(empty)  # stderr: stdout stays empty, as a filter's output would
        else:
            from baseten_logs.output.tables import write_table

            write_table(
                out,
                headers=headers,
                rows=rows,
                color=use_color(cast(ColorMode, color), out, os.environ),
                width=terminal_width(),
                no_wrap=_NO_WRAP,
            )
        out.flush()


def _json(value: Mapping[str, Any]) -> str:
    # The separators of the logs' JSON output, so one jq habit serves both.
    return json.dumps(value, separators=(",", ":"))


def _text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    return str(value)


def _status(value: Any) -> Cell:
    status = _text(value)
    return Cell(status, _STATUS_STYLES.get(status, _IN_PROGRESS_STYLE if value else ""))


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


def _created(value: Any) -> str:
    """`2026-11-27 10:00` from the API's ISO 8601 UTC time; anything else as it came."""
    if isinstance(value, str) and len(value) >= 16 and value[10] == "T":
        return value[:10] + " " + value[11:16]
    return _text(value)
