"""Helpers for the emulator's tests: a fake clock and a stdlib HTTP caller (no httpx here)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from baseten_logs.emulator import DEMO_DEPLOYMENT_ID, DEMO_MODEL_ID, Emulator

# A fixed "now" (2026-09-21): every test sees the same catalogue dates and the same lines.
T0 = 1_790_000_000.0
MIN_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


class FakeClock:
    """The emulator's clock, moved by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def logs(self) -> list[dict[str, Any]]:
        assert self.status == 200, self.body[:300]
        logs: list[dict[str, Any]] = self.json["logs"]
        return logs


Params = Mapping[str, object] | Sequence[tuple[str, object]] | None


def call(
    emu: Emulator,
    path: str,
    params: Params = None,
    *,
    auth: str | None = "Bearer",
    key: str | None = None,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One request on a fresh connection; lists in `params` become repeated keys."""
    url = urlsplit(emu.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout)
    try:
        query = urlencode(params or {}, doseq=True)
        headers = {}
        if auth is not None:
            headers["Authorization"] = f"{auth} {key if key is not None else emu.api_key}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path + ("?" + query if query else ""), body=body, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


def logs_path(model_id: str = DEMO_MODEL_ID, deployment_id: str = DEMO_DEPLOYMENT_ID) -> str:
    return f"/v1/models/{model_id}/deployments/{deployment_id}/logs"


def now_ms(emu: Emulator) -> int:
    return emu.now_ms()
