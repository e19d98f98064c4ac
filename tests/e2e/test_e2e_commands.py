"""The `emulator` and `demo` commands as a new user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess

from baseten_logs.errors import ExitStatus
from tests.e2e.conftest import CLI, cli


def test_emulator_command_serves_until_ctrl_c() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    proc = subprocess.Popen(
        [
            str(CLI),
            "emulator",
            "--port",
            "0",
            "--seed",
            "3",
            "--id-style",
            "8",
            "--timestamps",
            "ms",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        key = proc.stdout.readline().split()[-1]
        demo = proc.stdout.readline().split()  # "Demo model: NAME (id ID), production ... ID"
        url = first[-1]
        assert url.startswith("http://127.0.0.1:")
        model_id, deployment_id = demo[4].rstrip("),"), demo[-1]
        assert len(model_id) == len(deployment_id) == 8  # --id-style 8
        announced = [proc.stdout.readline() for _ in range(3)]  # the lines after the demo's
        # ready to paste into another shell
        assert f"  export BASETEN_API_URL={url} BASETEN_API_KEY={key}\n" in announced
        run = subprocess.run(
            [str(CLI), "get", model_id, deployment_id, "-n", "3", "-o", "jsonl"],
            capture_output=True,
            text=True,
            env=env | {"BASETEN_API_URL": url, "BASETEN_API_KEY": key},
            timeout=30,
        )
        assert run.returncode == 0, run.stderr
        stamps = [json.loads(line)["timestamp"] for line in run.stdout.splitlines()]
        assert len(stamps) == 3 and all(isinstance(s, int) for s in stamps)  # --timestamps ms
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == ExitStatus.INTERRUPTED
    assert "Traceback" not in err


def test_emulator_refuses_to_listen_beyond_loopback() -> None:
    run = cli(None, "emulator", "--host", "0.0.0.0")
    assert run.status == ExitStatus.USAGE
    assert run.stderr.startswith("baseten-logs: error: --host: ")


def test_emulator_refuses_an_unknown_id_style_or_timestamp_form() -> None:
    run = cli(None, "emulator", "--id-style", "9")
    assert (run.status, run.stderr.split(":")[2]) == (ExitStatus.USAGE, " --id-style")
    run = cli(None, "emulator", "--timestamps", "us")
    assert (run.status, run.stderr.split(":")[2]) == (ExitStatus.USAGE, " --timestamps")


def test_demo_runs_a_real_session() -> None:
    run = cli(None, "demo", "--follow-seconds", "0", timeout=60)
    assert run.status == 0, run.stderr
    assert run.stdout.count("$ baseten-logs get ") == 4
    assert '{"timestamp":' in run.stdout  # the jsonl step
    assert "while this runs" not in run.stdout  # it has stopped by the time this is read
    assert "emulator has stopped" in run.stdout
    assert "$ baseten-logs request " in run.stdout  # a two-day-old request, its traceback marked
    assert re.search(r" ERROR +\S+ +\(context\) Exception in thread ", run.stdout)
    chain_step = re.search(r"\$ baseten-logs request (\S+) --chain ", run.stdout)
    assert chain_step  # a request across the chain, each line labelled with its chainlet
    assert re.search(rf" Generator +\S+ +handling request {chain_step[1]} from ", run.stdout)
    assert "Traceback" not in run.stderr
    # The follow step ends at a time a reader can read, not at epoch milliseconds.
    assert re.search(
        r"\$ baseten-logs get \S+ \S+ -f -n 3 --until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n", run.stdout
    )


def test_emulator_on_a_busy_port_is_bad_input_with_the_fix() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = cli(None, "emulator", "--port", str(port))
    assert run.status == ExitStatus.USAGE
    assert run.stderr == (
        f"baseten-logs: error: --port: port {port} is in use; try --port 0 (any free port)\n"
    )
