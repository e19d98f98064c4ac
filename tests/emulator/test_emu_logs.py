"""Logs endpoint semantics: ordering, window bounds, filters, determinism, realistic content."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from emu_helpers import HOUR_MS, MIN_MS, FakeClock, call, logs_path

from baseten_logs.emulator import (
    DEMO_DEPLOYMENT_ID,
    DEMO_DEV_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    Emulator,
    EmulatorConfig,
)

KEYS = {"timestamp", "message", "replica", "request_id", "level"}
Record = dict[str, Any]


def ms(line: Record) -> int:
    return int(line["timestamp"]) // 1_000_000


def window(emu: Emulator, minutes: int = 60, ago_min: int = 10) -> tuple[int, int]:
    """A settled window (every line already arrived) ending `ago_min` minutes before now."""
    end = emu.now_ms() - ago_min * MIN_MS
    return end - minutes * MIN_MS, end


def page(emu: Emulator, start: int, end: int, **params: Any) -> list[Record]:
    query: dict[str, Any] = {"start_epoch_millis": start, "end_epoch_millis": end, "limit": 1000}
    query.update(params)
    return call(emu, logs_path(), query).logs


def test_lines_have_the_documented_fields(emu: Emulator) -> None:
    lines = page(emu, *window(emu))
    assert len(lines) == 1000
    for line in lines:
        assert set(line) == KEYS
        assert line["timestamp"].isdigit() and len(line["timestamp"]) == 19
        assert line["level"] in (None, "DEBUG", "INFO", "WARNING", "ERROR")
        assert line["replica"] is None or re.fullmatch("[a-z0-9]{5}", line["replica"])


def test_defaults_are_desc_500_lines_of_the_last_30_minutes(emu: Emulator) -> None:
    lines = call(emu, logs_path()).logs
    now = emu.now_ms()
    truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, now - 30 * MIN_MS, now)
    assert lines == truth[::-1][:500]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_page_is_the_matching_end_of_the_ground_truth(emu: Emulator, direction: str) -> None:
    start, end = window(emu)
    lines = page(emu, start, end, direction=direction)
    truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    assert len(truth) > 1000
    expected = truth[:1000] if direction == "asc" else truth[::-1][:1000]
    assert lines == expected
    stamps = [int(line["timestamp"]) for line in lines]
    assert stamps == sorted(stamps, reverse=direction == "desc")


@pytest.mark.parametrize("end_inclusive", [True, False])
def test_start_is_inclusive_and_end_is_configurable(make_emu: Any, end_inclusive: bool) -> None:
    emu = make_emu(end_inclusive=end_inclusive)
    start, end = window(emu, minutes=2)
    truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    first, last = ms(truth[0]), ms(truth[-1])
    lines = page(emu, first, last, direction="asc")
    got_ms = {ms(line) for line in lines}
    assert first in got_ms
    assert (last in got_ms) is end_inclusive
    # start == end: the one millisecond, or nothing.
    assert bool(page(emu, first, first)) is end_inclusive
    emu.set_end_inclusive(not end_inclusive)
    assert emu.end_inclusive is not end_inclusive
    assert (last in {ms(line) for line in page(emu, first, last)}) is not end_inclusive


def drain_backwards(emu: Emulator, start: int, end: int, limit: int) -> list[Record]:
    """Page newest-first by time, re-fetching the seam millisecond and dropping repeats."""
    out: list[Record] = []
    seam: Counter[tuple[Any, ...]] = Counter()
    cursor = end
    # An end-exclusive server needs end = seam + 1 to return the seam millisecond again.
    bump = 0 if emu.end_inclusive else 1
    while True:
        lines = page(emu, start, cursor + bump, direction="desc", limit=limit)
        for line in lines:
            key = tuple(line.values())
            if seam[key]:
                seam[key] -= 1
                continue
            out.append(line)
        if len(lines) < limit:
            return out[::-1]
        cursor = ms(lines[-1])
        seam = Counter(tuple(line.values()) for line in lines if ms(line) == cursor)


@pytest.mark.parametrize("end_inclusive", [True, False])
def test_paging_through_time_reproduces_the_ground_truth(
    make_emu: Any, end_inclusive: bool
) -> None:
    emu = make_emu(end_inclusive=end_inclusive, lines_per_s=10.0)
    start, end = window(emu, minutes=15)
    truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    assert len(truth) > 6_000
    assert drain_backwards(emu, start, end, limit=1000) == truth


def test_filters_match_the_ground_truth_filters(emu: Emulator) -> None:
    start, end = window(emu, minutes=120)
    everything = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    replica = next(line["replica"] for line in everything if line["replica"])
    request_id = next(line["request_id"] for line in everything if line["request_id"])
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"min_level": "WARNING"}, lambda r: r["level"] in ("WARNING", "ERROR")),
        ({"min_level": "DEBUG"}, lambda r: r["level"] is not None),
        ({"min_level": "ERROR"}, lambda r: r["level"] == "ERROR"),
        ({"replica": replica}, lambda r: r["replica"] == replica),
        ({"request_id": request_id}, lambda r: r["request_id"] == request_id),
        ({"search_pattern": r"Generated \d+ tokens"}, lambda r: "Generated" in r["message"]),
        (
            {"includes": ["model", "INFO"]},
            lambda r: "model" in r["message"] and "INFO" in r["message"],
        ),
        ({"excludes": ["INFO", "DEBUG"]}, lambda r: not re.search("INFO|DEBUG", r["message"])),
        ({"component": "system"}, lambda r: r["message"].startswith(("Downloading", "Starting"))),
    ]
    for params, keep in cases:
        expected = [line for line in everything if keep(line)]
        assert expected, params
        assert emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end, **params) == expected
        got = page(emu, start, end, direction="asc", **params)
        assert got == expected[:1000], params


def test_min_level_drops_lines_without_a_level(emu: Emulator) -> None:
    start, end = window(emu, minutes=120)
    everything = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    unlevelled = [line for line in everything if line["level"] is None]
    assert unlevelled
    assert all(line["level"] is not None for line in page(emu, start, end, min_level="DEBUG"))


def test_repeated_keys_combine(emu: Emulator) -> None:
    start, end = window(emu, minutes=120)
    both = page(emu, start, end, includes=["Generated", "tok/s"], excludes=["WARNING", "model"])
    assert both == []
    one = page(emu, start, end, includes=["Generated", "tok/s"], excludes=["WARNING"])
    assert one and all("Generated" in line["message"] for line in one)
    # Case-sensitive.
    assert page(emu, start, end, includes=["generated"]) == []


def test_the_same_request_twice_gives_the_same_answer(emu: Emulator) -> None:
    start, end = window(emu, minutes=30)
    params = {"start_epoch_millis": start, "end_epoch_millis": end, "limit": 1000}
    reply = call(emu, logs_path(), params)
    assert reply.body == call(emu, logs_path(), params).body
    # The hand-built JSON is exactly what json.dumps would print.
    assert reply.body == json.dumps({"logs": reply.logs}, ensure_ascii=False).encode()


def test_same_seed_same_data_other_seed_other_data() -> None:
    def body(seed: int) -> bytes:
        with Emulator(EmulatorConfig(seed=seed, clock=FakeClock(), rate_limit_per_s=None)) as e:
            start, end = window(e, minutes=30)
            params = {"start_epoch_millis": start, "end_epoch_millis": end, "limit": 1000}
            return call(e, logs_path(), params).body

    assert body(7) == body(7)
    assert body(7) != body(8)


def test_content_is_realistic_and_tricky(emu: Emulator) -> None:
    start, end = window(emu, minutes=3 * 60)
    lines = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    messages = [line["message"] for line in lines]
    assert any(m.startswith('{"levelname": ') for m in messages)
    assert any(m.startswith('{"severity": ') for m in messages)
    assert any(m.startswith('{"level": "error"') for m in messages)
    assert any(
        re.match(r'INFO: {5}[\d.]+:\d+ - "POST /predict HTTP/1.1" 200 OK', m) for m in messages
    )
    assert any(
        re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - model - WARNING - ", m) for m in messages
    )
    assert any(m.startswith("[ERROR] ") for m in messages)
    assert any(m.startswith("level=warn msg=") for m in messages)
    assert any(m.startswith("Traceback (most recent call last):\n") for m in messages)
    assert any(
        line["message"].startswith("Downloading ") and line["level"] is None for line in lines
    )
    # A level in the text, none in the API.
    assert any(line["level"] is None and "INFO" in line["message"] for line in lines)
    assert len({line["replica"] for line in lines}) == 3
    # Exact duplicates, distinct lines sharing a nanosecond, and bursts within a millisecond.
    counts = Counter(tuple(line.values()) for line in lines)
    assert any(n >= 2 for n in counts.values())
    per_ns: dict[str, set[str]] = {}
    for line in lines:
        per_ns.setdefault(line["timestamp"], set()).add(line["message"])
    assert any(len(found) >= 2 for found in per_ns.values())
    assert max(Counter(ms(line) for line in lines).values()) >= 20


def test_a_giant_burst_holds_more_than_a_page_in_one_millisecond(make_emu: Any) -> None:
    probe = make_emu()
    at = probe.now_ms() - 3 * HOUR_MS + 123
    emu = make_emu(giant_burst_at_ms=at, giant_burst_lines=1500)
    truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, at, at)
    assert len(truth) >= 1500
    lines = page(emu, at - 10, at, direction="desc")
    assert len(lines) == 1000 and {ms(line) for line in lines} == {at}


def test_a_giant_burst_can_come_from_several_replicas(make_emu: Any) -> None:
    probe = make_emu()
    at = probe.now_ms() - 3 * HOUR_MS + 123
    emu = make_emu(giant_burst_at_ms=at, giant_burst_lines=3000, giant_burst_replicas=3)
    truth = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, at, at)
    flushes = Counter(line["replica"] for line in truth if "flush" in str(line["message"]))
    assert len(flushes) == 3 and set(flushes.values()) == {1000}


def test_extra_fields_can_be_added(make_emu: Any) -> None:
    emu = make_emu(extra_fields=True)
    lines = page(emu, *window(emu))
    assert all(set(line) == KEYS | {"component", "deployment_id"} for line in lines)
    assert {line["deployment_id"] for line in lines} == {DEMO_DEPLOYMENT_ID}


def test_rates_are_per_deployment(make_emu: Any) -> None:
    emu = make_emu(lines_per_s=1.0, rates={DEMO_DEV_DEPLOYMENT_ID: 10.0})
    start, end = window(emu, minutes=60)
    prod = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEPLOYMENT_ID, start, end)
    dev = emu.ground_truth(DEMO_MODEL_ID, DEMO_DEV_DEPLOYMENT_ID, start, end)
    assert 2_500 < len(prod) < 5_000
    assert 25_000 < len(dev) < 50_000


def test_a_long_window_is_served_lazily_and_fast(make_emu: Any) -> None:
    import time

    emu = make_emu(lines_per_s=0.6)
    end = emu.now_ms()
    params = {"start_epoch_millis": end - 7 * 24 * HOUR_MS, "end_epoch_millis": end}
    began = time.perf_counter()
    lines = call(emu, logs_path(), {**params, "limit": 1000, "direction": "desc"}).logs
    assert len(lines) == 1000
    assert time.perf_counter() - began < 1.0
