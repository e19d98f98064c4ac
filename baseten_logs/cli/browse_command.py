"""The `browse` command's signature: a deployment's logs full-screen (browse/, Textual).

Its body (cli/browse.py) is imported when the command runs, and Textual only there: `--help`,
completion and every other command start as before (tests/test_packaging.py). app.py adds it
with `register(app)`; this module does not import the app.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.help_text import BROWSE_EXIT_STATUSES, epilog, examples
from baseten_logs.cli.options import (
    WINDOW,
    ApiKey,
    ApiUrl,
    Env,
    Grep,
    Level,
    MaxRps,
    NoCache,
    Remote,
    Retries,
    Team,
    Tz,
    UsageCommand,
    Utc,
    access,
    complete_deployment,
    complete_model,
)
from baseten_logs.cli.registry import Commands

_COMMANDS = Commands()
register = _COMMANDS.register

BROWSE_EXAMPLES = examples(
    "baseten-logs browse llama-3-8b                       # production: newest lines, live",
    "baseten-logs browse llama-3-8b v3 --since 2h         # the last two hours, then live",
    "baseten-logs browse llama-3-8b --level error         # errors only; d i w show the rest",
    "baseten-logs browse llama-3-8b --env production      # every deployment that served it",
    "baseten-logs browse --chain rag-pipeline             # every chainlet, each line labelled",
    "baseten-logs browse --training llama-finetune        # the newest job, until it ends",
)


def _complete_browse_model(ctx: typer.Context, incomplete: str) -> list[str]:
    """MODEL: with --chain a chain's name, with --training a training project's."""
    from baseten_logs.completion.complete import (
        complete_chains,
        complete_training_projects,
        completion_params,
    )

    params = completion_params(ctx, needed="chain")
    if params.get("chain"):
        return complete_chains(incomplete, access(params))
    if params.get("training"):
        return complete_training_projects(incomplete, access(params))
    return complete_model(ctx, incomplete)


def _complete_browse_deployment(ctx: typer.Context, incomplete: str) -> list[str]:
    """DEPLOYMENT: with --training one of the project's jobs; with --chain nothing (chain
    deployments are ids, listed by `chain-deployments CHAIN`)."""
    from baseten_logs.completion.complete import complete_training_jobs, completion_params

    params = completion_params(ctx)
    if params.get("chain"):
        return []
    if params.get("training"):
        return complete_training_jobs(params.get("model"), incomplete, access(params))
    return complete_deployment(ctx, incomplete)


def _complete_browse_chainlet(ctx: typer.Context, incomplete: str) -> list[str]:
    """--chainlet: the chainlets of the chain MODEL names (only with --chain)."""
    from baseten_logs.completion.complete import complete_chainlets, completion_params

    params = completion_params(ctx)
    if not params.get("chain"):
        return []
    return complete_chainlets(params.get("model"), incomplete, access(params))


@_COMMANDS.command(
    cls=UsageCommand,
    epilog=epilog(BROWSE_EXAMPLES, BROWSE_EXIT_STATUSES),
    short_help="Explore logs full-screen: follow live, filter as you type, open a line.",
)
def browse(
    model: Annotated[
        str | None,
        typer.Argument(
            metavar="MODEL",
            help="The model's name or id (with --chain: the chain's, with --training: the "
            "training project's). Default: BASETEN_LOGS_MODEL, else the config's model (config "
            "set model NAME).",
            show_default=False,
            autocompletion=_complete_browse_model,
        ),
    ] = None,
    deployment: Annotated[
        str | None,
        typer.Argument(
            metavar="DEPLOYMENT",
            help="A deployment's name or id, or production / development (with --chain: a chain "
            "deployment's id; with --training: a job, default the newest). Default: production.",
            show_default=False,
            autocompletion=_complete_browse_deployment,
        ),
    ] = None,
    env: Env = None,
    team: Team = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="Open on the window from WHEN to now: 15m, 2h30m, 3d ago; RFC 3339 (no zone = "
            "--tz's, else local); epoch s/ms. Default: the newest lines of the last 30 minutes.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    limit: Annotated[
        str | None,
        typer.Option(
            "-n",
            "--limit",
            metavar="N",
            help="Open on the newest N lines of the window. Default 1000; with --since, all of "
            "the window.",
            rich_help_panel=WINDOW,
        ),
    ] = None,
    max_lines: Annotated[
        str,
        typer.Option(
            "--max-lines",
            metavar="N",
            help="Keep at most N lines loaded; past it those furthest from where you read go "
            "(the oldest while following, the newest while older lines are read).",
            rich_help_panel=WINDOW,
        ),
    ] = "100000",
    level: Level = None,
    grep: Grep = None,
    overlap: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="How late a line may arrive and still be shown (as get -f's --overlap).",
            rich_help_panel=WINDOW,
        ),
    ] = "60s",
    tz: Tz = None,
    utc: Utc = False,
    api_key: ApiKey = None,
    api_url: ApiUrl = None,
    remote: Remote = "baseten",
    no_cache: NoCache = False,
    retries: Retries = "5",
    max_rps: MaxRps = "100",
    chain: Annotated[
        bool,
        typer.Option(
            "--chain",
            help="MODEL names a chain and DEPLOYMENT a chain deployment: every chainlet, each "
            "line labelled with its chainlet (as the chain command shows them).",
        ),
    ] = False,
    chainlet: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="With --chain: only this chainlet (repeatable).",
            autocompletion=_complete_browse_chainlet,
        ),
    ] = None,
    training: Annotated[
        bool,
        typer.Option(
            "--training",
            help="MODEL names a training project and DEPLOYMENT a job (default: the newest): "
            "its lifetime, followed until it ends (as the training command reads it).",
        ),
    ] = False,
) -> None:
    """Explore a deployment's logs in a full-screen view: it opens on the newest lines and
    follows them live (as get -f does); moving up pauses it. Keys: d i w e show or hide a
    level, / searches (RE2, as --grep), n/N jump between matches, Enter opens a line whole,
    s saves the lines loaded (JSON lines, as --save), ? lists every key, q quits. --level and
    --grep set where the view's filter starts; every line is read, so the keys can show the
    others again."""
    from baseten_logs.cli.browse import run_browse

    run_browse(
        model=model,
        deployment=deployment,
        env=env,
        team=team,
        since=since,
        limit=limit,
        max_lines=max_lines,
        overlap=overlap,
        tz=tz,
        utc=utc,
        api_key=api_key,
        api_url=api_url,
        remote=remote,
        no_cache=no_cache,
        retries=retries,
        max_rps=max_rps,
        level=level,
        grep=grep,
        chain=chain,
        chainlet=chainlet,
        training=training,
    )
