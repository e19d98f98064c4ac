"""The `stats` command's signature: the shape of a window (levels over time, replicas, top
messages), of a deployment or, with --chain, of every chainlet of a chain.

The plan step is tool_plans.stats_plan; the body is stats.run_stats, imported once the input is
good, so that `--help` and completion import neither httpx nor the body. app.py registers it
with `register(app)`, after the log readers.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.base.errors import UsageError
from baseten_logs.cli.defaults import chosen, color_of, model_of, zone_of
from baseten_logs.cli.help_text import STATS_EXIT_STATUSES, epilog, examples
from baseten_logs.cli.options import (
    OUTPUT,
    ApiKey,
    ApiUrl,
    Color,
    Component,
    Concurrency,
    Deployment,
    Env,
    Exclude,
    Grep,
    IgnoreCase,
    Include,
    Level,
    MaxRps,
    Model,
    NoCache,
    NoColor,
    Remote,
    Replica,
    RequestId,
    Retries,
    Since,
    Team,
    Tz,
    Until,
    UsageCommand,
    Utc,
    Verbose,
    choices,
)
from baseten_logs.cli.plan import credentials_of, filters_of, logs_source_of, name_cache
from baseten_logs.cli.registry import Commands
from baseten_logs.cli.tool_plans import stats_plan

_COMMANDS = Commands()
command = _COMMANDS.command
register = _COMMANDS.register


STATS_EXAMPLES = examples(
    "baseten-logs stats llama-3-8b --since 6h",
    "baseten-logs stats --chain rag-pipeline --since 2h   # every chainlet of a chain",
    "baseten-logs stats llama-3-8b --since 1d --level warning",
    "baseten-logs stats MODEL_ID DEPLOYMENT_ID --since 2h -o json | jq .totals",
)


@command(
    cls=UsageCommand,
    epilog=epilog(STATS_EXAMPLES, STATS_EXIT_STATUSES),
    short_help="The shape of a window: levels over time, replicas, top lines.",
)
def stats(
    model: Model = None,
    deployment: Deployment = None,
    env: Env = None,
    team: Team = None,
    since: Since = None,
    until: Until = None,
    concurrency: Concurrency = "auto",
    level: Level = None,
    replica: Replica = None,
    request_id: RequestId = None,
    component: Component = None,
    grep: Grep = None,
    ignore_case: IgnoreCase = False,
    include: Include = None,
    exclude: Exclude = None,
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT",
            help="text (drawn on a terminal, JSON when piped) or json.",
            autocompletion=choices("text", "json"),
            rich_help_panel=OUTPUT,
        ),
    ] = "text",
    events: Annotated[
        bool,
        typer.Option(
            "--events",
            help='Count each replica\'s start-ups too (a "starts" column; "startups" in JSON).',
            rich_help_panel=OUTPUT,
        ),
    ] = False,
    color: Color = "auto",
    no_color: NoColor = False,
    tz: Tz = None,
    utc: Utc = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    retries: Retries = "5",
    max_rps: MaxRps = "100",
    verbose: Verbose = False,
    chain: Annotated[
        bool,
        typer.Option(
            "--chain",
            help="MODEL names a chain and DEPLOYMENT a chain deployment: every chainlet counted.",
        ),
    ] = False,
    chainlet: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME", help="With --chain: only this chainlet (repeatable)."),
    ] = None,
) -> None:
    """The shape of a window's logs: a histogram by level, replicas, top messages and errors."""
    if not chain:
        model = model_of(model)
    elif model is None:  # MODEL names a chain: the default model is none
        raise UsageError("MODEL", "is missing", hint="with --chain, name the chain")
    # else: the chain's name, checked as one by the plan (not as a model's, by model_of)
    zone = zone_of(tz, utc)
    plan = stats_plan(
        output=output,
        color=color_of(color, no_color),
        concurrency=concurrency,
        max_rps=chosen("max_rps", "max_rps", max_rps),
        zone=zone,
        retries=retries,
        filters=filters_of(
            level, replica, request_id, component, grep, include, exclude, ignore_case
        ),
        since=since,
        until=until,
        chain=chain,
        chainlet=chainlet,
        team=team,
        model=model,
        deployment=deployment,
        env=env,
    )
    if chain and events:  # the API keeps start-ups for models' deployments, not chainlets
        raise UsageError("--events", "chainlets have no start-ups to count", hint="drop --events")
    credentials = credentials_of(api_key, api_url, remote)
    if chain:
        from baseten_logs.cli.chain import chain_feed

        feed, target = chain_feed(
            chain=model,
            deployment=deployment,
            environment=env,
            chainlets=plan.chainlets,
            query=plan.query(""),
            credentials=credentials,
            verbose=verbose,
            attempts=plan.attempts,
            cache=name_cache(credentials, no_cache),
        )
        query, subject = feed.parts[0].query, f"chain {target.label}"
    else:
        source = logs_source_of(
            credentials,
            model=model,
            deployment=deployment,
            env=env,
            no_cache=no_cache,
            verbose=verbose,
            team=team,
        )
        feed, query, subject = None, plan.query(source.path, source=source), None
    from baseten_logs.cli.stats import run_stats  # httpx and friends: only once input is good

    status = run_stats(  # one call for both: every flag reaches a chain's counts too
        query=query,
        feed=feed,
        subject=subject,
        credentials=credentials,
        output=plan.output,
        color=plan.color,
        zone=zone,
        verbose=verbose,
        concurrency=plan.workers,
        max_rps=plan.rps,
        attempts=plan.attempts,
        events=events,
    )
    raise typer.Exit(int(status))
