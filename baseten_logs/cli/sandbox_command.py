"""The `sandbox` command's signature: a sandbox's logs, or its image's build logs.

The body that finds the sandbox and its cursor-paged reader is `cli/sandbox.py` (imported once
the input is good); the plan step and the run are `log_commands`' (`plan_of`, `read_logs`), so
`sandbox` reads through the same pipeline as `get`. app.py registers it with `register(app)`.
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
    NoColor,
    NoWrap,
    Overlap,
    Prefix,
    Quiet,
    Remote,
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
    complete_sandbox,
)
from baseten_logs.cli.plan import (
    credentials_of,
)
from baseten_logs.cli.registry import Commands

if TYPE_CHECKING:
    from baseten_logs.reading.feed import Feed
    from baseten_logs.reading.query import LogQuery

_COMMANDS = Commands()
command = _COMMANDS.command
register = _COMMANDS.register


# --- sandbox ----------------------------------------------------------------------------------

SANDBOX_EXAMPLES = examples(
    "baseten-logs sandbox agent-sbx-7f3k                 # its newest 500 lines",
    "baseten-logs sandbox agent-sbx-7f3k --level error --since 2h",
    "baseten-logs sandbox agent-sbx-7f3k --trace-id TRACE_ID -o jsonl  # one command's lines",
    "baseten-logs sandbox agent-sbx-7f3k --build         # its image's build logs",
    "baseten-logs sandbox agent-sbx-7f3k -f              # follow until it ends",
)
# The shared flags the sandbox endpoints have no use for (no replicas, request ids or
# components; cursor pages are read one after another), as the plan step takes them.
_SANDBOX_UNUSED = {"replica": None, "request_id": None, "component": None, "concurrency": "1"}


@command(
    cls=UsageCommand,
    epilog=epilog(SANDBOX_EXAMPLES, EXIT_STATUSES),
    short_help="Print a sandbox's logs, or its image's build logs.",
)
def sandbox(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="The sandbox's name.",
            show_default=False,
            autocompletion=complete_sandbox,
        ),
    ],
    build: Annotated[
        bool,
        typer.Option("--build", help="Its image's build logs instead of the sandbox's."),
    ] = False,
    trace_id: Annotated[
        str | None,
        typer.Option(
            "--trace-id",
            metavar="ID",
            help="Only the lines of this trace (one command's), as -o jsonl's trace_id shows.",
            show_default=False,
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = None,
    all_lines: AllLines = False,
    follow: Follow = False,
    overlap: Overlap = "60s",
    level: Level = None,
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
    """Print a sandbox's logs (or with --build its image's build logs). The endpoints take
    only a window, so the filters run here, meaning what they mean for get; severities show
    as levels (OpenTelemetry's numbers: 1-8 debug, 9-12 info, 13-16 warning, 17 and up
    error). -n N reads the window forward and keeps the newest N. -f stops once the sandbox
    has ended."""
    from baseten_logs.cli.sandbox import check_sandbox_input

    flags = {**_SANDBOX_UNUSED, **ctx.params}
    plan = plan_of(flags)
    check_sandbox_input(name=name, build=build, trace_id=trace_id)
    credentials = credentials_of(api_key, api_url, remote)

    def sources() -> "tuple[Feed | None, LogQuery, bool]":
        from dataclasses import replace

        from baseten_logs.cli.sandbox import sandbox_feed

        query = plan.query("")
        feed = sandbox_feed(
            name=name,
            build=build,
            trace_id=trace_id,
            query=query,
            credentials=credentials,
            verbose=verbose,
            attempts=plan.attempts,
        )
        return feed, replace(feed.parts[0].query, filters=query.filters), plan.look_back

    read_logs(flags, plan, credentials, sources)
