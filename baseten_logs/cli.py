"""Typer commands: parse flags, call the core, hand results to a renderer. Nothing else.

Start-up matters (`--help` and completion run often), so this module imports only typer and
our own light modules; httpx and rich are imported inside the commands that need them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Annotated

import typer
from typer._click.exceptions import NoArgsIsHelpError  # typer vendors click

from . import __version__, messages
from .errors import BasetenLogsError, ExitStatus, UsageError
from .pipes import OutputClosed

EXIT_STATUSES = (
    "Exit statuses: 0 ok, 1 --fail-on matched, 2 bad input, 3 authentication failed, "
    "4 not found, 5 API or network failure, 6 incomplete output, 130 interrupted."
)

app = typer.Typer(
    name="baseten-logs",
    help="Fast, scriptable logs for model deployments on Baseten.",
    epilog=EXIT_STATUSES,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

WINDOW = "Window"
FILTERS = "Filters (applied by the API)"
OUTPUT = "Output"
ACCESS = "Access"
SCRIPTS = "Scripts and CI"


def _choices(*values: str) -> Callable[[str], list[str]]:
    """Shell completion for a flag with a fixed set of values."""
    return lambda incomplete: [v for v in values if v.startswith(incomplete.lower())]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"baseten-logs {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Fast, scriptable logs for model deployments on Baseten."""


