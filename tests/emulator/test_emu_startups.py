"""Replica start-ups: paging, filters, refusals, and the restarts' lines beside their attempts."""

from __future__ import annotations

from typing import Any

import pytest
from emu_helpers import DAY_MS, call

from baseten_logs.emulator import (
    DEMO_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    SDXL_DEPLOYMENT_ID,
    SDXL_MODEL_ID,
    WHISPER_MODEL_ID,
    WHISPER_NEW_DEPLOYMENT_ID,
    WHISPER_OLD_DEPLOYMENT_ID,
    Emulator,
)


def _path(emu: Emulator, model: str = DEMO_MODEL_ID, dep: str = DEMO_DEPLOYMENT_ID) -> str:
    return f"/v1/models/{emu.id(model)}/deployments/{emu.id(dep)}/startups"


def _window(emu: Emulator, days: float = 45) -> dict[str, Any]:
    now = emu.now_ms()
    return {"start_epoch_millis": now - int(days * DAY_MS), "end_epoch_millis": now}


def _all_pages(emu: Emulator, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        ask = {**_window(emu), **params, **({"cursor": cursor} if cursor else {})}
        reply = call(emu, path, ask)
        assert reply.status == 200, reply.body
        items += reply.json["items"]
        cursor = reply.json["pagination"]["cursor"]
        assert reply.json["pagination"]["has_more"] == (cursor is not None)
        if cursor is None:
            return items
    raise AssertionError("paging never ended")


def test_paging_covers_every_attempt_exactly_once(emu: Emulator) -> None:
    whole = call(emu, _path(emu), {**_window(emu), "limit": 100}).json
    paged = _all_pages(emu, _path(emu), limit=2)
    assert paged == whole["items"] and len(paged) == whole["total_count"]
    starts = [a["started_at_epoch_millis"] for a in paged]
    assert starts == sorted(starts, reverse=True)  # newest first by default


def test_the_restarted_replica_has_its_attempts_one_failed(emu: Emulator) -> None:
    restarts = emu.restarts
    assert len(restarts) == 2 and len({r.replica for r in restarts}) == 1
    replica = restarts[0].replica
    mine = _all_pages(emu, _path(emu), search=replica, direction="asc")
    assert [a["outcome"] for a in mine] == ["SUCCESS", "FAILED", "SUCCESS", "SUCCESS"]
    failed = mine[1]
    assert failed["ready_at_epoch_millis"] is None
    assert failed["phase_summary"][-1] == {**failed["phase_summary"][-1], "status": "FAILED"}
    assert {a["replica_id"] for a in mine} == {replica}


@pytest.mark.parametrize("which", [0, 1])
def test_the_lines_before_each_restart_show_why(emu: Emulator, which: int) -> None:
    restart = emu.restarts[which]
    first = restart.attempts[0]
    lines = emu.ground_truth(
        emu.id(DEMO_MODEL_ID),
        emu.id(DEMO_DEPLOYMENT_ID),
        first.started_ms - 10_000,
        first.started_ms,
        replica=restart.replica,
    )
    errors = [line["message"] for line in lines if line["level"] == "ERROR"]
    cause = "OutOfMemoryError" if restart.cause == "oom" else "illegal memory access"
    assert any(cause in m for m in errors) and any("exited with code" in m for m in errors)
    during = emu.ground_truth(
        emu.id(DEMO_MODEL_ID),
        emu.id(DEMO_DEPLOYMENT_ID),
        restart.crashed_ms + 1_000,
        first.server_start_ms - 1,
        replica=restart.replica,
    )
    assert during == []  # nothing from a replica that is down
    if restart.cause == "oom":  # the failed attempt's own load ran out of memory too
        end = first.started_ms + first.duration_ms
        load = emu.ground_truth(emu.id(DEMO_MODEL_ID), emu.id(DEMO_DEPLOYMENT_ID), end - 2_000, end)
        assert any("Readiness probe failed" in line["message"] for line in load)


def test_filters_and_sorting(emu: Emulator) -> None:
    path = _path(emu, SDXL_MODEL_ID, SDXL_DEPLOYMENT_ID)
    stalled = call(emu, path, {**_window(emu), "outcomes": ["STALLED"]}).json["items"]
    assert [a["outcome"] for a in stalled] == ["STALLED"]
    assert stalled[0]["phase_summary"][-1]["duration_ms"] is None
    slow = call(emu, _path(emu), {**_window(emu), "min_duration_ms": 60_000}).json["items"]
    assert slow and all(a["duration_ms"] >= 60_000 for a in slow)
    pulls = call(emu, _path(emu), {**_window(emu), "phase": "IMAGE_PULL"}).json["items"]
    assert pulls and all(a["phase_summary"][1]["duration_ms"] > 0 for a in pulls)
    by = call(emu, _path(emu), {**_window(emu), "sort_by": "DURATION", "direction": "asc"})
    durations = [a["duration_ms"] for a in by.json["items"]]
    assert durations == sorted(durations)


def test_an_environment_lists_each_deployment_while_it_served(emu: Emulator) -> None:
    path = f"/v1/models/{emu.id(WHISPER_MODEL_ID)}/environments/production/startups"
    items = _all_pages(emu, path)
    assert {a["environment_name"] for a in items} == {"production"}
    wanted = {emu.id(WHISPER_OLD_DEPLOYMENT_ID), emu.id(WHISPER_NEW_DEPLOYMENT_ID)}
    assert {a["deployment_id"] for a in items} == wanted
    summary = call(emu, path + "/summary", _window(emu)).json
    assert summary["total_duration_ms"]["sample_count"] == len(items)
    assert [p["phase"] for p in summary["phase_duration_ms"]][0] == "SCHEDULING"


def test_a_window_without_start_ups_summarises_nothing(emu: Emulator) -> None:
    now = emu.now_ms()
    window = {"start_epoch_millis": now - 60_000, "end_epoch_millis": now}
    summary = call(emu, _path(emu) + "/summary", window).json
    assert summary["total_duration_ms"] == {
        "sample_count": 0,
        "mean_ms": None,
        "p50_ms": None,
        "p90_ms": None,
        "p95_ms": None,
        "p99_ms": None,
    }


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-ours"}, "cursor"),
        ({"phase": "BOOT"}, "phase"),
        ({"sort_by": "NAME"}, "sort_by"),
        ({"direction": "DESC"}, "direction"),
        ({"min_duration_ms": -1}, "min_duration_ms"),
        ({"start_epoch_millis": None}, "start_epoch_millis"),
        ({"end_epoch_millis": None}, "end_epoch_millis"),
        ({"end_epoch_millis": 0}, "end_epoch_millis"),
    ],
)
def test_refusals_name_the_parameter(emu: Emulator, change: dict[str, Any], named: str) -> None:
    params = {k: v for k, v in {**_window(emu), **change}.items() if v is not None}
    for path in (_path(emu), _path(emu) + "/summary"):
        if path.endswith("summary") and named not in ("start_epoch_millis", "end_epoch_millis"):
            continue
        reply = call(emu, path, params)
        assert reply.status == 400 and named in reply.json["error"], reply.body


def test_unknown_names_are_404s_with_an_error(emu: Emulator) -> None:
    model = emu.id(DEMO_MODEL_ID)
    for path in (
        f"/v1/models/{model}/deployments/nosuch1/startups",
        f"/v1/models/nosuch1/deployments/{emu.id(DEMO_DEPLOYMENT_ID)}/startups",
        f"/v1/models/{model}/environments/staging/startups",
        f"/v1/models/{model}/deployments/production/startups",  # aliases are not ids here
    ):
        reply = call(emu, path, _window(emu))
        assert reply.status == 404 and reply.json["error"], path


def test_a_crafted_cursor_is_refused_not_a_crash(emu: Emulator) -> None:
    from baseten_logs.emulator.replies import encode_cursor

    for payload in ({"v": 1, "o": -5}, {"v": 1, "o": "2"}, {"v": 1}):
        reply = call(emu, _path(emu), {**_window(emu), "cursor": encode_cursor(payload)})
        assert reply.status == 400 and "cursor" in reply.json["error"]
    assert emu.errors == []
