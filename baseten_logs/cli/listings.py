"""Listings beside `models` and `deployments`: chains, their deployments and chainlets, training
projects and their jobs. Tables on a terminal, the API's objects as JSON lines when piped; the
lists of chains and projects refresh the cache that completion offers names from."""

from __future__ import annotations

from typing import Any

from baseten_logs.access.config import Credentials
from baseten_logs.base.errors import ExitStatus
from baseten_logs.base.timeparse import Zone
from baseten_logs.cli.listing_rows import (
    cell_text,
    emit_rows,
    short_time,
    status_cell,
    zoned_headers,
)
from baseten_logs.output import messages
from baseten_logs.output.tables import Cell
from baseten_logs.reading.fetch import open_client
from baseten_logs.sources.cache import Cache
from baseten_logs.sources.chains import find_chain, resolve_chain
from baseten_logs.sources.resolve import list_chains, list_projects
from baseten_logs.sources.training import find_project

__all__ = [
    "run_chain_deployments",
    "run_chainlets",
    "run_chains",
    "run_loops_runs",
    "run_sandboxes",
    "run_training_jobs",
]

CHAIN_HEADERS = ("NAME", "ID", "TEAM", "DEPLOYMENTS", "CREATED (UTC)")
CHAIN_DEPLOYMENT_HEADERS = ("ID", "ENVIRONMENT", "STATUS", "CHAINLETS", "CREATED (UTC)")
CHAINLET_HEADERS = ("NAME", "ID", "STATUS", "REPLICAS", "INSTANCE")
PROJECT_HEADERS = ("NAME", "ID", "TEAM", "LATEST JOB", "STATUS", "UPDATED (UTC)")
JOB_HEADERS = ("NAME", "ID", "STATUS", "CREATED (UTC)", "UPDATED (UTC)")
RUN_HEADERS = ("NAME", "ID", "STATUS", "TRAINER", "SAMPLER", "USER", "CREATED (UTC)")
SANDBOX_HEADERS = ("NAME", "STATUS", "IMAGE", "LABELS", "CREATED (UTC)")


