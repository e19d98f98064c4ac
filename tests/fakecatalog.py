"""A small in-memory stand-in for the management reads that name resolution uses.

Served through a pytest-httpx callback, like tests/fakeapi.py serves logs: unit tests of names,
listings and completion assert on the requests it saw. The full emulator is for end-to-end tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

API_URL = "https://api.test"

LLAMA, LLAMA_PROD, LLAMA_DEV = "q4w8x2z", "3w1k9p5", "d7m2v8n"
LLAMA_V2_A, LLAMA_V2_B = "k1k1k1k", "k2k2k2k"  # two deployments both named "v2"
EMB_ACME, EMB_RESEARCH = "e3m8b1a", "r7e2m9b"
IDLIKE_NAME, IDLIKE_ID, IDLIKE_PROD = "mistral", "n4m3e2a", "p0p0p0p"  # a name shaped like an id
BARE = "b1a2r3e"  # no production or development deployment at all
# Asked only when no model has the name or id: is it a chain's or a training project's?
OTHER_KINDS = ("/v1/chains", "/v1/training_projects")


def model(
    id: str,
    name: str,
    team: str = "acme-ml",
    *,
    production: str | None = None,
    development: str | None = None,
    count: int = 1,
) -> dict[str, Any]:
    return {
        "id": id,
        "name": name,
        "created_at": "2026-01-01T00:00:00.000000Z",
        "deployments_count": count,
        "production_deployment_id": production,
        "development_deployment_id": development,
        "instance_type_name": "A10G:1x24",
        "team_name": team,
    }


def deployment(
    id: str,
    name: str,
    model_id: str,
    *,
    production: bool = False,
    development: bool = False,
    status: str = "ACTIVE",
    replicas: int = 1,
    created: str = "2026-01-02T03:04:05.000000Z",
) -> dict[str, Any]:
    return {
        "id": id,
        "name": name,
        "model_id": model_id,
        "created_at": created,
        "is_production": production,
        "is_development": development,
        "status": status,
        "active_replica_count": replicas,
        "environment": "production" if production else None,
        "instance_type_name": "A10G:1x24",
    }


def _default_models() -> list[dict[str, Any]]:
    return [
        model(LLAMA, "llama-3-8b", production=LLAMA_PROD, development=LLAMA_DEV, count=4),
        model(EMB_ACME, "embedder", production="e4p7q2r"),
        model(EMB_RESEARCH, "embedder", "research", production="r1k8w3s"),
        model(IDLIKE_ID, IDLIKE_NAME, production=IDLIKE_PROD),
        model(BARE, "bare", count=0),
    ]


def _default_deployments() -> dict[str, list[dict[str, Any]]]:
    return {
        LLAMA: [
            deployment(
                LLAMA_PROD, "v3", LLAMA, production=True, replicas=3, created="2026-03-01T10:00:00Z"
            ),
            deployment(
                LLAMA_DEV, "development", LLAMA, development=True, created="2026-03-20T08:30:00Z"
            ),
            deployment(
                LLAMA_V2_A, "v2", LLAMA, status="INACTIVE", replicas=0, created="2026-02-01T00:00Z"
            ),
            deployment(
                LLAMA_V2_B, "v2", LLAMA, status="BUILD_FAILED", replicas=0, created="2026-02-02T0Z"
            ),
        ],
        EMB_ACME: [deployment("e4p7q2r", "v1", EMB_ACME, production=True)],
        EMB_RESEARCH: [deployment("r1k8w3s", "v2", EMB_RESEARCH, production=True)],
        IDLIKE_ID: [deployment(IDLIKE_PROD, "v1", IDLIKE_ID, production=True)],
        BARE: [],
    }


@dataclass
class FakeCatalog:
    """The reads of the management API over a tiny catalogue; edit the lists in a test."""

    models: list[dict[str, Any]] = field(default_factory=_default_models)
    deployments: dict[str, list[dict[str, Any]]] = field(default_factory=_default_deployments)
    environments: dict[str, list[str]] = field(
        default_factory=lambda: {LLAMA: ["production", "staging"]}
    )
    # Log records per logs path (for replica completion).
    logs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Answers that replace the catalogue's for one path (wrong shapes, errors).
    overrides: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    # Who the key belongs to (`GET /v1/users/me`).
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "user_id": "u1",
            "email": "ada@example.com",
            "name": "Ada",
            "workspace_name": "acme-ml",
        }
    )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        query = dict(request.url.params)
        self.seen.append(path + (f"?{request.url.query.decode()}" if request.url.query else ""))
        if path in self.overrides:
            return self.overrides[path](request)
        parts = path.strip("/").split("/")
        if parts == ["v1", "users", "me"]:
            return _ok(self.user)
        if parts[:2] != ["v1", "models"]:
            return _error(404, "Not found")
        if len(parts) == 2:
            name = query.get("name")
            return _ok({"models": [m for m in self.models if name is None or m["name"] == name]})
        found = next((m for m in self.models if m["id"] == parts[2]), None)
        if found is None:
            return _error(404, "Model not found")
        rest = parts[3:]
        if not rest:
            return _ok(found)
        if rest[0] == "deployments":
            return self._deployments(found, rest[1:], query)
        if rest[0] == "environments":
            envs = self.environments.get(found["id"], [])
            if len(rest) == 1:
                return _ok({"environments": [{"name": e, "model_id": found["id"]} for e in envs]})
            if rest[1] in envs and rest[2:] == ["logs"]:
                path = f"/v1/models/{found['id']}/environments/{rest[1]}/logs"
                return _ok({"logs": self.logs.get(path, [])})
            if rest[1] in envs and len(rest) == 2:
                return _ok({"name": rest[1], "model_id": found["id"], "current_deployment": None})
            return _error(404, "Environment not found")
        return _error(404, "Not found")

    def _deployments(
        self, found: dict[str, Any], rest: list[str], query: dict[str, str]
    ) -> httpx.Response:
        deployments = self.deployments.get(found["id"], [])
        if not rest:
            name = query.get("name")
            chosen = [d for d in deployments if name is None or d["name"] == name]
            return _ok({"deployments": chosen})
        wanted = rest[0]
        if len(rest) == 2 and rest[1] == "logs":
            # As the API: only a real deployment id works inside the logs path (no aliases).
            if not any(d["id"] == wanted for d in deployments):
                return _error(404, "Deployment not found")
            return _ok(
                {"logs": self.logs.get(f"/v1/models/{found['id']}/deployments/{wanted}/logs", [])}
            )
        for d in deployments:
            if (
                d["id"] == wanted
                or (wanted == "production" and d["is_production"])
                or (wanted == "development" and d["is_development"])
            ):
                return _ok(d)
        return _error(404, "Deployment not found")


def _ok(payload: Any) -> httpx.Response:
    return httpx.Response(200, content=json.dumps(payload).encode(), headers=_JSON)


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, content=json.dumps({"error": message}).encode(), headers=_JSON)


_JSON = {"content-type": "application/json"}


def serve(httpx_mock: Any) -> FakeCatalog:
    """Answer every request to API_URL from a fresh FakeCatalog (optional: a test may send none)."""
    import re

    fake = FakeCatalog()
    httpx_mock.add_callback(
        fake, url=re.compile(rf"{re.escape(API_URL)}/.*"), is_optional=True, is_reusable=True
    )
    return fake
