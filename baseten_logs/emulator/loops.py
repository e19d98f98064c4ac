"""Loops: runs, their trainer deployments (whose logs read like a training job's) and samplers.

`GET /v1/loops/runs[/{run_id}]`, `GET /v1/loops/deployments/{id}[/logs]`, as the SDK's
ListLoopsRunsResponse, GetLoopsRunResponse and GetLoopsDeploymentResponse say. A run names its
trainer deployment and, for some runs, its sampler: an inference deployment of an ordinary model
of the catalogue (SAMPLER_MODEL_NAME), whose logs are read as any deployment's. One run is live
with a sampler, one live without, one ended a day ago, one (a colleague's, seen only with
`scope=org`) replaced by a newer run, and one ends 75 minutes after the emulator's anchor hour,
so a follower sees it end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .deployments import DAY_MS, HOUR_MS, MINUTE_MS, Deployment, iso, styled_id
from .deployments import deployment as _deployment
from .replies import Query, Response, error_reply, json_reply, last
from .shapes import USER, instance_type

LOOPS_KEY = "loops"  # the trainer deployments' "model" in the log store's keys
BASE_MODEL = "Qwen/Qwen3-8B"
SAMPLER_MODEL_NAME = "qwen3-8b-sampler"
SAMPLER_MODEL_ID = "m8s3p4l"
SAMPLER_DEPLOYMENT_ID = "d2s7m1q"
TRAINER_ID = "lp1x7k2"  # the live run with a sampler trains here
ENDED_TRAINER_ID = "lq4n8w3"
SHORT_TRAINER_ID = "lz6c2v9"
RUN_WITH_SAMPLER = "rg5m2x8"
ENDED_RUN = "rs3w9k1"
ENDING_RUN = "rd7c4n6"  # live, trainer only, ends 75 minutes after the anchor
COLLEAGUES_RUN = "rc2j8v5"
COLLEAGUE = "ml-intern@example.com"


@dataclass(frozen=True)
class Run:
    id: str
    name: str
    trainer_id: str
    created_ms: int
    ends_ms: int | None  # None: live until replaced
    owner: str
    sampler: bool = False

    def active(self, now_ms: int) -> bool:
        return self.ends_ms is None or now_ms < self.ends_ms


@dataclass(frozen=True)
class Trainer:
    """A Loops deployment: its log stream, capacity, and the runs that used it, oldest first."""

    dep: Deployment  # dep.id is the Loops deployment's id
    availability: str
    gpus: str
    nodes: int
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Loops:
    """Every Loops deployment and run, and the sampler deployment's ids."""

    trainers: tuple[Trainer, ...]
    sampler_model_id: str
    sampler_deployment_id: str
    sampler_created_ms: int

    def run(self, run_id: str) -> Run | None:
        return next((r for t in self.trainers for r in t.runs if r.id == run_id), None)

    def trainer(self, trainer_id: str) -> Trainer | None:
        return next((t for t in self.trainers if t.dep.id == trainer_id), None)


def sampler_deployment(anchor_ms: int) -> Deployment:
    """The sampler's inference deployment, a model deployment like any other (catalogue.py)."""
    return _deployment(
        SAMPLER_MODEL_ID,
        SAMPLER_DEPLOYMENT_ID,
        "grpo-math-sampler",
        created=anchor_ms - 6 * HOUR_MS,
        production=True,
        replicas=2,
        instance="H100:1x80",
    )


def build_loops(anchor_ms: int, style: str = "7") -> Loops:
    a = anchor_ms

    def sid(fixed: str) -> str:
        return styled_id(fixed, style)

    def trainer(fixed: str, created: int, until: int | None, status: str) -> Deployment:
        return _deployment(
            LOOPS_KEY, sid(fixed), fixed, created=created, until=until, status=status
        )

    ended_at = a - DAY_MS
    ending_at = a + 75 * MINUTE_MS
    trainers = (
        Trainer(
            trainer(TRAINER_ID, a - 6 * HOUR_MS, None, "ACTIVE"),
            "dedicated",
            "H100:8x80",
            1,
            (
                Run(
                    sid(RUN_WITH_SAMPLER),
                    "grpo-math",
                    sid(TRAINER_ID),
                    a - 6 * HOUR_MS,
                    None,
                    USER["email"],
                    sampler=True,
                ),
            ),
        ),
        Trainer(
            trainer(ENDED_TRAINER_ID, a - 3 * DAY_MS, ended_at, "INACTIVE"),
            "spot",
            "H100:8x80",
            2,
            (
                Run(
                    sid(COLLEAGUES_RUN),
                    "rl-baseline",
                    sid(ENDED_TRAINER_ID),
                    a - 3 * DAY_MS,
                    a - 2 * DAY_MS,
                    COLLEAGUE,
                ),
                Run(
                    sid(ENDED_RUN),
                    "sft-warmup",
                    sid(ENDED_TRAINER_ID),
                    a - 2 * DAY_MS,
                    ended_at,
                    USER["email"],
                ),
            ),
        ),
        Trainer(
            trainer(SHORT_TRAINER_ID, a - 2 * HOUR_MS, ending_at, "ACTIVE"),
            "dedicated",
            "A100:4x80",
            1,
            (
                Run(
                    sid(ENDING_RUN),
                    "dpo-chat",
                    sid(SHORT_TRAINER_ID),
                    a - 2 * HOUR_MS,
                    ending_at,
                    USER["email"],
                ),
            ),
        ),
    )
    return Loops(trainers, sid(SAMPLER_MODEL_ID), sid(SAMPLER_DEPLOYMENT_ID), a - 6 * HOUR_MS)


