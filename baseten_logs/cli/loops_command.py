"""The `loops` command's signature: a Loops run's trainer logs, or its sampler's.

The body that finds the run and its deployment is `cli/loops.py` (imported once the input is
good); the plan step and the run are `log_commands`' (`plan_of`, `read_logs`), so `loops` reads
through the same pipeline as `get`. app.py registers it with `register(app)`.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import TYPE_CHECKING, Annotated

import typer

from baseten_logs.cli.help_text import EXIT_STATUSES, epilog, examples
from baseten_logs.cli.log_commands import plan_of, read_logs
from baseten_logs.cli.options import (
    AllLines,
    ApiKey,
    ApiUrl,
    Color,
    Component,
    Concurrency,
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
    Template,
    Timestamps,
    Tz,
    Until,
    UsageCommand,
    Utc,
    Verbatim,
    Verbose,
    complete_loops_run,
)
from baseten_logs.cli.plan import (
    credentials_of,
    name_cache,
)
from baseten_logs.cli.registry import Commands

if TYPE_CHECKING:
    from baseten_logs.reading.feed import Feed
    from baseten_logs.reading.query import LogQuery

_COMMANDS = Commands()
command = _COMMANDS.command
register = _COMMANDS.register


# --- loops: a Loops run's trainer or sampler --------------------------------------------------
LOOPS_EXAMPLES = examples(
    "baseten-logs loops grpo-math                        # the trainer's newest 500 lines",
    "baseten-logs loops rg5m2x8 --sampler --level error  # its sampler's (an inference deployment)",
    "baseten-logs loops grpo-math --grep 'reward|loss' -f   # follow until the run ends",
)


@command(
    cls=UsageCommand,
    epilog=epilog(LOOPS_EXAMPLES, EXIT_STATUSES),
    short_help="Print a Loops run's trainer logs, or its sampler's.",
)
def loops(
    ctx: typer.Context,
    run: Annotated[
        str,
        typer.Argument(
            metavar="RUN",
            help="The Loops run's id or name.",
            show_default=False,
            autocompletion=complete_loops_run,
        ),
    ],
    sampler: Annotated[
        bool,
        typer.Option(
            "--sampler",
            help="Its paired sampler's logs (an inference deployment) instead of its trainer's.",
        ),
    ] = False,
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
    """Print a Loops run's logs: its trainer's, or with --sampler its sampler's. The trainer's
    endpoint takes only the window and a level, so the filters run here, meaning exactly what
    they mean for get (-v says so). With no --since the window is the run's lifetime; -f stops
    once the run is no longer ACTIVE."""
    from baseten_logs.sources.loops import check_run_input

    plan = plan_of(ctx.params)
    check_run_input(run)
    credentials = credentials_of(api_key, api_url, remote)

    def sources() -> "tuple[Feed | None, LogQuery, bool]":
        from baseten_logs.cli.loops import loops_feed

        return loops_feed(
            run=run,
            sampler=sampler,
            query=plan.query(""),
            credentials=credentials,
            verbose=verbose,
            attempts=plan.attempts,
            since_given=since is not None,
            keep_until=until is not None or plan.follow is not None,
            look_back=plan.look_back,
            cache=name_cache(credentials, no_cache),
        )

    read_logs(ctx.params, plan, credentials, sources)
