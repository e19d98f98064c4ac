"""What sandboxes print: commands run in them (each a trace: the command, its output, its exit),
daemons' lines without a trace, and their images' build logs.

A sandbox's stream comes from the same chunked, deterministic generator as a deployment's
(generate.py): a line's `request_id` holds its trace id and its `component` the action that
printed it ("exec" for a command, "" for none), so the store, windows and late arrivals are
shared. The API's entries carry a numeric severity (OpenTelemetry's numbers) and a `trace_id`,
empty when there is none.
"""

from __future__ import annotations

import random
import time

from .generate import DeploymentGenerator, _Chunk
from .lines import NS_PER_MS, Line

# OpenTelemetry's severity numbers of each level; 0 (UNSPECIFIED) for a line without one.
SEVERITY = {"DEBUG": 5, "INFO": 9, "WARNING": 13, "ERROR": 17}
_COMMANDS = (
    ("python agent.py --task {n}", ("loading tools: browser, python, shell", "step {n}: ok")),
    ("pip install -q pandas==2.2.{n}", ("Successfully installed pandas-2.2.{n}",)),
    ("pytest -q tests/test_task_{n}.py", ("{n} passed in 1.{n}s",)),
    ("node server.js --port 30{n}", ("listening on :30{n}",)),
)
_DAEMON = (
    ("DEBUG", "sandboxd: heartbeat ok (uptime {n}m)"),
    ("INFO", "sandboxd: filesystem usage {n}% of 10 GiB"),
    ("WARNING", "sandboxd: memory at {n}% of limit"),
)


def rfc3339(ts_ns: int, form: str = "ns") -> str:
    """An RFC 3339 time in one of the forms a server may print: nanoseconds and Z (`ns`),
    milliseconds and Z (`ms`), microseconds and an explicit +00:00 offset (`iso`)."""
    seconds, ns = divmod(ts_ns, 1_000_000_000)
    moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if form == "ms":
        return f"{moment}.{ns // 1_000_000:03d}Z"
    if form == "iso":
        return f"{moment}.{ns // 1_000:06d}+00:00"
    return f"{moment}.{ns:09d}Z"


def entry(line: Line, form: str) -> dict[str, object]:
    """A line as a SandboxLogEntry."""
    record: dict[str, object] = {
        "timestamp": rfc3339(line.ts, form),
        "message": line.message,
        "severity": SEVERITY.get(line.level or "", 0),
        "trace_id": line.request_id or "",
    }
    if line.component:
        record["action"] = line.component
    return record


class _SandboxChunk(_Chunk):
    """One minute of a sandbox: commands with their traces, and daemon lines."""

    def trace(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def event(self, t: int, replica: str) -> None:
        if self.random() < 0.3:
            level, text = self.rng.choice(_DAEMON)
            self.add(t, text.format(n=self.between(1, 99)), replica, None, level, "")
            return
        trace, n = self.trace(), self.between(1, 99)
        command, outputs = self.rng.choice(_COMMANDS)
        self.add(t, f"$ {command.format(n=n)}", replica, trace, "INFO", "exec")
        for output in outputs:
            t += self.between(5, 900) * NS_PER_MS
            self.add(t, output.format(n=n), replica, trace, "INFO", "")
        t += self.between(5, 400) * NS_PER_MS
        if self.random() < 0.15:
            crash = (
                "Traceback (most recent call last):\n"
                f'  File "task.py", line {n}, in run\n'
                "KeyError: 'step'"
            )
            self.add(t, crash, replica, trace, "ERROR", "")
            self.add(t + NS_PER_MS, "exit status 1", replica, trace, "WARNING", "exec")
        else:
            self.add(t, "exit status 0", replica, trace, "DEBUG", "exec")

    def burst(self, size: int, replica: str) -> None:
        """A command's output flushed within one millisecond (`cat` of a file), one trace."""
        super().burst(size, replica)
        trace = self.trace()
        self.raw[-size:] = [(ts, m, r, trace, "INFO", "") for ts, m, r, _, _, _ in self.raw[-size:]]

    def burst_line(self, i: int) -> str:
        return f"row {i}: id={self.below(128000)},score={self.random():.3f}"

    def startup(self, t: int) -> None:
        self.add(t, "sandboxd: sandbox started", self.replicas[0], None, "INFO", "")


class SandboxGenerator(DeploymentGenerator):
    builder = _SandboxChunk


def build_lines(image: str, started_ms: int, failed: bool) -> list[tuple[int, str, int]]:
    """(epoch ns, message, severity) of an image's build, oldest first."""
    rng = random.Random(f"image/{image}")
    t = started_ms * NS_PER_MS
    out: list[tuple[int, str, int]] = []

    def say(text: str, severity: int = 9) -> None:
        nonlocal t
        t += rng.randint(20, 3_000) * NS_PER_MS + rng.randrange(NS_PER_MS)
        out.append((t, text, severity))

    say(f"building image {image}")
    steps = ("FROM python:3.11-slim", "RUN apt-get update", "COPY requirements.txt .")
    for index, step in enumerate((*steps, "RUN pip install -r requirements.txt"), start=1):
        say(f"#{index} [{index}/5] {step}")
        for _ in range(rng.randint(20, 45)):
            package = f"pkg{rng.randint(1, 400)}-{rng.randint(0, 9)}.{rng.randint(0, 30)}"
            say(f"#{index} Collecting {package}", 5)
    say("#4 WARNING: Running pip as the 'root' user", 13)
    if failed:
        say("#5 ERROR: failed to solve: process did not complete successfully: exit code 1", 17)
        return out
    say("#5 [5/5] COPY . /workspace")
    say(f"pushing {image}: layers 7/7 done")
    say(f"image {image} ready")
    return out
