"""The flags and arguments that say what to read: MODEL, DEPLOYMENT, --team, --env. Shared by
the log readers (get, stats, request, browse...) and the listings of a model's parts.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Annotated

import typer

from baseten_logs.cli.flag_completion import complete_deployment, complete_env, complete_model

Model = Annotated[
    str | None,
    typer.Argument(
        metavar="MODEL",
        help="The model's name or id. Default: BASETEN_LOGS_MODEL, else the config's model "
        "(config set model NAME).",
        show_default=False,
        autocompletion=complete_model,
    ),
]
Deployment = Annotated[
    str | None,
    typer.Argument(
        metavar="DEPLOYMENT",
        help="A deployment's name or id, or production / development. Default: production.",
        show_default=False,
        autocompletion=complete_deployment,
    ),
]
Team = Annotated[
    str | None,
    typer.Option(
        "--team",
        metavar="NAME",
        help="When models of several teams share the name: the one of this team.",
        show_default=False,
    ),
]
Env = Annotated[
    str | None,
    typer.Option(
        "--env",
        metavar="NAME",
        help="An environment's logs (every deployment that served it), not one deployment's.",
        show_default=False,
        autocompletion=complete_env,
    ),
]
