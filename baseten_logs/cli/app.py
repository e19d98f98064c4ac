"""The Typer app: its top-level flags, the log readers' signatures (get, chain, training), the
other commands registered from their modules (tool_commands.py, listing_commands.py), and
`run`, the CLI's entry (entry.py maps errors to exit statuses).

Start-up matters (`--help` and completion run often), so this module imports only typer and
our own light modules; httpx and rich are imported inside the commands that need them.
Flags shared by several commands are declared once, as Annotated aliases, in options.py.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.base.version import __version__
from baseten_logs.cli import listing_commands, tool_commands
from baseten_logs.cli.entry import run_app
from baseten_logs.cli.help_text import EXIT_STATUSES
from baseten_logs.cli.help_text import epilog as _epilog  # as get, chain and training use it
from baseten_logs.cli.help_text import examples as _examples
from baseten_logs.cli.options import (
    PROFILE_HELP,
    AllLines,
    ApiKey,
    ApiUrl,
    Color,
    Component,
    Concurrency,
    Deployment,
    Env,
    Exclude,
    FailOn,
    Follow,
    Grep,
    Include,
    Level,
    Limit,
    LogOutput,
    MaxRps,
    Model,
    NoCache,
    Overlap,
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
    Until,
    UsageCommand,
    Utc,
    Verbose,
    choices,
    complete_chain,
    complete_chainlet,
    complete_profile,
    complete_training_job,
    complete_training_project,
    remember_profile,
)
from baseten_logs.cli.plan import (
    credentials_of,
    filters_of,
    log_plan,
    logs_source_of,
    name_cache,
    open_save,
)

TOP_EXAMPLES = _examples(
    "baseten-logs get llama-3-8b                 # the newest 500 lines of production",
    "baseten-logs get llama-3-8b -f              # then follow (Ctrl-C stops)",
    "baseten-logs stats llama-3-8b --since 6h    # the shape of the last 6 hours",
    "baseten-logs demo                           # try it all without an account",
)
GET_EXAMPLES = _examples(
    "baseten-logs get llama-3-8b                          # newest 500 lines, production",
    "baseten-logs get llama-3-8b v3 --since 2h --level error -n 50",
    "baseten-logs get llama-3-8b -f --replica a1b2c       # follow one replica",
    "baseten-logs get MODEL_ID DEPLOYMENT_ID --all --since 1h -o jsonl | jq -r .message",
    "baseten-logs get llama-3-8b --since 15m -q --fail-on error   # in CI: exit 1 on errors",
)


app = typer.Typer(
    name="baseten-logs",
    help="Fast, scriptable logs for model deployments on Baseten.",
    epilog=_epilog(TOP_EXAMPLES, EXIT_STATUSES),
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,  # typer's scripts evaluate names as code: ours are below
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"baseten-logs {__version__}")
        raise typer.Exit()


SHELL_NAMES = ("bash", "zsh", "fish", "powershell")


def _install_completion(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:  # resilient: a shell completing this very flag
        return
    from baseten_logs.completion.completion_scripts import install, shell_name

    shell = shell_name("--install-completion", value)
    path = install(shell)
    typer.echo(f"{shell} completion installed in {path}; it takes effect in new shells")
    raise typer.Exit()


def _show_completion(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from baseten_logs.completion.completion_scripts import script, shell_name

    typer.echo(script(shell_name("--show-completion", value)), nl=False)
    raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
    install_completion: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="[SHELL]",
            help="Install completion for SHELL (bash, zsh, fish, powershell), else this shell.",
            callback=_install_completion,
            is_eager=True,
            expose_value=False,
            autocompletion=choices(*SHELL_NAMES),
        ),
    ] = None,
    show_completion: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="[SHELL]",
            help="Print the completion script for SHELL, else this shell (what install writes).",
            callback=_show_completion,
            is_eager=True,
            expose_value=False,
            autocompletion=choices(*SHELL_NAMES),
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help=PROFILE_HELP,
            callback=remember_profile,  # passed on to every command in the run's context
            expose_value=False,
            autocompletion=complete_profile,
        ),
    ] = None,
) -> None:
    """Fast, scriptable logs for model deployments on Baseten."""


# --- Commands -------------------------------------------------------------------------------
@app.command(
    cls=UsageCommand,
    epilog=_epilog(GET_EXAMPLES, EXIT_STATUSES),
    short_help="Print logs: the newest lines, a whole window, or follow them.",
)
def get(
    model: Model,
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
    include: Include = None,
    exclude: Exclude = None,
    output: LogOutput = "text",
    reverse: Reverse = False,
    color: Color = "auto",
    utc: Utc = False,
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
    plan = log_plan(
        quiet=quiet,
        output=output,
        color=color,
        all_lines=all_lines,
        limit=limit,
        follow=follow,
        reverse=reverse,
        since=since,
        until=until,
        overlap=overlap,
        fail_on=fail_on,
        concurrency=concurrency,
        max_rps=max_rps,
        retries=retries,
        filters=filters_of(level, replica, request_id, component, grep, include, exclude),
    )
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
    save_file = open_save(save)  # a bad path is bad input, found now
    from baseten_logs.cli.get import Extras, run_get  # httpx and friends: only once input is good

    status = run_get(
        query=plan.query(source.path, source=source),
        credentials=credentials,
        output=plan.output,
        color=plan.color,
        utc=utc,
        reverse=reverse,
        verbose=verbose,
        follow=plan.follow,
        follow_until_ms=plan.follow_until_ms,
        look_back=plan.look_back,
        concurrency=plan.workers,
        max_rps=plan.rps,
        attempts=plan.attempts,
        extras=Extras(save_file=save_file, fail_on=plan.fail_on, summary=summary),
    )
    raise typer.Exit(int(status))


CHAIN_EXAMPLES = _examples(
    "baseten-logs chain rag-pipeline                     # newest 500 lines of every chainlet",
    "baseten-logs chain rag-pipeline --chainlet Generator --level error --since 2h",
    "baseten-logs chain rag-pipeline -f                  # follow every chainlet at once",
    "baseten-logs chain CHAIN_ID --all --since 1h -o jsonl | jq -r '.chainlet + \" \" + .message'",
)


@app.command(
    cls=UsageCommand,
    epilog=_epilog(CHAIN_EXAMPLES, EXIT_STATUSES),
    short_help="Print a chain's logs: every chainlet, merged in time order.",
)
def chain(
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
    include: Include = None,
    exclude: Exclude = None,
    output: LogOutput = "text",
    reverse: Reverse = False,
    color: Color = "auto",
    utc: Utc = False,
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

    plan = log_plan(
        quiet=quiet,
        output=output,
        color=color,
        all_lines=all_lines,
        limit=limit,
        follow=follow,
        reverse=reverse,
        since=since,
        until=until,
        overlap=overlap,
        fail_on=fail_on,
        concurrency=concurrency,
        max_rps=max_rps,
        retries=retries,
        filters=filters_of(level, replica, request_id, component, grep, include, exclude),
    )
    chainlets = chainlet or []
    check_chain_input(chain=chain, deployment=deployment, environment=env, chainlets=chainlets)
    credentials = credentials_of(api_key, api_url, remote)
    save_file = open_save(save)
    from baseten_logs.cli.chain import run_chain  # httpx and friends: only once input is good
    from baseten_logs.cli.get import Extras

    try:
        status = run_chain(
            chain=chain,
            deployment=deployment,
            environment=env,
            chainlets=chainlets,
            query=plan.query(""),
            credentials=credentials,
            verbose=verbose,
            attempts=plan.attempts,
            cache=name_cache(credentials, no_cache),
            output=plan.output,
            color=plan.color,
            utc=utc,
            reverse=reverse,
            follow=plan.follow,
            follow_until_ms=plan.follow_until_ms,
            look_back=plan.look_back,
            concurrency=plan.workers,
            max_rps=plan.rps,
            extras=Extras(save_file=save_file, fail_on=plan.fail_on, summary=summary),
        )
    finally:
        if save_file is not None:
            # A run that failed before reaching the lines (an unknown chain or job) leaves an
            # existing FILE as it was; after a run, finishing again changes nothing.
            save_file.finish(complete=False)
    raise typer.Exit(int(status))


TRAINING_EXAMPLES = _examples(
    "baseten-logs training llama-finetune                # the latest job's newest 500 lines",
    "baseten-logs training llama-finetune lora-r16 --grep 'loss|OOM' --since 6h",
    "baseten-logs training llama-finetune -f             # follow until the job ends",
)


@app.command(
    cls=UsageCommand,
    epilog=_epilog(TRAINING_EXAMPLES, EXIT_STATUSES),
    short_help="Print a training job's logs, with get's filters (applied locally).",
)
def training(
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
    include: Include = None,
    exclude: Exclude = None,
    output: LogOutput = "text",
    reverse: Reverse = False,
    color: Color = "auto",
    utc: Utc = False,
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

    plan = log_plan(
        quiet=quiet,
        output=output,
        color=color,
        all_lines=all_lines,
        limit=limit,
        follow=follow,
        reverse=reverse,
        since=since,
        until=until,
        overlap=overlap,
        fail_on=fail_on,
        concurrency=concurrency,
        max_rps=max_rps,
        retries=retries,
        filters=filters_of(level, replica, request_id, component, grep, include, exclude),
    )
    check_training_input(project=project, job=job)
    credentials = credentials_of(api_key, api_url, remote)
    save_file = open_save(save)
    from baseten_logs.cli.get import Extras
    from baseten_logs.cli.training import run_training  # httpx and friends: only once input is good

    try:
        status = run_training(
            project=project,
            job=job,
            query=plan.query(""),
            credentials=credentials,
            verbose=verbose,
            attempts=plan.attempts,
            output=plan.output,
            color=plan.color,
            utc=utc,
            reverse=reverse,
            follow=plan.follow,
            follow_until_ms=plan.follow_until_ms,
            look_back=plan.look_back,
            since_given=since is not None,
            until_given=until is not None,
            concurrency=plan.workers,
            max_rps=plan.rps,
            extras=Extras(save_file=save_file, fail_on=plan.fail_on, summary=summary),
        )
    finally:
        if save_file is not None:
            # A run that failed before reaching the lines (an unknown chain or job) leaves an
            # existing FILE as it was; after a run, finishing again changes nothing.
            save_file.finish(complete=False)
    raise typer.Exit(int(status))


tool_commands.register(app)  # stats, view, request: after the log readers, as `--help` lists them
listing_commands.register(app)  # after `request`


def run(argv: list[str]) -> int:
    """Run the CLI and return the exit status (entry.py turns every error into one)."""
    return run_app(app, argv)


tool_commands.register_demo(app, run)  # last in `--help`
