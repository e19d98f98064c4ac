"""The demo's last word: the one line it prints to try `browse` against an emulator, run as a
user pastes it (bash on a pseudo-terminal) while 8787, the emulator's default port, is held by
something else: the emulator starts, the browser shows its lines, `q` leaves a clean terminal,
and the emulator is stopped after."""

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
from baseten_logs.cli.demo import try_browse_line
from baseten_logs.emulator import DEMO_MODEL_NAME
from tests.conftest import invoke

CLI = Path(sys.executable).with_name("baseten-logs")
LEAVES_ALTERNATE_SCREEN = b"\x1b[?1049l"
# The status bar's count, "shown/loaded lines": every line loaded is shown (no filter typed).
STATUS_COUNT = re.compile(rb"\b(\d+)/\1 lines\b")


def opening_drawn(received: bytes) -> bool:
    """The opening window drawn: browse opens on the newest DEFAULT_OPENING lines, then follows,
    so by the first draw after they arrive the count may already hold a few followed lines too
    (a loaded machine drew 1020/1020 first: waiting for exactly 1000 then waited forever)."""
    return any(int(m[1]) >= int(DEFAULT_OPENING) for m in STATUS_COUNT.finditer(received))


def held_port(port: int) -> socket.socket | None:
    """A listener on `port` that never answers (None: something else holds it already)."""
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", port))
    except OSError:
        listener.close()
        return None
    listener.listen()
    return listener


def test_the_line_is_one_command_whatever_the_shell() -> None:
    # No port (a busy one made the old line's emulator exit unseen), no pause for a start, no
    # `kill $!` (fish refuses `$!` and runs nothing of the line).
    assert try_browse_line("baseten-logs") == "baseten-logs demo --browse"
    assert try_browse_line("/a b/baseten-logs") == "'/a b/baseten-logs' demo --browse"


def test_off_a_terminal_it_is_bad_input_and_starts_nothing() -> None:
    result = invoke("demo", "--browse")
    assert result.status == 2
    assert "needs a terminal" in result.stderr
    assert result.stdout == ""


def test_the_demos_browse_line_works_as_pasted_with_8787_busy() -> None:
    line = try_browse_line(str(CLI))
    listener = held_port(8787)  # else another program holds it: busy either way
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
        if listener is not None:
            listener.close()
    assert status == 0
    assert LEAVES_ALTERNATE_SCREEN in received
    assert b"error:" not in received
    assert f"{DEMO_MODEL_NAME} production".encode() in received
