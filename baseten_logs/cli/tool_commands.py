"""The commands beside the log readers: `stats` (a window's shape), `view` (saved logs),
`request` (one request's lines) and `demo`.

Their signatures only, with their examples and completion helpers: each body is a function of
its own module (stats.py, view.py, request.py, demo.py), imported when the command runs, so that
`--help` and completion import neither httpx nor the bodies. app.py adds them with
`register(app)` (after the log readers) and `register_demo(app, run)` (last in `--help`): this
module does not import the app.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

import os
import sys
from collections.abc import Callable
from typing import Annotated

import typer

from baseten_logs.base.errors import UsageError
from baseten_logs.cli.defaults import chosen, color_of, model_of, prefix_of, zone_of
from baseten_logs.cli.help_text import (
    EXIT_STATUSES,
    STATS_EXIT_STATUSES,
    VIEW_EXIT_STATUSES,
    epilog,
    examples,
)
from baseten_logs.cli.options import (
    FILTERS,
    OUTPUT,
    WINDOW,
    ApiKey,
    ApiUrl,
    Color,
    Component,
    Concurrency,
    Deployment,
    Env,
    Events,
    Exclude,
    FailOn,
    Grep,
    IgnoreCase,
    Include,
    Level,
    LogOutput,
    MaxRps,
    MessageOnly,
    Model,
    NoCache,
    NoColor,
    NoWrap,
    Prefix,
    Quiet,
    Remote,
    Replica,
    RequestId,
    RequestOutput,
    Retries,
    Reverse,
    Save,
    Since,
    Summary,
    Team,
    Template,
    Timestamps,
    Tz,
    Until,
    UsageCommand,
    Utc,
    Verbatim,
    Verbose,
    access,
    choices,
    complete_deployment,
    complete_env,
    team_access,
)
from baseten_logs.cli.plan import (
    LayoutOptions,
    credentials_of,
    filters_of,
    logs_source_of,
    name_cache,
    open_save,
)
from baseten_logs.cli.registry import Commands
from baseten_logs.cli.tool_plans import request_plan, stats_plan, view_plan

_COMMANDS = Commands()
command = _COMMANDS.command
register = _COMMANDS.register


STATS_EXAMPLES = examples(
    "baseten-logs stats llama-3-8b --since 6h",
    "baseten-logs stats --chain rag-pipeline --since 2h   # every chainlet of a chain",
    "baseten-logs stats llama-3-8b --since 1d --level warning",
    "baseten-logs stats MODEL_ID DEPLOYMENT_ID --since 2h -o json | jq .totals",
)
VIEW_EXAMPLES = examples(
    "baseten-logs get llama-3-8b --all --since 1h --save run.jsonl",
    "baseten-logs view run.jsonl --level error",
    "baseten-logs get llama-3-8b -f -o jsonl | baseten-logs view - --level warning",
)
REQUEST_EXAMPLES = examples(
    "baseten-logs request 2f48e92de496d3fac1d82be4a5b2cd2c llama-3-8b",
    "baseten-logs request REQUEST_ID llama-3-8b --context 30s   # and the untagged lines around it",
    "baseten-logs request REQUEST_ID MODEL_ID DEPLOYMENT_ID --since 14d -o jsonl",
    "baseten-logs request REQUEST_ID --chain rag-pipeline --context 30s   # across every chainlet",
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
    if chain and model is None:  # MODEL names a chain: the default model is none
        raise UsageError("MODEL", "is missing", hint="with --chain, name the chain")
    model = model_of(model)
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


@command(
    cls=UsageCommand,
    epilog=epilog(VIEW_EXAMPLES, VIEW_EXIT_STATUSES),
    short_help="Render saved logs offline, with get's filters and formats.",
)
def view(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="JSON lines (from --save or -o jsonl) or a JSON array; - for stdin.",
            show_default=False,
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="Only lines from then on (formats as in get).",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="WHEN", help="Only lines up to then.", rich_help_panel=WINDOW),
    ] = None,
    limit: Annotated[
        str | None,
        typer.Option(
            "-n",
            "--limit",
            "--tail",
            metavar="N",
            help="Only the last N matching lines of the file. Default: all.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    level: Level = None,
    replica: Replica = None,
    request_id: RequestId = None,
    component: Component = None,
    chainlet: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="Only lines of this chainlet, by the name chain labelled them with (repeatable).",
            rich_help_panel=FILTERS,
        ),
    ] = None,
    grep: Grep = None,
    ignore_case: IgnoreCase = False,
    include: Include = None,
    exclude: Exclude = None,
    output: LogOutput = "text",
    reverse: Reverse = False,
    color: Color = "auto",
    no_color: NoColor = False,
    tz: Tz = None,
    utc: Utc = False,
    prefix: Prefix = None,
    no_wrap: NoWrap = False,
    message_only: MessageOnly = False,
    verbatim: Verbatim = False,
    template: Template = None,
    timestamps: Timestamps = True,
    browse: Annotated[
        bool,
        typer.Option(
            "--browse",
            help="Show the lines full-screen, as browse does (keys to filter, search, open a "
            "line); --level and --grep set where its filter starts.",
        ),
    ] = False,
) -> None:
    """Render saved logs offline, with the same filters and formats as get; a chain's lines
    keep their chainlet column and request --context lines their (context) mark."""
    if browse:  # the file in browse's full-screen view, not printed (cli/view_browse.py)
        from baseten_logs.cli.view_browse import browse_saved

        browse_saved(locals())
    zone = zone_of(tz, utc)
    plan = view_plan(
        output=chosen("output", "output", output),
        color=color_of(color, no_color),
        zone=zone,
        limit=limit,
        filters=filters_of(
            level, replica, request_id, component, grep, include, exclude, ignore_case
        ),
        since=since,
        until=until,
        chainlet=chainlet,
        layout=LayoutOptions(prefix_of(prefix), no_wrap, message_only, verbatim, template),
    )
    from baseten_logs.cli.view import run_view  # rich and friends: only once input is good

    status = run_view(
        path=file,
        query_filters=plan.filters,
        since_ms=plan.since_ms,
        until_ms=plan.until_ms,
        limit=plan.count,
        output=plan.output,
        color=plan.color,
        zone=zone,
        reverse=reverse,
        chainlets=plan.chainlets,
        layout=plan.layout,
        timestamps=timestamps,
    )
    raise typer.Exit(int(status))


def _complete_request_model(ctx: typer.Context, incomplete: str) -> list[str]:
    """MODEL, or with --chain the chain's name."""
    from baseten_logs.completion.complete import complete_chains, complete_models, completion_params

    params = completion_params(ctx, needed="request_id")
    if params.get("chain"):
        return complete_chains(incomplete, **access(params))
    return complete_models(incomplete, **team_access(params))


