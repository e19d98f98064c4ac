"""The `view` command's signature: saved logs (from --save or -o jsonl) rendered offline, with
get's filters and formats.

The plan step is tool_plans.view_plan; the body is view.run_view, imported once the input is
good. app.py registers it with `register(app)`, after `stats`.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.defaults import chosen, color_of, prefix_of, zone_of
from baseten_logs.cli.help_text import VIEW_EXIT_STATUSES, epilog, examples
from baseten_logs.cli.options import (
    FILTERS,
    WINDOW,
    Color,
    Component,
    Exclude,
    Grep,
    IgnoreCase,
    Include,
    Level,
    LogOutput,
    MessageOnly,
    NoColor,
    NoWrap,
    Prefix,
    Replica,
    RequestId,
    Reverse,
    Template,
    Timestamps,
    Tz,
    UsageCommand,
    Utc,
    Verbatim,
)
from baseten_logs.cli.plan import LayoutOptions, filters_of
from baseten_logs.cli.registry import Commands
from baseten_logs.cli.tool_plans import view_plan

_COMMANDS = Commands()
command = _COMMANDS.command
register = _COMMANDS.register


VIEW_EXAMPLES = examples(
    "baseten-logs get llama-3-8b --all --since 1h --save run.jsonl",
    "baseten-logs view run.jsonl --level error",
    "baseten-logs get llama-3-8b -f -o jsonl | baseten-logs view - --level warning",
)


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

        browse_saved(locals())  # the parameters by name, as plan_of reads ctx.params
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
