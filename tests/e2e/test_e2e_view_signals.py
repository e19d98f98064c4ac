"""`view` ends on a signal as `get` does, through the installed command (no server needed).

Ctrl-C exits 130, SIGTERM 143 and SIGHUP 129, with no traceback; a page being written when the
signal comes is finished first and the output closed (-o json's `]`), so what was shown is
whole; `| head` ends quietly. Before: the signal cut a record in half and -o json's array was
left open."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.base.errors import ExitStatus
from tests.e2e.conftest import CLI, signal_mid_write

BASE_MS = 1_764_237_600_000  # 2025-11-27 10:00:00Z
MESSAGE = "m" * 1000  # pages of a MB: a slow reader holds up the write of one


def record(index: int) -> dict[str, Any]:
    return {
        "timestamp": str((BASE_MS + index) * 1_000_000),
        "message": MESSAGE,
        "replica": "a1b2c",
        "request_id": None,
        "level": "INFO",
    }


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("view") / "run.jsonl"
    path.write_text("".join(json.dumps(record(i)) + "\n" for i in range(5000)))
    return path


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BASETEN_")} | {"NO_COLOR": "1"}


@pytest.mark.parametrize(
    ("signum", "output"),
    [(signal.SIGTERM, "json"), (signal.SIGINT, "jsonl"), (signal.SIGHUP, "text")],
    ids=["SIGTERM-json", "SIGINT-jsonl", "SIGHUP-text"],
)
def test_a_signal_during_a_blocked_write_finishes_the_page_then_closes(
    saved: Path, signum: signal.Signals, output: str
) -> None:
    out, err, returncode = signal_mid_write(
        ["view", str(saved), "-o", output], environment(), signum
    )
    expected = ExitStatus.INTERRUPTED if signum == signal.SIGINT else 128 + signum
    assert returncode == expected, err
    assert "Traceback" not in err
    if output == "json":
        shown = json.loads(out)  # the array is whole, and closed
    elif output == "jsonl":
        assert out.endswith("\n")
        shown = [json.loads(line) for line in out.splitlines()]
    else:
        assert out.endswith("\n")
        shown = re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\S* INFO", out, re.MULTILINE)
        assert all(line.endswith(MESSAGE) for line in out.splitlines())
    assert 1000 <= len(shown) < 5000  # whole pages: stopped by the signal, not at the end
    if output != "text":
        assert [{k: v for k, v in r.items() if k != "shown_level"} for r in shown] == [
            record(i) for i in range(len(shown))
        ]


def test_head_ends_quietly(saved: Path) -> None:
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"'{CLI}' view '{saved}' | head -1"],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""


def test_ctrl_c_while_a_live_pipe_waits_exits_130(saved: Path) -> None:
    # `get -f -o jsonl | view -`: view waits on its stdin for the next line when Ctrl-C comes.
    reader, writer = os.pipe()
    try:
        with subprocess.Popen(
            [str(CLI), "view", "-", "-o", "jsonl"],
            stdin=reader,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment(),
        ) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            os.write(writer, (json.dumps(record(0)) + "\n").encode())
            assert json.loads(proc.stdout.readline()) == {**record(0), "shown_level": "INFO"}
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    finally:
        os.close(reader)
        os.close(writer)
    assert proc.returncode == ExitStatus.INTERRUPTED, err
    assert "Traceback" not in err.decode() and out == b""