def _complete_request_deployment(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import completion_params

    if completion_params(ctx, needed="request_id").get("chain"):
        return []  # chain deployments are ids, listed by `chain-deployments CHAIN`
    return complete_deployment(ctx, incomplete)


def _complete_request_chainlet(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_chainlets, completion_params

    params = completion_params(ctx)
    if not params.get("chain"):
        return []
    return complete_chainlets(params.get("model"), incomplete, **access(params))


@command(
    "request",
    cls=UsageCommand,
    epilog=epilog(REQUEST_EXAMPLES, EXIT_STATUSES),
    short_help="One request's lines from the last 7 days (no window needed).",
)
def request_(
    request_id: Annotated[
        str,
        typer.Argument(
            metavar="REQUEST_ID",
            help="The inference request's id, as a log line or the response shows it.",
            show_default=False,
        ),
    ],
    model: Annotated[
        str,
        typer.Argument(
            metavar="MODEL",
            help="The model's name or id (with --chain: the chain's).",
            show_default=False,
            autocompletion=_complete_request_model,
        ),
    ],
    deployment: Annotated[
        str | None,
        typer.Argument(
            metavar="DEPLOYMENT",
            help="A deployment's name or id (with --chain: a chain deployment's id), or "
            "production / development. Default: production.",
            show_default=False,
            autocompletion=_complete_request_deployment,
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            metavar="NAME",
            help="An environment's logs (every deployment that served it), not one deployment's; "
            "with --chain: the deployment it serves now.",
            show_default=False,
            autocompletion=complete_env,
        ),
    ] = None,
    chain: Annotated[
        bool,
        typer.Option(
            "--chain",
            help="MODEL names a chain and DEPLOYMENT a chain deployment: every chainlet searched, "
            "each line labelled with its chainlet.",
        ),
    ] = False,
    chainlet: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="With --chain: only this chainlet (name or id; repeatable).",
            show_default=False,
            autocompletion=_complete_request_chainlet,
        ),
    ] = None,
    team: Team = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="How far back to look (formats as in get). Default: 7 days before --until.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    until: Until = None,
    context: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="Add the untagged lines its replicas printed within DURATION (up to 1h) of "
            "it, marked as context.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    output: RequestOutput = "text",
    events: Events = False,
    color: Color = "auto",
    no_color: NoColor = False,
    tz: Tz = None,
    utc: Utc = False,
    prefix: Prefix = None,
    no_wrap: NoWrap = False,
    message_only: MessageOnly = False,
    verbatim: Verbatim = False,
    timestamps: Timestamps = True,
    fail_on: FailOn = None,
    save: Save = None,
    summary: Summary = False,
    quiet: Quiet = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    retries: Retries = "5",
    verbose: Verbose = False,
) -> None:
    """Every line of one inference request, in time order: no window needed (the last 7 days).
    With --chain, every chainlet of a chain deployment, each line labelled with its chainlet."""
    zone = zone_of(tz, utc)
    plan = request_plan(
        quiet=quiet,
        request_id=request_id,
        output=chosen("output", "output", output),
        color=color_of(color, no_color),
        zone=zone,
        fail_on=fail_on,
        context=context,
        retries=retries,
        since=since,
        until=until,
        chain=chain,
        chainlet=chainlet,
        team=team,
        model=model,
        deployment=deployment,
        env=env,
        layout=LayoutOptions(prefix_of(prefix), no_wrap, message_only, verbatim),
    )
    credentials = credentials_of(api_key, api_url, remote)
    sources = []
    if not chain:
        from baseten_logs.reading.request import RequestSource

        source = logs_source_of(  # no request yet, as for `get`
            credentials,
            model=model,
            deployment=deployment,
            env=env,
            no_cache=no_cache,
            verbose=verbose,
            team=team,
        )
        # Named as typed: that is where the user asked us to look.
        label = f"{model} / " + (f"environment {env}" if env else deployment or "production")
        sources.append(RequestSource(path=source.path, label=label, logs=source))
    save_file = open_save(save)
    from baseten_logs.cli.request import ChainScope, run_request
    from baseten_logs.output.terminal import is_terminal
    from baseten_logs.reading.outcome import Extras

    cache = name_cache(credentials, no_cache) if chain else None
    scope = ChainScope(model, deployment, env, plan.chainlets, cache=cache) if chain else None
    status = run_request(
        request_id=plan.request_id,
        sources=sources,
        chain=scope,
        since_ms=plan.since_ms,
        until_ms=plan.until_ms,
        context_ms=plan.context_ms,
        credentials=credentials,
        output=plan.output,
        color=plan.color,
        zone=zone,
        layout=plan.layout,
        timestamps=timestamps,
        header=not quiet and is_terminal(sys.stderr, os.environ),
        verbose=verbose,
        attempts=plan.attempts,
        extras=Extras(save_file=save_file, fail_on=plan.fail_on, summary=summary),
        events=events,
    )
    raise typer.Exit(int(status))


def register_demo(app: typer.Typer, run: Callable[[list[str]], int]) -> None:
    """Add `demo` to `app`: its steps go through `run`, the CLI's own entry, as a user's would."""

    @app.command(short_help="A real session against the built-in emulator, no account needed.")
    def demo(
        follow_seconds: Annotated[
            float, typer.Option(metavar="SECONDS", help="How long the follow step runs.", min=0)
        ] = 6.0,
    ) -> None:
        """Show a real session against the built-in emulator: no account needed."""
        from baseten_logs.cli.demo import run_demo

        raise typer.Exit(run_demo(follow_seconds=follow_seconds, run=run))
