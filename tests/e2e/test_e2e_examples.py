"""Every example in `--help` and the README prints something against the emulator (issue 22).

The examples are read from where users read them (each command's help page, the README's shell
blocks), run as written through `sh` with the installed command first on PATH, and must exit 0
(1 for a `--fail-on` example, whose point that is) having printed at least one line, or written
one to the file the example sends its output to. What is changed before running, and what is not
run, is listed below with the reason; nothing else is.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer

from baseten_logs.cli.app import app
from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig
from baseten_logs.emulator.chains import (
    CHAIN_DEPLOYMENT_ID,
    CHAIN_ID,
    TRAINING_JOB_ID,
    TRAINING_PROJECT_ID,
)
from baseten_logs.emulator.generate import replica_ids
from baseten_logs.emulator.sandboxes import TRACED_SANDBOX
from tests.conftest import invoke
from tests.e2e.conftest import CLI

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60
# A -f example (or `demo`, a tour of half a minute) must print its first line within this; then
# it is stopped, as it would follow until Ctrl-C.
FOLLOW_WAIT_S = 20

# Stand-ins that the emulator knows under other names: (pattern, replacement, why).
PLACEHOLDERS: tuple[tuple[str, str, str], ...] = (
    (r"\bCHAIN_ID DEPLOYMENT_ID\b", f"{CHAIN_ID} {CHAIN_DEPLOYMENT_ID}", "a chain deployment"),
    (r"\bCHAIN_ID\b", CHAIN_ID, "the demo chain"),
    (r"\bPROJECT_ID JOB_ID\b", f"{TRAINING_PROJECT_ID} {TRAINING_JOB_ID}", "the running job"),
    (r"\bMODEL_ID\b", DEMO_MODEL_ID, "the demo model"),
    (r"\bDEPLOYMENT_ID\b", DEMO_DEPLOYMENT_ID, "its production deployment"),
    (
        r"--replica a1b2c\b",
        f"--replica {replica_ids(DEMO_DEPLOYMENT_ID, 3)[0]}",
        "replica ids are generated",
    ),
    (
        r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
        "1d",
        "a fixed date drifts out of the emulator's history; the same hour of yesterday does not",
    ),
)
_REQUEST_ID = re.compile(
    r"\bREQUEST_ID\b|\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b|\b[0-9a-f]{32}\b"
)


@dataclass(frozen=True)
class Example:
    where: str  # "README.md:123" or "get --help"
    line: str
    group: str  # examples of one group run in order (`--save run.jsonl`, then `view run.jsonl`)


def skip_reason(line: str) -> str | None:
    """Why a line of a shell block is not an example that can run by itself (None: it is)."""
    if not line.startswith("baseten-logs "):
        return "not a baseten-logs command (make, cp, a crontab's schedule)"
    if line.endswith("\\"):
        return "part of a script continued over lines (CI and cron recipes), not an example"
    if "[--" in line:
        return "a synopsis with optional flags in brackets, not a command"
    if '"$' in line:
        return "needs the surrounding script's shell variables"
    return None


def readme_examples() -> list[Example]:
    found = []
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.finditer(r"^ *```(sh|console)\n(.*?)^ *```", text, re.S | re.M):
        first = text.count("\n", 0, block.start(2)) + 1
        for offset, raw in enumerate(block.group(2).splitlines()):
            line = raw.strip().removeprefix("$ ")
            if skip_reason(line) is None:
                found.append(Example(f"README.md:{first + offset}", line, f"README.md:{first}"))
    return found


def help_examples() -> list[Example]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    found = []
    for name in ["", *group.commands]:
        page = invoke(*([name] if name else []), "--help").stdout
        _, _, examples = page.partition("Examples:\n")
        for raw in examples.split("\n\n")[0].splitlines():
            line = raw.strip()
            assert skip_reason(line) is None, (name, line)  # help examples all run as written
            where = f"{name or 'baseten-logs'} --help"
            found.append(Example(where, line, where))
    return found


def recent_trace(emu: Emulator) -> str:
    """A trace of the traced sandbox's last 10 minutes (trace ids are generated): TRACE_ID's."""
    now = time.time()
    window = {
        "start_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 600)),
        "end_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "limit": "1000",
    }
    headers = {"Authorization": f"Api-Key {emu.api_key}"}
    path = f"{emu.url}/v1/sandboxes/instances/{TRACED_SANDBOX}/logs"
    logs = httpx.get(path, params=window, headers=headers).json()["logs"]
    return str(next(line["trace_id"] for line in reversed(logs) if line["trace_id"]))


def runnable(line: str, emu: Emulator) -> str:
    for pattern, replacement, _ in PLACEHOLDERS:
        line = re.sub(pattern, replacement, line)
    chain = "--chain" in line or line.startswith("baseten-logs chain ")
    planted = emu.demo_chain_request if chain else emu.demo_request
    # Example request ids are made up: the emulator's planted request takes their place.
    line = _REQUEST_ID.sub(planted.request_id, line)
    # A trace of the sandbox's newest lines, as a user copies one (after the request ids: a
    # trace id has their 32-digit shape).
    return re.sub(r"\bTRACE_ID\b", lambda _: recent_trace(emu), line)


@pytest.fixture(scope="module")
def sparse() -> Iterator[Emulator]:
    """Sources at 0.2 lines/s, the demo deployment at 1: the examples' windows (hours, a day) stay
    small to fetch, and an hour of the demo still holds dozens of each kind of line (timeouts)."""
    config = EmulatorConfig(
        seed=3, lines_per_s=0.2, rates={DEMO_DEPLOYMENT_ID: 1.0}, rate_limit_per_s=None
    )
    with Emulator(config) as emu:
        yield emu


@pytest.fixture(scope="module")
def busy() -> Iterator[Emulator]:
    """For the -f examples, which read only the newest lines: the demo deployment at 20 lines/s.
    At `sparse`'s 1 line/s, a follow filtered downstream (`| view - --level warning`: one line
    in 12 passes) printed nothing in 20 s in one run of about 40 (a CI run on 3.13 met it)."""
    config = EmulatorConfig(
        seed=3, lines_per_s=2.0, rates={DEMO_DEPLOYMENT_ID: 20.0}, rate_limit_per_s=None
    )
    with Emulator(config) as emu:
        yield emu


def _env(emu: Emulator) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    for name in ("FORCE_COLOR", "NO_COLOR"):
        base.pop(name, None)
    path = f"{CLI.parent}{os.pathsep}{base.get('PATH', '')}"
    return base | {"PATH": path, "BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}


def _written(line: str, cwd: Path) -> str:
    """What the example leaves in a file it names (`> FILE`, `--save FILE`), else ""."""
    words = shlex.split(line, comments=True)
    text = ""
    for flag in (">", "--save"):
        if flag in words and words[words.index(flag) + 1] != "/dev/null":
            text += (cwd / words[words.index(flag) + 1]).read_text(encoding="utf-8")
    return text


def _follow(command: str, cwd: Path, env: dict[str, str]) -> tuple[str, str]:
    """A long-running example's first line of output, then it is stopped."""
    proc = subprocess.Popen(
        ["sh", "-c", command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the pipeline is stopped whole
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        deadline = time.monotonic() + FOLLOW_WAIT_S
        ready: list[Any] = []
        while not ready and time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not ready:  # it may have ended, its output still in the pipe, since the last look
            ready, _, _ = select.select([proc.stdout], [], [], 0)
        first = proc.stdout.readline().decode() if ready else ""
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=FOLLOW_WAIT_S)
        except subprocess.TimeoutExpired:  # a failure to report, not a process left running
            os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate()
            err += f"\n(still running {FOLLOW_WAIT_S} s after SIGTERM)".encode()
            first = ""
    return first, err.decode()


def _on_terminal(command: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """A full-screen example (`browse`) on a pseudo-terminal: q typed once its status bar counts
    lines; (status, "drawn" if it drew them, what the terminal received at the end)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        ["sh", "-c", command],
        cwd=cwd,
        env=env | {"TERM": "xterm-256color"},
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    received, drawn = b"", False
    deadline = time.monotonic() + FOLLOW_WAIT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            try:
                chunk = os.read(master, 65536) if ready else b""
            except OSError:  # it ended and closed its side
                break
            received += chunk
            if not drawn and re.search(rb"[1-9]\d*/\d+ lines", received):
                drawn = True
                os.write(master, b"q")
            if ready and not chunk:
                break
    finally:
        try:
            status = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # never drew its lines, or q did not close it
            os.killpg(proc.pid, signal.SIGTERM)
            status = proc.wait(timeout=TIMEOUT_S)
        os.close(master)
    return status, "drawn" if drawn else "", received[-300:].decode(errors="replace")


EXAMPLES = [*help_examples(), *readme_examples()]


def test_the_examples_are_found() -> None:
    commands = {e.line.split()[1] for e in EXAMPLES}
    assert {"get", "chain", "training", "request", "stats", "view"} <= commands
    assert len(EXAMPLES) >= 40


def test_every_example_prints_something(sparse: Emulator, busy: Emulator, tmp_path: Path) -> None:
    groups: dict[str, list[Example]] = {}
    for example in EXAMPLES:
        groups.setdefault(example.group, []).append(example)
    following, plain = (busy, _env(busy)), (sparse, _env(sparse))

    def run_group(number: int, examples: list[Example]) -> list[str]:
        cwd = tmp_path / str(number)
        cwd.mkdir()
        failures = []
        for example in examples:
            emu, env = following if _follows(example.line) else plain
            if failure := _run(example, emu, cwd, env):
                failures.append(failure)
        return failures

    with ThreadPoolExecutor(max_workers=2) as pool:  # groups are independent of one another
        results = pool.map(run_group, range(len(groups)), groups.values())
        failures = [failure for group in results for failure in group]
    assert not failures, "\n".join(failures)


def _follows(line: str) -> bool:
    """Whether the example runs on (-f, or the `demo` tour): its first line is enough."""
    words = shlex.split(line, comments=True)
    return "-f" in words or words[1] == "demo"


def _run(example: Example, emu: Emulator, cwd: Path, env: dict[str, str]) -> str | None:
    """None when the example printed something and exited as it should, else what happened."""
    command = runnable(example.line, emu)
    words = shlex.split(command, comments=True)
    if _follows(command):
        out, err = _follow(command, cwd, env)
        status = 0
    elif words[1] == "browse" or "--browse" in words:  # full-screen: on a terminal, then q
        status, out, err = _on_terminal(command, cwd, env)
    else:
        done = subprocess.run(
            ["sh", "-c", command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        out = done.stdout + _written(command, cwd)
        status, err = done.returncode, done.stderr
    allowed = (0, 1) if "--fail-on" in command else (0,)
    if status in allowed and out.strip():
        return None
    return f"{example.where}: {command}\n  exit {status}; stderr: {err[-300:]}"
