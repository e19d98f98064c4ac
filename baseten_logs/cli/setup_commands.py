"""The commands about this tool's own setup rather than a deployment's logs: which key and URL
are used (`whoami`), the defaults file (`config set|get|list|unset`), and the built-in API
emulator (`emulator`).

Their signatures only: each body is a function of its own module (whoami.py, config_command.py,
emulator.py), imported when the command runs. app.py registers them with `register(app)`, after
the listings, in the order `--help` lists them: this module does not import the app.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.help_text import CONFIG_EXIT_STATUSES, epilog, examples
from baseten_logs.cli.options import (
    ApiKey,
    ApiUrl,
    Remote,
    UsageCommand,
    Verbose,
    choices,
)
from baseten_logs.cli.registry import Commands

_COMMANDS = Commands(cls=UsageCommand)  # --profile for every command reading credentials
command = _COMMANDS.command
register = _COMMANDS.register


@command(short_help="Which API key and URL are used, and where each comes from.")
def whoami(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Prove the key or login works with one small request (refreshing it)."
        ),
    ] = False,
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            metavar="FORMAT",
            help="text or json.",
            autocompletion=choices("text", "json"),
        ),
    ] = "text",
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    verbose: Verbose = False,
) -> None:
    """Show which key or login and URL are used and where each comes from (never a secret)."""
    from baseten_logs.cli.whoami import WHOAMI_FORMATS, run_whoami
    from baseten_logs.reading.query import parse_choice

    output_format = parse_choice(output, flag="--output", choices=WHOAMI_FORMATS)
    status = run_whoami(
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        output=output_format,
        check=check,
        verbose=verbose,
    )
    raise typer.Exit(int(status))


# --- config: the defaults file ---------------------------------------------------------------
# The keys, as config_command.SETTINGS declares them (tests/test_habits.py holds them equal):
# listed here so that completion and --help need not import the settings' parsers.
CONFIG_KEYS = ("tz", "output", "prefix", "model", "max_rps", "color")
CONFIG_EXAMPLES = examples(
    "baseten-logs config set tz utc              # times in UTC, typed and shown",
    "baseten-logs config set model llama-3-8b    # `get` with no MODEL reads it",
    "baseten-logs config set max_rps 20          # a key shared with other jobs",
    "baseten-logs config list                    # every key, its value, where it comes from",
)
_KEY_HELP = "One of: " + ", ".join(CONFIG_KEYS) + "."
ConfigKey = Annotated[
    str,
    typer.Argument(
        metavar="KEY", help=_KEY_HELP, show_default=False, autocompletion=choices(*CONFIG_KEYS)
    ),
]
config_app = typer.Typer(
    name="config",
    help="Defaults for every run (time zone, output, model, ...): `config set KEY VALUE`, "
    "`config get KEY`, `config list` (also what `config` alone shows), `config unset KEY`. "
    "A flag beats BASETEN_LOGS_<KEY>, which beats the file. The key and URL in use: whoami.",
    short_help="Defaults for every run (tz, output, model): config set|get|list|unset.",
    epilog=epilog(CONFIG_EXAMPLES, CONFIG_EXIT_STATUSES),
    invoke_without_command=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


@config_app.callback()
def config(ctx: typer.Context) -> None:
    """Defaults for every run, in a small TOML file: config set|get|list|unset."""
    if ctx.invoked_subcommand is None:  # `config` alone: what is in effect, as `config list`
        from baseten_logs.cli.config_command import run_config_list

        raise typer.Exit(int(run_config_list()))


@config_app.command("set", cls=UsageCommand, short_help="Write a default to the file.")
def config_set(
    key: ConfigKey,
    value: Annotated[
        str,
        typer.Argument(
            metavar="VALUE", help="Checked as the flag it stands in for.", show_default=False
        ),
    ],
) -> None:
    """Write KEY = VALUE to the defaults file (checked as its flag would be)."""
    from baseten_logs.cli.config_command import run_config_set

    raise typer.Exit(int(run_config_set(key=key, value=value)))


@config_app.command(
    "get", cls=UsageCommand, short_help="Print a key's value in effect (exit 1: unset)."
)
def config_get(key: ConfigKey) -> None:
    """Print KEY's value in effect (BASETEN_LOGS_<KEY>, else the file's); exit 1 if unset."""
    from baseten_logs.cli.config_command import run_config_get

    raise typer.Exit(int(run_config_get(key=key)))


@config_app.command(
    "list", cls=UsageCommand, short_help="Every key, its value and where it comes from."
)
def config_list() -> None:
    """Every key, its value in effect and where it comes from; then the file's path."""
    from baseten_logs.cli.config_command import run_config_list

    raise typer.Exit(int(run_config_list()))


