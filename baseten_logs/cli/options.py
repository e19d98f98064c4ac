"""Flags and arguments that several commands share, declared once (pip's cmdoptions idea), and
the one door a command's signature imports them through.

Each is an Annotated alias a command's signature names (`since: Since = None`): one spelling, one
help text, one completion for every command that takes it, so `get`, `chain` and `training`
cannot drift apart (tests/test_shared_flags.py). They are declared by what they are about, each
group in its module: what to read (source_options), when (window_options), the API's filters
(filter_options), how lines are shown and what scripts get (output_options), how the API is
reached (access_options); their completion (flag_completion) and help panels (option_panels).
This module adds UsageCommand, the command class every signature module uses. --profile and
the flags typed before the command are global_flags.py's. Imports only typer and, while
completing, the completion layer: the app imports this on every start.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from typing import Any

import typer
from typer.core import TyperCommand

from baseten_logs.cli.access_options import (
    ApiKey,
    ApiUrl,
    MaxRps,
    NoCache,
    Remote,
    Retries,
    Verbose,
)
from baseten_logs.cli.filter_options import (
    Component,
    Exclude,
    Grep,
    IgnoreCase,
    Include,
    Level,
    Replica,
    RequestId,
)
from baseten_logs.cli.flag_completion import (
    access,
    complete_chain,
    complete_chainlet,
    complete_deployment,
    complete_env,
    complete_loops_run,
    complete_model,
    complete_replica,
    complete_sandbox,
    complete_training_job,
    complete_training_project,
    team_access,
)
from baseten_logs.cli.global_flags import (
    adopt_globals,
    profile_option,
)
from baseten_logs.cli.option_panels import (
    ACCESS,
    FILTERS,
    OUTPUT,
    SCRIPTS,
    WINDOW,
    choices,
)
from baseten_logs.cli.output_options import (
    Color,
    Events,
    FailOn,
    LogOutput,
    MessageOnly,
    NoColor,
    NoWrap,
    Prefix,
    Quiet,
    RequestOutput,
    Reverse,
    Save,
    Summary,
    Template,
    Timestamps,
    Tz,
    Utc,
    Verbatim,
)
from baseten_logs.cli.source_options import (
    Deployment,
    Env,
    Model,
    Team,
)
from baseten_logs.cli.window_options import (
    AllLines,
    Concurrency,
    Follow,
    Limit,
    Overlap,
    Since,
    Until,
)

__all__ = [
    "ACCESS",
    "AllLines",
    "ApiKey",
    "ApiUrl",
    "Color",
    "Component",
    "Concurrency",
    "Deployment",
    "Env",
    "Events",
    "Exclude",
    "FILTERS",
    "FailOn",
    "Follow",
    "Grep",
    "IgnoreCase",
    "Include",
    "Level",
    "Limit",
    "LogOutput",
    "MaxRps",
    "MessageOnly",
    "Model",
    "NoCache",
    "NoColor",
    "NoWrap",
    "OUTPUT",
    "Overlap",
    "Prefix",
    "Quiet",
    "Remote",
    "Replica",
    "RequestId",
    "RequestOutput",
    "Retries",
    "Reverse",
    "SCRIPTS",
    "Save",
    "Since",
    "Summary",
    "Team",
    "Template",
    "Timestamps",
    "Tz",
    "Until",
    "UsageCommand",
    "Utc",
    "Verbatim",
    "Verbose",
    "WINDOW",
    "access",
    "choices",
    "complete_chain",
    "complete_chainlet",
    "complete_deployment",
    "complete_env",
    "complete_loops_run",
    "complete_model",
    "complete_replica",
    "complete_sandbox",
    "complete_training_job",
    "complete_training_project",
    "team_access",
]


class UsageCommand(TyperCommand):
    """Usage lines as people write them, `get MODEL [DEPLOYMENT]`: typer writes `{MODEL}`.

    Every command that reads credentials (it declares --remote) also takes --profile, declared
    once here and added after --remote: its value goes to the run's context (`login_choice`),
    not to the command's body, so no command's signature has to carry it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [param.name for param in self.params]
        if "remote" in names and "profile" not in names:
            self.params.insert(names.index("remote") + 1, profile_option())

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        rest = super().parse_args(ctx, args)
        adopt_globals(ctx)  # `baseten-logs -v get ...`: -v typed before the command
        return rest

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [
            piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
            for piece in super().collect_usage_pieces(ctx)
        ]
