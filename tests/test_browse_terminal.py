"""`browse` as a user runs it: the installed command on a pseudo-terminal, against the emulator
(in-process, port 0). Quitting leaves a clean terminal; a failure before any line is told once
the terminal is back, with get's status; a hostile server's escapes never reach the terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator, EmulatorConfig

CLI = Path(sys.executable).with_name("baseten-logs")
LEAVES_ALTERNATE_SCREEN = b"\x1b[?1049l"
SHOWS_CURSOR = b"\x1b[?25h"


@pytest.fixture(scope="module")
def live() -> Iterator[Emulator]:
    config = EmulatorConfig(seed=4, rates={DEMO_DEPLOYMENT_ID: 10.0}, rate_limit_per_s=None)
    with Emulator(config) as emulator:
        yield emulator


@dataclass
class Session:
    status: int
    received: bytes


def browse(
    emu: Emulator, *args: str, keys: list[bytes], signal_to_send: int | None = None
) -> Session:
    """The command on a 100x30 pseudo-terminal; after it drew its first lines, `keys` typed a
    second apart (or `signal_to_send` sent); everything the terminal received."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "TTY_"))}
    env |= {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [str(CLI), "browse", *args], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    received = b""
    started = time.monotonic()
    pending = list(keys)
    next_at = started + 3.0  # the opening lines drawn by then
    try:
        while time.monotonic() - started < 40:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the command ended and closed its side
                    break
                if not chunk:
                    break
                received += chunk
            if time.monotonic() >= next_at and proc.poll() is None:
                if pending:
                    os.write(master, pending.pop(0))
                elif signal_to_send is not None:
                    proc.send_signal(signal_to_send)
                    signal_to_send = None
                next_at = time.monotonic() + 1.0
        status = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return Session(status, received)


def ends_clean(received: bytes) -> bool:
    tail = received[received.rfind(LEAVES_ALTERNATE_SCREEN) :]
    return LEAVES_ALTERNATE_SCREEN in received and SHOWS_CURSOR in tail


@pytest.mark.parametrize("key", [b"q", b"\x03"], ids=["q", "ctrl-c"])
def test_q_and_ctrl_c_leave_a_clean_terminal(live: Emulator, key: bytes) -> None:
    done = browse(live, DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, keys=[key])
    assert done.status == 0
    assert ends_clean(done.received)


def test_sigterm_leaves_a_clean_terminal_and_its_status(live: Emulator) -> None:
    done = browse(live, DEMO_MODEL_ID, keys=[], signal_to_send=signal.SIGTERM)
    assert done.status == 128 + signal.SIGTERM
    assert ends_clean(done.received)


def test_an_unknown_model_is_told_after_the_terminal_is_back(live: Emulator) -> None:
    done = browse(live, "no-such-model", keys=[])
    assert done.status == 4
    after = done.received[done.received.rfind(LEAVES_ALTERNATE_SCREEN) :]
    assert b"error: no model named 'no-such-model'" in after


def test_a_hostile_servers_escapes_never_reach_the_terminal(live: Emulator) -> None:
    live.inject("escapes", times=1000)
    try:
        # The newest line, then its detail pane: every field shown whole.
        done = browse(live, DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, keys=[b"k", b"\r", b"\x1b", b"q"])
    finally:
        live.clear_faults()
    assert done.status == 0
    for raw in (b"\x1b]0;T", b"\x1b]52;", b"\x1b[6n", b"\x1b[2J", "\u202e".encode(), b"\xc2\x9b"):
        assert raw not in done.received
    assert b"\\x1b]0;T" in done.received  # shown, escaped