class LoopsRoutes:
    """`/v1/loops/...`; a trainer's logs are read by `read_logs` (the router's logs reader)."""

    def __init__(
        self,
        loops: Loops,
        now_ms: Callable[[], int],
        read_logs: Callable[[Deployment, Query], Response],
    ) -> None:
        self.loops = loops
        self.now_ms = now_ms
        self.read_logs = read_logs

    def route(self, rest: list[str], query: Query) -> Response:
        if rest == ["runs"]:
            return self._runs(query)
        if len(rest) == 2 and rest[0] == "runs":
            run = self.loops.run(rest[1])
            if run is None:
                return error_reply(404, "Loops run not found")
            return json_reply(200, {"run": self._run(run)})
        if len(rest) in (2, 3) and rest[0] == "deployments":
            trainer = self.loops.trainer(rest[1])
            if trainer is None:
                return error_reply(404, "Loops deployment not found")
            if len(rest) == 2:
                return json_reply(200, {"deployment": self._trainer(trainer)})
            if rest[2] == "logs":
                return self.read_logs(trainer.dep, query)
        return error_reply(404, "Not found")

    def _runs(self, query: Query) -> Response:
        run_id, base, scope = last(query, "run_id"), last(query, "base_model"), last(query, "scope")
        runs = [
            run
            for trainer in self.loops.trainers
            for run in trainer.runs
            if (run_id is None or run.id == run_id)
            and (base is None or base == BASE_MODEL)
            and (scope == "org" or run.owner == USER["email"])
        ]
        runs.sort(key=lambda r: r.created_ms, reverse=True)
        return json_reply(200, {"runs": [self._run(r) for r in runs]})

    def _run(self, run: Run) -> dict[str, Any]:
        active = run.active(self.now_ms())
        return {
            "id": run.id,
            "session_id": f"sess-{run.id.lower()}",
            "deployment_id": run.trainer_id,
            "name": run.name,
            "base_model": BASE_MODEL,
            "lora_config_version": "v1" if run.sampler else None,
            "base_url": f"https://loops.api.baseten.co/v1/runs/{run.id}",
            "created_at": iso(run.created_ms),
            "status": {"name": "ACTIVE" if active else "INACTIVE"},
            "user": {"email": run.owner},
            "sampler": self._sampler(active, run.owner) if run.sampler else None,
        }

    def _sampler(self, active: bool, owner: str) -> dict[str, Any]:
        loops = self.loops
        model, dep = loops.sampler_model_id, loops.sampler_deployment_id
        return {
            "id": f"smp-{dep.lower()}",
            "base_url": f"https://model-{model}.api.baseten.co/deployment/{dep}/sync/v1",
            "base_model": BASE_MODEL,
            "created_at": iso(loops.sampler_created_ms),
            "model_id": model,
            "deployment_id": dep,
            "status": {"name": "ACTIVE" if active else "SCALED_TO_ZERO"},
            "user": {"email": owner},
            "instance_type": instance_type("H100:1x80"),
            "node_count": 1,
        }

    def _trainer(self, trainer: Trainer) -> dict[str, Any]:
        now = self.now_ms()
        latest = max(trainer.runs, key=lambda r: r.created_ms)
        active = next((r for r in trainer.runs if r.active(now)), None)
        if active is not None:
            status = "RUNNING"
        else:
            status = "STOPPED" if trainer.availability == "spot" else "SCALED_TO_ZERO"
        return {
            "id": trainer.dep.id,
            "active_run_id": active.id if active is not None else None,
            "latest_run_id": latest.id,
            "base_model": BASE_MODEL,
            "base_url": f"https://loops.api.baseten.co/v1/deployments/{trainer.dep.id}",
            "status": {"name": status},
            "user": {"email": latest.owner},
            "created_at": iso(trainer.dep.created_at_ms),
            "availability_model": trainer.availability,
            "instance_type": instance_type(trainer.gpus),
            "node_count": trainer.nodes,
            "sampler": self._sampler(active is not None, latest.owner) if latest.sampler else None,
        }
