"""Sandboxes: the list, a sandbox's logs by next_cursor, its image's build logs by offset."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from emu_helpers import MIN_MS, call

from baseten_logs.emulator import Emulator
from baseten_logs.emulator.sandbox_logs import rfc3339
from baseten_logs.emulator.sandboxes import ENDED_SANDBOX, FAILED_IMAGE, IMAGE, TRACED_SANDBOX

LOGS = f"/v1/sandboxes/instances/{TRACED_SANDBOX}/logs"


def _window(emu: Emulator, minutes: float, ago: float = 30) -> dict[str, str]:
    end_ms = emu.now_ms() - int(ago * MIN_MS)
    start_ms = end_ms - int(minutes * MIN_MS)
    return {"start_time": rfc3339(start_ms * 1_000_000), "end_time": rfc3339(end_ms * 1_000_000)}


def _pages(emu: Emulator, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    for _ in range(5_000):
        reply = call(emu, path, {**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        assert len(reply.json["logs"]) <= int(params.get("limit", 100))
        entries += reply.json["logs"]
        cursor = reply.json["next_cursor"]
        if cursor is None:
            return entries
    raise AssertionError("paging never ended")


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_next_cursor_pages_cover_every_entry_exactly_once(emu: Emulator, limit: int) -> None:
    window = _window(emu, minutes=2)
    whole = call(emu, LOGS, {**window, "limit": 1000}).json
    assert whole["next_cursor"] is None and len(whole["logs"]) > 100
    end_ms = emu.now_ms() - 30 * MIN_MS
    assert whole["logs"] == emu.sandbox_ground_truth(TRACED_SANDBOX, end_ms - 2 * MIN_MS, end_ms)
    assert _pages(emu, LOGS, {**window, "limit": limit}) == whole["logs"]


def test_a_window_is_start_inclusive_and_end_exclusive(emu: Emulator) -> None:
    window = _window(emu, minutes=2)
    first = call(emu, LOGS, {**window, "limit": 2}).json["logs"]
    assert first
    again = call(emu, LOGS, {"start_time": first[0]["timestamp"], "end_time": window["end_time"]})
    assert again.json["logs"][0] == first[0]
    before = call(
        emu, LOGS, {"start_time": window["start_time"], "end_time": first[0]["timestamp"]}
    )
    assert before.json["logs"] == []


def test_the_traced_sandbox_shares_traces_and_numbers_its_severities(emu: Emulator) -> None:
    entries = call(emu, LOGS, {**_window(emu, minutes=3), "limit": 1000}).json["logs"]
    traces = Counter(e["trace_id"] for e in entries if e["trace_id"])
    assert traces and max(traces.values()) >= 3
    assert any(e["trace_id"] == "" for e in entries)  # a daemon's lines carry no trace
    assert {e["severity"] for e in entries} <= {0, 5, 9, 13, 17}
    assert {e.get("action") for e in entries} == {"exec", None}
    assert all(e["timestamp"].endswith("Z") for e in entries)


def test_the_timestamps_vary_with_the_form(make_emu: Any) -> None:
    emu = make_emu(timestamp_form="iso")
    entries = call(emu, LOGS, {**_window(emu, minutes=1), "limit": 5}).json["logs"]
    assert entries and all(e["timestamp"].endswith("+00:00") for e in entries)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"cursor": "bm90IG91cnM"}, "cursor"),
        ({"start_time": None}, "start_time"),
        ({"end_time": None}, "end_time"),
        ({"start_time": "2026-09-21T10:00:00"}, "start_time"),  # no offset
        ({"end_time": "yesterday"}, "end_time"),
        ({"end_time": "2000-01-01T00:00:00Z"}, "end_time"),  # before the start
    ],
)
def test_log_refusals_name_the_parameter(emu: Emulator, change: dict[str, Any], named: str) -> None:
    params = {k: v for k, v in {**_window(emu, 1), **change}.items() if v is not None}
    reply = call(emu, LOGS, params)
    assert reply.status == 400 and named in reply.json["error"], reply.body


def test_the_list_pages_and_filters(emu: Emulator) -> None:
    whole = call(emu, "/v1/sandboxes/instances", {"limit": 100}).json
    assert whole["pagination"] == {"has_more": False, "cursor": None}
    names: list[str] = []
    cursor = None
    while True:
        page = call(
            emu, "/v1/sandboxes/instances", {"limit": 1, **({"cursor": cursor} if cursor else {})}
        )
        names += [s["name"] for s in page.json["items"]]
        cursor = page.json["pagination"]["cursor"]
        if cursor is None:
            break
    assert names == [s["name"] for s in whole["items"]] and len(names) == len(set(names)) >= 3
    ended = call(emu, "/v1/sandboxes/instances", {"status": ["TERMINATED"]}).json["items"]
    assert [s["name"] for s in ended] == [ENDED_SANDBOX]
    assert [
        s["name"] for s in call(emu, "/v1/sandboxes/instances", {"q": "team=agents"}).json["items"]
    ] == [TRACED_SANDBOX]
    for bad in ({"status": ["LIVE"]}, {"status": ["DEPLOYED"], "external_id": "x"}, {"limit": 101}):
        reply = call(emu, "/v1/sandboxes/instances", bad)
        assert reply.status == 400 and reply.json["error"].split(":")[0] in bad


def test_image_build_logs_page_by_offset(emu: Emulator) -> None:
    path = f"/v1/sandboxes/images/{IMAGE}/logs"
    whole = call(emu, path, {"limit": 1000}).json
    total = whole["total_count"]
    assert total == len(whole["logs"]) > 100
    paged: list[dict[str, Any]] = []
    for offset in range(0, total, 40):
        reply = call(emu, path, {"limit": 40, "offset": offset}).json
        assert reply["total_count"] == total
        paged += reply["logs"]
    assert paged == whole["logs"]
    assert call(emu, path, {"offset": 10_001}).status == 400
    assert call(emu, path, {"limit": 0}).status == 400
    failed = call(
        emu,
        f"/v1/sandboxes/images/{FAILED_IMAGE}/logs",
        {"start_time": rfc3339((emu.now_ms() - 4 * 86_400_000) * 1_000_000), "limit": 1000},
    ).json["logs"]
    assert failed[-1]["severity"] == 17 and "ERROR" in failed[-1]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sandboxes/instances/nosuch",
        "/v1/sandboxes/instances/nosuch/logs",
        "/v1/sandboxes/images/nosuch/logs",
    ],
)
def test_unknown_names_are_404s_with_an_error(emu: Emulator, path: str) -> None:
    reply = call(emu, path, _window(emu, 1))
    assert reply.status == 404 and reply.json["error"]


@pytest.mark.parametrize("limit", [1, 2])
def test_pages_split_between_lines_sharing_a_nanosecond(emu: Emulator, limit: int) -> None:
    # A command's burst holds lines sharing a nanosecond: a page may end among them.
    src = emu.store.sandbox_source(TRACED_SANDBOX)
    now_k = emu.now_ms() // MIN_MS
    tied = next(
        k
        for k in range(now_k - 300, now_k)
        if max(Counter(line.ts for line in emu.store.chunk(src, k).lines).values(), default=0) > 1
    )
    window = {
        "start_time": rfc3339(tied * MIN_MS * 1_000_000),
        "end_time": rfc3339((tied + 1) * MIN_MS * 1_000_000),
    }
    whole = call(emu, LOGS, {**window, "limit": 1000}).json["logs"]
    stamps = Counter(e["timestamp"] for e in whole)
    assert max(stamps.values()) > 1
    assert _pages(emu, LOGS, {**window, "limit": limit}) == whole
