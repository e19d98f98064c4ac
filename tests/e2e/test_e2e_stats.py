"""`baseten-logs stats -o json` through the real CLI: its numbers equal a direct count."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from baseten_logs.base.levels import LEVEL_RANK, effective_level
from baseten_logs.emulator import Emulator
from baseten_logs.output.signatures import signature
from baseten_logs.output.stats import LEVEL_KEYS
from tests.e2e.conftest import DEPLOYMENT, HOUR_MS, MODEL, cli, on_terminal, settled_now_ms


@pytest.mark.parametrize(
    ("flags", "level"),
    [((), None), (("--level", "warning"), "WARNING")],
    ids=["everything", "level-filter"],
)
def test_six_hour_stats_equal_a_direct_count(
    emu: Emulator, flags: tuple[str, ...], level: str | None
) -> None:
    until = settled_now_ms()
    run = cli(
        emu, "stats", MODEL, DEPLOYMENT, "--since", "6h", "--until", str(until), "-o", "json",
        *flags,
    )  # fmt: skip
    assert run.status == 0, run.stderr
    assert run.stderr == ""
    document = json.loads(run.stdout)
    since = document["window"]["since_ms"]  # `6h` counts back from the CLI's own now
    assert document["window"]["until_ms"] == until
    assert 6 * HOUR_MS - 180_000 < until - since < 6 * HOUR_MS  # until is 2 minutes back

    truth = emu.ground_truth(MODEL, DEPLOYMENT, since, until)
    if level is not None:  # as the output shows levels: unlevelled lines by their text
        floor = LEVEL_RANK[level]
        truth = [r for r in truth if LEVEL_RANK.get(effective_level(r) or "", -1) >= floor]
    assert len(truth) > 100  # 0.1 line/s here: about 2,000 lines, 170 of them WARNING+
    levels = Counter(effective_level(r) or "NONE" for r in truth)
    assert document["totals"] == {level: levels[level] for level in LEVEL_KEYS}
    assert document["lines"] == len(truth) == sum(b["total"] for b in document["buckets"])
    assert document["complete"] and document["exact"]

    bucket_ms = document["bucket_ms"]
    origin = document["buckets"][0]["start_ms"]
    per_bucket = Counter((int(r["timestamp"]) // 1_000_000 - origin) // bucket_ms for r in truth)
    assert [b["total"] for b in document["buckets"]] == [
        per_bucket[i] for i in range(len(document["buckets"]))
    ]
    replicas = Counter(r["replica"] for r in truth)
    assert {r["replica"]: r["lines"] for r in document["replicas"]} == replicas

    errors = [r for r in truth if effective_level(r) == "ERROR"]
    signatures = Counter(signature(r["message"]) for r in errors)
    top = document["top_errors"]
    assert len(top) == min(10, len(signatures)) > 0
    assert all(e["count"] == signatures[e["signature"]] for e in top)
    assert [e["count"] for e in top] == sorted(signatures.values(), reverse=True)[: len(top)]


def test_the_drawn_header_names_the_target_as_given(emu: Emulator) -> None:
    from baseten_logs.emulator import DEMO_MODEL_NAME

    run = cli(
        emu, "stats", DEMO_MODEL_NAME, "--since", "1h", "--color", "never",
        env={"TTY_COMPATIBLE": "1", "COLUMNS": "100"},
    )  # fmt: skip
    assert run.status == 0, run.stderr
    assert run.stdout.startswith(f"{DEMO_MODEL_NAME} ({MODEL}) / ")


def test_a_slow_count_shows_progress_before_the_first_answer(emu: Emulator, tmp_path: Path) -> None:
    emu.set_latency(2.5)
    target = tmp_path / "stats.json"
    run = on_terminal(emu, "stats", MODEL, DEPLOYMENT, "--since", "1h", stdout=target)
    assert run.status == 0, run.stderr
    assert "fetching… 0ms of 1h covered, 0 lines read, 0 requests, 0 lines/s" in run.stderr
    assert run.stderr.endswith("\r\x1b[2K") and json.loads(target.read_text())["totals"]
