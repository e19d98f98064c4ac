"""A crowded millisecond (more lines than a page) through the real CLI: whole when the API can
return it (both ends, then replica by replica), every line once; exit 6 only past that."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, Emulator, EmulatorConfig
from tests.e2e.conftest import DEPLOYMENT, HOUR_MS, MODEL, cli, settled_now_ms

AT = settled_now_ms() - 2 * HOUR_MS + 123  # the crowded millisecond
SINCE, UNTIL = AT - 60_000, AT + 60_000


def _emulator(lines: int, replicas: int) -> Emulator:
    config = EmulatorConfig(
        seed=5,
        rates={DEMO_DEPLOYMENT_ID: 0.5},
        rate_limit_per_s=None,
        giant_burst_at_ms=AT,
        giant_burst_lines=lines,
        giant_burst_replicas=replicas,
    )
    return Emulator(config)


@pytest.fixture(scope="module")
def spread() -> Iterator[Emulator]:
    """4,500 lines in one millisecond from 3 replicas, 1,500 each: the ends (2,000) do not
    meet, each replica's do."""
    with _emulator(4500, 3) as emu:
        yield emu


@pytest.mark.parametrize(
    "how", [("--all",), ("--all", "--concurrency", "1"), ("-n", "100000"), ("-n", "5000")]
)
def test_a_crowded_millisecond_is_exact(spread: Emulator, how: tuple[str, ...]) -> None:
    run = cli(
        spread,
        "get",
        MODEL,
        DEPLOYMENT,
        *how,
        "--since",
        str(SINCE),
        "--until",
        str(UNTIL),
        "-o",
        "jsonl",
    )
    assert run.status == 0, run.stderr
    truth = spread.ground_truth(MODEL, DEPLOYMENT, SINCE, UNTIL)
    crowd = [line for line in truth if int(line["timestamp"]) // 1_000_000 == AT]
    assert len(crowd) >= 4500 and len({line["replica"] for line in crowd}) == 3
    count = int(how[1]) if how[0] == "-n" else len(truth)
    assert run.jsonl() == truth[-count:]  # every line once, in order
    assert "millisecond" not in run.stderr


def test_one_replica_past_two_pages_in_a_millisecond_is_exit_6_and_the_rest_is_shown() -> None:
    """5,000 lines from 2 replicas, 2,500 each: each replica's first and last 1,000 come, the
    500 between them cannot; the warning names the millisecond, the exit status is 6."""
    with _emulator(5000, 2) as emu:
        run = cli(
            emu,
            "get",
            MODEL,
            DEPLOYMENT,
            "--all",
            "--since",
            str(SINCE),
            "--until",
            str(UNTIL),
            "-o",
            "jsonl",
        )
        truth = emu.ground_truth(MODEL, DEPLOYMENT, SINCE, UNTIL)
    assert run.status == 6, run.stderr
    assert "more lines share the millisecond" in run.stderr
    got = run.jsonl()
    crowd = [line for line in truth if int(line["timestamp"]) // 1_000_000 == AT]
    others = [line for line in truth if int(line["timestamp"]) // 1_000_000 != AT]
    assert [line for line in got if int(line["timestamp"]) // 1_000_000 != AT] == others
    shown = [line for line in got if int(line["timestamp"]) // 1_000_000 == AT]
    assert len(shown) == 4000
    expected: list[dict[str, object]] = []
    for replica in sorted({line["replica"] for line in crowd}):
        own = [line for line in crowd if line["replica"] == replica]
        expected += own[:1000] + own[-1000:]
    assert sorted(map(repr, shown)) == sorted(map(repr, expected))
