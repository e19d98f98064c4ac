"""`baseten-logs audit`: its signature and the checks of its flags (its body is cli/audit.py).

A module of its own, registered by app.py with `register(app)`, so that the commands added
beside it at the same time (loops, sandbox) each keep their own block. Its window flags are
get's (--since, --until, -n, --all, -f), read by the same parsers; only their defaults differ,
and their help says so: with no --since the trail is read from its beginning.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import TYPE_CHECKING, Annotated

import typer

from baseten_logs.base.errors import UsageError
from baseten_logs.cli.help_text import epilog, examples
from baseten_logs.cli.options import (
    OUTPUT,
    WINDOW,
    ApiKey,
    ApiUrl,
    Color,
    NoCache,
    Remote,
    Retries,
    Team,
    Tz,
    UsageCommand,
    Utc,
    Verbose,
    choices,
    complete_chain,
    complete_model,
)
from baseten_logs.cli.plan import attempts_of, credentials_of, name_cache
from baseten_logs.cli.registry import Commands

if TYPE_CHECKING:
    from baseten_logs.cli.audit import AuditAsk

_COMMANDS = Commands()
register = _COMMANDS.register

AUDIT_FORMATS = ("auto", "table", "text", "jsonl", "json")
DEFAULT_AUDIT_LIMIT = 100
AUDIT_EXIT_STATUSES = (
    "Exit statuses: 0 ok, 2 bad input, 3 authentication failed, 4 not found, "
    "5 API or network failure, 6 incomplete (the API's pages could not be walked to the end), "
    "70 internal error, 74 cannot write output, 129/130/143 SIGHUP/Ctrl-C/SIGTERM."
)

AUDIT_EXAMPLES = examples(
    "baseten-logs audit                              # the workspace's newest 100 events",
    "baseten-logs audit --model llama-3-8b --since 7d --all",
    "baseten-logs audit --chain rag-pipeline -n 20",
    "baseten-logs audit -f                           # watch for new events (Ctrl-C stops)",
    "baseten-logs audit --since 30d | jq -r 'select(.actor.type == \"API_KEY\") | .event_type'",
)


@_COMMANDS.command(
    cls=UsageCommand,
    epilog=epilog(AUDIT_EXAMPLES, AUDIT_EXIT_STATUSES),
    short_help="Print the audit trail: who deployed, promoted, scaled or deleted what.",
)
def audit(
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="MODEL",
            help="A model's trail (its name or id). Default: the whole workspace's.",
            show_default=False,
            autocompletion=complete_model,
        ),
    ] = None,
    chain: Annotated[
        str | None,
        typer.Option(
            "--chain",
            metavar="CHAIN",
            help="A chain's trail (its name or id).",
            show_default=False,
            autocompletion=complete_chain,
        ),
    ] = None,
    team: Team = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="Start: 15m, 2h30m, 3d, 1w ago; RFC 3339 (no zone = --tz's, else local); "
            "epoch s/ms; now. Default: the trail's beginning.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="End, same formats, or +DURATION after --since. Default: now.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    limit: Annotated[
        str | None,
        typer.Option(
            "-n",
            "--limit",
            metavar="N",
            help=f"Show the newest N events of the window, oldest first. Default "
            f"{DEFAULT_AUDIT_LIMIT}; -f -n 0 shows only events that arrive from now on.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    all_events: Annotated[
        bool,
        typer.Option("--all", help="Every event in the window, streamed.", rich_help_panel=WINDOW),
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "-f",
            "--follow",
            help="Keep printing new events until Ctrl-C (or until --until has passed).",
            rich_help_panel=WINDOW,
        ),
    ] = False,
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT",
            help="auto (a table on a terminal, JSON lines otherwise), table, jsonl (the API's "
            "events unchanged) or json (one array).",
            autocompletion=choices("auto", "table", "jsonl", "json"),
            rich_help_panel=OUTPUT,
        ),
    ] = "auto",
    color: Color = "auto",
    tz: Tz = None,
    utc: Utc = False,
    quiet: Annotated[
        bool,
        typer.Option("-q", "--quiet", help="Nothing but the events (and errors)."),
    ] = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    retries: Retries = "5",
    verbose: Verbose = False,
) -> None:
    """Print the audit trail of the workspace, a model or a chain: when, who (a user, an API
    key, Baseten), what (the event's type) and its target. A table on a terminal; the API's
    events unchanged, one JSON object a line, when piped."""
    if team is not None and model is None:
        raise UsageError("--team", "names a model's team", hint="give --model NAME too")
    ask = audit_ask(
        model=model,
        team=team,
        chain=chain,
        since=since,
        until=until,
        limit=limit,
        all_events=all_events,
        follow=follow,
        output=output,
        color=color,
        tz=tz,
        utc=utc,
        quiet=quiet,
    )
    credentials = credentials_of(api_key, api_url, remote)
    attempts = attempts_of(retries)
    from baseten_logs.cli.audit import run_audit  # httpx and friends: only once input is good

    status = run_audit(
        ask,
        credentials=credentials,
        cache=name_cache(credentials, no_cache),
        verbose=verbose,
        attempts=attempts,
    )
    raise typer.Exit(int(status))


def audit_ask(
    *,
    model: str | None,
    team: str | None,
    chain: str | None,
    since: str | None,
    until: str | None,
    limit: str | None,
    all_events: bool,
    follow: bool,
    output: str,
    color: str,
    tz: str | None,
    utc: bool,
    quiet: bool,
) -> "AuditAsk":
    """Every flag checked, nothing sent: bad input ends here with exit 2."""
    import time

    from baseten_logs.cli.audit import AuditAsk
    from baseten_logs.cli.defaults import zone_of
    from baseten_logs.output import messages
    from baseten_logs.reading.query import (
        COLOR_MODES,
        parse_choice,
        parse_count,
        resolve_window,
        screenful,
    )
    from baseten_logs.sources.audit import check_audit_input

    messages.set_quiet(quiet)
    check_audit_input(model=model, chain=chain)
    output_format = parse_choice(output, flag="--output", choices=AUDIT_FORMATS)
    color_mode = parse_choice(color, flag="--color", choices=COLOR_MODES)
    if all_events and limit is not None:
        raise UsageError("--all", "cannot be combined with -n/--limit", hint="choose one")
    if follow and output_format == "json":  # one array: it needs the stream's end
        raise UsageError("-f/--follow", "cannot be combined with -o json", hint="use -o jsonl")
    zone = zone_of(tz, utc)  # --tz, --utc, BASETEN_LOGS_TZ, the config's tz: as `get` reads them
    since_ms, until_ms = resolve_window(since=since, until=until, zone=zone)
    if all_events or (follow and since is not None and limit is None):
        count = None
    elif follow and limit is None:
        count = screenful()
    else:
        minimum = 0 if follow else 1
        count = parse_count(limit or str(DEFAULT_AUDIT_LIMIT), flag="-n/--limit", minimum=minimum)
    follow_until_ms = None
    if follow:
        # -f with --until: open with the window up to now, then follow until --until.
        follow_until_ms = until_ms if until is not None else None
        until_ms = min(until_ms, int(time.time() * 1000))
    return AuditAsk(
        model=model,
        team=team,
        chain=chain,
        since_ms=since_ms if since is not None else None,
        until_ms=until_ms if until is not None or follow else None,
        count=count,
        follow=follow,
        follow_until_ms=follow_until_ms,
        output=output_format,
        color=color_mode,
        zone=zone,
    )
