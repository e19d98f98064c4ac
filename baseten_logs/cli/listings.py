"""Listings beside `models` and `deployments`: chains, their deployments and chainlets, training
projects and their jobs, Loops runs, sandboxes. Tables on a terminal, the API's objects as JSON
lines when piped; the lists of chains, projects, runs and sandboxes refresh the cache that
completion offers names from.

Each runner asks for its objects; how they are drawn (headers, a row per object, the order) is
its `Table`, and `Table.emit` does what every listing does with them, so a new listing is a
request and a Table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

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

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient

__all__ = [
    "run_chain_deployments",
    "run_chainlets",
    "run_chains",
    "run_loops_runs",
    "run_sandboxes",
    "run_training_jobs",
]

Row = list[str | Cell]
Order = Literal["by name", "newest first", "as sent"]


@dataclass(frozen=True)
class Table:
    """How one listing is drawn: its headers, a row per object, and the rows' order. The API's
    objects, unchanged, are what JSON output prints; the table is only for a terminal."""

    headers: tuple[str, ...]
    row: Callable[[dict[str, Any], Zone | None], Row]
    order: Order

    def emit(
        self,
        objects: list[dict[str, Any]],
        *,
        output: str,
        color: str,
        zone: Zone | None,
        empty: str,
    ) -> ExitStatus:
        """Write `objects` in the table's order, as `output` says; `empty` when there are none."""
        if self.order == "by name":
            objects.sort(key=lambda o: (str(o.get("name")), str(o.get("id"))))
        elif self.order == "newest first":  # the one looked for is usually the latest
            objects.sort(key=lambda o: str(o.get("created_at") or ""), reverse=True)
        rows = [self.row(o, zone) for o in objects]
        headers = zoned_headers(self.headers, zone)
        emit_rows(objects, headers, rows, output=output, color=color, empty=empty)
        return ExitStatus.OK


def _client(credentials: Credentials, verbose: bool) -> ApiClient:
    """The listing's one client; -v shows its requests."""
    return open_client(credentials, log=messages.info if verbose else None)


CHAINS = Table(
    ("NAME", "ID", "TEAM", "DEPLOYMENTS", "CREATED (UTC)"),
    lambda c, zone: [
        cell_text(c.get("name")),
        cell_text(c.get("id")),
        cell_text(c.get("team_name")),
        cell_text(c.get("deployments_count")),
        short_time(c.get("created_at"), zone),
    ],
    "by name",
)
CHAIN_DEPLOYMENTS = Table(
    ("ID", "ENVIRONMENT", "STATUS", "CHAINLETS", "CREATED (UTC)"),
    lambda d, zone: [
        cell_text(d.get("id")),
        cell_text(d.get("environment")),
        status_cell(d.get("status")),
        _chainlet_names(d.get("chainlets")),
        short_time(d.get("created_at"), zone),
    ],
    "newest first",
)
CHAINLETS = Table(
    ("NAME", "ID", "STATUS", "REPLICAS", "INSTANCE"),
    lambda c, zone: [
        cell_text(c.get("name")),
        cell_text(c.get("id")),
        status_cell(c.get("status")),
        cell_text(c.get("active_replica_count")),
        cell_text(c.get("instance_type_name")),
    ],
    "as sent",
)
TRAINING_PROJECTS = Table(
    ("NAME", "ID", "TEAM", "LATEST JOB", "STATUS", "UPDATED (UTC)"),
    lambda p, zone: _project_row(p, zone),
    "by name",
)
TRAINING_JOBS = Table(
    ("NAME", "ID", "STATUS", "CREATED (UTC)", "UPDATED (UTC)"),
    lambda j, zone: [
        cell_text(j.get("name")),
        cell_text(j.get("id")),
        _job_status(j.get("current_status")),
        short_time(j.get("created_at"), zone),
        short_time(j.get("updated_at"), zone),
    ],
    "newest first",
)
LOOPS_RUNS = Table(
    ("NAME", "ID", "STATUS", "TRAINER", "SAMPLER", "USER", "CREATED (UTC)"),
    lambda r, zone: [
        cell_text(r.get("name")),
        cell_text(r.get("id")),
        status_cell(_run_status(r)),
        cell_text(r.get("deployment_id")),
        _sampler_cell(r.get("sampler")),
        cell_text(_user(r.get("user"))),
        short_time(r.get("created_at"), zone),
    ],
    "newest first",
)
SANDBOXES = Table(
    ("NAME", "STATUS", "IMAGE", "LABELS", "CREATED (UTC)"),
    lambda s, zone: [
        cell_text(s.get("name")),
        status_cell(s.get("status")),
        cell_text(s.get("image")),
        _labels(s.get("labels")),
        short_time(s.get("created_at"), zone),
    ],
    "newest first",
)


