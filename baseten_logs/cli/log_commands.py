"""The commands that read logs: `get`, `chain` and `training`.

Their signatures, and what they share written once: the plan step over their common flags
(`ctx.params`: the same names in all three, tests/test_shared_flags.py), and `read_logs`, which
prepares --save, calls the one runner (cli/get.run_get, which builds the run's pipeline) and turns
its status into the exit code. Each command adds only how its sources are found: a deployment
(get), a chain's chainlets (chain.py), a training job (training.py). app.py registers them with
`register(app)`; this module does not import the app. Start-up stays light: everything past typer
and the plan step is imported inside the commands, once the input is good.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from baseten_logs.cli.help_text import EXIT_STATUSES, epilog, examples
from baseten_logs.cli.options import (
    AllLines,
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
    Follow,
    Grep,
    IgnoreCase,
    Include,
    Level,
    Limit,
    LogOutput,
    MaxRps,
    MessageOnly,
    Model,
    NoCache,
    NoColor,
    NoWrap,
    Overlap,
    Prefix,
    Quiet,
    Remote,
    Replica,
    RequestId,
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
    complete_chain,
    complete_chainlet,
    complete_training_job,
    complete_training_project,
)
from baseten_logs.cli.plan import (
    LogPlan,
    credentials_of,
    filters_of,
    layout_options_of,
    log_plan,
    logs_source_of,
    name_cache,
    open_save,
)
from baseten_logs.cli.registry import Commands

if TYPE_CHECKING:
    from baseten_logs.access.config import Credentials
    from baseten_logs.reading.feed import Feed
    from baseten_logs.reading.query import LogQuery

_COMMANDS = Commands()
command = _COMMANDS.command
register = _COMMANDS.register  # get, chain, training, in this order (the order of `--help`)

# What a command reads, found once the input is good (maybe with requests: a chain's chainlets,
# a training job): the feed (None: the query's own source), the window, and whether an empty
# default window may widen (look_back.py).
Sources = Callable[[], "tuple[Feed | None, LogQuery, bool]"]


def plan_of(flags: Mapping[str, Any]) -> LogPlan:
    """The plan of get, chain and training alike, from the flags they share (ctx.params)."""
    from baseten_logs.cli.defaults import chosen, color_of, prefix_of, zone_of

    filters = (
        "level", "replica", "request_id", "component", "grep", "include", "exclude", "ignore_case"
    )  # fmt: skip
    return log_plan(
        quiet=flags["quiet"],
        output=chosen("output", "output", flags["output"]),
        color=color_of(flags["color"], flags["no_color"]),
        zone=zone_of(flags["tz"], flags["utc"]),
        all_lines=flags["all_lines"],
        limit=flags["limit"],
        follow=flags["follow"],
        reverse=flags["reverse"],
        since=flags["since"],
        until=flags["until"],
        overlap=flags["overlap"],
        fail_on=flags["fail_on"],
        concurrency=flags["concurrency"],
        max_rps=chosen("max_rps", "max_rps", flags["max_rps"]),
        retries=flags["retries"],
        filters=filters_of(*(flags[name] for name in filters)),
        layout=layout_options_of(flags, prefix=prefix_of(flags["prefix"])),
    )


def read_logs(
    flags: Mapping[str, Any], plan: LogPlan, credentials: "Credentials", sources: Sources
) -> NoReturn:
    """The shared end of the three: --save prepared (a bad path is bad input, found now), the
    sources found, the run, its status as the exit code."""
    save_file = open_save(flags["save"])
    from baseten_logs.cli.get import run_get  # httpx and friends: only once input is good
    from baseten_logs.reading.outcome import Extras

    try:
        feed, query, look_back = sources()
        status = run_get(
            query=query,
            feed=feed,
            credentials=credentials,
            output=plan.output,
            color=plan.color,
            layout=plan.layout,
            zone=plan.zone,
            timestamps=flags["timestamps"],
            reverse=flags["reverse"],
            verbose=flags["verbose"],
            follow=plan.follow,
            follow_until_ms=plan.follow_until_ms,
            look_back=look_back,
            concurrency=plan.workers,
            max_rps=plan.rps,
            attempts=plan.attempts,
            extras=Extras(save_file=save_file, fail_on=plan.fail_on, summary=flags["summary"]),
            events=flags.get("events", False),
        )
    finally:
        if save_file is not None:
            # A run that failed before reaching the lines (an unknown chain or job) leaves an
            # existing FILE as it was; after a run, finishing again changes nothing.
            save_file.finish(complete=False)
    raise typer.Exit(int(status))


GET_EXAMPLES = examples(
    "baseten-logs get llama-3-8b                          # newest 500 lines, production",
    "baseten-logs get llama-3-8b v3 --since 2h --level error -n 50",
    "baseten-logs get llama-3-8b -f --replica a1b2c       # follow one replica",
    "baseten-logs get MODEL_ID DEPLOYMENT_ID --all --since 1h -o jsonl | jq -r .message",
    "baseten-logs get llama-3-8b --since 15m -q --fail-on error   # in CI: exit 1 on errors",
)


@command(
    cls=UsageCommand,
    epilog=epilog(GET_EXAMPLES, EXIT_STATUSES),
    short_help="Print logs: the newest lines, a whole window, or follow them.",
)
def get(
    ctx: typer.Context,
    model: Model = None,
    deployment: Deployment = None,
    env: Env = None,
    team: Team = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = None,
    all_lines: AllLines = False,
    follow: Follow = False,
    concurrency: Concurrency = "auto",
    overlap: Overlap = "60s",
    level: Level = None,
    replica: Replica = None,
    request_id: RequestId = None,
    component: Component = None,
    grep: Grep = None,
    ignore_case: IgnoreCase = False,
    include: Include = None,
    exclude: Exclude = None,
    output: LogOutput = "text",
    reverse: Reverse = False,
    events: Events = False,
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
    fail_on: FailOn = None,
    save: Save = None,
    summary: Summary = False,
    quiet: Quiet = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    retries: Retries = "5",
    max_rps: MaxRps = "100",
    verbose: Verbose = False,
) -> None:
    """Print a deployment's logs: the newest lines of a window, or all of it, or follow it."""
    from baseten_logs.cli.defaults import model_of

    model = model_of(model)
    plan = plan_of(ctx.params)
    credentials = credentials_of(api_key, api_url, remote)
    # No request yet: names and ids are only checked here (the first logs request settles them).
    source = logs_source_of(
        credentials,
        model=model,
        deployment=deployment,
        env=env,
        no_cache=no_cache,
        verbose=verbose,
        team=team,
    )
    read_logs(
        ctx.params,
        plan,
        credentials,
        lambda: (None, plan.query(source.path, source=source), plan.look_back),
    )


