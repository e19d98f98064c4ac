"""A training job's logs: which project and job, asked of the API.

PROJECT may be a training project's id or name, and nothing in an id's shape says which: the id
is tried first (`GET /v1/training_projects/{PROJECT}/jobs` answers 200 for an id, 404 otherwise),
and only a 404 looks the name up in the list of projects. That answer lists the project's jobs,
so JOB (an id or a name; default the newest job) costs nothing more.

The job object also says when the job ran (`created_at`, and `updated_at`: when its status
last changed), so with no --since the window is the job's lifetime, as truss and Baseten's Go
CLI read a job from its creation: a job that finished days ago still shows its lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from baseten_logs.base.errors import BasetenLogsError, NotFoundError
from baseten_logs.base.timeparse import EARLIEST_MS
from baseten_logs.base.timestamps import timestamp_ns
from baseten_logs.sources.names import (
    check_name,
    find_by_id_or_name,
    is_id_text,
    listed_objects,
    some_names,
)
from baseten_logs.sources.paths import api_path
from baseten_logs.sources.resolve import list_projects

if TYPE_CHECKING:
    from baseten_logs.api.client import ApiClient
    from baseten_logs.sources.cache import Cache

FINAL_ENDINGS = ("COMPLETED", "FAILED", "STOPPED")  # TRAINING_JOB_COMPLETED, ..._FAILED, ...
# A job's lifetime is widened by this much at both ends: its first lines may carry a time a
# little before `created_at` (another machine's clock), its last ones after `updated_at` (the
# status is set, then the last lines are shipped).
LIFETIME_SLACK_MS = 60_000


@dataclass(frozen=True)
class TrainingTarget:
    project_id: str
    project_name: str | None
    job_id: str
    job_name: str | None
    status: str | None
    created_ms: int | None = None  # the job object's created_at, when it could be read
    updated_ms: int | None = None  # its updated_at

    @property
    def logs_path(self) -> str:
        return api_path("training_projects", self.project_id, "jobs", self.job_id, "logs")

    @property
    def label(self) -> str:
        project = (
            f"{self.project_name} ({self.project_id})" if self.project_name else self.project_id
        )
        job = f"{self.job_name} ({self.job_id})" if self.job_name else self.job_id
        return f"{project} / {job}"


def moment_ms(value: object) -> int | None:
    """A job object's time (`created_at`...) in epoch ms, from any plausible form: what a log
    line's time may be (timestamps.py: RFC 3339, epoch s/ms/us/ns as numbers or strings), and
    an RFC 3339 time without an offset, read as UTC. None: absent or unreadable."""
    ns = timestamp_ns(value)
    if ns is None and isinstance(value, str) and "-" in value and ":" in value:
        ns = timestamp_ns(value.strip() + "Z")
    return None if ns is None else ns // 1_000_000


def lifetime(target: TrainingTarget, now_ms: int) -> tuple[int, int] | None:
    """The job's window: from its creation to its last status change when it has ended, else
    to now (running, pending, or a status not known); None when its creation is unknown."""
    created = target.created_ms
    if created is None:
        return None
    until = now_ms
    if is_final(target.status) and target.updated_ms is not None:
        until = min(now_ms, max(target.updated_ms, created) + LIFETIME_SLACK_MS)
    since = max(EARLIEST_MS, created - LIFETIME_SLACK_MS)
    return min(since, until), until


def is_final(status: object) -> bool:
    return isinstance(status, str) and status.upper().endswith(FINAL_ENDINGS)


def check_training_input(*, project: str, job: str | None) -> None:
    check_name("PROJECT", project, "training project")
    if job is not None:
        check_name("JOB", job, "training job")


def list_jobs(client: ApiClient, project_id: str) -> list[dict[str, Any]]:
    path = api_path("training_projects", project_id, "jobs")
    return listed_objects(client.get_json(path), "training_jobs", path)


def find_project(
    client: ApiClient, project: str, *, cache: Cache | None = None
) -> tuple[str, str | None, list[dict[str, Any]]]:
    """(id, name, jobs): PROJECT tried as an id first, then as a name. A name's look-up lists
    every project: with a `cache` that listing refreshes the names completion offers, as
    `training-projects` does (none with --no-cache)."""
    return find_by_id_or_name(
        project,
        children=lambda project_id: list_jobs(client, project_id),
        listing=lambda: list_projects(client, cache=cache),
        flag="PROJECT",
        kind="training project",
        plural="training projects",
        seen="projects",
        none_seen="this key sees none",
    )


def resolve_training(client: ApiClient, project: str, job: str | None = None) -> TrainingTarget:
    project_id, project_name, jobs = find_project(client, project)
    usable = [j for j in jobs if is_id_text(j.get("id"))]
    if job is None:
        if not usable:
            raise NotFoundError(f"training project {project!r} has no jobs")
        chosen = max(usable, key=lambda j: str(j.get("created_at") or ""))
    else:
        found = [j for j in usable if j.get("id") == job] or [
            j for j in usable if j.get("name") == job
        ]
        if not found:
            ids = [str(j.get("name") or j["id"]) for j in usable]
            raise NotFoundError(
                f"training project {project!r} has no job {job!r}",
                hint=f"its jobs: {some_names(ids)}" if ids else "it has no jobs",
            )
        chosen = found[0]
    name = chosen.get("name")
    status = chosen.get("current_status")
    return TrainingTarget(
        project_id=project_id,
        project_name=project_name,
        job_id=str(chosen["id"]),
        job_name=name if isinstance(name, str) and name else None,
        status=status if isinstance(status, str) else None,
        created_ms=moment_ms(chosen.get("created_at")),
        updated_ms=moment_ms(chosen.get("updated_at")),
    )


def job_state(target: TrainingTarget) -> str | None:
    """The job's status in words when it is not running (known from the job listing, so no
    request): why its newest lines may be older than the default window."""
    status = target.status
    if status is None or status.upper().endswith("RUNNING"):
        return None
    return f"the training job is {status}"


def job_ended(client: ApiClient, target: TrainingTarget) -> Callable[[], str | None]:
    """For -f: why following should stop (the job reached a final status), or None."""

    def check() -> str | None:
        try:
            jobs = list_jobs(client, target.project_id)
        except BasetenLogsError:
            return None  # a failed check is no reason to stop; the polls report trouble
        status = next((j.get("current_status") for j in jobs if j.get("id") == target.job_id), None)
        return f"the training job is {status}" if is_final(status) else None

    return check
