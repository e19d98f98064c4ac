"""Typer commands: parse flags, call the core, hand results to a renderer. Nothing else.

Start-up matters (`--help` and completion run often), so this module imports only typer and
our own light modules; httpx and rich are imported inside the commands that need them.
Flags shared by several commands are declared once, as Annotated aliases, in options.py.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption  # typer vendors click

from baseten_logs.base.errors import BasetenLogsError, ExitStatus, UsageError
from baseten_logs.base.version import __version__
from baseten_logs.cli import interrupts, listing_commands, log_commands
from baseten_logs.cli.options import (
    EXIT_STATUSES,
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
    Exclude,
    FailOn,
    Grep,
    Include,
    Level,
    LogOutput,
    MaxRps,
    Model,
    NoCache,
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
    access,
    choices,
    complete_deployment,
    complete_env,
    team_access,
)
from baseten_logs.cli.options import epilog as _epilog
from baseten_logs.cli.options import examples as _examples
from baseten_logs.cli.plan import (
    attempts_of,
    credentials_of,
    filters_of,
    logs_source_of,
    max_rps_of,
    name_cache,
    workers_of,
)
from baseten_logs.output import messages
from baseten_logs.output.pipes import OutputClosed, stdout_failed, tolerant_stdout

if TYPE_CHECKING:
    pass

STATS_EXIT_STATUSES = (
    "Exit statuses: 0 ok, 2 bad input, 3 authentication failed, 4 not found, "
    "5 API or network failure, 6 incomplete counts, 70 internal error, 130 interrupted."
)
VIEW_EXIT_STATUSES = "Exit statuses: 0 ok, 2 bad input or file, 70 internal error, 130 interrupted."


TOP_EXAMPLES = _examples(
    "baseten-logs get llama-3-8b                 # the newest 500 lines of production",
    "baseten-logs get llama-3-8b -f              # then follow (Ctrl-C stops)",
    "baseten-logs stats llama-3-8b --since 6h    # the shape of the last 6 hours",
    "baseten-logs demo                           # try it all without an account",
)
STATS_EXAMPLES = _examples(
    "baseten-logs stats llama-3-8b --since 6h",
    "baseten-logs stats --chain rag-pipeline --since 2h   # every chainlet of a chain",
    "baseten-logs stats llama-3-8b --since 1d --level warning",
    "baseten-logs stats MODEL_ID DEPLOYMENT_ID --since 2h -o json | jq .totals",
)
VIEW_EXAMPLES = _examples(
    "baseten-logs get llama-3-8b --all --since 1h --save run.jsonl",
    "baseten-logs view run.jsonl --level error",
    "baseten-logs get llama-3-8b -f -o jsonl | baseten-logs view - --level warning",
)
REQUEST_EXAMPLES = _examples(
    "baseten-logs request 2f48e92de496d3fac1d82be4a5b2cd2c llama-3-8b",
    "baseten-logs request REQUEST_ID llama-3-8b --context 30s   # and the untagged lines around it",
    "baseten-logs request REQUEST_ID MODEL_ID DEPLOYMENT_ID --since 14d -o jsonl",
    "baseten-logs request REQUEST_ID --chain rag-pipeline --context 30s   # across every chainlet",
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
COMPLETION_FLAGS = ("--install-completion", "--show-completion")


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
) -> None:
    """Fast, scriptable logs for model deployments on Baseten."""


# --- Commands -------------------------------------------------------------------------------
log_commands.register(app)  # get, chain, training: first in `--help`


@app.command(
    cls=UsageCommand,
    epilog=_epilog(STATS_EXAMPLES, STATS_EXIT_STATUSES),
    short_help="The shape of a window: levels over time, replicas, top lines.",
)
def stats(
    model: Model,
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
    color: Color = "auto",
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
    from baseten_logs.cli.stats import run_stats
    from baseten_logs.reading.query import COLOR_MODES, LogQuery, parse_choice, resolve_window

    output_format = parse_choice(output, flag="--output", choices=("text", "json"))
    color_mode = parse_choice(color, flag="--color", choices=COLOR_MODES)
    workers = workers_of(concurrency)
    rps = max_rps_of(max_rps)
    attempts = attempts_of(retries)
    filters = filters_of(level, replica, request_id, component, grep, include, exclude)
    since_ms, until_ms = resolve_window(since=since, until=until)
    if chainlet and not chain:
        raise UsageError("--chainlet", "needs --chain", hint="add --chain")
    if chain and team is not None:
        raise UsageError("--team", "cannot be combined with --chain", hint="drop --team")
    if chain:
        from baseten_logs.sources.chains import check_chain_input

        check_chain_input(
            chain=model, deployment=deployment, environment=env, chainlets=chainlet or []
        )
    credentials = credentials_of(api_key, api_url, remote)
    if chain:
        from baseten_logs.cli.chain import chain_feed

        query = LogQuery(path="", since_ms=since_ms, until_ms=until_ms, filters=filters, limit=None)
        feed, target = chain_feed(
            chain=model,
            deployment=deployment,
            environment=env,
            chainlets=chainlet or [],
            query=query,
            credentials=credentials,
            verbose=verbose,
            attempts=attempts,
            cache=name_cache(credentials, no_cache),
        )
        status = run_stats(
            query=feed.parts[0].query,
            feed=feed,
            subject=f"chain {target.label}",
            credentials=credentials,
            output=output_format,
            color=color_mode,
            utc=utc,
            verbose=verbose,
            concurrency=workers,
            max_rps=rps,
            attempts=attempts,
        )
        raise typer.Exit(int(status))
    source = logs_source_of(
        credentials,
        model=model,
        deployment=deployment,
        env=env,
        no_cache=no_cache,
        verbose=verbose,
        team=team,
    )
    status = run_stats(
        query=LogQuery(
            path=source.path,
            since_ms=since_ms,
            until_ms=until_ms,
            filters=filters,
            limit=None,
            source=source,
        ),
        credentials=credentials,
        output=output_format,
        color=color_mode,
        utc=utc,
        verbose=verbose,
        concurrency=workers,
        max_rps=rps,
        attempts=attempts,
    )
    raise typer.Exit(int(status))


@app.command(
    cls=UsageCommand,
    epilog=_epilog(VIEW_EXAMPLES, VIEW_EXIT_STATUSES),
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
    include: Include = None,
    exclude: Exclude = None,
    output: LogOutput = "text",
    reverse: Reverse = False,
    color: Color = "auto",
    utc: Utc = False,
) -> None:
    """Render saved logs offline, with the same filters and formats as get; a chain's lines
    keep their chainlet column and request --context lines their (context) mark."""
    from baseten_logs.base.timeparse import parse_when
    from baseten_logs.cli.view import run_view
    from baseten_logs.output.render import (
        OUTPUT_FORMATS,  # the renderer's list: one place says what exists
    )
    from baseten_logs.reading.query import COLOR_MODES, parse_choice, parse_count

    output_format = parse_choice(output, flag="--output", choices=OUTPUT_FORMATS)
    color_mode = parse_choice(color, flag="--color", choices=COLOR_MODES)
    count = None if limit is None else parse_count(limit, flag="-n/--limit")
    filters = filters_of(level, replica, request_id, component, grep, include, exclude)
    now_ms = int(time.time() * 1000)
    since_ms = None if since is None else parse_when(since, flag="--since", now_ms=now_ms)
    until_ms = (
        None
        if until is None
        else parse_when(until, flag="--until", now_ms=now_ms, relative_to_ms=since_ms)
    )
    if since_ms is not None and until_ms is not None and until_ms < since_ms:
        raise UsageError("--until", "is before --since", hint="swap them")
    status = run_view(
        path=file,
        query_filters=filters,
        since_ms=since_ms,
        until_ms=until_ms,
        limit=count,
        output=output_format,
        color=color_mode,
        utc=utc,
        reverse=reverse,
        chainlets=_checked_chainlets(chainlet),
    )
    raise typer.Exit(int(status))


def _checked_chainlets(names: list[str] | None) -> tuple[str, ...]:
    """view --chainlet: names as `chain` labels lines (never empty: no line has an empty one)."""
    for name in names or ():
        if not name.strip():
            raise UsageError("--chainlet", "is empty", hint="give a chainlet's name")
    return tuple(names or ())


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


@app.command(
    "request",
    cls=UsageCommand,
    epilog=_epilog(REQUEST_EXAMPLES, EXIT_STATUSES),
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
    output: LogOutput = "text",
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
    verbose: Verbose = False,
) -> None:
    """Every line of one inference request, in time order: no window needed (the last 7 days).
    With --chain, every chainlet of a chain deployment, each line labelled with its chainlet."""
    import os

    from baseten_logs.output.pipes import open_save_file
    from baseten_logs.output.render import OUTPUT_FORMATS
    from baseten_logs.output.terminal import is_terminal
    from baseten_logs.reading.query import COLOR_MODES, parse_choice, parse_fail_on
    from baseten_logs.reading.request import check_request_id, parse_context, request_window

    # Everything is checked before anything is sent.
    messages.set_quiet(quiet)
    request_id = check_request_id(request_id)
    output_format = parse_choice(output, flag="--output", choices=OUTPUT_FORMATS)
    color_mode = parse_choice(color, flag="--color", choices=COLOR_MODES)
    failing_level = parse_fail_on(fail_on)
    context_ms = parse_context(context)
    attempts = attempts_of(retries)
    since_ms, until_ms = request_window(since=since, until=until)
    chainlets = chainlet or []
    if chainlets and not chain:
        raise UsageError(
            "--chainlet", "needs --chain", hint="add --chain; MODEL then names the chain"
        )
    if chain and team is not None:
        raise UsageError("--team", "cannot be combined with --chain", hint="drop --team")
    if chain:
        from baseten_logs.sources.chains import check_chain_input

        check_chain_input(chain=model, deployment=deployment, environment=env, chainlets=chainlets)
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
    save_file = open_save_file(save) if save else None
    from baseten_logs.cli.request import ChainScope, run_request
    from baseten_logs.reading.outcome import Extras

    status = run_request(
        request_id=request_id,
        sources=sources,
        chain=ChainScope(model, deployment, env, chainlets, cache=name_cache(credentials, no_cache))
        if chain
        else None,
        since_ms=since_ms,
        until_ms=until_ms,
        context_ms=context_ms,
        credentials=credentials,
        output=output_format,
        color=color_mode,
        utc=utc,
        header=not quiet and is_terminal(sys.stderr, os.environ),
        verbose=verbose,
        attempts=attempts,
        extras=Extras(save_file=save_file, fail_on=failing_level, summary=summary),
    )
    raise typer.Exit(int(status))


listing_commands.register(app)  # after `request`: the order of `--help`


@app.command(short_help="A real session against the built-in emulator, no account needed.")
def demo(
    follow_seconds: Annotated[
        float, typer.Option(metavar="SECONDS", help="How long the follow step runs.", min=0)
    ] = 6.0,
) -> None:
    """Show a real session against the built-in emulator: no account needed."""
    from baseten_logs.cli.demo import run_demo

    raise typer.Exit(run_demo(follow_seconds=follow_seconds, run=run))


def _command_names() -> set[str]:
    """The commands that exist, so a typo (`gett`) is not offered `baseten-logs gett --help`."""
    return {
        info.name or (info.callback.__name__ if info.callback else "")
        for info in app.registered_commands
    }


def run(argv: list[str]) -> int:
    """Run the CLI and return the exit status; the one place errors become statuses.

    A plain int, not an ExitStatus: before Python 3.11 an IntEnum prints as `ExitStatus.USAGE`,
    and a script that prints or formats what run() returned expects the number.
    """
    interrupts.reset()
    status = _run(argv)
    # SIGTERM/SIGHUP end like Ctrl-C (which click reports as 130), whatever the cleanup met after.
    signum = interrupts.received()
    return 128 + signum if signum is not None else int(status)


def _run(argv: list[str]) -> int:
    messages.set_quiet(False)  # -q is per invocation (tests call run() many times in one process)
    tolerant_stdout()
    if os.environ.get(COMPLETE_VAR):
        return _complete(argv)
    if argv in ([COMPLETION_FLAGS[0]], [COMPLETION_FLAGS[1]]):
        argv = [*argv, _current_shell()]  # the flag alone: this shell's script
    try:
        # Typer returns the status of typer.Exit (130 for Ctrl-C) when not standalone.
        result = app(args=argv, prog_name="baseten-logs", standalone_mode=False)
        return int(result) if isinstance(result, int) else ExitStatus.OK
    except OutputClosed:
        return ExitStatus.OK
    except (KeyboardInterrupt, typer.Abort):
        signum = interrupts.received()
        if signum is not None:  # SIGTERM, SIGHUP: 128 + the signal, as a shell reports it
            return 128 + signum
        messages.end_interrupted_line()  # the shell's prompt must not start after `^C`
        return ExitStatus.INTERRUPTED
    except NoArgsIsHelpError as exc:
        sys.stderr.write(exc.format_message() + "\n")
        return ExitStatus.USAGE
    except typer.TyperException as exc:  # click's usage errors: one line, not a usage block
        command = next((a for a in argv[:1] if a in _command_names()), "")
        see = f"baseten-logs {command} --help" if command else "baseten-logs --help"
        messages.error(_ours_for(exc) or f"{exc.format_message()} (see '{see}')")
        return ExitStatus.USAGE
    except BasetenLogsError as exc:
        messages.error(str(exc))
        return exc.status
    except OSError as exc:
        if stdout_failed() or _from_echo(exc):  # help or version text that could not be written
            messages.error(f"cannot write to stdout: {exc.strerror or exc}")
            return ExitStatus.WRITE
        return _internal(exc)
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        return _internal(exc)


# Flags of the log tools people already know, and ours that do the same: click's spelling
# suggestions (`--tail` -> `--all, --team, --until`) cannot know these.
_OTHER_TOOLS_FLAGS = {
    "--tail": ("-n", "-n N", "kubectl's"),
    "--lines": ("-n", "-n N", "journalctl's"),
    "--since-time": ("--since", "--since TIME", "kubectl's"),
}


def _ours_for(exc: typer.TyperException) -> str | None:
    """For another tool's flag that this command has under another name, the message that
    names ours; None otherwise (click's own message stands)."""
    if not isinstance(exc, NoSuchOption) or exc.ctx is None:
        return None
    name = exc.option_name
    ours, usage, tool = _OTHER_TOOLS_FLAGS.get(name, ("", "", ""))
    if not any(ours in param.opts for param in exc.ctx.command.params):
        return None
    return f"No such option: {name} (use {usage}: {tool} {name} is {usage} here)"


def _from_echo(exc: BaseException) -> bool:
    """Whether `exc` was raised writing click's own output (help, version) to stdout."""
    import traceback

    return any(frame.f_code.co_name == "echo" for frame, _ in traceback.walk_tb(exc.__traceback__))


def _internal(exc: Exception) -> int:
    """A bug of ours: still one line, never a traceback."""
    messages.error(
        f"internal error: {exc.__class__.__name__}: {exc} "
        "(a bug in baseten-logs; please report it with the command you ran)"
    )
    return ExitStatus.INTERNAL


COMPLETE_VAR = "_BASETEN_LOGS_COMPLETE"


def _current_shell() -> str:
    """The shell that started us (as typer detects it), or "" when it cannot tell."""
    from typer._completion_shared import _get_shell_name

    try:
        return _get_shell_name() or ""
    except Exception:  # detection reads /proc: never a traceback for it
        return ""


def _complete(argv: list[str]) -> int:
    """A shell asking for completions: typer answers, with candidates quoted for that shell."""
    from baseten_logs.completion.completion_scripts import use_quoting_completers

    command = typer.main.get_command(app)  # registers typer's completers
    use_quoting_completers()  # ... which ours then replace
    try:
        command.main(args=argv, prog_name="baseten-logs", standalone_mode=False)
    except SystemExit as done:  # how click ends a completion
        return done.code if isinstance(done.code, int) else ExitStatus.OK
    except Exception:  # completion must never put a traceback into the user's prompt
        return ExitStatus.OK
    return ExitStatus.OK
