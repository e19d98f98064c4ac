"""The plan step of `stats`, `view` and `request` (stats_command.py, view_command.py,
request_command.py): their flags, each checked by its one parser (plan.py's, reading/'s),
turned into a plan the signature hands on whole.

A value parsed in the signature and then forgotten in one branch (`stats --chain --max-rps 3`
once ran at 100 requests/s) cannot happen when the body receives the plan's fields only. Bad
input ends here with a UsageError naming the flag (exit 2), before any request is sent; each
parser is imported when its command runs, so `--help` pays for none of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from baseten_logs.base.errors import UsageError
from baseten_logs.cli.plan import LayoutOptions, attempts_of, layout_of, max_rps_of, workers_of
from baseten_logs.output import messages

if TYPE_CHECKING:
    from baseten_logs.base.timeparse import Zone
    from baseten_logs.output.layout import LayoutFlags
    from baseten_logs.reading.query import Filters, LogQuery
    from baseten_logs.sources.source import LogsSource


# `request` takes every format but -o template (it has no --template).
REQUEST_FORMATS = ("text", "jsonl", "json", "raw", "github")


def formats_of(
    output: str, color: str, *, outputs: tuple[str, ...] | None = None
) -> tuple[str, str]:
    """--output (one of `outputs`, default the renderer's formats) and --color, checked."""
    from baseten_logs.output.render import OUTPUT_FORMATS
    from baseten_logs.reading.query import COLOR_MODES, parse_choice

    output_format = parse_choice(output, flag="--output", choices=outputs or OUTPUT_FORMATS)
    return output_format, parse_choice(color, flag="--color", choices=COLOR_MODES)


def check_chain_flags(
    *,
    chain: bool,
    chainlets: list[str],
    team: str | None,
    model: str,
    deployment: str | None,
    env: str | None,
    chainlet_hint: str,
) -> None:
    """--chain's companions (stats, request): --chainlet needs it, --team cannot go with it,
    and MODEL / DEPLOYMENT / --env / --chainlet must be able to name a chain's parts."""
    if chainlets and not chain:
        raise UsageError("--chainlet", "needs --chain", hint=chainlet_hint)
    if chain and team is not None:
        raise UsageError("--team", "cannot be combined with --chain", hint="drop --team")
    if chain:
        from baseten_logs.sources.chains import check_chain_input

        check_chain_input(chain=model, deployment=deployment, environment=env, chainlets=chainlets)


@dataclass(frozen=True)
class StatsPlan:
    """What `stats` was asked for, every flag checked, nothing sent."""

    output: str
    color: str
    workers: int | Literal["auto"]
    rps: float
    attempts: int
    filters: Filters
    since_ms: int
    until_ms: int
    chainlets: list[str]

    def query(self, path: str, *, source: LogsSource | None = None) -> LogQuery:
        """The whole window: stats counts every line, so no limit."""
        from baseten_logs.reading.query import LogQuery

        return LogQuery(
            path=path,
            since_ms=self.since_ms,
            until_ms=self.until_ms,
            filters=self.filters,
            limit=None,
            source=source,
        )


def stats_plan(
    *,
    output: str,
    color: str,
    concurrency: str,
    max_rps: str,
    retries: str,
    filters: Filters,
    since: str | None,
    until: str | None,
    chain: bool,
    chainlet: list[str] | None,
    team: str | None,
    model: str,
    deployment: str | None,
    env: str | None,
    zone: Zone | None = None,
) -> StatsPlan:
    """The checks of `stats`' flags, before anything is sent."""
    from baseten_logs.reading.query import resolve_window

    output_format, color_mode = formats_of(output, color, outputs=("text", "json"))
    workers = workers_of(concurrency)
    rps = max_rps_of(max_rps)
    attempts = attempts_of(retries)
    since_ms, until_ms = resolve_window(since=since, until=until, zone=zone)
    chainlets = chainlet or []
    check_chain_flags(
        chain=chain,
        chainlets=chainlets,
        team=team,
        model=model,
        deployment=deployment,
        env=env,
        chainlet_hint="add --chain",
    )
    return StatsPlan(
        output=output_format,
        color=color_mode,
        workers=workers,
        rps=rps,
        attempts=attempts,
        filters=filters,
        since_ms=since_ms,
        until_ms=until_ms,
        chainlets=chainlets,
    )


@dataclass(frozen=True)
class ViewPlan:
    """What `view` was asked for: a saved file needs no window, so either end may be open."""

    output: str
    color: str
    count: int | None
    filters: Filters
    since_ms: int | None
    until_ms: int | None
    chainlets: tuple[str, ...]
    layout: LayoutFlags | None = None


def view_plan(
    *,
    output: str,
    color: str,
    limit: str | None,
    filters: Filters,
    since: str | None,
    until: str | None,
    chainlet: list[str] | None,
    layout: LayoutOptions | None = None,
    zone: Zone | None = None,
) -> ViewPlan:
    """The checks of `view`'s flags, before the file is opened."""
    from baseten_logs.base.timeparse import LOCAL, parse_when
    from baseten_logs.reading.query import parse_count

    output_format, color_mode = formats_of(output, color)
    output_format, layout_flags = layout_of(output_format, layout or LayoutOptions())
    count = None if limit is None else parse_count(limit, flag="-n/--limit")
    now_ms = int(time.time() * 1000)
    where = LOCAL if zone is None else zone
    since_ms = (
        None if since is None else parse_when(since, flag="--since", now_ms=now_ms, zone=where)
    )
    until_ms = (
        None
        if until is None
        else parse_when(until, flag="--until", now_ms=now_ms, relative_to_ms=since_ms, zone=where)
    )
    if since_ms is not None and until_ms is not None and until_ms < since_ms:
        raise UsageError("--until", "is before --since", hint="swap them")
    return ViewPlan(
        output=output_format,
        color=color_mode,
        count=count,
        filters=filters,
        since_ms=since_ms,
        until_ms=until_ms,
        chainlets=_saved_chainlets(chainlet),
        layout=layout_flags,
    )


def _saved_chainlets(names: list[str] | None) -> tuple[str, ...]:
    """view --chainlet: names as `chain` labels lines (never empty: no line has an empty one)."""
    for name in names or ():
        if not name.strip():
            raise UsageError("--chainlet", "is empty", hint="give a chainlet's name")
    return tuple(names or ())


@dataclass(frozen=True)
class RequestPlan:
    """What `request` was asked for, every flag checked, nothing sent."""

    request_id: str
    output: str
    color: str
    fail_on: str | None
    context_ms: int | None
    attempts: int
    since_ms: int
    until_ms: int
    chainlets: list[str]
    layout: LayoutFlags | None = None  # --prefix, --no-wrap, --message-only, --verbatim


def request_plan(
    *,
    quiet: bool,
    request_id: str,
    output: str,
    color: str,
    fail_on: str | None,
    context: str | None,
    retries: str,
    since: str | None,
    until: str | None,
    chain: bool,
    chainlet: list[str] | None,
    team: str | None,
    model: str,
    deployment: str | None,
    env: str | None,
    zone: Zone | None = None,
    layout: LayoutOptions | None = None,
) -> RequestPlan:
    """The checks of `request`'s flags, before anything is sent."""
    from baseten_logs.reading.query import parse_fail_on
    from baseten_logs.reading.request import check_request_id, parse_context, request_window

    messages.set_quiet(quiet)
    request_id = check_request_id(request_id)
    output_format, color_mode = formats_of(output, color, outputs=REQUEST_FORMATS)
    # get's layout flags, checked by get's own check (request takes no --template).
    output_format, layout_flags = layout_of(output_format, layout or LayoutOptions())
    failing_level = parse_fail_on(fail_on)
    context_ms = parse_context(context)
    attempts = attempts_of(retries)
    since_ms, until_ms = request_window(since=since, until=until, zone=zone)
    chainlets = chainlet or []
    check_chain_flags(
        chain=chain,
        chainlets=chainlets,
        team=team,
        model=model,
        deployment=deployment,
        env=env,
        chainlet_hint="add --chain; MODEL then names the chain",
    )
    return RequestPlan(
        request_id=request_id,
        output=output_format,
        color=color_mode,
        fail_on=failing_level,
        context_ms=context_ms,
        attempts=attempts,
        since_ms=since_ms,
        until_ms=until_ms,
        chainlets=chainlets,
        layout=layout_flags,
    )
