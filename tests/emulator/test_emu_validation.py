"""The emulator refuses what the API documents as invalid, with JSON errors naming the cause."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emu_helpers import DAY_MS, MIN_MS, call, logs_path, now_ms

from baseten_logs.emulator import DEMO_MODEL_ID, Emulator

END = 1_790_000_000_000 - 5 * MIN_MS  # inside the demo deployment's life, before T0
LONG = "x" * 257


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start_epoch_millis": "abc"}, "start_epoch_millis"),
        ({"start_epoch_millis": ""}, "start_epoch_millis"),
        ({"end_epoch_millis": "1.5"}, "end_epoch_millis"),
        ({"end_epoch_millis": "1e12"}, "end_epoch_millis"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-3"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"direction": "up"}, "direction"),
        ({"direction": "DESC"}, "direction"),
        ({"min_level": "info"}, "min_level"),
        ({"min_level": "TRACE"}, "min_level"),
        ({"replica": LONG}, "replica"),
        ({"request_id": LONG}, "request_id"),
        ({"component": LONG}, "component"),
        ({"search_pattern": LONG}, "search_pattern"),
        ({"search_pattern": "(?=a)b"}, "search_pattern"),
        ({"search_pattern": "a(?!b)"}, "search_pattern"),
        ({"search_pattern": "(?<=a)b"}, "search_pattern"),
        ({"search_pattern": "(?<!a)b"}, "search_pattern"),
        ({"search_pattern": r"(a)\1"}, "search_pattern"),
        ({"search_pattern": r"(?P<x>a)(?P=x)"}, "search_pattern"),
        ({"search_pattern": "(?>ab)"}, "search_pattern"),
        ({"search_pattern": "a++"}, "search_pattern"),
        ({"search_pattern": "(unclosed"}, "search_pattern"),
        ({"search_pattern": "[a-"}, "search_pattern"),
        ({"includes": [f"s{i}" for i in range(9)]}, "includes"),
        ({"excludes": [f"s{i}" for i in range(9)]}, "excludes"),
        ({"start_epoch_millis": END + 1, "end_epoch_millis": END}, "start_epoch_millis"),
        ({"start_epoch_millis": END - 7 * DAY_MS - 1, "end_epoch_millis": END}, "7 days"),
        # Only a start: the end defaults to now, and the window is then too long.
        ({"start_epoch_millis": END - 8 * DAY_MS}, "7 days"),
    ],
)
def test_invalid_parameters_are_400_naming_the_parameter(
    emu: Emulator, params: dict[str, Any], named: str
) -> None:
    reply = call(emu, logs_path(), params)
    assert reply.status == 400
    assert reply.headers["content-type"] == "application/json"
    assert named in reply.json["error"]


@pytest.mark.parametrize(
    "params",
    [
        {"start_epoch_millis": END - 7 * DAY_MS, "end_epoch_millis": END, "limit": 1},
        {"start_epoch_millis": END, "end_epoch_millis": END},
        {"limit": 1000, "direction": "asc"},
        {"limit": 1},
        {"replica": "x" * 256, "request_id": "y" * 256, "component": "z" * 256},
        {"includes": [f"s{i}" for i in range(8)], "excludes": [f"e{i}" for i in range(8)]},
        # The schema caps how many substrings (8), not how long each is.
        {"includes": ["ok", LONG * 4], "excludes": [LONG]},
        {"search_pattern": r"\\1 literal backslash then 1"},
        {"search_pattern": r"[\d(?=]+ tokens"},
        {"search_pattern": "(?i)generated (?P<n>[0-9]+) tokens"},
        {"min_level": "DEBUG"},
        {"start_epoch_millis": "-5", "end_epoch_millis": "5"},
        {"unknown_parameter": "ignored"},
    ],
)
def test_valid_parameters_are_accepted(emu: Emulator, params: dict[str, Any]) -> None:
    reply = call(emu, logs_path(), params)
    assert reply.status == 200, reply.body
    assert isinstance(reply.logs, list)


def test_limit_above_max_can_be_clamped(make_emu: Any) -> None:
    emu = make_emu(limit_over_max="clamp")
    end = emu.now_ms() - 10 * MIN_MS
    params = {"start_epoch_millis": end - 60 * MIN_MS, "end_epoch_millis": end, "limit": 5000}
    assert len(call(emu, logs_path(), params).logs) == 1000
    emu.set_limit_over_max("reject")
    assert call(emu, logs_path(), params).status == 400


@pytest.mark.parametrize("scheme", ["Bearer", "Api-Key", "bearer", "api-key"])
def test_both_auth_schemes_are_accepted(emu: Emulator, scheme: str) -> None:
    assert call(emu, logs_path(), {"limit": 1}, auth=scheme).status == 200
    assert call(emu, "/v1/models", auth=scheme).status == 200


@pytest.mark.parametrize(
    ("auth", "key", "message"),
    [
        (None, None, "Missing API key"),
        ("Bearer", "wrong-key", "Invalid API key"),
        ("Api-Key", "wrong-key", "Invalid API key"),
        ("Token", None, "Invalid Authorization header"),
        ("Bearer", "", "Invalid API key"),
    ],
)
@pytest.mark.parametrize("path", [logs_path(), "/v1/models", f"/v1/models/{DEMO_MODEL_ID}"])
def test_missing_or_wrong_key_is_401(
    emu: Emulator, auth: str | None, key: str | None, message: str, path: str
) -> None:
    reply = call(emu, path, auth=auth, key=key)
    assert reply.status == 401
    assert reply.json["error"].startswith(message)


def test_extra_keys_authenticate(make_emu: Any) -> None:
    emu = make_emu(api_key="main", extra_api_keys=("second",))
    assert call(emu, "/v1/models", key="second").status == 200
    assert call(emu, "/v1/models", key="third").status == 401


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v1/models/nope123", "Model not found"),
        ("/v1/models/nope123/deployments", "Model not found"),
        ("/v1/models/nope123/deployments/3w1k9p5/logs", "Model not found"),
        (f"/v1/models/{DEMO_MODEL_ID}/deployments/nope123", "Deployment not found"),
        (f"/v1/models/{DEMO_MODEL_ID}/deployments/nope123/logs", "Deployment not found"),
        # A deployment of another model is not found under this one.
        (f"/v1/models/{DEMO_MODEL_ID}/deployments/z2e5r9c/logs", "Deployment not found"),
        # The aliases are not documented inside the logs path.
        (f"/v1/models/{DEMO_MODEL_ID}/deployments/production/logs", "Deployment not found"),
        (f"/v1/models/{DEMO_MODEL_ID}/environments/staging", "Environment not found"),
        (f"/v1/models/{DEMO_MODEL_ID}/environments/staging/logs", "Environment not found"),
        ("/v1/chains/nope123/deployments", "Chain not found"),
        (
            "/v1/chains/c8h4n2r/deployments/nope123/chainlets/r5t8l2m/logs",
            "Chain deployment not found",
        ),
        ("/v1/chains/c8h4n2r/deployments/p3x9d1k/chainlets/nope123/logs", "Chainlet not found"),
        ("/v1/training_projects/nope123/jobs", "Training project not found"),
        ("/v1/training_projects/t6q2w8z/jobs/nope123/logs", "Training job not found"),
        ("/v1/loops", "Not found"),
        (f"/v1/models/{DEMO_MODEL_ID}/secrets", "Not found"),
        ("/v2/models", "Not found"),
        ("/", "Not found"),
    ],
)
def test_unknown_things_are_404_json(emu: Emulator, path: str, message: str) -> None:
    reply = call(emu, path)
    assert reply.status == 404
    assert reply.json == {"error": message}


def test_unknown_non_api_paths_need_no_key(emu: Emulator) -> None:
    assert call(emu, "/favicon.ico", auth=None).status == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", logs_path()),
        ("DELETE", logs_path()),
        ("POST", f"/v1/models/{DEMO_MODEL_ID}"),
        # The schema keeps the deprecated POST form for deployments and training jobs only.
        ("POST", f"/v1/models/{DEMO_MODEL_ID}/environments/production/logs"),
    ],
)
def test_other_methods_are_405(emu: Emulator, method: str, path: str) -> None:
    reply = call(emu, path, method=method)
    assert reply.status == 405
    assert "error" in reply.json


def test_the_deprecated_post_form_answers_as_get_does(emu: Emulator) -> None:
    # truss still sends it: the same fields as the query, in a JSON body.
    end = now_ms(emu)
    fields: dict[str, Any] = {
        "start_epoch_millis": end - 600_000,
        "end_epoch_millis": end,
        "direction": "asc",
        "limit": 50,
        "includes": ["a", "e"],
    }
    got = call(emu, logs_path(), fields)
    posted = call(emu, logs_path(), method="POST", body=json.dumps(fields).encode())
    assert posted.status == got.status == 200
    assert posted.json == got.json
    assert len(posted.json["logs"]) == 50


def test_a_post_body_that_is_not_a_json_object_is_400(emu: Emulator) -> None:
    for body in (b"start=1", b"[1, 2]"):
        assert call(emu, logs_path(), method="POST", body=body).status == 400


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"project_id": 5}',
        b'{"statuses": "TRAINING_JOB_RUNNING"}',
        b'{"order_by": [{"field": "created_at"}]}',
        b'{"order_by": {"field": "created_at", "order": "desc"}}',
    ],
)
def test_a_training_job_search_the_schema_refuses_is_400(emu: Emulator, body: bytes) -> None:
    assert call(emu, "/v1/training_jobs/search", method="POST", body=body).status == 400


def test_a_training_job_search_narrows_and_orders(emu: Emulator) -> None:
    body = {"statuses": ["TRAINING_JOB_RUNNING"], "order_by": [{"field": "name", "order": "asc"}]}
    found = call(emu, "/v1/training_jobs/search", method="POST", body=json.dumps(body).encode())
    assert [j["name"] for j in found.json["training_jobs"]] == ["lora-r16"]
    everything = call(emu, "/v1/training_jobs/search", method="POST", body=b"{}")
    assert len(everything.json["training_jobs"]) == 2
