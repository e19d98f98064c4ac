"""`baseten-logs demo`: a real session against the built-in emulator, so no account is needed."""

from __future__ import annotations

import math
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from baseten_logs.emulator.restarts import Restart


def run_demo(*, follow_seconds: float, run: Callable[[list[str]], int]) -> int:
    """Start the emulator on a free loopback port and run a few everyday commands against it."""
    from baseten_logs.emulator import (
        DEMO_DEPLOYMENT_ID,
        DEMO_MODEL_ID,
        DEMO_MODEL_NAME,
        Emulator,
        EmulatorConfig,
    )
    from baseten_logs.emulator.chains import CHAIN_NAME

    with Emulator(EmulatorConfig(lines_per_s=4.0)) as emu:
        # The demo drives the real CLI, configured the way a user would: through the environment.
        os.environ["BASETEN_API_URL"] = emu.url
        os.environ["BASETEN_API_KEY"] = emu.api_key
        model, deployment = DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID
        request_id = emu.demo_request.request_id
        # A time a reader can read (not epoch milliseconds), whole seconds rounded up.
        until = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(math.ceil(time.time() + follow_seconds))
        )
        steps: list[tuple[str, list[str]]] = [
            ("The newest lines of the last 30 minutes", ["get", model, deployment, "-n", "12"]),
            (
                "Warnings and errors of the last 6 hours",
                ["get", model, deployment, "--since", "6h", "--level", "warning", "-n", "6"],
            ),
            (
                "Why did a replica restart? Its start attempts (--events) beside the crash",
                ["get", model, deployment, *_restart_window(emu.restarts[0]), "--events"],
            ),
            (
                "JSON lines for jq: every API field unchanged",
                ["get", model, deployment, "-n", "2", "-o", "jsonl"],
            ),
            (
                "One request's lines from two days ago, with no window given; --context adds "
                "the traceback its first replica printed without the request id",
                ["request", request_id, DEMO_MODEL_NAME, "--context", "1s"],
            ),
            (
                "A chain: every chainlet's lines merged in time order, requests crossing it",
                ["chain", CHAIN_NAME, "-n", "6", "--grep", "request [0-9a-f]+"],
            ),
            (
                "One request across the chain: its lines in every chainlet, in time order",
                ["request", emu.demo_chain_request.request_id, "--chain", CHAIN_NAME],
            ),
            (
                f"Follow new lines for {follow_seconds:.0f} seconds (Ctrl-C stops a real follow)",
                ["get", model, deployment, "-f", "-n", "3", "--until", until],
            ),
        ]
        _say(
            f"A local Baseten API emulator is serving {DEMO_MODEL_NAME} ({model}) at {emu.url}.\n"
            "Each step below is the real CLI talking to it over HTTP."
        )
        for title, args in steps:
            _say(f"\n# {title}\n$ baseten-logs {shlex.join(args)}")
            status = run(args)
            if status != 0:
                return status
        _say(
            "\nThat was the demo; its emulator has stopped. Try `baseten-logs browse "
            f"{DEMO_MODEL_NAME}`: its logs full-screen\nand live (q quits), against a fresh "
            "emulator of your own; one line to paste into a shell:\n\n"
            f"  {try_browse_line(_program())}\n\n"
            "Or run `baseten-logs emulator` in one shell, paste the `export` lines it prints into "
            f"another\nand run `baseten-logs browse {DEMO_MODEL_NAME}` there.\nWith a real key: "
            "baseten-logs browse MODEL, baseten-logs get MODEL_ID DEPLOYMENT_ID"
        )
    return 0


def try_browse_line(program: str) -> str:
    """The line to paste to browse the demo's model against an emulator of one's own: one
    command (`demo --browse`), so it needs no port (a busy 8787 made the emulator exit unseen and
    browse ask whatever held the port), no pause for the emulator to start, no job control to
    stop it (`kill $!`, which fish refuses), whatever the shell."""
    return f"{shlex.quote(program)} demo --browse"


def browse_demo(*, run: Callable[[list[str]], int]) -> int:
    """`demo --browse`: an emulator on a free loopback port, serving only while `browse` shows
    the demo model on it (its status is browse's). No terminal: bad input, before it starts."""
    from baseten_logs.cli.browse import needs_terminal
    from baseten_logs.emulator import DEMO_MODEL_NAME, Emulator, EmulatorConfig

    needs_terminal()
    with Emulator(EmulatorConfig(lines_per_s=4.0)) as emu:
        os.environ["BASETEN_API_URL"] = emu.url  # as run_demo: the way a user configures it
        os.environ["BASETEN_API_KEY"] = emu.api_key
        return run(["browse", DEMO_MODEL_NAME])


def _program() -> str:
    """How to run this CLI from the user's shell: `baseten-logs` when that is on PATH and is
    this one, else the path it was started by (`make demo` runs .venv/bin/baseten-logs)."""
    started = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if not (os.path.isfile(started) and os.access(started, os.X_OK)):  # python -m, a test
        return "baseten-logs"
    found = shutil.which("baseten-logs")
    if found is not None and os.path.samefile(found, started):
        return "baseten-logs"
    return started


def _restart_window(restart: Restart) -> list[str]:
    """The flags that show one restart: its replica, from just before the crash to the first
    lines of its first start attempt, in times a reader can read."""
    first = restart.attempts[0]
    since = (restart.crashed_ms - 1_000) // 1000
    until = math.ceil((first.server_start_ms + 1_000) / 1000)
    return [
        "--replica",
        restart.replica,
        "--since",
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since)),
        "--until",
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until)),
    ]


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
