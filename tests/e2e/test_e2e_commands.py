"""The `emulator` and `demo` commands as a new user runs them."""

from __future__ import annotations

import os
import re
import signal
import subprocess

from baseten_logs.errors import ExitStatus
from tests.e2e.conftest import CLI, cli


def test_emulator_command_serves_until_ctrl_c() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    proc = subprocess.Popen(
        [str(CLI), "emulator", "--port", "0", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        key = proc.stdout.readline().split()[-1]
        url = first[-1]
        assert url.startswith("http://127.0.0.1:")
        run = subprocess.run(
            [str(CLI), "get", "llama-3-8b", "-n", "3", "-o", "raw"],
            capture_output=True,
            text=True,
            env=env | {"BASETEN_API_URL": url, "BASETEN_API_KEY": key},
            timeout=30,
        )
        assert run.returncode == 0, run.stderr
        assert len(run.stdout.splitlines()) >= 3
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == ExitStatus.INTERRUPTED
    assert "Traceback" not in err


def test_emulator_refuses_to_listen_beyond_loopback() -> None:
    run = cli(None, "emulator", "--host", "0.0.0.0")
    assert run.status == ExitStatus.USAGE
    assert run.stderr.startswith("baseten-logs: error: --host: ")


def test_demo_runs_a_real_session() -> None:
    run = cli(None, "demo", "--follow-seconds", "0", timeout=60)
    assert run.status == 0, run.stderr
    assert run.stdout.count("$ baseten-logs get ") == 4
    assert '{"timestamp":' in run.stdout  # the jsonl step
    assert "$ baseten-logs request " in run.stdout  # a two-day-old request, its traceback marked
    assert re.search(r" ERROR +\S+ +\(context\) Exception in thread ", run.stdout)
    assert "Traceback" not in run.stderr
