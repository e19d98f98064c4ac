"""The Typer app: its top-level flags, every command registered from the module of signatures
that declares it (log_commands.py, stats_command.py, listing_commands.py, ...), in the order
`--help` lists them, and `run`, the CLI's entry (entry.py maps errors to exit statuses).

Start-up matters (`--help` and completion run often), so this module imports only typer and
our own light modules; httpx and rich are imported inside the commands that need them.
Flags shared by several commands are declared once, as Annotated aliases (options.py).
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.base.version import __version__
from baseten_logs.cli import (
    audit_commands,
    browse_command,
    demo_command,
    listing_commands,
    log_commands,
    loops_command,
    request_command,
    sandbox_command,
    setup_commands,
    stats_command,
    view_command,
)
from baseten_logs.cli.entry import run_app
from baseten_logs.cli.global_flags import (
    PROFILE_HELP,
    complete_profile,
    remember_global,
    remember_profile,
)
from baseten_logs.cli.help_text import EXIT_STATUSES
from baseten_logs.cli.help_text import epilog as _epilog  # as get, chain and training use it
from baseten_logs.cli.help_text import examples as _examples
from baseten_logs.cli.option_panels import choices

TOP_EXAMPLES = _examples(
    "baseten-logs get llama-3-8b                 # the newest 500 lines of production",
    "baseten-logs get llama-3-8b -f              # then follow (Ctrl-C stops)",
    "baseten-logs stats llama-3-8b --since 6h    # the shape of the last 6 hours",
    "baseten-logs demo                           # try it all without an account",
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
    # Before the command, as after it (`baseten-logs -v get ...`): each is handed to the command
    # that takes it (global_flags.adopt_globals); a command's own flag wins.
    verbose: Annotated[
        bool,
        typer.Option(
            "-v",
            "--verbose",
            help="As the command's -v: requests and timings on stderr.",
            callback=remember_global,
            expose_value=False,
        ),
    ] = False,
    api_key: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="As the command's --api-key.",
            callback=remember_global,
            expose_value=False,
            show_default=False,
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="As the command's --api-url.",
            callback=remember_global,
            expose_value=False,
        ),
    ] = None,
    remote: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="As the command's --remote.",
            callback=remember_global,
            expose_value=False,
        ),
    ] = None,
    color: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="As the command's --color: auto, always or never.",
            callback=remember_global,
            expose_value=False,
            autocompletion=choices("auto", "always", "never"),
        ),
    ] = None,
) -> None:
    """Fast, scriptable logs for model deployments on Baseten."""


# --- Commands -------------------------------------------------------------------------------
log_commands.register(app)  # get, chain, training: first in `--help`
loops_command.register(app)  # then the other log sources
sandbox_command.register(app)
browse_command.register(app)  # browse: the same logs, full-screen


stats_command.register(app)  # stats, view, request: after the log readers, as `--help` lists them
view_command.register(app)
request_command.register(app)
listing_commands.register(app)  # after `request`
setup_commands.register(app)  # whoami, config, emulator: after the listings
audit_commands.register(app)  # audit: after emulator


def run(argv: list[str]) -> int:
    """Run the CLI and return the exit status (entry.py turns every error into one)."""
    return run_app(app, argv)


demo_command.register(app, run)  # after the others in `--help`


@app.command("help", short_help="Help on a command: help get is get --help.")
def help_(
    command: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[COMMAND]...",
            help="A command (config set: a subcommand); none: the list of commands.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show the help of COMMAND (or of baseten-logs), exactly as COMMAND --help does."""
    raise typer.Exit(run([*(command or []), "--help"]))