CHAIN_EXAMPLES = examples(
    "baseten-logs chain rag-pipeline                     # newest 500 lines of every chainlet",
    "baseten-logs chain rag-pipeline --chainlet Generator --level error --since 2h",
    "baseten-logs chain rag-pipeline -f                  # follow every chainlet at once",
    "baseten-logs chain CHAIN_ID --all --since 1h -o jsonl | jq -r '.chainlet + \" \" + .message'",
)


@command(
    cls=UsageCommand,
    epilog=epilog(CHAIN_EXAMPLES, EXIT_STATUSES),
    short_help="Print a chain's logs: every chainlet, merged in time order.",
)
def chain(
    ctx: typer.Context,
    chain: Annotated[
        str,
        typer.Argument(
            metavar="CHAIN",
            help="The chain's name or id.",
            show_default=False,
            autocompletion=complete_chain,
        ),
    ],
    deployment: Annotated[
        str | None,
        typer.Argument(
            metavar="DEPLOYMENT",
            help="A chain deployment's id, or production / development. Default: production.",
            show_default=False,
        ),
    ] = None,
    chainlet: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="Only this chainlet (name or id; repeatable). Default: every chainlet.",
            show_default=False,
            autocompletion=complete_chainlet,
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            metavar="NAME",
            help="The deployment this environment serves now, instead of DEPLOYMENT.",
            show_default=False,
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = None,
    all_lines: AllLines = False,
    follow: Follow = False,
    concurrency: Concurrency = "auto",
    overlap: Overlap = "60s",
    level: Level = None,
    replica: Replica = None,
    request_id: RequestId = None,
    component: Component = None,
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
    fail_on: FailOn = None,
    save: Save = None,
    summary: Summary = False,
    quiet: Quiet = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    retries: Retries = "5",
    max_rps: MaxRps = "100",
    verbose: Verbose = False,
    no_cache: NoCache = False,
) -> None:
    """Print a chain's logs: every chainlet's lines merged in time order, each line labelled
    with its chainlet (a column in text, a "chainlet" field in -o jsonl / json). -n N is the
    newest N lines of the whole chain."""
    from baseten_logs.sources.chains import check_chain_input

    plan = plan_of(ctx.params)
    chainlets = chainlet or []
    check_chain_input(chain=chain, deployment=deployment, environment=env, chainlets=chainlets)
    credentials = credentials_of(api_key, api_url, remote)

    def sources() -> "tuple[Feed | None, LogQuery, bool]":
        from baseten_logs.cli.chain import chain_feed

        feed, _ = chain_feed(
            chain=chain,
            deployment=deployment,
            environment=env,
            chainlets=chainlets,
            query=plan.query(""),
            credentials=credentials,
            verbose=verbose,
            attempts=plan.attempts,
            cache=name_cache(credentials, no_cache),
        )
        return feed, feed.parts[0].query, plan.look_back

    read_logs(ctx.params, plan, credentials, sources)


