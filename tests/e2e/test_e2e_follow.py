"""Follow mode against the emulator producing lines live, some of them late."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from baseten_logs.emulator import Emulator, EmulatorConfig
from baseten_logs.reading.pager import record_key
from tests.e2e.conftest import DEPLOYMENT, MODEL, cli


@pytest.fixture
def live() -> Iterator[Emulator]:
    config = EmulatorConfig(
        seed=5,
        rates={DEPLOYMENT: 60.0},
        late_share=0.2,
        max_late_s=3.0,
        rate_limit_per_s=None,
    )
    with Emulator(config) as emulator:
        yield emulator


def test_follow_shows_every_line_exactly_once(live: Emulator) -> None:
    now_ms = int(time.time() * 1000)
    since, until = now_ms - 4_000, now_ms + 1_000  # lines up to 3 s late keep arriving after
    run = cli(
        live,
        "get",
        MODEL,
        DEPLOYMENT,
        "-f",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
        timeout=40,
    )
    assert run.status == 0, run.stderr
    assert run.stderr == ""  # piped: log lines only, no status line
    truth = live.ground_truth(MODEL, DEPLOYMENT, since, until)
    got = run.jsonl()
    assert len(truth) > 150  # about 360 expected: lines were flowing throughout
    assert Counter(record_key(r) for r in got) == Counter(record_key(r) for r in truth)


def test_parts_of_one_print_arriving_in_different_polls_keep_their_order() -> None:
    # Every multi-line print arrives last part first, 0.1 s apart: often in different polls,
    # yet within the shortest hold, so the output can keep the API's order.
    config = EmulatorConfig(
        seed=8,
        rates={DEPLOYMENT: 80.0},
        max_delay_s=0.3,
        late_share=0.0,
        split_print_s=0.1,
        rate_limit_per_s=None,
    )
    with Emulator(config) as emu:
        now_ms = int(time.time() * 1000)
        since, until = now_ms - 1_000, now_ms + 6_000
        run = cli(
            emu, "get", MODEL, DEPLOYMENT, "-f", "--since", str(since), "--until", str(until),
            "-o", "jsonl", timeout=40,
        )  # fmt: skip
        truth = emu.ground_truth(MODEL, DEPLOYMENT, since, until)
    assert run.status == 0, run.stderr

    def prints(records: list[dict[str, object]]) -> list[list[object]]:
        """The messages of each nanosecond that holds a `Batch stats:` print, in order: of the
        prints the polls brought (the opening page, printed at once, may cut one in two)."""
        by_ns: dict[object, list[object]] = {}
        for r in records:
            if int(str(r["timestamp"])) // 1_000_000 > now_ms + 500:
                by_ns.setdefault(r["timestamp"], []).append(r["message"])
        return [parts for parts in by_ns.values() if "Batch stats:" in parts]

    expected = prints(truth)
    # The case did occur: 8 such prints in a window on average, 2 in 1 of 200 (seed 8, by the
    # minute of the run), so asking for 3 failed now and then.
    assert expected
    assert prints(run.jsonl()) == expected