def run_chains(
    *,
    credentials: Credentials,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    with _client(credentials, verbose) as client:
        chains = list_chains(client, cache=cache)
    empty = "this key sees no chains"
    return CHAINS.emit(chains, output=output, color=color, zone=zone, empty=empty)


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
    with _client(credentials, verbose) as client:
        _, _, deployments = find_chain(client, chain, cache=cache)
    empty = f"chain {chain} has no deployments"
    return CHAIN_DEPLOYMENTS.emit(deployments, output=output, color=color, zone=zone, empty=empty)


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
    with _client(credentials, verbose) as client:
        target = resolve_chain(client, chain, deployment=deployment, environment=env, cache=cache)
        deployment_body = client.get_json(target.deployment_path)
    listed = deployment_body.get("chainlets") if isinstance(deployment_body, dict) else None
    chainlets = [c for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []
    empty = f"{target.label} has no chainlets"
    return CHAINLETS.emit(chainlets, output=output, color=color, zone=None, empty=empty)


def run_training_projects(
    *,
    credentials: Credentials,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    with _client(credentials, verbose) as client:
        projects = list_projects(client, cache=cache)
    empty = "this key sees no training projects"
    return TRAINING_PROJECTS.emit(projects, output=output, color=color, zone=zone, empty=empty)


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
    with _client(credentials, verbose) as client:
        _, _, jobs = find_project(client, project, cache=cache)
    empty = f"{project} has no training jobs"
    return TRAINING_JOBS.emit(jobs, output=output, color=color, zone=zone, empty=empty)


def run_loops_runs(
    *,
    credentials: Credentials,
    org: bool = False,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    """The caller's Loops runs (`org`: the organization's), newest first; the caller's own
    refresh the run names completion offers."""
    from baseten_logs.sources.loops import list_runs

    with _client(credentials, verbose) as client:
        runs = list_runs(client, org=org, cache=None if org else cache)
    empty = "this key sees no Loops runs" + ("" if org else " of its own (--org: everyone's)")
    return LOOPS_RUNS.emit(runs, output=output, color=color, zone=zone, empty=empty)


def run_sandboxes(
    *,
    credentials: Credentials,
    output: str = "auto",
    color: str = "auto",
    verbose: bool = False,
    cache: Cache | None = None,
    zone: Zone | None = None,
) -> ExitStatus:
    """The sandboxes, newest first; their names kept for completion of `sandbox NAME`."""
    from baseten_logs.sources.sandboxes import list_sandboxes

    with _client(credentials, verbose) as client:
        sandboxes = list_sandboxes(client, cache=cache)
    empty = "this key sees no sandboxes"
    return SANDBOXES.emit(sandboxes, output=output, color=color, zone=zone, empty=empty)


def _run_status(run: dict[str, Any]) -> Any:
    from baseten_logs.sources.loops import status_name

    return status_name(run)


def _project_row(project: dict[str, Any], zone: Zone | None) -> Row:
    """A training project with its latest job's name and status."""
    found = project.get("latest_job")
    latest: dict[str, Any] = found if isinstance(found, dict) else {}
    return [
        cell_text(project.get("name")),
        cell_text(project.get("id")),
        cell_text(project.get("team_name")),
        cell_text(latest.get("name") or latest.get("id")),
        _job_status(latest.get("current_status")),
        short_time(project.get("updated_at"), zone),
    ]


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


def _labels(value: Any) -> str:
    """A sandbox's labels as `key=value` words (cell_text makes each inert)."""
    if not isinstance(value, dict):
        return ""
    return " ".join(f"{cell_text(k)}={cell_text(v)}" for k, v in sorted(value.items()))
