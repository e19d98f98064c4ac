"""A 429 asking for ages, over real HTTP: follow mode still ends at --until (issue 23, item 5)."""

from __future__ import annotations

import threading
import time

from baseten_logs.base.errors import ExitStatus
from baseten_logs.emulator import Emulator
from tests.e2e.conftest import DEPLOYMENT, MODEL, cli

GRACE_S = 5  # follow's grace after --until for late lines, then its last poll


def test_follow_ends_at_until_when_every_poll_is_told_to_wait_a_billion_seconds(
    emu: Emulator,
) -> None:
    def spoil_the_polls() -> None:
        # Once the opening page was read, every request is a 429 asking for 1e9 s.
        deadline = time.monotonic() + 20
        while not any(r.path.endswith("/logs") for r in emu.requests):
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        emu.inject("429", retry_after=1_000_000_000, header=True, times=100_000, scope="all")

    spoiler = threading.Thread(target=spoil_the_polls, daemon=True)
    spoiler.start()
    now_ms = int(time.time() * 1000)
    until_ms = now_ms + 2_000
    window = ("--since", str(now_ms - 2_000), "--until", str(until_ms))
    run = cli(emu, "get", MODEL, DEPLOYMENT, "-f", *window, "-o", "jsonl", timeout=60)
    ended = time.time()
    spoiler.join(5)
    assert run.status == ExitStatus.API, run.stderr
    assert "HTTP 429" in run.stderr.splitlines()[-1]
    assert "Traceback" not in run.stderr
    assert ended <= until_ms / 1000 + GRACE_S + 5  # not 60 s, nor a billion
    throttled = [r for r in emu.requests if r.status == 429]
    assert throttled  # the polls were answered 429, and the run still ended on time
