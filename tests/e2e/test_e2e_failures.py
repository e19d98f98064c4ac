"""Faults, bad input, pipes and signals through the real CLI over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from baseten_logs.base.errors import ExitStatus
from baseten_logs.emulator import Emulator
from tests.e2e.conftest import CLI, DEPLOYMENT, HOUR_MS, MODEL, cli, settled_now_ms


def window(hours: int = 1) -> tuple[str, ...]:
    until = settled_now_ms()
    return ("--since", str(until - hours * HOUR_MS), "--until", str(until))


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("429", {"retry_after": 1}),
        ("429", {"retry_after": 1, "header": True}),
        ("503", {}),
        ("502", {"variant": "html"}),
        ("drop", {}),
    ],
)
def test_transient_faults_are_retried_to_the_same_answer(
    emu: Emulator, kind: str, options: dict[str, object]
) -> None:
    args = ("get", MODEL, DEPLOYMENT, "--all", *window(12), "-o", "jsonl")
    emu.inject(kind, times=2, **options)  # type: ignore[arg-type]
    run = cli(emu, *args)
    assert run.status == 0, run.stderr
    assert run.stderr == ""
    until = int(args[-3])
    assert run.jsonl() == emu.ground_truth(MODEL, DEPLOYMENT, until - 12 * HOUR_MS, until)
    assert sum(1 for r in emu.requests if r.fault) == 2


def test_429_waits_as_told(emu: Emulator) -> None:
    emu.inject("429", times=1, retry_after=1)
    started = time.monotonic()
    run = cli(emu, "get", MODEL, DEPLOYMENT, "-n", "5", *window())
    assert run.status == 0
    assert time.monotonic() - started >= 1.0


def test_rate_limit_of_the_real_api_is_survived(emu: Emulator) -> None:
    emu.set_rate_limit(6)  # far below the real 100/s, so the parallel fetch trips it
    args = ("get", MODEL, DEPLOYMENT, "--all", *window(24), "-o", "jsonl", "--concurrency", "4")
    run = cli(emu, *args)
    assert run.status == 0, run.stderr
    until = int(args[-5])
    assert run.jsonl() == emu.ground_truth(MODEL, DEPLOYMENT, until - 24 * HOUR_MS, until)
    assert any(r.status == 429 for r in emu.requests)


def test_max_rps_keeps_a_run_under_the_key_limit_instead_of_discovering_it(emu: Emulator) -> None:
    emu.set_rate_limit(8)  # a key whose budget other jobs share: 8 a second left for this one
    args = ("get", MODEL, DEPLOYMENT, "--all", *window(24), "-o", "jsonl", "--max-rps", "7")
    run = cli(emu, *args)
    assert run.status == 0, run.stderr
    until = int(args[-5])
    assert run.jsonl() == emu.ground_truth(MODEL, DEPLOYMENT, until - 24 * HOUR_MS, until)
    logs = [r for r in emu.requests if r.path.endswith("/logs")]
    assert len(logs) > 8 and not any(r.status == 429 for r in emu.requests)


@pytest.mark.parametrize(
    ("setup", "status", "words"),
    [
        ({"kind": "500", "times": 10}, ExitStatus.API, "giving up"),
        ({"kind": "malformed", "times": 1}, ExitStatus.API, "does not look like the Baseten API"),
        ({"kind": "wrong_shape", "times": 1}, ExitStatus.API, "not a list of logs"),
        ({"kind": "404", "times": 1}, ExitStatus.NOT_FOUND, "not found"),
    ],
)
def test_failures_are_one_line_with_their_status(
    emu: Emulator, setup: dict[str, object], status: int, words: str
) -> None:
    emu.inject(**setup)  # type: ignore[arg-type]
    run = cli(emu, "get", MODEL, DEPLOYMENT, *window(), "--retries", "1")
    assert run.status == status
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and words in run.stderr
    assert "Traceback" not in run.stderr


def test_wrong_key_is_an_auth_failure_and_never_printed(emu: Emulator) -> None:
    secret = "sk-wrong-key-9876543210"
    run = cli(emu, "get", MODEL, DEPLOYMENT, "-v", env={"BASETEN_API_KEY": secret})
    assert run.status == ExitStatus.AUTH
    assert secret not in run.stdout + run.stderr
    assert "BASETEN_API_KEY" in run.stderr


def test_unknown_ids_are_not_found(emu: Emulator) -> None:
    run = cli(emu, "get", "nomodel", "nodeploy")
    assert run.status == ExitStatus.NOT_FOUND
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "flags",
    [
        ("--since", "tomorrowish"),
        ("--since", "1h", "--until", "2h"),
        ("-n", "0"),
        ("--level", "LOUD"),
        ("-o", "xml"),
        ("--grep", "(?<=x)y"),
        tuple(a for i in range(9) for a in ("--include", str(i))),
        ("--replica", "r" * 257),
    ],
)
def test_bad_input_sends_no_request(emu: Emulator, flags: tuple[str, ...]) -> None:
    run = cli(emu, "get", MODEL, DEPLOYMENT, *flags)
    assert run.status == ExitStatus.USAGE
    assert run.stderr.startswith("baseten-logs: error: ") and run.stderr.count("\n") == 1
    assert emu.requests == []


def test_head_ends_quietly(emu: Emulator) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    env |= {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    until = settled_now_ms()
    command = (
        f"'{CLI}' get {MODEL} {DEPLOYMENT} --all --since {until - 48 * HOUR_MS} --until {until}"
        " | head -1"
    )
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("env", "flags", "coloured"),
    [
        ({}, (), False),
        ({"FORCE_COLOR": "1"}, (), True),
        ({}, ("--color", "always"), True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, (), False),
    ],
)
def test_colour_in_pipes(
    emu: Emulator, env: dict[str, str], flags: tuple[str, ...], coloured: bool
) -> None:
    run = cli(emu, "get", MODEL, DEPLOYMENT, "-n", "20", *flags, env=env)
    assert run.status == 0
    assert ("\x1b[" in run.stdout) is coloured


def test_ctrl_c_exits_130_without_a_traceback(emu: Emulator) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")}
    env |= {"BASETEN_API_URL": emu.url, "BASETEN_API_KEY": emu.api_key}
    proc = subprocess.Popen(
        [str(CLI), "get", MODEL, DEPLOYMENT, "-f", "-n", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline()  # the opening line: it is in its follow loop now
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:  # Ctrl-C did not stop it: never left following
            proc.kill()
            proc.communicate()
    assert proc.returncode == ExitStatus.INTERRUPTED
    assert "Traceback" not in err


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_nothing_listening_is_named_promptly(tmp_path: object) -> None:
    port = free_port()
    run = cli(
        None, "get", "abc1234", "def5678",
        env={"BASETEN_API_URL": f"http://127.0.0.1:{port}", "BASETEN_API_KEY": "k-0123456789"},
    )  # fmt: skip
    assert run.status == ExitStatus.API
    assert f"connection refused by 127.0.0.1:{port}" in run.stderr
    assert "BASETEN_API_URL" in run.stderr and len(run.stderr.splitlines()) == 1


def test_a_static_file_server_is_not_mistaken_for_a_missing_model(tmp_path: object) -> None:
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            run = cli(
                None, "get", "abc1234", "def5678",
                env={"BASETEN_API_URL": url, "BASETEN_API_KEY": "k-0123456789"},
            )  # fmt: skip
        finally:
            server.shutdown()  # a timed-out run too: its thread never serves on past the test
    assert run.status == ExitStatus.API, run.stderr
    assert f"{url} (from BASETEN_API_URL) does not look like the Baseten API" in run.stderr
    assert "HTML answer" in run.stderr and "model" not in run.stderr


def test_an_impossible_port_is_bad_input() -> None:
    run = cli(
        None, "get", "abc1234", "def5678", "--api-url", "http://127.0.0.1:99999",
        env={"BASETEN_API_KEY": "k-0123456789"},
    )  # fmt: skip
    assert run.status == ExitStatus.USAGE
    assert "--api-url" in run.stderr and "port" in run.stderr


def test_https_to_the_emulators_plain_http_port_is_named_at_once(emu: Emulator) -> None:
    https = emu.url.replace("http://", "https://")
    started = time.monotonic()
    run = cli(emu, "get", MODEL, DEPLOYMENT, "--api-url", https)
    assert time.monotonic() - started < 5  # no retries: it was 10.6 s of them
    assert run.status == ExitStatus.API, run.stderr
    address = emu.url.removeprefix("http://")
    assert run.stderr == (
        f"baseten-logs: error: {address} does not speak TLS, which https:// needs (the URL from"
        f" --api-url) (a local server such as the emulator speaks plain http: {emu.url})\n"
    )
    assert emu.requests == []


def test_an_api_url_ending_in_v1_is_bad_input_and_sends_nothing(emu: Emulator) -> None:
    run = cli(emu, "get", MODEL, DEPLOYMENT, "--api-url", f"{emu.url}/v1")
    assert run.status == ExitStatus.USAGE
    assert run.stderr == (
        f"baseten-logs: error: --api-url: '{emu.url}/v1' ends in /v1, which baseten-logs adds"
        f" to every path itself (use {emu.url})\n"
    )
    assert emu.requests == []
