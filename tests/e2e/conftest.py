"""End-to-end fixtures: the installed `baseten-logs` run as a subprocess against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig
from tests.shown import api_fields

CLI = Path(sys.executable).with_name("baseten-logs")
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str

    def jsonl(self) -> list[dict[str, Any]]:
        """The lines as the API sent them, to compare with the emulator's ground truth: a log
        line's added `shown_level` is checked, then taken off (listings have none)."""
        return [_as_sent(json.loads(line)) for line in self.stdout.splitlines()]


def _as_sent(line: dict[str, Any]) -> dict[str, Any]:
    return api_fields(line) if "timestamp" in line and "message" in line else line


def cli(
    emu: Emulator | None, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Run:
    """Run the installed command the way a user's shell would: stdout and stderr are pipes."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    base.pop("FORCE_COLOR", None)
    base.pop("PYTHONDONTWRITEBYTECODE", None)  # let our own modules' bytecode be cached
    base.pop("NO_COLOR", None)
    if emu is not None:
        base |= {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    done = subprocess.run(
        [str(CLI), *args],
        capture_output=True,
        text=True,
        env=base | (env or {}),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def _emulator(end_inclusive: bool) -> Emulator:
    """A steady 0.1 line/s history on the demo deployment (26k lines in 3 days)."""
    config = EmulatorConfig(
        seed=11,
        end_inclusive=end_inclusive,
        rates={DEMO_DEPLOYMENT_ID: 0.1},
        rate_limit_per_s=None,  # the rate-limit test turns it back on for itself
    )
    return Emulator(config)


def _reset(emu: Emulator) -> None:
    emu.clear_faults()
    emu.clear_requests()
    emu.set_latency(0)
    emu.set_rate_limit(None)
    emu.set_training_max_window_ms(None)


@pytest.fixture(scope="session", params=[True, False], ids=["end-inclusive", "end-exclusive"])
def both_ends(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    with _emulator(request.param) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def one_end() -> Iterator[Emulator]:
    with _emulator(True) as emulator:
        yield emulator


@pytest.fixture
def fresh(both_ends: Emulator) -> Iterator[Emulator]:
    """Under both readings of `end`: no faults, requests or latency, before and after the test."""
    _reset(both_ends)
    yield both_ends
    _reset(both_ends)


@pytest.fixture
def emu(one_end: Emulator) -> Iterator[Emulator]:
    """For tests where `end` semantics do not matter: one emulator, reset around the test."""
    _reset(one_end)
    yield one_end
    _reset(one_end)


def settled_now_ms() -> int:
    """A window end old enough that every late line of it has arrived (the emulator: <= 30 s)."""
    return (int(time.time()) - 120) * 1000


MODEL, DEPLOYMENT = DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID


@dataclass
class TerminalRun:
    status: int
    stderr: str  # what the terminal received on stderr, escapes and all


def on_terminal(emu: Emulator, *args: str, stdout: Path | None = None) -> TerminalRun:
    """Run the installed command with stderr on a pseudo-terminal, and stdout on the same one
    or, given `stdout`, into that file (`--all > file` typed in a terminal)."""
    import pty
    import select

    base = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "TTY_"))}
    env = base | {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key, "COLUMNS": "200"}
    master, slave = pty.openpty()
    out = stdout.open("w") if stdout is not None else None
    proc = subprocess.Popen(
        [str(CLI), *args],
        stdin=subprocess.DEVNULL,
        stdout=out if out is not None else slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    received = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            try:
                chunk = os.read(master, 65536) if ready else b""
            except OSError:  # the command ended and closed its side
                chunk = b""
            if not chunk:
                break
            received += chunk
        status = proc.wait(timeout=60)
    finally:
        os.close(master)
        if out is not None:
            out.close()
    return TerminalRun(status, received.decode(errors="replace"))
