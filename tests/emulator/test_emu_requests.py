"""Requests in the emulated traffic: ids of several forms, retries across replicas with untagged
tracebacks, a planted two-day-old request, and an id index that answers as a full scan does."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from typing import Any

import pytest
from emu_helpers import DAY_MS, HOUR_MS, call, logs_path

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator
from baseten_logs.emulator.request_ids import (
    FORMS,
    REQUEST_SPAN_MS,
    request_began_ms,
    request_id,
)

Record = dict[str, Any]


def ms(line: Record) -> int:
    return int(line["timestamp"]) // 1_000_000


def by_request(lines: list[Record]) -> dict[str, list[Record]]:
    found: dict[str, list[Record]] = defaultdict(list)
    for line in lines:
        if line["request_id"]:
            found[line["request_id"]].append(line)
    return found


def untagged_traceback_during(everything: list[Record], tagged: list[Record]) -> list[Record]:
    """Untagged tracebacks on the first replica of `tagged`, between its first and last line."""
    first, last = int(tagged[0]["timestamp"]), int(tagged[-1]["timestamp"])
    return [
        line
        for line in everything
        if line["replica"] == tagged[0]["replica"]
        and line["request_id"] is None
        and "Traceback" in line["message"]
        and first <= int(line["timestamp"]) <= last
    ]


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_id_reads_back_the_millisecond_it_was_made_for(form: str) -> None:
    rng = random.Random(form)
    for at_ms in (1_764_150_000_123, 1_790_000_000_000, 2_000_000_000_999):
        made = request_id(rng, at_ms, form=form)
        assert request_began_ms(made) == at_ms
        assert len(made) <= 256 and made.isprintable() and " " not in made


@pytest.mark.parametrize(
    "other",
    ["req-9", "r1", "0" * 32, "f" * 32, "req_" + "U" * 26, "01a21ea7-a299-45c3-8ecb-08aa1098e3be"],
)
def test_ids_that_are_not_the_emulators_own_read_as_no_time(other: str) -> None:
    assert request_began_ms(other) is None


def test_traffic_mixes_the_forms_and_keeps_each_request_within_its_ids_span(
    make_emu: Any,
) -> None:
    emu = make_emu(lines_per_s=10.0)
    end = emu.now_ms() - HOUR_MS
    lines = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, end - 3 * HOUR_MS, end)
    requests = by_request(lines)
    shapes = {
        "uuid": r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}",
        "hex": r"[0-9a-f]{32}",
        "upper": r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}",
        "ulid": r"req_[0-9A-Z]{26}",
    }
    seen = {name for name, shape in shapes.items() for rid in requests if re.fullmatch(shape, rid)}
    assert seen == set(FORMS)
    for rid, tagged in requests.items():
        began = request_began_ms(rid)
        assert began is not None, rid
        assert all(began <= ms(line) <= began + REQUEST_SPAN_MS for line in tagged), rid


def test_some_requests_are_retried_on_another_replica_after_an_untagged_traceback(
    make_emu: Any,
) -> None:
    emu = make_emu(lines_per_s=5.0)
    end = emu.now_ms() - HOUR_MS
    lines = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, end - 3 * HOUR_MS, end)
    retried = [
        tagged
        for tagged in by_request(lines).values()
        if len({line["replica"] for line in tagged}) == 2
    ]
    assert len(retried) >= 5
    for tagged in retried:
        assert untagged_traceback_during(lines, tagged), tagged


def test_the_planted_request_is_two_days_old_on_two_replicas_with_a_traceback_between(
    emu: Emulator,
) -> None:
    planted = emu.demo_request
    assert planted.deployment_id == DEMO_DEPLOYMENT_ID
    assert 2 * DAY_MS <= emu.now_ms() - planted.at_ms < 2 * DAY_MS + 2 * HOUR_MS
    start, end = planted.at_ms - 60_000, planted.at_ms + 60_000
    everything = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    tagged = [line for line in everything if line["request_id"] == planted.request_id]
    assert ms(tagged[0]) == planted.at_ms
    assert len({line["replica"] for line in tagged}) == 2
    assert untagged_traceback_during(everything, tagged)


def test_the_planted_chain_request_crosses_every_chainlet_two_days_back(emu: Emulator) -> None:
    from baseten_logs.emulator.chains import CHAINLETS

    planted = emu.demo_chain_request
    assert planted.deployment_id == emu.id(CHAINLETS[0][1])  # the entrypoint
    assert planted.request_id != emu.demo_request.request_id
    assert 2 * DAY_MS <= emu.now_ms() - planted.at_ms < 3 * DAY_MS
    start, end = planted.at_ms - 60_000, planted.at_ms + 60_000
    seen = {}
    for name, chainlet_id in CHAINLETS:
        everything = emu.chainlet_ground_truth(emu.id(chainlet_id), start, end)
        seen[name] = [line for line in everything if line["request_id"] == planted.request_id]
        if name == CHAINLETS[0][0]:
            assert ms(seen[name][0]) == planted.at_ms
            assert untagged_traceback_during(everything, seen[name])
    assert all(seen.values())  # passed down the chain with the same id


def test_a_request_id_query_over_a_week_answers_as_a_full_scan_does(make_emu: Any) -> None:
    emu = make_emu(rates={DEMO_DEPLOYMENT_ID: 0.1})
    end = emu.now_ms() - HOUR_MS
    start = end - 7 * DAY_MS
    everything = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    requests = by_request(everything)
    chosen = [*list(requests)[:: max(1, len(requests) // 20)], emu.demo_request.request_id]
    for rid in [*chosen, "not-one-of-ours", "f" * 32]:
        query = {
            "start_epoch_millis": start,
            "end_epoch_millis": end,
            "limit": 1000,
            "direction": "asc",
            "request_id": rid,
        }
        answered = call(emu, logs_path(), query).logs
        assert answered == [line for line in everything if line["request_id"] == rid], rid
