"""The emulator's chains (chainlets that log about one another's requests) and training jobs.

A chainlet logs like a model deployment (the same generator, so levels, tracebacks, replicas
and late arrivals are all there), a training job like a training job (training_logs.py: steps,
loss, epochs, checkpoints, OOMs, from the same chunked generator); a chainlet also says when it
calls the next chainlet and when it handles a request from the one before, with the same
request id, so a merged view shows one request crossing the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .deployments import DAY_MS, HOUR_MS, Deployment, iso, styled_id
from .deployments import deployment as _deployment
from .shapes import PROMOTION_SETTINGS, instance_type

CHAIN_NAME = "rag-pipeline"
CHAIN_ID = "c8h4n2r"
CHAIN_DEPLOYMENT_ID = "p3x9d1k"
CHAIN_DEV_DEPLOYMENT_ID = "v7m2c4q"
# The entrypoint first: each chainlet calls the next one.
CHAINLETS = (("Retriever", "r5t8l2m"), ("Ranker", "k2n6w9e"), ("Generator", "g4j7b3s"))
DEV_CHAINLETS = (("Retriever", "r9d3x7c"), ("Generator", "g1p8q5v"))
TRAINING_PROJECT_NAME = "llama-finetune"
TRAINING_PROJECT_ID = "t6q2w8z"
TRAINING_JOB_ID = "j3k9m4x"  # the latest, running
TRAINING_OLD_JOB_ID = "j8w2n5r"  # finished
RUNNING = "TRAINING_JOB_RUNNING"
COMPLETED = "TRAINING_JOB_COMPLETED"


@dataclass(frozen=True)
class Chainlet:
    name: str
    dep: Deployment  # its log stream; dep.id is the chainlet's id

    @property
    def id(self) -> str:
        return self.dep.id

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.dep.id,
            "name": self.name,
            "instance_type_name": self.dep.instance_type_name,
            "active_replica_count": self.dep.active_replica_count,
            "status": self.dep.status,
            "autoscaling_settings": None,
        }


@dataclass(frozen=True)
class ChainDeployment:
    id: str
    chain_id: str
    created_at_ms: int
    environment: str | None
    status: str
    chainlets: tuple[Chainlet, ...]

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": iso(self.created_at_ms),
            "chain_id": self.chain_id,
            "environment": self.environment,
            "status": self.status,
            "chainlets": [c.to_api() for c in self.chainlets],
        }


@dataclass(frozen=True)
class Chain:
    id: str
    name: str
    team_name: str
    created_at_ms: int
    deployments: tuple[ChainDeployment, ...]

    def deployment(self, deployment_id: str) -> ChainDeployment | None:
        return next((d for d in self.deployments if d.id == deployment_id), None)

    def environment(self, name: str) -> ChainDeployment | None:
        return next((d for d in self.deployments if d.environment == name), None)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": iso(self.created_at_ms),
            "deployments_count": len(self.deployments),
            "team_name": self.team_name,
        }

    def environment_to_api(self, dep: ChainDeployment) -> dict[str, Any]:
        return {
            "name": dep.environment,
            "chain_id": self.id,
            "created_at": iso(dep.created_at_ms),
            "current_deployment": dep.to_api(),
            "promotion_settings": PROMOTION_SETTINGS,
            "chainlet_settings": [
                {
                    "chainlet_name": c.name,
                    "autoscaling_settings": None,
                    "instance_type": instance_type(c.dep.instance_type_name),
                }
                for c in dep.chainlets
            ],
        }


@dataclass(frozen=True)
class TrainingJob:
    name: str
    status: str
    dep: Deployment  # its log stream; dep.id is the job's id
    project_name: str

    @property
    def id(self) -> str:
        return self.dep.id

    def to_api(self) -> dict[str, Any]:
        ended = self.dep.logs_until_ms
        return {
            "id": self.dep.id,
            "name": self.name,
            "training_project_id": self.dep.model_id,
            "training_project": {"id": self.dep.model_id, "name": self.project_name},
            "current_status": self.status,
            "created_at": iso(self.dep.created_at_ms),
            "updated_at": iso(ended if ended is not None else self.dep.created_at_ms),
            "instance_type": instance_type(self.dep.instance_type_name),
            "node_count": 1,
            "error_message": None,
        }


@dataclass(frozen=True)
class TrainingProject:
    id: str
    name: str
    team_name: str
    created_at_ms: int
    jobs: tuple[TrainingJob, ...]

    def job(self, job_id: str) -> TrainingJob | None:
        return next((j for j in self.jobs if j.id == job_id), None)

    def to_api(self) -> dict[str, Any]:
        latest = max(self.jobs, key=lambda j: j.dep.created_at_ms, default=None)
        return {
            "id": self.id,
            "name": self.name,
            "team_name": self.team_name,
            "created_at": iso(self.created_at_ms),
            "updated_at": iso(latest.dep.created_at_ms if latest else self.created_at_ms),
            "latest_job": latest.to_api() if latest is not None else None,
        }


def build_chains(anchor_ms: int, style: str = "7") -> tuple[Chain, ...]:
    a = anchor_ms
    chain_id = styled_id(CHAIN_ID, style)

    def chainlets(names: tuple[tuple[str, str], ...], created: int) -> tuple[Chainlet, ...]:
        return tuple(
            Chainlet(name, _deployment(chain_id, styled_id(cid, style), name, created=created))
            for name, cid in names
        )

    production = ChainDeployment(
        styled_id(CHAIN_DEPLOYMENT_ID, style),
        chain_id,
        a - 10 * DAY_MS,
        "production",
        "ACTIVE",
        chainlets(CHAINLETS, a - 10 * DAY_MS),
    )
    development = ChainDeployment(
        styled_id(CHAIN_DEV_DEPLOYMENT_ID, style),
        chain_id,
        a - DAY_MS,
        None,
        "ACTIVE",
        chainlets(DEV_CHAINLETS, a - DAY_MS),
    )
    return (Chain(chain_id, CHAIN_NAME, "acme-ml", a - 20 * DAY_MS, (production, development)),)


def build_training(anchor_ms: int, style: str = "7") -> tuple[TrainingProject, ...]:
    a = anchor_ms
    project_id = styled_id(TRAINING_PROJECT_ID, style)
    old = _deployment(
        project_id,
        styled_id(TRAINING_OLD_JOB_ID, style),
        "lora-r8",
        created=a - 3 * DAY_MS,
        until=a - 2 * DAY_MS,
        status="INACTIVE",
    )
    running = _deployment(
        project_id, styled_id(TRAINING_JOB_ID, style), "lora-r16", created=a - 6 * HOUR_MS
    )
    name = TRAINING_PROJECT_NAME
    jobs = (
        TrainingJob("lora-r8", COMPLETED, old, name),
        TrainingJob("lora-r16", RUNNING, running, name),
    )
    return (TrainingProject(project_id, TRAINING_PROJECT_NAME, "acme-ml", a - 5 * DAY_MS, jobs),)


CALL_DELAY_NS = 100_000  # a chainlet logs its call this long after the request's first line
HANDLE_DELAY_NS = 400_000  # and the next chainlet logs handling it this long after that
