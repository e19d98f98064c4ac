"""Audit logs: cursor pages in both directions, the filters, refusals, and events that match
the catalogue (what was deployed, promoted, scaled, deactivated, deleted; the restarts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from emu_helpers import call

from baseten_logs.emulator import (
    DEMO_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    WHISPER_MODEL_ID,
    WHISPER_NEW_DEPLOYMENT_ID,
    Emulator,
)
from baseten_logs.emulator.chains import CHAIN_ID
from baseten_logs.emulator.replies import encode_cursor

AUDIT = "/v1/audit_logs"


def _ms(created: str) -> int:
    return int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp() * 1000)


def _pages(emu: Emulator, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(500):
        reply = call(emu, path, {**params, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        items += reply.json["items"]
        cursor = reply.json["pagination"]["cursor"]
        assert reply.json["pagination"]["has_more"] == (cursor is not None)
        if cursor is None:
            return items
    raise AssertionError("paging never ended")


@pytest.mark.parametrize("direction", ["DESC", "ASC"])
def test_cursor_pages_cover_every_entry_exactly_once(emu: Emulator, direction: str) -> None:
    whole = call(emu, AUDIT, {"limit": 200, "direction": direction}).json["items"]
    assert len(whole) > 20
    assert _pages(emu, AUDIT, limit=3, direction=direction) == whole
    times = [_ms(item["created"]) for item in whole]
    assert times == sorted(times, reverse=direction == "DESC")
    assert len({item["id"] for item in whole}) == len(whole)


def test_the_default_page_is_twenty_newest_first_and_a_cursor_keeps_its_direction(
    emu: Emulator,
) -> None:
    first = call(emu, AUDIT).json
    assert len(first["items"]) == 20 and first["pagination"]["has_more"]
    rest = call(emu, AUDIT, {"cursor": first["pagination"]["cursor"], "direction": "ASC"})
    newest = call(emu, AUDIT, {"limit": 40}).json["items"]
    assert first["items"] + rest.json["items"] == newest


def test_events_match_the_catalogue(emu: Emulator) -> None:
    items = call(emu, AUDIT, {"limit": 200}).json["items"]
    deployed = {
        i["event_data"]["deployment_id"]: i for i in items if i["event_type"] == "MODEL_DEPLOYED"
    }
    for model in emu.models:
        for dep in model.deployments:
            assert _ms(deployed[dep.id]["created"]) == dep.created_at_ms
            assert deployed[dep.id]["event_data"]["model_name"] == model.name
    promoted = [i for i in items if i["event_type"] == "MODEL_DEPLOYMENT_PROMOTED"]
    whisper = next(
        i for i in promoted if i["event_data"]["deployment_id"] == emu.id(WHISPER_NEW_DEPLOYMENT_ID)
    )
    assert _ms(whisper["created"]) == emu.catalogue.whisper_promoted_at_ms
    terminated = [i for i in items if i["event_type"] == "REPLICA_TERMINATED"]
    assert sorted(_ms(i["created"]) for i in terminated) == [r.crashed_ms for r in emu.restarts]
    assert {i["event_data"]["replica_id"] for i in terminated} == {emu.restarts[0].replica}
    kinds = {i["event_type"] for i in items}
    assert {"MODEL_DELETED", "MODEL_DEPLOYMENT_DELETED", "CHAIN_DEPLOYED"} <= kinds
    assert {
        "MODEL_DEPLOYMENT_DEACTIVATED",
        "MODEL_DEPLOYMENT_AUTOSCALING_SETTINGS_CHANGED",
    } <= kinds
    assert {i["actor"]["type"] for i in items} == {"USER", "API_KEY", "BASETEN_SYSTEM"}


def test_a_models_and_a_chains_trail(emu: Emulator) -> None:
    model = emu.id(DEMO_MODEL_ID)
    mine = _pages(emu, f"/v1/models/{model}/audit_logs", limit=200)
    assert mine and {i["event_data"]["model_id"] for i in mine} == {model}
    chain = emu.id(CHAIN_ID)
    trail = call(emu, f"/v1/chains/{chain}/audit_logs", {"limit": 200}).json["items"]
    assert trail and {i["event_data"]["chain_id"] for i in trail} == {chain}
    assert call(emu, "/v1/models/nosuch1/audit_logs").status == 404
    assert call(emu, "/v1/chains/nosuch1/audit_logs").json["error"]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"search": "WHISPER"}, lambda i: "whisper" in str(i["event_data"]).lower()),
        ({"event_type_groups": ["PROMOTED"]}, lambda i: i["event_type"].endswith("PROMOTED")),
        (
            {"event_type_groups": ["DELETED", "REPLICA_TERMINATED"]},
            lambda i: i["event_type"].endswith(("DELETED", "TERMINATED")),
        ),
        ({"sources": ["SYSTEM"]}, lambda i: i["source"] == "SYSTEM"),
        (
            {"environment_names": ["production"]},
            lambda i: i["event_data"].get("environment_name") == "production",
        ),
        ({"user_ids": ["u9k2m7q"]}, lambda i: i["actor"].get("email") == "dev@example.com"),
    ],
)
def test_filters(emu: Emulator, params: dict[str, Any], keep: Any) -> None:
    everything = call(emu, AUDIT, {"limit": 200}).json["items"]
    wanted = [i for i in everything if keep(i)]
    assert wanted and len(wanted) < len(everything)
    assert _pages(emu, AUDIT, limit=200, **params) == wanted


def test_deployment_ids_and_the_window(emu: Emulator) -> None:
    dep = emu.id(DEMO_DEPLOYMENT_ID)
    items = call(emu, AUDIT, {"limit": 200, "deployment_ids": [dep]}).json["items"]
    assert items and {i["event_data"]["deployment_id"] for i in items} == {dep}
    times = sorted(_ms(i["created"]) for i in items)
    window = {"start_epoch_millis": times[1], "end_epoch_millis": times[-2]}
    inside = call(emu, AUDIT, {"limit": 200, "deployment_ids": [dep], **window}).json["items"]
    assert len(inside) == len(items) - 2


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"direction": "desc"}, "direction"),
        ({"cursor": "garbage"}, "cursor"),
        ({"start_epoch_millis": "yesterday"}, "start_epoch_millis"),
    ],
)
def test_refusals_name_the_parameter(emu: Emulator, params: dict[str, Any], named: str) -> None:
    model = emu.id(WHISPER_MODEL_ID)
    for path in (
        AUDIT,
        f"/v1/models/{model}/audit_logs",
        f"/v1/chains/{emu.id(CHAIN_ID)}/audit_logs",
    ):
        reply = call(emu, path, params)
        assert reply.status == 400 and named in reply.json["error"], (path, reply.body)


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        (AUDIT, {"v": 1, "d": "DESC"}),  # no position
        (AUDIT, {"v": 1, "d": "ASC", "t": True, "i": "x"}),
        ("/v1/sandboxes/instances", {"v": 1, "o": -3}),
        ("/v1/sandboxes/instances/agent-sbx-7f3k/logs", {"v": 1, "t": 5, "n": -1}),
        ("/v1/sandboxes/instances/agent-sbx-7f3k/logs", {"v": 1, "t": "soon", "n": 0}),
    ],
)
def test_a_cursor_of_the_right_form_but_wrong_fields_is_refused_not_a_crash(
    emu: Emulator, path: str, payload: dict[str, Any]
) -> None:
    cursor = encode_cursor(payload)
    window = {"start_time": "2026-09-21T10:00:00Z", "end_time": "2026-09-21T10:05:00Z"}
    reply = call(emu, path, {**window, "cursor": cursor})
    assert reply.status == 400 and "cursor" in reply.json["error"]
    assert emu.errors == []
