"""Name-resolution reads and environment logs merged across a promotion."""

from __future__ import annotations

import re
from typing import Any

from emu_helpers import HOUR_MS, MIN_MS, call

from baseten_logs.emulator import (
    DEMO_DEPLOYMENT_ID,
    DEMO_DEV_DEPLOYMENT_ID,
    DEMO_MODEL_ID,
    DEMO_MODEL_NAME,
    SDXL_DEPLOYMENT_ID,
    SDXL_MODEL_ID,
    WHISPER_MODEL_ID,
    WHISPER_NEW_DEPLOYMENT_ID,
    WHISPER_OLD_DEPLOYMENT_ID,
    Emulator,
)

MODEL_KEYS = {
    "id",
    "name",
    "created_at",
    "deployments_count",
    "production_deployment_id",
    "development_deployment_id",
    "instance_type_name",
    "team_name",
}
DEPLOYMENT_KEYS = {
    "id",
    "name",
    "model_id",
    "created_at",
    "is_production",
    "is_development",
    "status",
    "active_replica_count",
    "environment",
    "instance_type_name",
    "autoscaling_settings",  # required by Baseten's schema, though the tool never reads them
    "request_backpressure_settings",
}


def test_models_list_and_exact_name_filter(emu: Emulator) -> None:
    models = call(emu, "/v1/models").json["models"]
    assert len(models) == len(emu.models) >= 5
    for model in models:
        assert set(model) == MODEL_KEYS
        assert re.fullmatch("[a-z0-9]{7}", model["id"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", model["created_at"])
    embedders = call(emu, "/v1/models", {"name": "embedder"}).json["models"]
    assert len(embedders) == 2
    assert {m["team_name"] for m in embedders} == {"acme-ml", "research"}
    assert call(emu, "/v1/models", {"name": "embed"}).json == {"models": []}
    assert call(emu, "/v1/models/", {"name": DEMO_MODEL_NAME}).json["models"][0]["id"] == (
        DEMO_MODEL_ID
    )


def test_model_and_its_deployments(emu: Emulator) -> None:
    model = call(emu, f"/v1/models/{DEMO_MODEL_ID}").json
    assert model["name"] == DEMO_MODEL_NAME
    assert model["production_deployment_id"] == DEMO_DEPLOYMENT_ID
    assert model["development_deployment_id"] == DEMO_DEV_DEPLOYMENT_ID
    assert model["deployments_count"] == 2
    deployments = call(emu, f"/v1/models/{DEMO_MODEL_ID}/deployments").json["deployments"]
    assert {d["id"] for d in deployments} == {DEMO_DEPLOYMENT_ID, DEMO_DEV_DEPLOYMENT_ID}
    assert all(set(d) == DEPLOYMENT_KEYS for d in deployments)
    named = call(emu, f"/v1/models/{DEMO_MODEL_ID}/deployments", {"name": "development"}).json
    assert [d["id"] for d in named["deployments"]] == [DEMO_DEV_DEPLOYMENT_ID]
    base = f"/v1/models/{DEMO_MODEL_ID}/deployments"
    production = call(emu, f"{base}/production").json
    assert production["id"] == DEMO_DEPLOYMENT_ID and production["is_production"] is True
    assert production["environment"] == "production"
    assert production["status"] == "ACTIVE" and production["active_replica_count"] == 3
    development = call(emu, f"{base}/development").json
    assert development["id"] == DEMO_DEV_DEPLOYMENT_ID and development["is_development"] is True
    assert call(emu, f"{base}/{DEMO_DEPLOYMENT_ID}").json == production
    # No development deployment: a 404, like any missing deployment.
    sdxl = call(emu, f"/v1/models/{SDXL_MODEL_ID}/deployments/development")
    assert sdxl.status == 404 and sdxl.json == {"error": "Deployment not found"}


def test_statuses(emu: Emulator) -> None:
    sdxl = call(emu, f"/v1/models/{SDXL_MODEL_ID}/deployments/{SDXL_DEPLOYMENT_ID}").json
    assert sdxl["status"] == "SCALED_TO_ZERO" and sdxl["active_replica_count"] == 0
    old = call(emu, f"/v1/models/{WHISPER_MODEL_ID}/deployments/{WHISPER_OLD_DEPLOYMENT_ID}").json
    assert old["status"] == "INACTIVE" and old["is_production"] is False


def test_environments(emu: Emulator) -> None:
    envs = call(emu, f"/v1/models/{WHISPER_MODEL_ID}/environments").json["environments"]
    assert [e["name"] for e in envs] == ["production"]
    env = call(emu, f"/v1/models/{WHISPER_MODEL_ID}/environments/production").json
    assert env["model_id"] == WHISPER_MODEL_ID
    assert env["current_deployment"]["id"] == WHISPER_NEW_DEPLOYMENT_ID
    assert set(env["current_deployment"]) == DEPLOYMENT_KEYS


def test_catalogue_accessors(emu: Emulator) -> None:
    assert emu.model_named(DEMO_MODEL_NAME).id == DEMO_MODEL_ID
    assert emu.model_named("embedder", team="research").team_name == "research"
    try:
        emu.model_named("embedder")
    except ValueError as exc:
        assert "2 models" in str(exc)
    else:
        raise AssertionError("an ambiguous name must raise")


def env_logs(emu: Emulator, start: int, end: int, **params: Any) -> list[dict[str, Any]]:
    query = {"start_epoch_millis": start, "end_epoch_millis": end, "limit": 1000, **params}
    return call(emu, f"/v1/models/{WHISPER_MODEL_ID}/environments/production/logs", query).logs


def test_environment_logs_merge_deployments_across_a_promotion(make_emu: Any) -> None:
    emu = make_emu(extra_fields=True, lines_per_s=1.0)
    promoted = emu.catalogue.whisper_promoted_at_ms
    start, end = promoted - 5 * MIN_MS, promoted + 5 * MIN_MS
    old = emu.ground_truth(WHISPER_MODEL_ID, WHISPER_OLD_DEPLOYMENT_ID, start, end)
    new = emu.ground_truth(WHISPER_MODEL_ID, WHISPER_NEW_DEPLOYMENT_ID, start, end)
    # Both deployments logged on both sides of the promotion (the new one was deployed
    # earlier, the old one drained for a while after).
    ms = lambda line: int(line["timestamp"]) // 1_000_000  # noqa: E731
    assert any(ms(line) >= promoted for line in old) and any(ms(line) < promoted for line in new)
    expected = sorted(
        [line for line in old if ms(line) < promoted]
        + [line for line in new if ms(line) >= promoted],
        key=lambda line: int(line["timestamp"]),
    )
    merged = emu.environment_ground_truth(WHISPER_MODEL_ID, "production", start, end)
    assert [line["timestamp"] for line in merged] == [line["timestamp"] for line in expected]
    assert sorted(map(str, merged)) == sorted(map(str, expected))
    assert env_logs(emu, start, end, direction="asc") == merged[:1000]
    assert env_logs(emu, start, end, direction="desc") == merged[::-1][:1000]
    assert {line["deployment_id"] for line in merged} == {
        WHISPER_OLD_DEPLOYMENT_ID,
        WHISPER_NEW_DEPLOYMENT_ID,
    }
    filtered = env_logs(emu, start, end, min_level="ERROR", direction="asc")
    assert filtered == [line for line in merged if line["level"] == "ERROR"][:1000]


def test_deployments_log_only_while_alive(emu: Emulator) -> None:
    promoted = emu.catalogue.whisper_promoted_at_ms
    old_after = emu.ground_truth(
        WHISPER_MODEL_ID, WHISPER_OLD_DEPLOYMENT_ID, promoted + 16 * MIN_MS, emu.now_ms()
    )
    assert old_after == []
    sdxl = emu.model_named("sdxl-turbo").deployments[0]
    assert sdxl.logs_until_ms is not None
    assert (
        emu.ground_truth(SDXL_MODEL_ID, SDXL_DEPLOYMENT_ID, sdxl.logs_until_ms, emu.now_ms()) == []
    )
    before = emu.ground_truth(
        SDXL_MODEL_ID, SDXL_DEPLOYMENT_ID, sdxl.logs_until_ms - HOUR_MS, sdxl.logs_until_ms
    )
    assert before
    # A brand-new deployment starts with its replicas downloading weights.
    new = emu.model_named("whisper-large").deployment(WHISPER_NEW_DEPLOYMENT_ID)
    assert new is not None
    first = emu.ground_truth(
        WHISPER_MODEL_ID, "production", new.logs_from_ms - HOUR_MS, new.logs_from_ms + MIN_MS
    )
    assert int(first[0]["timestamp"]) // 1_000_000 >= new.logs_from_ms
    assert any(line["message"].startswith("Downloading ") for line in first)