TRAINING_EXAMPLES = examples(
    "baseten-logs training llama-finetune                # the latest job's newest 500 lines",
    "baseten-logs training llama-finetune lora-r16 --grep 'loss|OOM' --since 6h",
    "baseten-logs training llama-finetune -f             # follow until the job ends",
)


@command(
    cls=UsageCommand,
    epilog=epilog(TRAINING_EXAMPLES, EXIT_STATUSES),
    short_help="Print a training job's logs, with get's filters (applied locally).",
)
def training(
    ctx: typer.Context,
    project: Annotated[
        str,
        typer.Argument(
            metavar="PROJECT",
            help="The training project's name or id.",
            show_default=False,
            autocompletion=complete_training_project,
        ),
    ],
    job: Annotated[
        str | None,
        typer.Argument(
            metavar="JOB",
            help="A training job's id or name. Default: the project's newest job.",
            show_default=False,
            autocompletion=complete_training_job,
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = None,
    all_lines: AllLines = False,
    follow: Follow = False,
    concurrency: Concurrency = "auto",
    overlap: Overlap = "60s",
    level: Level = None,
    replica: Replica = None,
    request_id: RequestId = None,
    component: Component = None,
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
    fail_on: FailOn = None,
    save: Save = None,
    summary: Summary = False,
    quiet: Quiet = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    retries: Retries = "5",
    max_rps: MaxRps = "100",
    verbose: Verbose = False,
) -> None:
    """Print a training job's logs. Its endpoint takes only the window and a level, so the
    filters run here, meaning exactly what they mean for get (-v says so); -n N reads on until
    N lines matched. -f stops once the job has ended. With no --since the window is the job's
    lifetime: from its creation to its end (or now, while it runs)."""
    from baseten_logs.sources.training import check_training_input

    plan = plan_of(ctx.params)
    check_training_input(project=project, job=job)
    credentials = credentials_of(api_key, api_url, remote)

    def sources() -> "tuple[Feed | None, LogQuery, bool]":
        from baseten_logs.cli.training import training_feed

        return training_feed(
            project=project,
            job=job,
            query=plan.query(""),
            credentials=credentials,
            verbose=verbose,
            attempts=plan.attempts,
            follow=plan.follow,
            look_back=plan.look_back,
            since_given=since is not None,
            until_given=until is not None,
        )

    read_logs(ctx.params, plan, credentials, sources)
