"""The `request` command's signature: one inference request's lines from the last 7 days (with
--chain, across every chainlet), and the completion of its MODEL, DEPLOYMENT and --chainlet,
which change meaning with --chain.

The plan step is tool_plans.request_plan; the body is request.run_request, imported once the
input is good. app.py registers it with `register(app)`, after `view`.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

import os
import sys
from typing import Annotated

import typer

from baseten_logs.cli.defaults import chosen, color_of, prefix_of, zone_of
from baseten_logs.cli.help_text import EXIT_STATUSES, epilog, examples
from baseten_logs.cli.options import (
    WINDOW,
    ApiKey,
    ApiUrl,
    Color,
    Events,
    FailOn,
    MessageOnly,
    NoCache,
    NoColor,
    NoWrap,
    Prefix,
    Quiet,
    Remote,
    RequestOutput,
    Retries,
    Save,
    Summary,
    Team,
    Timestamps,
    Tz,
    Until,
    UsageCommand,
    Utc,
    Verbatim,
    Verbose,
    access,
    complete_deployment,
    complete_env,
    team_access,
)
from baseten_logs.cli.plan import (
    LayoutOptions,
    credentials_of,
    logs_source_of,
    name_cache,
    open_save,
)
from baseten_logs.cli.registry import Commands
from baseten_logs.cli.tool_plans import request_plan

_COMMANDS = Commands()
command = _COMMANDS.command
register = _COMMANDS.register


REQUEST_EXAMPLES = examples(
    "baseten-logs request 2f48e92de496d3fac1d82be4a5b2cd2c llama-3-8b",
    "baseten-logs request REQUEST_ID llama-3-8b --context 30s   # and the untagged lines around it",
    "baseten-logs request REQUEST_ID MODEL_ID DEPLOYMENT_ID --since 14d -o jsonl",
    "baseten-logs request REQUEST_ID --chain rag-pipeline --context 30s   # across every chainlet",
)


def _complete_request_model(ctx: typer.Context, incomplete: str) -> list[str]:
    """MODEL, or with --chain the chain's name."""
    from baseten_logs.completion.complete import complete_chains, complete_models, completion_params

    params = completion_params(ctx, needed="request_id")
    if params.get("chain"):
        return complete_chains(incomplete, access(params))
    return complete_models(incomplete, team_access(params))


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
    return complete_chainlets(params.get("model"), incomplete, access(params))


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
