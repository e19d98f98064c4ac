"""The demo's last word: the one line it prints to try `browse` against an emulator, run as a
user pastes it (bash on a pseudo-terminal): the emulator starts, the browser shows its lines,
`q` leaves a clean terminal, and the emulator is stopped after."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from baseten_logs.cli.browse import DEFAULT_OPENING
from baseten_logs.cli.demo import EMULATOR_PORT, try_browse_line
from baseten_logs.emulator import DEMO_MODEL_NAME

CLI = Path(sys.executable).with_name("baseten-logs")
LEAVES_ALTERNATE_SCREEN = b"\x1b[?1049l"
# The status bar's count, "shown/loaded lines": every line loaded is shown (no filter typed).
STATUS_COUNT = re.compile(rb"\b(\d+)/\1 lines\b")


def opening_drawn(received: bytes) -> bool:
    """The opening window drawn: browse opens on the newest DEFAULT_OPENING lines, then follows,
    so by the first draw after they arrive the count may already hold a few followed lines too
    (a loaded machine drew 1020/1020 first: waiting for exactly 1000 then waited forever)."""
    return any(int(m[1]) >= int(DEFAULT_OPENING) for m in STATUS_COUNT.finditer(received))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_line_names_the_emulators_port_and_browse_of_the_demo_model() -> None:
    line = try_browse_line("baseten-logs", DEMO_MODEL_NAME)
    assert f"baseten-logs emulator --port {EMULATOR_PORT} " in line
    assert f"BASETEN_API_URL=http://127.0.0.1:{EMULATOR_PORT} " in line
    assert line.endswith(f"baseten-logs browse {DEMO_MODEL_NAME}; kill $!")


def test_the_demos_browse_line_works_as_pasted() -> None:
    port = free_port()  # the demo's line says 8787; other runs may hold it here
    line = try_browse_line(str(CLI), DEMO_MODEL_NAME, port=port)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BASETEN_", "TTY_"))}
    env |= {"TERM": "xterm-256color"}
    # A session of its own: a failed run is stopped whole, the background emulator with it.
    proc = subprocess.Popen(
        ["bash", "-c", line],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    received = b""
    quit_sent = False
    started = time.monotonic()
    try:
        while time.monotonic() - started < 60:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                received += chunk
            # The newest lines drawn (the status bar counts them): then quit, as a user would.
            if not quit_sent and opening_drawn(received):
                time.sleep(0.5)
                os.write(master, b"q")
                quit_sent = True
        assert quit_sent, received[-2000:]
        status = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # bash, browse and the emulator
            proc.wait()
        os.close(master)
    assert status == 0
    assert LEAVES_ALTERNATE_SCREEN in received
    assert b"error:" not in received
    assert f"{DEMO_MODEL_NAME} production".encode() in received
    deadline = time.monotonic() + 10
    while not port_is_free(port):  # `kill $!` stopped the emulator
        assert time.monotonic() < deadline, "the emulator still serves"
        time.sleep(0.1)
