"""Completion of the flags and arguments that name something real (a model, a deployment, a
replica, a chain, a training job, a sandbox, a Loops run): each a small function typer calls
with the command line typed so far, which asks completion/complete.py for the names.

The completion layer is imported inside each function, only while completing: the app imports
this module (through the flags that name these functions) on every start.
"""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations cost it a compile and an eval each (tests/test_packaging.py).

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from baseten_logs.completion.complete import Where


# Completion of real names reads the on-disk cache of listings (complete.py); the words typed
# so far are re-parsed there because click leaves parameters unset while completing.
def access(params: dict[str, Any]) -> "Where":
    """Where completion's listings come from: the key, the URL and the remote typed so far."""
    from baseten_logs.completion.complete import Where

    return Where(
        api_key=params.get("api_key"),
        api_url=params.get("api_url"),
        remote=params.get("remote") or "baseten",
    )


def team_access(params: dict[str, Any]) -> "Where":
    """`access` and --team: models (their deployments, environments, replicas) are a team's;
    chains and training projects are completed from one listing whatever the team."""
    return replace(access(params), team=params.get("team"))


def model_named(params: dict[str, Any]) -> str | None:
    """MODEL as typed so far, else the default model the command would read (BASETEN_LOGS_MODEL,
    the config's): `get --env <Tab>` with a default model offers that model's environments."""
    typed = params.get("model")
    if typed:
        return str(typed)
    if "model" not in params or params.get("chain") or params.get("training"):
        return None  # a command with no MODEL (chain, view), or one naming no model there
    from baseten_logs.cli.config_command import resolve_setting

    try:
        found = resolve_setting("model", None)
    except Exception:  # a bad default is the command's to tell, not completion's
        return None
    return None if found is None else str(found.value)


def complete_model(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_models, completion_params

    return complete_models(incomplete, team_access(completion_params(ctx)))


def complete_deployment(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_deployments, completion_params

    params = completion_params(ctx)
    return complete_deployments(model_named(params), incomplete, team_access(params))


def complete_env(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_environments, completion_params

    params = completion_params(ctx)
    return complete_environments(model_named(params), incomplete, team_access(params))


def complete_replica(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_replicas, completion_params

    params = completion_params(ctx)
    return complete_replicas(
        model_named(params),
        params.get("deployment"),
        incomplete,
        environment=params.get("env"),
        where=team_access(params),
    )


def complete_chainlet(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_chainlets, completion_params

    params = completion_params(ctx, needed="chain")
    return complete_chainlets(params.get("chain"), incomplete, access(params))


def complete_chain(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_chains, completion_params

    return complete_chains(incomplete, access(completion_params(ctx)))


def complete_training_job(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_training_jobs, completion_params

    params = completion_params(ctx, needed="project")
    return complete_training_jobs(params.get("project"), incomplete, access(params))


def complete_sandbox(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_sandboxes, completion_params

    return complete_sandboxes(incomplete, access(completion_params(ctx, needed="name")))


def complete_training_project(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_training_projects, completion_params

    return complete_training_projects(incomplete, access(completion_params(ctx)))


def complete_loops_run(ctx: typer.Context, incomplete: str) -> list[str]:
    from baseten_logs.completion.complete import complete_loops_runs, completion_params

    return complete_loops_runs(incomplete, access(completion_params(ctx)))
