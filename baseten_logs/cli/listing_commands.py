"""The commands that list what can be read (models, chains, training projects and their
parts), say where the key comes from (whoami, config), and serve the emulator.

Their signatures only: each body is a function of its own module (catalog.py, listings.py,
whoami.py, emulator.py), imported when the command runs. app.py registers them, in the order
`--help` lists them, with `register(app)`: this module does not import the app.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from collections.abc import Callable
from typing import Annotated, Any

import typer

from baseten_logs.base.errors import ExitStatus
from baseten_logs.cli.defaults import color_of, model_of, zone_of
from baseten_logs.cli.help_text import CONFIG_EXIT_STATUSES, epilog, examples
from baseten_logs.cli.options import (
    ApiKey,
    ApiUrl,
    Color,
    Model,
    NoCache,
    Remote,
    Team,
    Tz,
    UsageCommand,
    Utc,
    Verbose,
    choices,
    complete_chain,
    complete_training_project,
)
from baseten_logs.cli.plan import credentials_of
from baseten_logs.cli.registry import Commands

_COMMANDS = Commands()
register = _COMMANDS.register


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`app.command(...)`, recorded and replayed on the app by `register`; each a UsageCommand,
    so that every one reading credentials takes --profile too (options.py)."""
    kwargs.setdefault("cls", UsageCommand)
    return _COMMANDS.command(*args, **kwargs)


ListOutput = Annotated[
    str,
    typer.Option(
        "-o",
        "--output",
        metavar="FORMAT",
        help="auto (a table on a terminal, JSON lines otherwise), table, jsonl or json.",
        autocompletion=choices("auto", "table", "jsonl", "json"),
    ),
]


def _list(
    runner: Callable[..., ExitStatus],
    *,
    output: str,
    color: str,
    api_key: str | None,
    api_url: str | None,
    remote: str,
    no_cache: bool,
    verbose: bool,
    **target: Any,
) -> None:
    """The shared body of `models` and `deployments`."""
    from baseten_logs.cli.listing_rows import LIST_FORMATS
    from baseten_logs.reading.query import COLOR_MODES, parse_choice
    from baseten_logs.sources.cache import cache_for

    output_format = parse_choice(output, flag="--output", choices=LIST_FORMATS)
    # The config's colour applies (its output does not: a listing's formats are its own).
    color_mode = parse_choice(color_of(color, False), flag="--color", choices=COLOR_MODES)
    credentials = credentials_of(api_key, api_url, remote)
    status = runner(
        credentials=credentials,
        output=output_format,
        color=color_mode,
        verbose=verbose,
        cache=cache_for(credentials, enabled=not no_cache),
        **target,
    )
    raise typer.Exit(int(status))


@command()
def models(
    output: ListOutput = "auto",
    color: Color = "auto",
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List the models this API key can see."""
    from baseten_logs.cli.catalog import run_models

    _list(
        run_models,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
    )


@command(cls=UsageCommand, short_help="A model's deployments: names, ids, status, environment.")
def deployments(
    model: Model = None,
    team: Team = None,
    output: ListOutput = "auto",
    color: Color = "auto",
    tz: Tz = None,
    utc: Utc = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List a model's deployments: names, ids, status, replicas, environment."""
    from baseten_logs.cli.catalog import run_deployments

    _list(
        run_deployments,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
        zone=zone_of(tz, utc),
        model=model_of(model),
        team=team,
    )


@command(short_help="The chains this API key can see.")
def chains(
    output: ListOutput = "auto",
    color: Color = "auto",
    tz: Tz = None,
    utc: Utc = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List the chains this API key can see: names, ids, teams, deployments."""
    from baseten_logs.cli.listings import run_chains

    _list(
        run_chains,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
        zone=zone_of(tz, utc),
    )


ChainArg = Annotated[
    str,
    typer.Argument(
        metavar="CHAIN",
        help="The chain's name or id.",
        show_default=False,
        autocompletion=complete_chain,
    ),
]


@command("chain-deployments", cls=UsageCommand, short_help="A chain's deployments.")
def chain_deployments(
    chain: ChainArg,
    output: ListOutput = "auto",
    color: Color = "auto",
    tz: Tz = None,
    utc: Utc = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List a chain's deployments: ids, environment, status, chainlets, created."""
    from baseten_logs.cli.listings import run_chain_deployments

    _list(
        run_chain_deployments,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
        zone=zone_of(tz, utc),
        chain=chain,
    )


@command(cls=UsageCommand, short_help="A chain deployment's chainlets.")
def chainlets(
    chain: ChainArg,
    deployment: Annotated[
        str | None,
        typer.Argument(
            metavar="DEPLOYMENT",
            help="A chain deployment's id, or production / development. Default: production.",
            show_default=False,
        ),
    ] = None,
    env: Annotated[
        str | None,
        typer.Option("--env", metavar="NAME", help="The deployment this environment serves now."),
    ] = None,
    output: ListOutput = "auto",
    color: Color = "auto",
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List a chain deployment's chainlets: names (for chain --chainlet), ids, status, replicas."""
    from baseten_logs.cli.listings import run_chainlets
    from baseten_logs.sources.chains import check_chain_input

    check_chain_input(chain=chain, deployment=deployment, environment=env, chainlets=())
    _list(
        run_chainlets,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
        chain=chain,
        deployment=deployment,
        env=env,
    )


@command("sandboxes", short_help="The sandboxes this API key can see.")
def sandboxes(
    output: ListOutput = "auto",
    color: Color = "auto",
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List the sandboxes: names, status, image, labels, created; newest first."""
    from baseten_logs.cli.listings import run_sandboxes

    _list(
        run_sandboxes,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
    )


@command("training-projects", short_help="The training projects this API key can see.")
def training_projects(
    output: ListOutput = "auto",
    color: Color = "auto",
    tz: Tz = None,
    utc: Utc = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List the training projects: names, ids, teams, the latest job and its status."""
    from baseten_logs.cli.listings import run_training_projects

    _list(
        run_training_projects,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
        zone=zone_of(tz, utc),
    )


@command("training-jobs", cls=UsageCommand, short_help="A training project's jobs.")
def training_jobs(
    project: Annotated[
        str,
        typer.Argument(
            metavar="PROJECT",
            help="The training project's name or id.",
            show_default=False,
            autocompletion=complete_training_project,
        ),
    ],
    output: ListOutput = "auto",
    color: Color = "auto",
    tz: Tz = None,
    utc: Utc = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List a training project's jobs: names, ids, status, created and updated, newest first."""
    from baseten_logs.cli.listings import run_training_jobs
    from baseten_logs.sources.training import check_training_input

    check_training_input(project=project, job=None)
    _list(
        run_training_jobs,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
        zone=zone_of(tz, utc),
        project=project,
    )


# --- loops-runs: the Loops runs, for `loops RUN` ------------------------------------------------
@command("loops-runs", short_help="Your Loops runs (--org: everyone's), for `loops RUN`.")
def loops_runs(
    org: Annotated[
        bool,
        typer.Option("--org", help="Every run of the organization, not only yours."),
    ] = False,
    output: ListOutput = "auto",
    color: Color = "auto",
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    verbose: Verbose = False,
) -> None:
    """List your Loops runs, newest first: names, ids, status, trainer and sampler deployments,
    owner, created. Piped, the API's objects as JSON lines."""
    from baseten_logs.cli.listings import run_loops_runs

    _list(
        run_loops_runs,
        output=output,
        color=color,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        verbose=verbose,
        org=org,
    )


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
