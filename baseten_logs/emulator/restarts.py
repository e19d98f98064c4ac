"""Replica start attempts, phase by phase, and the replica of the demo model that restarted twice.

"Why did my replica restart?" is answered by the start-ups endpoint beside the lines: so the
emulator's restarts are one plan that both read. The start-ups endpoint (startups.py) lists the
attempts; the log generator (generate.py) prints, on that replica, the error that killed it just
before each restart (an OOM, a worker's crash), the failed load of the attempt that failed, and
the usual start-up lines of each attempt, and nothing of the replica while it was down.
"""

from __future__ import annotations

from dataclasses import dataclass

from .deployments import HOUR_MS, MINUTE_MS

PHASES = (
    "SCHEDULING",
    "IMAGE_PULL",
    "WEIGHT_DOWNLOAD",
    "CONTAINER_CREATE",
    "CONTAINER_START",
    "READINESS",
)
SUCCESS, FAILED, STALLED = "SUCCESS", "FAILED", "STALLED"
_OOM = (
    "Traceback (most recent call last):\n"
    '  File "/app/model/model.py", line 88, in predict\n'
    "    outputs = self._engine.generate(prompt, params)\n"
    '  File "/usr/local/lib/python3.11/site-packages/vllm/engine.py", line 412, in generate\n'
    "    return self._run(requests)\n"
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 4.00 GiB "
    "(GPU 0; 79.10 GiB total capacity; 76.85 GiB already allocated)"
)
_LOAD_OOM = (
    "Traceback (most recent call last):\n"
    '  File "/app/model/model.py", line 34, in load\n'
    "    self._engine = LLM(self._model_path, gpu_memory_utilization=0.95)\n"
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB "
    "(GPU 0; 79.10 GiB total capacity; 78.02 GiB already allocated)"
)
_CRASH = (
    "Exception in thread engine-worker-1:\n"
    "Traceback (most recent call last):\n"
    '  File "/usr/local/lib/python3.11/site-packages/vllm/worker.py", line 233, in execute\n'
    "    output = self.model_runner.execute_model(batch)\n"
    "RuntimeError: CUDA error: an illegal memory access was encountered"
)


@dataclass(frozen=True)
class Phase:
    """One phase of a start attempt (StartupPhaseSummary); duration None: it never finished."""

    name: str
    offset_ms: int
    duration_ms: int | None
    status: str = "COMPLETED"

    def to_api(self) -> dict[str, object]:
        return {
            "phase": self.name,
            "status": self.status,
            "offset_ms": self.offset_ms,
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True)
class Attempt:
    """One replica start attempt (StartupAttempt), before the catalogue names its deployment."""

    deployment_id: str
    replica: str
    started_ms: int
    phases: tuple[Phase, ...]
    outcome: str

    @property
    def duration_ms(self) -> int:
        last = self.phases[-1]
        return last.offset_ms + (last.duration_ms or 0)

    @property
    def ready_ms(self) -> int | None:
        return self.started_ms + self.duration_ms if self.outcome == SUCCESS else None

    @property
    def server_start_ms(self) -> int:
        """When the model server in the container printed its first line."""
        start = next(p for p in self.phases if p.name == "CONTAINER_START")
        return self.started_ms + start.offset_ms + (start.duration_ms or 0)


def timeline(durations: tuple[int, ...], *, failed_last: bool = False) -> tuple[Phase, ...]:
    """Phases one after another with these durations, in PHASES order."""
    phases, offset = [], 0
    for index, (name, duration) in enumerate(zip(PHASES, durations, strict=True)):
        failed = failed_last and index == len(durations) - 1
        phases.append(Phase(name, offset, duration, "FAILED" if failed else "COMPLETED"))
        offset += duration
    return tuple(phases)


@dataclass(frozen=True)
class Restart:
    """A replica that died (`cause`: "oom" or "crash") at `crashed_ms` and the attempts after."""

    deployment_id: str
    replica: str
    crashed_ms: int
    cause: str
    attempts: tuple[Attempt, ...]

    @property
    def back_ms(self) -> int:
        """When the replica served again (the last attempt's readiness)."""
        ready = self.attempts[-1].ready_ms
        return ready if ready is not None else self.attempts[-1].started_ms

    def lines(self) -> list[tuple[int, str, str, str]]:
        """(epoch ms, message, level, component) of what the replica printed around it."""
        exit_code = "137 (OOMKilled)" if self.cause == "oom" else "1 (Error)"
        out = [
            (self.crashed_ms, _OOM if self.cause == "oom" else _CRASH, "ERROR", "model"),
            (
                self.crashed_ms + 350,
                f"Container model exited with code {exit_code}; restarting replica {self.replica}",
                "ERROR",
                "model",  # the platform's words, in the stream (its "system" lines are start-ups)
            ),
        ]
        for attempt in self.attempts:
            out += _attempt_lines(attempt)
        return out


def _attempt_lines(attempt: Attempt) -> list[tuple[int, str, str, str]]:
    up = attempt.server_start_ms
    out = [
        (up, f"Starting replica {attempt.replica}", "INFO", "system"),
        (up + 900, "Loading model weights from /app/model_cache", "INFO", "model"),
    ]
    end = attempt.started_ms + attempt.duration_ms
    if attempt.outcome == SUCCESS:
        load_s = (end - up) / 1000
        out.append((end - 40, f"Model loaded in {load_s:.1f} s", "INFO", "model"))
        uvicorn = "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)"
        out.append((end, uvicorn, "INFO", "model"))
    else:
        out.append((end - 500, _LOAD_OOM, "ERROR", "model"))
        probe = 'Readiness probe failed: Get "http://10.0.3.7:8080/v1/models/model": refused'
        out.append((end, probe, "WARNING", "model"))
    return out


def planted_restarts(anchor_ms: int, deployment_id: str, replica: str) -> tuple[Restart, ...]:
    """The demo deployment's replica that restarted twice: an OOM three hours ago, whose first
    attempt failed to load (out of memory again) before the second came up, and a worker's crash
    three quarters of an hour ago, back at the first attempt."""
    first = anchor_ms - 3 * HOUR_MS + 7 * MINUTE_MS + 13_400
    second = anchor_ms - 47 * MINUTE_MS + 2_100
    warm = (820, 0, 0, 1_900, 1_300)  # image and weights cached on the node
    failed = Attempt(
        deployment_id, replica, first + 4_200, timeline((*warm, 21_700), failed_last=True), FAILED
    )
    retried_at = failed.started_ms + failed.duration_ms + 10_000
    retried = Attempt(deployment_id, replica, retried_at, timeline((*warm, 17_400)), SUCCESS)
    again = Attempt(
        deployment_id, replica, second + 3_100, timeline((640, 0, 0, 1_700, 1_100, 16_900)), SUCCESS
    )
    return (
        Restart(deployment_id, replica, first, "oom", (failed, retried)),
        Restart(deployment_id, replica, second, "crash", (again,)),
    )