@config_app.command(
    "unset", cls=UsageCommand, short_help="Remove a key: the default applies again."
)
def config_unset(key: ConfigKey) -> None:
    """Remove KEY from the defaults file: the command's own default applies again."""
    from baseten_logs.cli.config_command import run_config_unset

    raise typer.Exit(int(run_config_unset(key=key)))


_COMMANDS.group(config_app)


@command(short_help="Serve the built-in Baseten API emulator until Ctrl-C.")
def emulator(
    host: Annotated[
        str, typer.Option(metavar="ADDRESS", help="Loopback address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            metavar="PORT", help="Port, 0 to 65535 (0 picks a free one).", min=0, max=65535
        ),
    ] = 8787,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the generated logs.")] = 0,
    rate: Annotated[
        float,
        typer.Option(metavar="LINES_PER_S", help="Log lines per second per deployment.", min=0),
    ] = 3.0,
    latency: Annotated[
        float, typer.Option(metavar="SECONDS", help="Delay before every answer.", min=0)
    ] = 0.0,
    latency_jitter: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            help="Each answer's delay varies by up to this much either way.",
            min=0,
        ),
    ] = 0.0,
    rate_limit: Annotated[
        int,
        typer.Option(
            metavar="RPS",
            help="Requests per key in any second before a 429, as the API's 100; 0 = no limit.",
            min=0,
        ),
    ] = 100,
    error_rate: Annotated[
        float,
        typer.Option(
            metavar="SHARE", help="Share of log requests answered 429/5xx, 0 to 1.", min=0, max=1
        ),
    ] = 0.0,
    late_share: Annotated[
        float,
        typer.Option(
            metavar="SHARE",
            help="Share of lines that arrive up to 30 s late, 0 to 1.",
            min=0,
            max=1,
        ),
    ] = 0.02,
    end_exclusive: Annotated[
        bool, typer.Option("--end-exclusive", help="`end_epoch_millis` excludes its millisecond.")
    ] = False,
    id_style: Annotated[
        str,
        typer.Option(
            metavar="STYLE",
            help="Ids of the catalogue: 7 or 8 (lowercase characters), mixed (case) or long.",
            autocompletion=choices("7", "8", "mixed", "long"),
        ),
    ] = "7",
    timestamps: Annotated[
        str,
        typer.Option(
            metavar="FORM",
            help="Each line's timestamp: ns (the documented string), ms (in milliseconds) or iso.",
            autocompletion=choices("ns", "ms", "iso"),
        ),
    ] = "ns",
    training_window_2h: Annotated[
        bool,
        typer.Option(
            "--training-window-2h",
            help="Training logs refuse windows over 2 hours (400), as truss says the API does.",
        ),
    ] = False,
) -> None:
    """Serve the built-in Baseten API emulator until Ctrl-C (prints its URL and key)."""
    from baseten_logs.cli.emulator import run_emulator

    run_emulator(
        host=host,
        port=port,
        seed=seed,
        lines_per_s=rate,
        latency_s=latency,
        latency_jitter_s=latency_jitter,
        rate_limit=rate_limit,
        error_rate=error_rate,
        end_inclusive=not end_exclusive,
        late_share=late_share,
        id_style=id_style,
        timestamps=timestamps,
        training_window_2h=training_window_2h,
    )