@app.command(epilog=EXIT_STATUSES)
def get(
    model_id: Annotated[
        str, typer.Argument(metavar="MODEL_ID", help="The model's id.", show_default=False)
    ],
    deployment_id: Annotated[
        str,
        typer.Argument(metavar="DEPLOYMENT_ID", help="The deployment's id.", show_default=False),
    ],
    since: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="Start: 15m, 2h30m, 3d, 1w ago; RFC 3339 (no zone = local); epoch s/ms; now. "
            "Default: 30 minutes before --until.",
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
            help="Show the newest N lines of the window, oldest first. Default 500.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    all_lines: Annotated[
        bool,
        typer.Option("--all", help="Every line in the window, streamed.", rich_help_panel=WINDOW),
    ] = False,
    level: Annotated[
        str | None,
        typer.Option(
            metavar="LEVEL",
            help="Minimum level: DEBUG, INFO, WARNING, ERROR (drops lines with no level).",
            autocompletion=lambda incomplete: [
                v for v in ("DEBUG", "INFO", "WARNING", "ERROR") if v.startswith(incomplete.upper())
            ],
            rich_help_panel=FILTERS,
        ),
    ] = None,
    replica: Annotated[
        str | None,
        typer.Option(metavar="ID", help="Only this replica.", rich_help_panel=FILTERS),
    ] = None,
    request_id: Annotated[
        str | None,
        typer.Option(metavar="ID", help="Only this inference request.", rich_help_panel=FILTERS),
    ] = None,
    component: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Only this component.", rich_help_panel=FILTERS),
    ] = None,
    grep: Annotated[
        str | None,
        typer.Option(
            metavar="RE2", help="RE2 pattern the message must match.", rich_help_panel=FILTERS
        ),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option(
            metavar="TEXT",
            help="Substring the message must contain (repeatable, up to 8, case-sensitive).",
            rich_help_panel=FILTERS,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            metavar="TEXT",
            help="Drop lines containing this substring (repeatable, up to 8).",
            rich_help_panel=FILTERS,
        ),
    ] = None,
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT",
            help="text, jsonl (API fields unchanged), json (one array), raw (messages) or "
            "github (Actions groups and annotations).",
            autocompletion=_choices("text", "jsonl", "json", "raw", "github"),
            rich_help_panel=OUTPUT,
        ),
    ] = "text",
    follow: Annotated[
        bool,
        typer.Option(
            "-f",
            "--follow",
            help="Keep printing new lines until Ctrl-C (or until --until has passed).",
            rich_help_panel=WINDOW,
        ),
    ] = False,
    concurrency: Annotated[
        str,
        typer.Option(
            metavar="N",
            help="With --all: time slices fetched at once (1 = one after another).",
            rich_help_panel=WINDOW,
        ),
    ] = "4",
    overlap: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="With -f: how late a line may arrive and still be shown.",
            rich_help_panel=WINDOW,
        ),
    ] = "60s",
    reverse: Annotated[
        bool, typer.Option("--reverse", help="Newest first.", rich_help_panel=OUTPUT)
    ] = False,
    color: Annotated[
        str,
        typer.Option(
            metavar="WHEN",
            help="auto, always or never. auto follows the terminal, NO_COLOR and FORCE_COLOR.",
            autocompletion=_choices("auto", "always", "never"),
            rich_help_panel=OUTPUT,
        ),
    ] = "auto",
    utc: Annotated[
        bool, typer.Option("--utc", help="Times in UTC, not local time.", rich_help_panel=OUTPUT)
    ] = False,
    api_key: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="API key. Default: BASETEN_API_KEY, then ~/.trussrc.",
            rich_help_panel=ACCESS,
            show_default=False,
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="API URL. Default: BASETEN_API_URL, ~/.trussrc, https://api.baseten.co.",
            rich_help_panel=ACCESS,
        ),
    ] = None,
    remote: Annotated[
        str,
        typer.Option(metavar="NAME", help="~/.trussrc section to read.", rich_help_panel=ACCESS),
    ] = "baseten",
    fail_on: Annotated[
        str | None,
        typer.Option(
            metavar="LEVEL",
            help="Exit 1 if a line at or above LEVEL (or ANY line) was shown.",
            rich_help_panel=SCRIPTS,
            autocompletion=_choices("ANY", "DEBUG", "INFO", "WARNING", "ERROR"),
        ),
    ] = None,
    save: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Also write the full JSON lines of what was shown to FILE.",
            rich_help_panel=SCRIPTS,
        ),
    ] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="At the end, counts on stderr: lines, levels, replicas, span, requests.",
            rich_help_panel=SCRIPTS,
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "-q", "--quiet", help="Nothing but log lines (and errors).", rich_help_panel=SCRIPTS
        ),
    ] = False,
    retries: Annotated[
        str,
        typer.Option(
            metavar="N",
            help="Retries of a failed request (429, 5xx, timeouts) before giving up; 0 = none.",
            rich_help_panel=ACCESS,
        ),
    ] = "5",
    verbose: Annotated[
        bool,
        typer.Option("-v", "--verbose", help="Requests and timings on stderr (key redacted)."),
    ] = False,
) -> None:
    """Print a deployment's logs: the newest lines of a window, or all of it."""
    from .commands.get import Extras, run_get
    from .config import resolve_credentials
    from .query import (
        COLOR_MODES,
        MAX_CONCURRENCY,
        OUTPUT_FORMATS,
        LogQuery,
        build_filters,
        follow_settings_for,
        logs_path,
        parse_choice,
        parse_count,
        parse_fail_on,
        resolve_window,
        screenful,
    )

    # Everything is checked before anything is sent.
    messages.set_quiet(quiet)
    output_format = parse_choice(output, flag="--output", choices=OUTPUT_FORMATS)
    color_mode = parse_choice(color, flag="--color", choices=COLOR_MODES)
    if all_lines and limit is not None:
        raise UsageError("--all", "cannot be combined with -n/--limit", hint="choose one")
    if follow and (reverse or output_format in ("json", "github")):
        flag = "--reverse" if reverse else f"-o {output_format}"  # these need the end of the stream
        raise UsageError("-f/--follow", f"cannot be combined with {flag}", hint="use -o jsonl")
    if all_lines or (follow and since is not None and limit is None):
        count = None  # -f --since: the whole window asked for, then new lines
    elif follow and limit is None:
        count = screenful()
    else:
        count = parse_count(limit or "500", flag="-n/--limit")
    follow_settings = follow_settings_for(overlap) if follow else None
    failing_level = parse_fail_on(fail_on)
    workers = parse_count(concurrency, flag="--concurrency")
    attempts = 1 + parse_count(retries, flag="--retries", minimum=0)
    if workers > MAX_CONCURRENCY:
        raise UsageError(
            "--concurrency", f"{workers} is too many", hint=f"at most {MAX_CONCURRENCY}"
        )
    filters = build_filters(
        level=level,
        replica=replica,
        request_id=request_id,
        component=component,
        grep=grep,
        includes=include or (),
        excludes=exclude or (),
    )
    since_ms, until_ms = resolve_window(since=since, until=until)
    follow_until_ms = None
    if follow:
        # -f with --until: open with the window up to now, then follow until --until.
        now_ms = int(time.time() * 1000)
        follow_until_ms = until_ms if until is not None else None
        until_ms = min(until_ms, now_ms)
        since_ms = min(since_ms, until_ms)
    credentials = resolve_credentials(
        api_key=api_key, api_url=api_url, remote=remote, warn=messages.warn
    )
    query = LogQuery(
        path=logs_path(
            _checked_id("MODEL_ID", model_id), _checked_id("DEPLOYMENT_ID", deployment_id)
        ),
        since_ms=since_ms,
        until_ms=until_ms,
        filters=filters,
        limit=count,
    )
    status = run_get(
        query=query,
        credentials=credentials,
        output=output_format,
        color=color_mode,
        utc=utc,
        reverse=reverse,
        verbose=verbose,
        follow=follow_settings,
        follow_until_ms=follow_until_ms,
        concurrency=workers,
        attempts=attempts,
        extras=Extras(save_path=save, fail_on=failing_level, summary=summary),
    )
    raise typer.Exit(int(status))


