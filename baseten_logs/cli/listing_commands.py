"""The commands that list what can be read: models and their deployments, chains, their
deployments and chainlets, sandboxes, training projects and their jobs, Loops runs.

Their signatures only: each body is a function of catalog.py or listings.py, imported when the
command runs. app.py registers them, in the order `--help` lists them, with `register(app)`:
this module does not import the app.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from baseten_logs.base.errors import ExitStatus
from baseten_logs.cli.defaults import color_of, model_of, zone_of
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

_COMMANDS = Commands(cls=UsageCommand)  # --profile for every command reading credentials
command = _COMMANDS.command
register = _COMMANDS.register


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


def _list(runner: Callable[..., ExitStatus], flags: Mapping[str, Any], **target: Any) -> None:
    """The shared body of every listing: the flags they all take (`flags`, the command's
    ctx.params: the same names in each) checked in one place, then `runner` with `target`, what
    the listing is of (and the zone of its times, for those with --tz)."""
    from baseten_logs.cli.listing_rows import LIST_FORMATS
    from baseten_logs.reading.query import COLOR_MODES, parse_choice
    from baseten_logs.sources.cache import cache_for

    output_format = parse_choice(flags["output"], flag="--output", choices=LIST_FORMATS)
    # The config's colour applies (its output does not: a listing's formats are its own).
    color = color_of(flags["color"], False)
    color_mode = parse_choice(color, flag="--color", choices=COLOR_MODES)
    credentials = credentials_of(flags["api_key"], flags["api_url"], flags["remote"])
    status = runner(
        credentials=credentials,
        output=output_format,
        color=color_mode,
        verbose=flags["verbose"],
        cache=cache_for(credentials, enabled=not flags["no_cache"]),
        **target,
    )
    raise typer.Exit(int(status))


@command()
def models(
    ctx: typer.Context,
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

    _list(run_models, ctx.params)


@command(cls=UsageCommand, short_help="A model's deployments: names, ids, status, environment.")
def deployments(
    ctx: typer.Context,
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

    _list(run_deployments, ctx.params, zone=zone_of(tz, utc), model=model_of(model), team=team)


@command(short_help="The chains this API key can see.")
def chains(
    ctx: typer.Context,
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

    _list(run_chains, ctx.params, zone=zone_of(tz, utc))


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
    ctx: typer.Context,
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

    _list(run_chain_deployments, ctx.params, zone=zone_of(tz, utc), chain=chain)


@command(cls=UsageCommand, short_help="A chain deployment's chainlets.")
def chainlets(
    ctx: typer.Context,
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
    _list(run_chainlets, ctx.params, chain=chain, deployment=deployment, env=env)


@command("sandboxes", short_help="The sandboxes this API key can see.")
def sandboxes(
    ctx: typer.Context,
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
    """List the sandboxes: names, status, image, labels, created; newest first."""
    from baseten_logs.cli.listings import run_sandboxes

    _list(run_sandboxes, ctx.params, zone=zone_of(tz, utc))


@command("training-projects", short_help="The training projects this API key can see.")
def training_projects(
    ctx: typer.Context,
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

    _list(run_training_projects, ctx.params, zone=zone_of(tz, utc))


@command("training-jobs", cls=UsageCommand, short_help="A training project's jobs.")
def training_jobs(
    ctx: typer.Context,
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
    _list(run_training_jobs, ctx.params, zone=zone_of(tz, utc), project=project)


# --- loops-runs: the Loops runs, for `loops RUN` ------------------------------------------------
@command("loops-runs", short_help="Your Loops runs (--org: everyone's), for `loops RUN`.")
def loops_runs(
    ctx: typer.Context,
    org: Annotated[
        bool,
        typer.Option("--org", help="Every run of the organization, not only yours."),
    ] = False,
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
    """List your Loops runs, newest first: names, ids, status, trainer and sampler deployments,
    owner, created. Piped, the API's objects as JSON lines."""
    from baseten_logs.cli.listings import run_loops_runs

    _list(run_loops_runs, ctx.params, zone=zone_of(tz, utc), org=org)
