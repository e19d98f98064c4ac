"""What every listing shares (models, deployments, chains, chainlets, training projects and
jobs): how a field becomes a table cell, and how the rows reach stdout.

A table on a terminal, JSON lines (the API's objects, unchanged) when piped or with `-o jsonl`,
one JSON array with `-o json`. catalog.py and listings.py build their rows with these, so that
every listing reads, colours and pipes alike.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TextIO, cast

from baseten_logs.base.timeparse import Zone
from baseten_logs.output import messages
from baseten_logs.output.pipes import stdout_guard
from baseten_logs.output.render_json import json_text
from baseten_logs.output.tables import Cell
from baseten_logs.output.terminal import ColorMode, is_terminal, terminal_width, use_color

__all__ = [
    "LIST_FORMATS",
    "cell_text",
    "emit_rows",
    "short_time",
    "status_cell",
    "zoned_headers",
]

# auto: a table on a terminal, JSON lines otherwise. `text` is accepted as another name for
# `table`, so `-o text` means the same in every command.
LIST_FORMATS = ("auto", "table", "text", "jsonl", "json")

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


def emit_rows(
    objects: Sequence[Mapping[str, Any]],
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Cell]],
    *,
    output: str,
    color: str,
    empty: str,
    stream: TextIO | None = None,
) -> None:
    """Write a listing: `rows` as a table, or `objects` (the API's, unchanged) as JSON."""
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
    # The logs' JSON output's encoder, so one jq habit serves both (and it is always valid JSON).
    return json_text(value)


def cell_text(value: Any) -> str:
    """A field as a cell: `-` for a missing or empty one, so a column never looks shifted."""
    if value is None or value == "":
        return "-"
    return str(value)


def status_cell(value: Any) -> Cell:
    """A status, coloured by what it means (green active, red failed, yellow on its way)."""
    status = cell_text(value)
    return Cell(status, _STATUS_STYLES.get(status, _IN_PROGRESS_STYLE if value else ""))


def short_time(value: Any, zone: Zone | None = None) -> str:
    """`2026-11-27 10:00` from the API's ISO 8601 UTC time, in UTC or in `zone` (--tz);
    anything else as it came."""
    if not (isinstance(value, str) and len(value) >= 16 and value[10] == "T"):
        return cell_text(value)
    if zone is not None and not zone.is_utc:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
            return aware.astimezone(zone.tz).strftime("%Y-%m-%d %H:%M")
    return value[:10] + " " + value[11:16]


def zoned_headers(headers: Sequence[str], zone: Zone | None) -> tuple[str, ...]:
    """`CREATED (UTC)` as `CREATED (Europe/Paris)` when a zone was chosen: a header names the
    zone its column is in, as every time shown says its own."""
    name = "UTC" if zone is None or zone.is_utc else zone.name
    return tuple(header.replace("(UTC)", f"({name})") for header in headers)