@app.command()
def emulator(
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).", min=0, max=65535)] = 8787,
    seed: Annotated[int, typer.Option(help="Seed of the generated logs.")] = 0,
    rate: Annotated[
        float,
        typer.Option(metavar="LINES_PER_S", help="Log lines per second per deployment.", min=0),
    ] = 3.0,
    latency: Annotated[
        float, typer.Option(metavar="SECONDS", help="Delay before every answer.", min=0)
    ] = 0.0,
    error_rate: Annotated[
        float, typer.Option(help="Share of log requests answered 429/5xx.", min=0, max=1)
    ] = 0.0,
    late_share: Annotated[
        float, typer.Option(help="Share of lines that arrive up to 30 s late.", min=0, max=1)
    ] = 0.02,
    end_exclusive: Annotated[
        bool, typer.Option("--end-exclusive", help="`end_epoch_millis` excludes its millisecond.")
    ] = False,
) -> None:
    """Serve the built-in Baseten API emulator until Ctrl-C (prints its URL and key)."""
    from .commands.emulator import run_emulator

    run_emulator(
        host=host,
        port=port,
        seed=seed,
        lines_per_s=rate,
        latency_s=latency,
        error_rate=error_rate,
        end_inclusive=not end_exclusive,
        late_share=late_share,
    )


@app.command()
def demo(
    follow_seconds: Annotated[
        float, typer.Option(metavar="SECONDS", help="How long the follow step runs.", min=0)
    ] = 6.0,
) -> None:
    """Show a real session against the built-in emulator: no account needed."""
    from .commands.demo import run_demo

    raise typer.Exit(run_demo(follow_seconds=follow_seconds, run=run))


def _checked_id(name: str, value: str) -> str:
    """Ids go into the URL path: refuse what would change the path."""
    if not value or any(ch in value for ch in "/?#%\\") or value.strip() != value:
        raise UsageError(name, f"{value!r} is not a valid id", hint="copy it from the dashboard")
    return value


def run(argv: list[str]) -> int:
    """Run the CLI and return the exit status; the one place errors become statuses."""
    try:
        # Typer returns the status of typer.Exit (130 for Ctrl-C) when not standalone.
        result = app(args=argv, prog_name="baseten-logs", standalone_mode=False)
        return int(result) if isinstance(result, int) else ExitStatus.OK
    except OutputClosed:
        return ExitStatus.OK
    except (KeyboardInterrupt, typer.Abort):
        return ExitStatus.INTERRUPTED
    except NoArgsIsHelpError as exc:
        sys.stderr.write(exc.format_message() + "\n")
        return ExitStatus.USAGE
    except typer.TyperException as exc:  # click's usage errors: one line, not a usage block
        command = next((a for a in argv[:1] if not a.startswith("-")), "")
        see = f"baseten-logs {command} --help" if command else "baseten-logs --help"
        messages.error(f"{exc.format_message()} (see '{see}')")
        return ExitStatus.USAGE
    except BasetenLogsError as exc:
        messages.error(str(exc))
        return exc.status