def run_chains(
    *,
    credentials: Credentials,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    with open_client(credentials, log=messages.info if verbose else None) as client:
        chains = list_chains(client, cache=cache)
    chains.sort(key=lambda c: (str(c.get("name")), str(c.get("id"))))
    rows: list[list[str | Cell]] = [
        [
            cell_text(c.get("name")),
            cell_text(c.get("id")),
            cell_text(c.get("team_name")),
            cell_text(c.get("deployments_count")),
            short_time(c.get("created_at"), zone),
        ]
        for c in chains
    ]
    emit_rows(
        chains,
        zoned_headers(CHAIN_HEADERS, zone),
        rows,
        output=output,
        color=color,
        empty="this key sees no chains",
    )
    return ExitStatus.OK


def run_chain_deployments(
    *,
    credentials: Credentials,
    chain: str,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    with open_client(credentials, log=messages.info if verbose else None) as client:
        _, _, deployments = find_chain(client, chain, cache=cache)
    deployments.sort(key=lambda d: str(d.get("created_at") or ""), reverse=True)
    rows: list[list[str | Cell]] = [
        [
            cell_text(d.get("id")),
            cell_text(d.get("environment")),
            status_cell(d.get("status")),
            _chainlet_names(d.get("chainlets")),
            short_time(d.get("created_at"), zone),
        ]
        for d in deployments
    ]
    emit_rows(
        deployments,
        zoned_headers(CHAIN_DEPLOYMENT_HEADERS, zone),
        rows,
        output=output,
        color=color,
        empty=f"chain {chain} has no deployments",
    )
    return ExitStatus.OK


def run_chainlets(
    *,
    credentials: Credentials,
    chain: str,
    deployment: str | None = None,
    env: str | None = None,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
) -> ExitStatus:
    with open_client(credentials, log=messages.info if verbose else None) as client:
        target = resolve_chain(client, chain, deployment=deployment, environment=env, cache=cache)
        deployment_body = client.get_json(target.deployment_path)
    listed = deployment_body.get("chainlets") if isinstance(deployment_body, dict) else None
    chainlets = [c for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []
    rows: list[list[str | Cell]] = [
        [
            cell_text(c.get("name")),
            cell_text(c.get("id")),
            status_cell(c.get("status")),
            cell_text(c.get("active_replica_count")),
            cell_text(c.get("instance_type_name")),
        ]
        for c in chainlets
    ]
    emit_rows(
        chainlets,
        CHAINLET_HEADERS,
        rows,
        output=output,
        color=color,
        empty=f"{target.label} has no chainlets",
    )
    return ExitStatus.OK


def run_training_projects(
    *,
    credentials: Credentials,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    with open_client(credentials, log=messages.info if verbose else None) as client:
        projects = list_projects(client, cache=cache)
    projects.sort(key=lambda p: (str(p.get("name")), str(p.get("id"))))
    rows: list[list[str | Cell]] = []
    for p in projects:
        found = p.get("latest_job")
        latest: dict[str, Any] = found if isinstance(found, dict) else {}
        rows.append(
            [
                cell_text(p.get("name")),
                cell_text(p.get("id")),
                cell_text(p.get("team_name")),
                cell_text(latest.get("name") or latest.get("id")),
                _job_status(latest.get("current_status")),
                short_time(p.get("updated_at"), zone),
            ]
        )
    emit_rows(
        projects,
        zoned_headers(PROJECT_HEADERS, zone),
        rows,
        output=output,
        color=color,
        empty="this key sees no training projects",
    )
    return ExitStatus.OK


def run_training_jobs(
    *,
    credentials: Credentials,
    project: str,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    with open_client(credentials, log=messages.info if verbose else None) as client:
        _, _, jobs = find_project(client, project, cache=cache)
    jobs.sort(key=lambda j: str(j.get("created_at") or ""), reverse=True)
    rows: list[list[str | Cell]] = [
        [
            cell_text(j.get("name")),
            cell_text(j.get("id")),
            _job_status(j.get("current_status")),
            short_time(j.get("created_at"), zone),
            short_time(j.get("updated_at"), zone),
        ]
        for j in jobs
    ]
    emit_rows(
        jobs,
        zoned_headers(JOB_HEADERS, zone),
        rows,
        output=output,
        color=color,
        empty=f"{project} has no training jobs",
    )
    return ExitStatus.OK


def run_loops_runs(
    *,
    credentials: Credentials,
    org: bool = False,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
) -> ExitStatus:
    """The caller's Loops runs (`org`: the organization's), newest first; the caller's own
    refresh the run names completion offers."""
    from baseten_logs.sources.loops import list_runs, status_name

    with open_client(credentials, log=messages.info if verbose else None) as client:
        runs = list_runs(client, org=org, cache=None if org else cache)
    runs.sort(key=lambda r: str(r.get("created_at") or ""), reverse=True)
    rows: list[list[str | Cell]] = [
        [
            cell_text(r.get("name")),
            cell_text(r.get("id")),
            status_cell(status_name(r)),
            cell_text(r.get("deployment_id")),
            _sampler_cell(r.get("sampler")),
            cell_text(_user(r.get("user"))),
            short_time(r.get("created_at")),
        ]
        for r in runs
    ]
    empty = "this key sees no Loops runs" + ("" if org else " of its own (--org: everyone's)")
    emit_rows(runs, RUN_HEADERS, rows, output=output, color=color, empty=empty)
    return ExitStatus.OK


def _sampler_cell(value: Any) -> str:
    """A run's sampler as its deployment's id (`-`: a trainer-only run; `serverless`: one with
    no deployment of its own, whose logs `loops --sampler` cannot read)."""
    if not isinstance(value, dict):
        return "-"
    return cell_text(value.get("deployment_id") or "serverless")


def _user(value: Any) -> Any:
    return value.get("email") if isinstance(value, dict) else value


def _job_status(value: Any) -> Cell:
    """A training job's status without the `TRAINING_JOB_` every one of them starts with: in a
    table of training jobs it says nothing, and it made `TRAINING_JOB_RUNNING` too long to keep
    whole on a narrow terminal. JSON output keeps the API's value."""
    if isinstance(value, str) and value.startswith(_JOB_PREFIX) and value != _JOB_PREFIX:
        value = value.removeprefix(_JOB_PREFIX)
    return status_cell(value)


_JOB_PREFIX = "TRAINING_JOB_"


def _chainlet_names(value: Any) -> str:
    if not isinstance(value, list):
        return "-"
    names = [str(c.get("name")) for c in value if isinstance(c, dict) and c.get("name")]
    return ", ".join(names) or "-"


# --- sandboxes --------------------------------------------------------------------------------


def run_sandboxes(
    *,
    credentials: Credentials,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
) -> ExitStatus:
    """The sandboxes, newest first; their names kept for completion of `sandbox NAME`."""
    from baseten_logs.sources.sandboxes import list_sandboxes

    with open_client(credentials, log=messages.info if verbose else None) as client:
        sandboxes = list_sandboxes(client, cache=cache)
    sandboxes.sort(key=lambda s: str(s.get("created_at") or ""), reverse=True)
    rows: list[list[str | Cell]] = [
        [
            cell_text(s.get("name")),
            status_cell(s.get("status")),
            cell_text(s.get("image")),
            _labels(s.get("labels")),
            short_time(s.get("created_at")),
        ]
        for s in sandboxes
    ]
    emit_rows(
        sandboxes,
        SANDBOX_HEADERS,
        rows,
        output=output,
        color=color,
        empty="this key sees no sandboxes",
    )
    return ExitStatus.OK


def _labels(value: Any) -> str:
    """A sandbox's labels as `key=value` words (cell_text makes each inert)."""
    if not isinstance(value, dict):
        return ""
    return " ".join(f"{cell_text(k)}={cell_text(v)}" for k, v in sorted(value.items()))
