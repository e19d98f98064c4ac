"""End-to-end fixtures: the installed `baseten-logs` run as a subprocess against the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
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


def signal_mid_write(args: list[str], env: dict[str, str], signum: int) -> tuple[str, str, int]:
    """Runs the CLI with a reader that takes its output 4 KiB at a time, slowly, and sends
    `signum` once 1.5 MB are read (into the second page of a MB): the signal comes while a
    write is blocked. What came out, stderr, and the exit status."""
    with subprocess.Popen(
        [str(CLI), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        chunks = []
        read = 0
        while read < 1_500_000:  # into the second page, slowly
            chunk = os.read(proc.stdout.fileno(), 4096)
            assert chunk, proc.stderr.read().decode()
            chunks.append(chunk)
            read += len(chunk)
            time.sleep(0.0005)
        proc.send_signal(signum)
        time.sleep(0.2)  # the signal lands while the write waits for the reader
        chunks.append(proc.stdout.read())
        err = proc.stderr.read().decode()
        proc.wait(timeout=30)
    return b"".join(chunks).decode(), err, proc.returncode


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


def _children() -> dict[int, str]:
    """This process's children still running (not yet-to-be-reaped zombies): pid -> command."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:  # it ended while we looked
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == os.getpid() and state != "Z":
            found[int(entry)] = command.replace(b"\0", b" ").decode(errors="replace")[:200]
    return found


def _threads_left(started: set[threading.Thread], grace_s: float) -> list[threading.Thread]:
    """Non-daemon threads a test started that still run after `grace_s`: at exit the
    interpreter waits for them (a hang), and a worker still at work there is cut off mid-call
    (once `terminate called without an active exception`)."""
    deadline = time.monotonic() + grace_s
    while True:
        left = [t for t in threading.enumerate() if t not in started and not t.daemon]
        if not left or time.monotonic() > deadline:
            return left
        left[0].join(0.05)


@pytest.fixture(autouse=True)
def leaves_nothing_running() -> Iterator[None]:
    """Every end-to-end test ends what it started: a command it ran (an emulator in the
    background of a shell line, a `get -f` whose wait timed out), and its threads. What one left
    behind kept serving or reading into the next tests, on a loaded machine, and outlived the
    session; it is stopped here and the test fails, naming it."""
    if not Path("/proc").is_dir():  # the check reads /proc: Linux (CI); elsewhere, trust
        yield
        return
    started = set(threading.enumerate())
    yield
    commands = _children()
    for pid in commands:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    threads = _threads_left(started, grace_s=5.0)
    assert not commands, f"commands left running: {sorted(commands.values())}"
    assert not threads, f"threads left running: {[t.name for t in threads]}"


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
        if proc.poll() is None:  # it hung: stopped, not left running into the next tests
            proc.kill()
            proc.wait()
        os.close(master)
        if out is not None:
            out.close()
    return TerminalRun(status, received.decode(errors="replace"))
