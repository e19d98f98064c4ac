"""A tiny in-memory stand-in for the logs endpoint, served through pytest-httpx callbacks.

Unit tests use it to check paging against known data; the full emulator is for end-to-end tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

API_URL = "https://api.test"
MODEL = "mdl1234"
DEPLOYMENT = "dep5678"
LOGS_PATH = f"/v1/models/{MODEL}/deployments/{DEPLOYMENT}/logs"


def record(
    ns: int,
    message: str = "hello",
    *,
    replica: str | None = "a1b2c",
    request_id: str | None = None,
    level: str | None = "INFO",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "timestamp": str(ns),
        "message": message,
        "replica": replica,
        "request_id": request_id,
        "level": level,
        **extra,
    }


@dataclass
class FakeLogs:
    """Serves `records` with the documented window/direction/limit semantics."""

    records: list[dict[str, Any]] = field(default_factory=list)
    end_inclusive: bool = True
    calls: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.calls.append(params)
        start = int(params["start_epoch_millis"])
        end = int(params["end_epoch_millis"])
        limit = int(params["limit"])
        assert 1 <= limit <= 1000, limit
        assert end - start <= 7 * 86_400_000, "window over 7 days"
        chosen = [
            r
            for r in sorted(self.records, key=lambda r: int(r["timestamp"]))
            if start <= int(r["timestamp"]) // 1_000_000
            and (
                int(r["timestamp"]) // 1_000_000 <= end
                if self.end_inclusive
                else int(r["timestamp"]) // 1_000_000 < end
            )
        ]
        if params["direction"] == "desc":
            chosen.reverse()
        # json.dumps escapes as the API does (httpx's json= would send lone surrogates raw).
        body = json.dumps({"logs": chosen[:limit]}).encode()
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})
