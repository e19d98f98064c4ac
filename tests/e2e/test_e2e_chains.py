"""`chain`: every chainlet's lines merged, exact against the emulator's ground truth."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from baseten_logs.base.timestamps import record_ns
from baseten_logs.emulator import Emulator, EmulatorConfig
from baseten_logs.emulator.chains import CHAIN_DEPLOYMENT_ID, CHAIN_ID, CHAIN_NAME, CHAINLETS
from baseten_logs.emulator.config import IdStyle
from baseten_logs.reading.pager import record_key
from tests.e2e.conftest import HOUR_MS, cli, settled_now_ms
from tests.shown import api_fields


def merged_truth(emu: Emulator, since: int, until: int, **filters: Any) -> list[dict[str, Any]]:
    """Every chainlet's lines, labelled, in time order (chainlets in the chain's order at a tie)."""
    lines = [
        {**record, "chainlet": name}
        for name, chainlet_id in CHAINLETS
        for record in emu.chainlet_ground_truth(chainlet_id, since, until, **filters)
    ]
    return sorted(lines, key=lambda r: record_ns(r) or 0)


@pytest.mark.parametrize("concurrency", ["1", "12"])  # 12: four parallel slices per chainlet
def test_a_chain_window_is_every_chainlets_lines_once_in_time_order(
    fresh: Emulator, concurrency: str
) -> None:
    until = settled_now_ms()
    since = until - HOUR_MS // 3
    run = cli(
        fresh,
        "chain",
        CHAIN_NAME,
        "--all",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
        "--concurrency",
        concurrency,
    )
    assert run.status == 0, run.stderr
    truth = merged_truth(fresh, since, until)
    assert len(truth) > 5_000
    assert {r["chainlet"] for r in truth} == {name for name, _ in CHAINLETS}
    assert run.jsonl() == truth


def test_n_is_the_newest_lines_of_the_whole_chain(fresh: Emulator) -> None:
    until = settled_now_ms()
    run = cli(fresh, "chain", CHAIN_ID, "-n", "1500", "--until", str(until), "-o", "jsonl")
    assert run.status == 0, run.stderr
    truth = merged_truth(fresh, until - 30 * 60_000, until)
    assert run.jsonl() == truth[-1500:]  # not 1500 per chainlet, and still oldest first


def test_a_filter_and_chosen_chainlets_narrow_the_merge(emu: Emulator) -> None:
    until = settled_now_ms()
    since = until - HOUR_MS
    run = cli(
        emu,
        "chain",
        CHAIN_NAME,
        "--chainlet",
        "Generator",
        "--chainlet",
        CHAINLETS[1][1],  # Ranker, by id
        "--all",
        "--grep",
        "request [0-9a-f]+",
        "--since",
        str(since),
        "--until",
        str(until),
        "-o",
        "jsonl",
    )
    assert run.status == 0, run.stderr
    got = run.jsonl()
    truth = [
        r
        for r in merged_truth(emu, since, until, search_pattern="request [0-9a-f]+")
        if r["chainlet"] != "Retriever"
    ]
    assert got == truth
    # One request crosses the chain: Ranker calls the Generator, which says it handles it.
    calls = {r["request_id"] for r in got if r["message"].startswith("calling Generator")}
    handled = {r["request_id"] for r in got if r["message"].endswith("from Ranker")}
    assert calls and calls & handled


def test_text_output_shows_each_lines_chainlet_in_a_column(emu: Emulator) -> None:
    run = cli(emu, "chain", CHAIN_NAME, "-n", "200", "--until", str(settled_now_ms()))
    assert run.status == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if not line.startswith(" ")]
    assert len(lines) == 200
    # A traceback's further lines are indented to the message column, past the chainlet's.
    continued = [line for line in run.stdout.splitlines() if line.startswith(" ")]
    assert all(line[:50].isspace() for line in continued)
    # The column starts after the timestamp and level, padded to the longest chainlet name.
    columns = {line[32:43] for line in lines}
    assert columns <= {f"{name:<9}  " for name, _ in CHAINLETS}
    assert len(columns) == 3


def test_unknown_chain_parts_exit_4_naming_what_exists(emu: Emulator) -> None:
    run = cli(emu, "chain", CHAIN_NAME, "nosuchdep")
    assert run.status == 4
    assert "no deployment 'nosuchdep'" in run.stderr
    run = cli(emu, "chain", CHAIN_NAME, "--chainlet", "Embedder")
    assert run.status == 4 and "Retriever, Ranker, Generator" in run.stderr


def test_bad_chain_input_exits_2_before_any_request(emu: Emulator) -> None:
    run = cli(emu, "chain", "a/b")
    assert run.status == 2 and run.stderr.count("\n") == 1
    run = cli(emu, "chain", CHAIN_NAME, "p3x9d1k", "--env", "staging")
    assert run.status == 2
    assert emu.requests == []


def test_one_follower_shows_every_chainlets_new_lines_once() -> None:
    config = EmulatorConfig(
        seed=6,
        rates={chainlet_id: 25.0 for _, chainlet_id in CHAINLETS},
        late_share=0.2,
        max_late_s=2.0,
        rate_limit_per_s=None,
    )
    with Emulator(config) as live:
        now_ms = int(time.time() * 1000)
        since, until = now_ms - 3_000, now_ms + 2_000
        window = ("--since", str(since), "--until", str(until))
        run = cli(live, "chain", CHAIN_NAME, "-f", *window, "-o", "jsonl", timeout=40)
        assert run.status == 0, run.stderr
        truth = merged_truth(live, since, until)
        assert len(truth) > 200  # lines flowed from every chainlet throughout
        got = run.jsonl()
        assert Counter(record_key(r) for r in got) == Counter(record_key(r) for r in truth)


def test_stats_counts_every_chainlet_of_a_chain(emu: Emulator) -> None:
    until = settled_now_ms()
    since = until - HOUR_MS // 2
    window = ("--since", str(since), "--until", str(until), "-o", "json")
    run = cli(emu, "stats", "--chain", CHAIN_NAME, "--chainlet", "Ranker", *window)
    assert run.status == 0, run.stderr
    ranker = [r for r in merged_truth(emu, since, until) if r["chainlet"] == "Ranker"]
    assert json.loads(run.stdout)["lines"] == len(ranker)
    run = cli(emu, "stats", "--chain", CHAIN_NAME, *window)
    assert json.loads(run.stdout)["lines"] == len(merged_truth(emu, since, until))


@pytest.mark.parametrize("style", ["8", "mixed", "long"])
def test_a_chain_id_of_any_shape_is_asked_of_the_api_not_guessed(style: IdStyle) -> None:
    config = EmulatorConfig(seed=2, id_style=style, rate_limit_per_s=None)
    with Emulator(config) as emu:
        chain_id = emu.id(CHAIN_ID)
        for chain in (chain_id, CHAIN_NAME):
            run = cli(emu, "chain", chain, "-n", "5", "-o", "jsonl")
            assert run.status == 0, run.stderr
            assert len(run.jsonl()) == 5
        probes = [r.path for r in emu.requests if not r.path.endswith("/logs")]
        # The id: one request; the name: tried as an id, then looked up.
        assert probes == [
            f"/v1/chains/{chain_id}/deployments",
            f"/v1/chains/{CHAIN_NAME}/deployments",
            "/v1/chains",
            f"/v1/chains/{chain_id}/deployments",
        ]


def test_a_chain_name_is_resolved_once_then_read_from_the_cache(emu: Emulator) -> None:
    def probes() -> list[str]:
        return [r.path for r in emu.requests if not r.path.endswith("/logs")]

    assert cli(emu, "chain", CHAIN_NAME, "-n", "1").status == 0
    assert len(probes()) == 3  # tried as an id, the list of chains, the chain's deployments
    emu.clear_requests()
    for args in (("chain", CHAIN_NAME, "-n", "1"), ("chainlets", CHAIN_NAME)):
        run = cli(emu, *args)
        assert run.status == 0, run.stderr
    # Each: the chain's deployments by the cached id, as for a chain given by id (`chainlets`
    # then reads the deployment's chainlets, as it always did).
    assert probes() == [
        f"/v1/chains/{CHAIN_ID}/deployments",
        f"/v1/chains/{CHAIN_ID}/deployments",
        f"/v1/chains/{CHAIN_ID}/deployments/{CHAIN_DEPLOYMENT_ID}",
    ]
    emu.clear_requests()
    assert cli(emu, "chain", CHAIN_NAME, "-n", "1", "--no-cache").status == 0
    assert len(probes()) == 3


def test_a_models_name_that_is_a_chains_says_so_with_the_command(emu: Emulator) -> None:
    run = cli(emu, "get", CHAIN_NAME)
    assert run.status == 4
    assert run.stderr == (
        f"baseten-logs: error: no model named '{CHAIN_NAME}': it is a chain (its logs: baseten-logs"
        f" chain {CHAIN_NAME}; a request in it: baseten-logs request ID --chain {CHAIN_NAME})\n"
    )


def test_get_flags_for_scripts_work_on_a_chain(emu: Emulator, tmp_path: Path) -> None:
    until = settled_now_ms()
    saved = tmp_path / "chain.jsonl"
    window = ("--since", str(until - HOUR_MS // 4), "--until", str(until))
    run = cli(
        emu,
        "chain",
        CHAIN_NAME,
        "--all",
        *window,
        "-q",
        "--fail-on",
        "error",
        "--save",
        str(saved),
        "-o",
        "raw",
        "--reverse",
    )
    assert run.status == 1, run.stderr  # an error line was shown
    kept = [api_fields(json.loads(text)) for text in saved.read_text().splitlines()]
    truth = merged_truth(emu, until - HOUR_MS // 4, until)
    assert kept == truth[::-1]  # newest first, each with its chainlet
    assert run.stdout.splitlines()[0] == truth[-1]["message"].splitlines()[0]


@pytest.mark.parametrize("level", ["warning", "error"])
def test_the_newest_lines_of_a_chain_at_a_level_end_in_a_pair_of_requests_per_chainlet(
    fresh: Emulator, level: str
) -> None:
    """`chain rag-pipeline --level warning -n 2` once looped for ever, deaf to Ctrl-C (#22)."""
    fresh.clear_requests()
    run = cli(fresh, "chain", CHAIN_ID, "--level", level, "-n", "2", "-o", "jsonl", timeout=30)
    assert run.status == 0, run.stderr
    assert len(run.jsonl()) == 2
    logs = [r for r in fresh.requests if r.path.endswith("/logs")]
    assert len(logs) <= 2 * len(CHAINLETS)


def test_view_shows_a_saved_chain_as_chain_showed_it(emu: Emulator, tmp_path: Path) -> None:
    until = settled_now_ms()
    window = ("--since", str(until - HOUR_MS // 6), "--until", str(until))
    saved = tmp_path / "chain.jsonl"
    run = cli(emu, "chain", CHAIN_NAME, "--all", *window, "--utc", "--save", str(saved))
    assert run.status == 0, run.stderr
    viewed = cli(None, "view", str(saved), "--utc")
    assert viewed.status == 0, viewed.stderr
    assert viewed.stdout == run.stdout  # the chainlet column included
    one = cli(None, "view", str(saved), "--chainlet", "Generator", "-o", "jsonl")
    kept = [api_fields(json.loads(text)) for text in saved.read_text().splitlines()]
    assert one.jsonl() == [line for line in kept if line["chainlet"] == "Generator"]
    assert one.stdout


def test_no_since_looks_back_across_every_chainlet_when_the_window_is_empty(
    emu: Emulator,
) -> None:
    """The development chain's chainlets said "Starting replica" once, at their start; three
    hours later a default window holds none, and the look-back finds each chainlet's."""
    chain = emu.catalogue.chains[0]
    development = next(d for d in chain.deployments if d.environment is None)
    started = max(c.dep.logs_from_ms for c in development.chainlets)
    until = str(started + 3 * 3_600_000)
    grep = ("--grep", "Starting replica", "-o", "jsonl")
    run = cli(emu, "chain", CHAIN_NAME, development.id, "--until", until, *grep)
    assert run.status == 0, run.stderr
    lines = run.jsonl()
    assert {line["chainlet"] for line in lines} == {c.name for c in development.chainlets}
    assert all(line["message"].startswith("Starting replica") for line in lines)
    assert (
        "no lines in the 30m before --until matching --grep 'Starting replica'; "
        "showing the newest of the 6h before --until"
    ) in run.stderr
    assert "is ACTIVE" not in run.stderr and "chain deployment is" not in run.stderr
